"""Pages that join apps: the item page with its panels; registering a platform or a domain,
or importing the registry, which adopts the waiting items."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.cases import case_views as case_page_views
from flagdesk.cases import panels as cases_panels
from flagdesk.cases import views as case_views
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error
from flagdesk.intake import panels as intake_panels
from flagdesk.matching import panels as matching_panels
from flagdesk.monitoring import panels as monitoring_panels
from flagdesk.notices import panels as notices_panels
from flagdesk.partners import panels as partners_panels
from flagdesk.platforms.forms import DomainsForm, PlatformForm, RegistryImportForm
from flagdesk.platforms.queries import platforms
from flagdesk.platforms.services import REGISTRY_EDITORS, SEED

from . import platforms as registry
from .platforms import RegistryChange

# The item page's sections from later apps, in page order within each slot.
ITEM_PANELS = (
    notices_panels.send_panel,
    matching_panels.item_panel,
    notices_panels.item_panel,
    monitoring_panels.item_panel,
    partners_panels.item_panel,
    intake_panels.item_panel,  # the case's contact log, in short
)


# The case page's sections from later apps, in page order within each slot. A provider is
# ``(request, case, items) -> Panel | None``: ``items`` are the case's items the user may see
# (scope already applied); it returns None to show nothing. The page's slots are
# ``after_items`` (left column, under the items and reports) and ``side`` (right column,
# above the timeline); docs/cases.md lists them.
CASE_PANELS = (
    cases_panels.facts_panel,  # facts for the statistics: age, school level, gender...
    intake_panels.reporter_mails_panel,  # mails to the reporters: write, requests, sent
    intake_panels.pictures_panel,  # pictures hashed on the reporter's device, and copies found
    matching_panels.case_panel,
    notices_panels.case_panel,
    intake_panels.case_panel,  # the contact log, in short
)


def item_detail(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """cases' item page (which checks the role) with the panels."""
    return case_views.item_detail(request, item_id, panels=ITEM_PANELS)


@role_required(*CASEWORK_ROLES)
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """cases' case page (which checks the role and the scope) with the panels."""
    return case_page_views.case_detail(request, case_id, panels=CASE_PANELS)


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


# The values of the import page's submit buttons (name="form").
UPLOAD, SEED_LIST = "upload", "seed"


@role_required(*REGISTRY_EDITORS)
def platform_import(request: HttpRequest) -> HttpResponse:
    """A registry file, or the list flagdesk ships; all or nothing, every problem listed."""
    sent = request.POST.get("form") if request.method == "POST" else None
    form = RegistryImportForm(
        request.POST if sent == UPLOAD else None, request.FILES if sent == UPLOAD else None
    )
    data: Any = None
    if sent == SEED_LIST:
        data = json.loads(SEED.read_text(encoding="utf-8"))
    elif sent == UPLOAD and form.is_valid():
        data = form.cleaned_data["file"]
    problems: list[str] = []
    if data is not None:
        try:
            done = registry.import_platforms(
                data, actor=request.user, keep_existing=sent == SEED_LIST
            )
        except FlagdeskError as e:
            # Entries' problems by the entry's name; a file that is no registry at all, once.
            by_entry = set(e.fields) - {"file", "platforms"}
            problems = (
                [f"{name}: {problem}" for name, problem in e.fields.items()]
                if by_entry
                else [str(e.message)]
            )
        else:
            messages.success(
                request,
                _(
                    "Registry imported. Platforms added: %(created)d; updated: %(updated)d; "
                    "waiting items now on their platform: %(adopted)d."
                )
                % {
                    "created": len(done.result.created),
                    "updated": len(done.result.updated),
                    "adopted": done.adopted_items,
                },
            )
            return redirect("platforms:platform-list")
    return render(
        request,
        "platforms/platform_import.html",
        {"form": form, "problems": problems, "forms": {"upload": UPLOAD, "seed": SEED_LIST}},
    )
