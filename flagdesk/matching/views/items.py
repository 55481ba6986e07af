"""Actions of the item page's matching panel: upload media, add to a bank, and the matches
(their thumbnails, the audited unblur, the one-click assessment from a known item, and
joining the known item's case).

The panel itself is ``flagdesk.matching.panels.item_panel``; a failed upload or bank form
shows again on a page of its own with the errors, as the reveal form of the item page does.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items
from flagdesk.cases.services.assessment import ASSESSOR_ROLES
from flagdesk.cases.services.merge import MERGE_ROLES, move_item
from flagdesk.cases.views import phenomenon_label
from flagdesk.core.errors import FlagdeskError, ValidationFailed
from flagdesk.core.forms import show_error

from .. import queries
from ..forms import AddToBankForm, MediaUploadForm
from ..models import ItemSignal, Match, MediaFile
from ..services import media as media_services
from ..services.evidence import read_file as read_media_file
from ..services.prefill import assess_from_match
from ..services.roles import BANK_READERS, BANK_WRITERS, HASHERS, UNBLURRERS
from . import request_user
from .thumbnails import grant_unblur, is_unblurred, jpeg_response


def _item(user: User, item_id: UUID) -> Item:
    return get_object_or_404(visible_items(user), id=item_id)


def panel_url(item_id: object, anchor: str = "matching") -> str:
    return f"{reverse('cases:item-detail', kwargs={'item_id': item_id})}#{anchor}"


def _form_page(request: HttpRequest, item: Item, template: str, form: object) -> HttpResponse:
    return render(
        request,
        template,
        {"item": item, "form": form, "phenomenon": phenomenon_label(item.phenomenon)},
        status=422 if request.method == "POST" else 200,
    )


@role_required(*HASHERS)
def item_hash(request: HttpRequest, item_id: UUID) -> HttpResponse:
    user = request_user(request)
    item = _item(user, item_id)
    form = MediaUploadForm(request.POST or None, request.FILES or None, item=item)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = media_services.hash_item_media(
                item,
                upload,
                actor=user,
                source=ItemSignal.Source.ANALYST,
                keep_thumbnail=form.cleaned_data["keep_thumbnail"],
                keep_file=form.cleaned_data["keep_file"],
                filename=upload.name or "",
                declared_mime=upload.content_type or "",
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            signals = result.signals
            if result.deferred:
                messages.success(
                    request,
                    _(
                        "The video passed the checks and is being hashed in the background; "
                        "its hashes and matches appear here in a few minutes."
                    ),
                )
                return HttpResponseRedirect(panel_url(item.id))
            if result.kept.media_file:
                kept = _("The file is kept as evidence, encrypted.")
            else:
                kept = result.kept.refusal or _("The file was not kept.")
            messages.success(
                request,
                ngettext(
                    "%(count)d hash recorded. %(kept)s Matching against the banks runs in the "
                    "background: reload this page in a moment to see matches.",
                    "%(count)d hashes recorded. %(kept)s Matching against the banks runs in the "
                    "background: reload this page in a moment to see matches.",
                    len(signals),
                )
                % {"count": len(signals), "kept": kept},
            )
            return HttpResponseRedirect(panel_url(item.id))
    return _form_page(request, item, "matching/item_media.html", form)


@role_required(*BANK_WRITERS)
def item_bank_add(request: HttpRequest, item_id: UUID) -> HttpResponse:
    user = request_user(request)
    item = _item(user, item_id)
    banks = list(queries.visible_banks(user))
    form = AddToBankForm(request.POST or None, banks=banks)
    if request.method == "POST" and form.is_valid():
        bank = next(b for b in banks if b.slug == form.cleaned_data["bank"])
        try:
            result = media_services.add_item_to_bank(
                item, bank, actor=user, tags=form.cleaned_data["tags"]
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                ngettext(
                    "%(added)d hash added to “%(bank)s”; %(duplicates)d were already there.",
                    "%(added)d hashes added to “%(bank)s”; %(duplicates)d were already there.",
                    len(result.added),
                )
                % {"added": len(result.added), "bank": bank.name, "duplicates": result.duplicates},
            )
            return HttpResponseRedirect(panel_url(item.id))
    return _form_page(request, item, "matching/item_bank_add.html", form)


def _match(user: User, match_id: UUID) -> Match:
    match = queries.visible_match(user, match_id)
    if match is None:
        raise Http404
    return match


@role_required(*BANK_READERS)
def match_thumbnail(request: HttpRequest, match_id: UUID) -> HttpResponse:
    """Blurred, unless ``?clear=1`` within the grant an audited unblur opened for this user."""
    user = request_user(request)
    match = _match(user, match_id)
    clear = (
        request.GET.get("clear") == "1"
        and user.has_any_role(*UNBLURRERS)
        and is_unblurred(request.session, str(match.id))
    )
    try:
        picture = media_services.thumbnail(match, actor=user, unblur=clear, audit=False)
    except FlagdeskError:
        raise Http404 from None
    return jpeg_response(picture.jpeg)


@require_POST
@role_required(*UNBLURRERS)
def match_unblur(request: HttpRequest, match_id: UUID) -> HttpResponse:
    """The deliberate click: audited by the service, then clear for five minutes."""
    user = request_user(request)
    match = _match(user, match_id)
    try:
        media_services.thumbnail(match, actor=user, unblur=True)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        grant_unblur(request.session, str(match.id))
    return HttpResponseRedirect(panel_url(match.item_id, f"match-{match.id}"))


@require_POST
@role_required(*ASSESSOR_ROLES)
def match_assess(request: HttpRequest, match_id: UUID) -> HttpResponse:
    """One click: the known item's approved assessment becomes this analyst's, for review."""
    user = request_user(request)
    match = _match(user, match_id)
    _item(user, match.item_id)  # 404 unless the analyst may open the item being assessed
    try:
        assess_from_match(match, actor=user)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(
            request,
            _("Assessed as the known item; the assessment now waits for a reviewer."),
        )
    return redirect("cases:item-detail", item_id=match.item_id)


@require_POST
@role_required(*MERGE_ROLES)
def match_move(request: HttpRequest, match_id: UUID) -> HttpResponse:
    """One click: a re-upload joins the case of the known item it matched (cases' service
    decides; the item's matches panel offers the button)."""
    user = request_user(request)
    match = _match(user, match_id)
    item = _item(user, match.item_id)
    known = match.entry.item
    if known is not None:
        if not queries.openable_items(user, [known.pk]):
            raise Http404
        target = known.case
        reason = _("Re-upload: its media matched a known item of case %(ref)s.") % {
            "ref": target.reference
        }
    else:
        # A reporter's picture, known by its case only (docs/victims.md).
        found = queries.known_case(user, match.entry)
        if found is None:
            raise Http404
        target = found
        reason = _("A copy of the picture the reporter of case %(ref)s is looking for.") % {
            "ref": target.reference
        }
    try:
        move_item(item, target, actor=user, reason=reason)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The item is now in case %(ref)s.") % {"ref": target.reference})
    return redirect("cases:item-detail", item_id=item.id)


@require_POST
@role_required(*UNBLURRERS)
@recent_login_required
def file_download(request: HttpRequest, file_id: UUID) -> HttpResponse:
    """A kept evidence file, as a download; a deliberate POST with a reason, audited by the
    service. A refused reason returns to the item page with the message."""
    user = request_user(request)
    media_file = get_object_or_404(
        MediaFile.objects.filter(item__in=visible_items(user)), id=file_id
    )
    try:
        data = read_media_file(media_file, actor=user, reason=request.POST.get("reason", ""))
    except ValidationFailed as e:
        messages.error(request, str(e.message))
        return redirect("cases:item-detail", item_id=media_file.item_id)
    except FlagdeskError as e:
        raise Http404(e.message) from None
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(media_file.mime, "bin")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-{media_file.sha256[:12]}.{extension}"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
