"""One bank entry: where it came from, what it matched, removing it, letting it pre-fill."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.cases.views import phenomenon_label
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .. import queries
from ..forms import PrefillForm, RemoveEntryForm
from ..models import BankEntry
from ..services import banks as bank_services
from ..services import media as media_services
from ..services.roles import BANK_READERS, ENTRY_REMOVERS, PREFILL_GRANTERS
from . import request_user
from .thumbnails import jpeg_response

# The newest matches of an entry; a hash matched more often than this is listed in part.
MATCHES_SHOWN = 100


def _entry(user: User, slug: str, public_id: UUID) -> BankEntry:
    entry = queries.bank_entry(user, slug, public_id)
    if entry is None:
        raise Http404
    return entry


def _prefill_form(entry: BankEntry, data: Any = None) -> PrefillForm:
    choices = [
        (
            str(a.id),
            _("%(verdict)s by %(author)s, %(date)s (%(phenomenon)s)")
            % {
                "verdict": a.get_verdict_display(),
                "author": a.author.username if a.author else "—",
                "date": a.created_at.date().isoformat(),
                "phenomenon": phenomenon_label(a.phenomenon),
            },
        )
        for a in queries.prefill_candidates(entry)
    ]
    initial = {"assessment": str(entry.prefill_assessment_id or "")}
    return PrefillForm(data, choices=choices, initial=initial)


def _render(
    request: HttpRequest,
    entry: BankEntry,
    *,
    remove_form: RemoveEntryForm | None = None,
    prefill_form: PrefillForm | None = None,
) -> HttpResponse:
    """The entry page, with a bound form carrying errors when a POST on it failed.

    The known item and the matched ones are named (case, URL, link) only to those who may
    open them (need-to-know); a bank reader without a case role, or outside a restricted or
    minors' case, sees that there is one, not what it is.
    """
    user = request_user(request)
    matches = list(queries.entry_matches(entry)[:MATCHES_SHOWN])
    openable = queries.openable_items(user, [entry.item_id, *(m.item_id for m in matches)])
    return render(
        request,
        "matching/entry_detail.html",
        {
            "bank": entry.bank,
            "entry": entry,
            "matches": matches,
            "openable": openable,
            "can_remove": entry.is_live and user.has_any_role(*ENTRY_REMOVERS),
            "remove_form": remove_form or RemoveEntryForm(),
            "can_prefill": entry.is_live
            and entry.item_id is not None
            and user.has_any_role(*PREFILL_GRANTERS),
            "prefill_form": prefill_form or _prefill_form(entry),
        },
        status=422 if (remove_form or prefill_form) else 200,
    )


@role_required(*BANK_READERS)
def entry_detail(request: HttpRequest, slug: str, public_id: UUID) -> HttpResponse:
    return _render(request, _entry(request_user(request), slug, public_id))


@require_POST
@role_required(*ENTRY_REMOVERS)
def entry_remove(request: HttpRequest, slug: str, public_id: UUID) -> HttpResponse:
    user = request_user(request)
    entry = _entry(user, slug, public_id)
    form = RemoveEntryForm(request.POST)
    if form.is_valid():
        try:
            bank_services.remove_entry(entry, actor=user, reason=form.cleaned_data["reason"])
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("The hash was removed from matching; it stays on record."))
            return redirect("matching:entry-detail", slug=slug, public_id=entry.public_id)
    return _render(request, entry, remove_form=form)


@require_POST
@role_required(*PREFILL_GRANTERS)
def entry_prefill(request: HttpRequest, slug: str, public_id: UUID) -> HttpResponse:
    user = request_user(request)
    entry = _entry(user, slug, public_id)
    form = _prefill_form(entry, request.POST)
    if form.is_valid():
        chosen = form.cleaned_data["assessment"]
        assessment = queries.prefill_candidates(entry).filter(id=chosen).first() if chosen else None
        try:
            bank_services.allow_prefill(entry, assessment, actor=user)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            if assessment:
                messages.success(request, _("Matches on this hash may now pre-fill assessments."))
            else:
                messages.success(request, _("Matches on this hash no longer pre-fill anything."))
            return redirect("matching:entry-detail", slug=slug, public_id=entry.public_id)
    return _render(request, entry, prefill_form=form)


@role_required(*BANK_READERS)
def entry_thumbnail(request: HttpRequest, slug: str, public_id: UUID) -> HttpResponse:
    """Always blurred: un-blurring is offered where the analyst works, on the item's matches."""
    user = request_user(request)
    entry = _entry(user, slug, public_id)
    try:
        picture = media_services.thumbnail(entry, actor=user, unblur=False)
    except FlagdeskError:
        raise Http404 from None
    return jpeg_response(picture.jpeg)
