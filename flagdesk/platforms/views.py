"""The platform registry's list page. The pages that write the registry live in
``flagdesk.site.views``: a new platform or domain adopts waiting items, which are cases'."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.accounts.models import CASEWORK_ROLES, Role
from flagdesk.accounts.permissions import role_required

from .queries import platforms
from .services import REGISTRY_EDITORS, set_hash_matching


@role_required(*CASEWORK_ROLES, Role.ADMIN)
def platform_list(request: HttpRequest) -> HttpResponse:
    rows = platforms().annotate(item_count=Count("items"))
    return render(request, "platforms/platform_list.html", {"platforms": rows})


@require_POST
@role_required(*REGISTRY_EDITORS)
def platform_hash_matching(request: HttpRequest, platform_id: UUID) -> HttpResponse:
    """The list page's switch: whether notices to this platform carry the items' hashes."""
    platform = get_object_or_404(platforms(), id=platform_id)
    accepts = request.POST.get("accepts") == "1"
    set_hash_matching(platform, actor=request.user, accepts=accepts)
    if accepts:
        messages.success(
            request, _("Notices to %(name)s now carry the items' hashes.") % {"name": platform}
        )
    else:
        messages.success(
            request, _("Notices to %(name)s no longer carry hashes.") % {"name": platform}
        )
    return redirect("platforms:platform-list")
