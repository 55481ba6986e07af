"""Pages that join apps: the item page with its panels; registering a platform or a domain,
which adopts the waiting items."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.accounts.permissions import role_required
from flagdesk.cases import views as case_views
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error
from flagdesk.matching import panels as matching_panels
from flagdesk.notices import panels as notices_panels
from flagdesk.platforms.forms import DomainsForm, PlatformForm
from flagdesk.platforms.queries import platforms
from flagdesk.platforms.services import REGISTRY_EDITORS

from . import platforms as registry
from .platforms import RegistryChange

# The item page's sections from later apps, in page order within each slot.
ITEM_PANELS = (notices_panels.send_panel, matching_panels.item_panel, notices_panels.item_panel)


def item_detail(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """cases' item page (which checks the role) with the panels."""
    return case_views.item_detail(request, item_id, panels=ITEM_PANELS)


def _adopted_message(change: RegistryChange) -> str:
    return ngettext(
        "%(count)d waiting item now belongs to %(name)s.",
        "%(count)d waiting items now belong to %(name)s.",
        change.adopted_items,
    ) % {"count": change.adopted_items, "name": change.platform.name}


@role_required(*REGISTRY_EDITORS)
def platform_add(request: HttpRequest) -> HttpResponse:
    form = PlatformForm(request.POST or None)
    if form.is_valid():
        try:
            change = registry.register_platform(actor=request.user, **form.cleaned_data)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                _("Platform %(name)s registered.") % {"name": change.platform.name}
                + " "
                + _adopted_message(change),
            )
            return redirect("platforms:platform-list")
    return render(request, "platforms/platform_add.html", {"form": form})


@role_required(*REGISTRY_EDITORS)
def platform_domains_add(request: HttpRequest, platform_id: UUID) -> HttpResponse:
    platform = get_object_or_404(platforms(), id=platform_id)
    form = DomainsForm(request.POST or None)
    if form.is_valid():
        try:
            change = registry.add_platform_domains(
                platform, actor=request.user, domains=form.cleaned_data["domains"]
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                _("Added to %(name)s: %(domains)s.")
                % {"name": platform.name, "domains": ", ".join(change.domains)}
                + " "
                + _adopted_message(change),
            )
            return redirect("platforms:platform-list")
    return render(
        request, "platforms/platform_domains_add.html", {"form": form, "platform": platform}
    )
