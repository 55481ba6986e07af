"""The platform registry pages."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flagdesk.accounts.models import CASEWORK_ROLES, Role
from flagdesk.accounts.permissions import role_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .forms import PlatformForm
from .queries import platforms
from .services import add_platform

EDITOR_ROLES = (Role.COORDINATOR, Role.ADMIN)


@role_required(*CASEWORK_ROLES, Role.ADMIN)
def platform_list(request: HttpRequest) -> HttpResponse:
    rows = platforms().annotate(item_count=Count("items"))
    return render(request, "platforms/platform_list.html", {"platforms": rows})


@role_required(*EDITOR_ROLES)
def platform_add(request: HttpRequest) -> HttpResponse:
    form = PlatformForm(request.POST or None)
    if form.is_valid():
        try:
            platform = add_platform(actor=request.user, **form.cleaned_data)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("Platform %(name)s registered.") % {"name": platform.name})
            return redirect("platforms:platform-list")
    return render(request, "platforms/platform_add.html", {"form": form})
