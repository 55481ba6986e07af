"""Public pages: report content, see the receipt once, follow a report's progress."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from flagdesk.core.errors import RateLimited, ValidationFailed
from flagdesk.core.ratelimit import check_rate
from flagdesk.core.uploads import SkipFiles, body_limit, declared_length, megabytes
from flagdesk.matching.media.source import byte_limit, too_big
from flagdesk.matching.media.uploads import MediaUploadHandler, media_body_limit
from flagdesk.organisation.queries import support_lines_for

from . import (
    consent,
    erasure,
    messages,
    public_timeline,
    queries,
    receipt_cookie,
    receipts,
    reporter_updates,
    services,
)
from .forms import ErasureForm, MessageForm, ReportForm, StatusForm
from .models import Report
from .receipt_cookie import Receipt
from .status_wording import STATUS_TEXT, advice_for, shown_item


def _language() -> str:
    return (get_language() or "en")[:2]


def _upload_limits() -> dict[str, object]:
    """The limits the page states, and that report.js checks before the form is sent."""
    image, video = byte_limit("image"), byte_limit("video")
    return {
        "image_bytes": image,
        "video_bytes": video,
        "image_megabytes": megabytes(image),
        "video_megabytes": megabytes(video),
        # What the server answers for such a file, so the early check says the same.
        "image_message": too_big(image).message,
        "video_message": too_big(video).message,
    }


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413 for a report too large to read: what the limits are and how to send it anyway."""
    context = {"limits": _upload_limits(), "total_megabytes": megabytes(limit)}
    return render(request, "intake/report_too_large.html", context, status=413)


@never_cache
@require_http_methods(["GET", "POST"])
@csrf_exempt  # the CSRF check reads the body: _report runs it, after the checks that must not
@body_limit(media_body_limit, refuse=_too_large)
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Before anything reads the body: a client over its rate gets no byte written anywhere.
        try:
            check_rate(request, "report")
        except RateLimited as e:
            return _rate_limited(request, e)
        media = MediaUploadHandler(request, field="media")
        request.upload_handlers = [media]
        return _report(request, media)
    return _report(request, None)


@csrf_protect
def _report(request: HttpRequest, media: MediaUploadHandler | None) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None, language=_language())
    if media is not None:
        refused = media.refusal("media")
        if form.is_valid() and refused is None:
            try:
                hashed = services.hash_upload(form.cleaned_data.get("media"))
                submitted = services.submit_report(form.submission(), media=hashed)
            except ValidationFailed as e:
                form.add_service_errors(e)
            else:
                # To the confirmation page in an encrypted cookie: never in a URL, nothing
                # kept on the server (receipt_cookie says why).
                response = redirect("intake:report-done")
                receipt = Receipt(submitted.report.reference, submitted.receipt_code)
                receipt_cookie.give(response, receipt)
                return response
        elif refused is not None:
            form.add_error("media", str(refused.message))
    return _form_page(request, form)


def _rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """429, with the form as the reporter filled it in when that costs little to read.

    A body of text fields only is read with every file skipped, so nothing is written; a
    bigger one is left unread (and unchecked for CSRF: nothing of it is used) and the form
    comes back empty.
    """
    if declared_length(request) > int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE):
        return _form_page(request, ReportForm(language=_language()), rate_limited=error)
    request.upload_handlers = [SkipFiles(request)]
    return _rate_limited_as_typed(request, error)


@csrf_protect
def _rate_limited_as_typed(request: HttpRequest, error: RateLimited) -> HttpResponse:
    return _form_page(request, ReportForm(request.POST, language=_language()), rate_limited=error)


def _form_page(
    request: HttpRequest, form: ReportForm, *, rate_limited: RateLimited | None = None
) -> HttpResponse:
    context: dict[str, object] = {"form": form, "limits": _upload_limits()}
    if rate_limited is not None:
        context["rate_limited"] = rate_limited.message
        return render(request, "intake/report.html", context, status=429)
    return render(request, "intake/report.html", context)


def _help(phenomenon: str) -> dict[str, object]:
    """What the victim can do meanwhile: the organisation's support lines for the phenomenon
    in the page's language, and general advice."""
    return {
        "support_lines": support_lines_for(phenomenon, _language()),
        "advice": advice_for(phenomenon),
    }


