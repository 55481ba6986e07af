"""The platform registry's pages: the list, a platform's edit page (facts, channels, inbound
secret) and the JSON export. Registering a platform, adding domains and importing also adopt
waiting items (cases), so those pages live in ``flagdesk.site``, under this same namespace."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .forms import (
    ChannelFormSet,
    PlatformFactsForm,
    channel_initial,
    show_channel_error,
)
from .models import Platform
from .queries import platforms
from .services import (
    MANUAL,
    REGISTRY_EDITORS,
    export_registry,
    new_inbound_secret,
    notice_channel,
    set_channels,
    set_hash_matching,
    update_facts,
)

# The values of the edit page's submit buttons (name="form"): which of its forms was sent.
FACTS, CHANNELS, SECRET = "facts", "channels", "secret"


@role_required(*roles_for(Action.REGISTRY_READ))
def platform_list(request: HttpRequest) -> HttpResponse:
    rows = list(platforms().annotate(item_count=Count("items")))
    # Platforms whose notices would go by hand now: no channel works on this machine.
    by_hand = {p.id for p in rows if notice_channel(p) is MANUAL}
    return render(request, "platforms/platform_list.html", {"platforms": rows, "by_hand": by_hand})


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


@role_required(*REGISTRY_EDITORS)
def platform_edit(request: HttpRequest, platform_id: UUID) -> HttpResponse:
    """Three forms on one page, each saved on its own: the facts, the channels in order of
    preference, and a new inbound secret (shown once, on the answer to its POST)."""
    platform = get_object_or_404(platforms(), id=platform_id)
    sent = request.POST.get("form") if request.method == "POST" else None
    if sent == SECRET:
        secret = new_inbound_secret(platform, actor=request.user)
        return _show_secret(request, platform, secret)
    facts = PlatformFactsForm(request.POST if sent == FACTS else None, platform=platform)
    channels = ChannelFormSet(
        request.POST if sent == CHANNELS else None,
        initial=channel_initial(platform.channels.all()),
        prefix="channels",
    )
    channel_problems: list[str] = []
    if sent == FACTS and facts.is_valid():
        try:
            if changed := facts.facts():
                update_facts(platform, actor=request.user, **changed)
            accepts = facts.cleaned_data["accepts_hash_matching"]
            if accepts != platform.accepts_hash_matching:
                set_hash_matching(platform, actor=request.user, accepts=accepts)
        except FlagdeskError as e:
            show_error(facts, e)
        else:
            messages.success(
                request, _("The facts about %(name)s were saved.") % {"name": platform}
            )
            return redirect("platforms:platform-edit", platform_id=platform.id)
    elif sent == CHANNELS and channels.is_valid():
        # Rows in the order asked for; deleted rows and blank ones are not channels.
        rows = channels.ordered_forms
        try:
            set_channels(platform, actor=request.user, channels=[row.channel() for row in rows])
        except FlagdeskError as e:
            channel_problems = show_channel_error(rows, e)
        else:
            messages.success(
                request, _("The channels of %(name)s were saved.") % {"name": platform}
            )
            return redirect("platforms:platform-edit", platform_id=platform.id)
    return render(
        request,
        "platforms/platform_edit.html",
        _context(platform, facts, channels, channel_problems),
    )


def _context(
    platform: Platform,
    facts: PlatformFactsForm,
    channels: Any,
    channel_problems: list[str],
    secret: str = "",
) -> dict[str, Any]:
    saved = list(platform.channels.all())
    return {
        "platform": platform,
        "facts": facts,
        "channels": channels,
        # Each row with the saved channel it shows (None for a blank row), for "verified by".
        "channel_rows": [
            (row, saved[i] if i < len(saved) else None) for i, row in enumerate(channels)
        ],
        "channel_problems": channel_problems,
        "goes_by_hand": notice_channel(platform) is MANUAL,
        "secret": secret,
        "forms": {"facts": FACTS, "channels": CHANNELS, "secret": SECRET},
    }


@never_cache
def _show_secret(request: HttpRequest, platform: Platform, secret: str) -> HttpResponse:
    """The one page the secret is ever shown on; never cached (no-store)."""
    facts = PlatformFactsForm(platform=platform)
    channels = ChannelFormSet(initial=channel_initial(platform.channels.all()), prefix="channels")
    context = _context(platform, facts, channels, [], secret)
    context["inbound_url"] = request.build_absolute_uri(f"/api/v1/inbound/{platform.slug}")
    return render(request, "platforms/platform_edit.html", context)


@role_required(*REGISTRY_EDITORS)
@recent_login_required
def platform_export(request: HttpRequest) -> HttpResponse:
    """The registry as a JSON download, in the format the import page reads."""
    text = json.dumps(export_registry(), ensure_ascii=False, indent=2, sort_keys=True)
    response = HttpResponse(text + "\n", content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="flagdesk-platforms.json"'
    response["Cache-Control"] = "no-store"
    return response
