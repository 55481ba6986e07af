"""The platform registry's list page. The pages that write the registry live in
``flagdesk.site.views``: a new platform or domain adopts waiting items, which are cases'."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from flagdesk.accounts.models import CASEWORK_ROLES, Role
from flagdesk.accounts.permissions import role_required

from .queries import platforms


@role_required(*CASEWORK_ROLES, Role.ADMIN)
def platform_list(request: HttpRequest) -> HttpResponse:
    rows = platforms().annotate(item_count=Count("items"))
    return render(request, "platforms/platform_list.html", {"platforms": rows})