@never_cache
@require_http_methods(["GET"])
def report_done(request: HttpRequest) -> HttpResponse:
    receipt = receipt_cookie.read(request)
    # The cookie is ours (encrypted), so its reference is the report just sent; without it
    # (shown already), the help for every report.
    phenomenon = queries.phenomenon_of(receipt.reference) if receipt is not None else ""
    context: dict[str, object] = {"receipt": receipt, **_help(phenomenon)}
    # A report of a picture's fingerprints alone: what happens next is a search first.
    context["pictures_only"] = receipt is not None and queries.is_pictures_only(receipt.reference)
    response = render(request, "intake/report_done.html", context)
    # Deleted as it is shown: a reload or the back button must not show the code again.
    receipt_cookie.forget(request, response)
    return response


NOT_FOUND = _("We found no report with this reference and receipt code. Check both and try again.")
# What a reporter reads after asking for erasure (erasure.ERASED / erasure.HELD).
ERASURE_TEXT = {
    erasure.ERASED: _(
        "Your contact details and your description have been erased. We keep the reported "
        "addresses and anonymous figures (such as the date and the kind of content) to finish "
        "our work and for our statistics."
    ),
    erasure.HELD: _(
        "Your request is recorded, but this case is needed for legal proceedings, so the law "
        "requires us to keep your details until they end. They will then be erased without "
        "you having to ask again."
    ),
}
# The value of each form's hidden ``form`` field on the status page.
STATUS, MESSAGE, ERASURE = "status", "message", "erasure"


@never_cache
@require_http_methods(["GET", "POST"])
def report_status(request: HttpRequest) -> HttpResponse:
    """Follow a report, add to it, or have one's details erased: each form asks for the
    reference and receipt code again (POST only: the code must never appear in a URL, and the
    page never keeps it)."""
    sent = request.POST.get("form", STATUS) if request.method == "POST" else None
    data = request.POST if sent is not None else None
    form = StatusForm(data if sent == STATUS else None)
    message_form = MessageForm(data if sent == MESSAGE else None, prefix=MESSAGE)
    erasure_form = ErasureForm(data if sent == ERASURE else None, prefix=ERASURE)
    context: dict[str, object] = {
        "form": form,
        "message_form": message_form,
        "erasure_form": erasure_form,
        "sent": sent,
    }
    if sent is not None:
        try:
            check_rate(request, "status")
        except RateLimited as e:
            context["rate_limited"] = e.message
            return render(request, "intake/report_status.html", context, status=429)
        if sent == MESSAGE:
            _add_message(message_form, context)
        elif sent == ERASURE:
            _erase(erasure_form, context)
        else:
            _show_status(form, context)
    # A reference locked after too many wrong codes: 429, as for the rate limit.
    status = 429 if context.get("locked") else 200
    return render(request, "intake/report_status.html", context, status=status)


def found_by_receipt(form: forms.Form, context: dict[str, object]) -> Report | None:
    """The report the form's reference and code open, through the per-reference lock-out
    (``receipts``); the form says why not otherwise."""
    try:
        report = receipts.open_report(
            form.cleaned_data["reference"], form.cleaned_data["receipt_code"]
        )
    except receipts.ReceiptLocked as e:
        form.add_error(None, e.message)
        context["locked"] = True
        return None
    if report is None:
        form.add_error(None, NOT_FOUND)
    return report


def _show_status(form: StatusForm, context: dict[str, object]) -> None:
    if not form.is_valid() or (found := found_by_receipt(form, context)) is None:
        return
    timeline = public_timeline.report_timeline(found)
    context["status"] = timeline
    context["overall"] = STATUS_TEXT[timeline.status]
    context["items"] = [shown_item(item) for item in timeline.items]
    context.update(_help(timeline.phenomenon))
    # What staff asked and the reporter has not answered yet (docs/reporter-mails.md).
    context["open_request"] = reporter_updates.open_request(found)
    # Pictures sent as fingerprints only: how many, and whether we keep looking for them.
    context["pictures"] = consent.pictures_summary(found)
    # A fresh, empty form: the code should not sit in the page's HTML afterwards.
    context["form"] = StatusForm()


def _add_message(form: MessageForm, context: dict[str, object]) -> None:
    if not form.is_valid() or (found := found_by_receipt(form, context)) is None:
        return
    try:
        messages.add_message(
            found, text=form.cleaned_data["text"], urls=form.cleaned_data["urls"].splitlines()
        )
    except ValidationFailed as e:
        form.add_service_errors(e)
        return
    context["message_sent"] = True
    context["message_form"] = MessageForm(prefix=MESSAGE)


def _erase(form: ErasureForm, context: dict[str, object]) -> None:
    if not form.is_valid() or (found := found_by_receipt(form, context)) is None:
        return
    context["erasure_outcome"] = ERASURE_TEXT[erasure.request_erasure(found)]
    context["erasure_form"] = ErasureForm(prefix=ERASURE)
