"""Public intake API (docs/api.md, "Public intake"): no token, rate-limited.

The body is parsed here rather than by a ninja Schema: the API is public, so any byte string
may arrive, and every malformed request must get a 4xx ``{"error": {...}}`` with messages in the
reporter's language. A Schema would answer type errors in pydantic's English before the
payload's language is known and before the rate limit counts the request.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Path, Router

from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.ratelimit import check_rate
from flagdesk.core.requests import is_multipart, json_body, json_text, multipart
from flagdesk.core.schemas import Schema
from flagdesk.core.text import is_storable
from flagdesk.core.uploads import check_body_size
from flagdesk.matching.media.uploads import MediaUploadHandler, media_body_limit
from flagdesk.organisation.queries import support_lines_for

from . import erasure, messages, public_timeline, receipts, services
from .device_hashes import MAX_SIGNALS, read_signals
from .models import Report
from .services import LANGUAGES, ReportSubmission

router = Router(tags=["public intake"])

# Service field names -> where the field sits in the API body, so errors point at the JSON.
API_FIELDS = {
    "reporter_name": "reporter.name",
    "reporter_email": "reporter.email",
    "reporter_phone": "reporter.phone",
    "victim_age_band": "victim.age_band",
    "victim_gender": "victim.gender",
    "has_consented": "consent",
}

_TEXT = {"type": ["string", "null"]}
REPORT_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["language", "role", "reporter"],
    "properties": {
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "phenomenon": {**_TEXT, "description": "a phenomenon code from taxonomy.json"},
        "urls": {
            "type": "array",
            "items": {"type": "string"},
            "maxItems": services.MAX_URLS,
            "description": "required unless signals are given",
        },
        "signals": {
            "type": "array",
            "maxItems": MAX_SIGNALS,
            "description": "hashes of pictures computed on the reporter's device",
            "items": {
                "type": "object",
                "required": ["type", "value"],
                "properties": {
                    "type": {"type": "string", "enum": ["pdq", "md5", "sha256"]},
                    "value": {"type": "string", "description": "lower-case hex"},
                    "quality": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                },
            },
        },
        "bank_consent": {
            "type": "boolean",
            "default": False,
            "description": "keep the signals in the reporters' bank to keep looking for copies",
        },
        "description": {**_TEXT, "maxLength": services.MAX_DESCRIPTION},
        "role": {"type": "string", "enum": list(Report.ReporterRole.values)},
        "reporter": {
            "type": "object",
            "required": ["anonymous"],
            "properties": {
                "anonymous": {"type": "boolean"},
                "name": _TEXT,
                "email": _TEXT,
                "phone": _TEXT,
            },
        },
        "victim": {
            "type": ["object", "null"],
            "properties": {
                "age_band": {"type": ["string", "null"], "enum": [*Report.AgeBand.values, None]},
                "gender": {"type": ["string", "null"], "enum": [*Report.Gender.values, None]},
            },
        },
        "consent": {
            "type": "boolean",
            "default": True,
            "description": "the reporter agreed that contact details are kept",
        },
    },
}


class ReportItemOut(Schema):
    id: str
    url: str


class ReportCreatedOut(Schema):
    reference: str
    receipt_code: str
    items: list[ReportItemOut]


class EventOut(Schema):
    at: datetime
    what: str
    platform: str | None = None


class PlatformAnswerOut(Schema):
    platform: str
    decision: str
    decided_at: datetime
    ground: str | None = None
    territorial_scope: list[str]
    automated: bool | None = None


class ItemStatusOut(Schema):
    url: str
    status: str
    platform: str | None = None
    events: list[EventOut]
    platform_answer: PlatformAnswerOut | None = None
    next_step: str


class SupportLineOut(Schema):
    name: str
    offer: str
    phone: str
    url: str
    hours: str


class ReportStatusOut(Schema):
    reference: str
    status: str
    items: list[ItemStatusOut]
    updated_at: datetime
    received_at: datetime
    phenomenon: str | None = None
    support_lines: list[SupportLineOut]


class ReferencePath(Schema):
    """The reference as typed: ``receipts.open_report`` forgives case, spaces, dashes and
    O/0, I/L/1; the guard refuses a NUL before it gets there."""

    reference: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, Any] | None = None


class ErrorOut(Schema):
    error: ErrorBody


class _Body:
    """Reads typed values out of an untrusted JSON object, collecting one message per field."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def _fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def obj(self, path: str, *, required: bool) -> _Body | None:
        value = self.data.get(path)
        if value is None:
            if required:
                self._fail(path, _("This field is required."))
            return None
        if not isinstance(value, dict):
            self._fail(path, _("This must be an object."))
            return None
        return _Body(value)

    def text(self, key: str, path: str, *, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self._fail(path, _("This field is required."))
            return ""
        if not isinstance(value, str):
            self._fail(path, _("This must be text."))
            return ""
        if not is_storable(value):
            self._fail(path, _("This text contains characters that are not allowed."))
            return ""
        return value

    def flag(self, key: str, path: str, *, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if value is None:
            self._fail(path, _("This field is required."))
            return False
        if not isinstance(value, bool):
            self._fail(path, _("This must be true or false."))
            return False
        return value

    def texts(self, key: str, path: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            self._fail(path, _("This field is required."))
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._fail(path, _("This must be a list of web addresses."))
            return []
        if not all(is_storable(v) for v in value):
            self._fail(path, _("This text contains characters that are not allowed."))
            return []
        return value


def _language_of(data: Any) -> str:
    """The payload's language when it names one we speak, else the Accept-Language one."""
    if isinstance(data, dict) and data.get("language") in LANGUAGES:
        return str(data["language"])
    current = (translation.get_language() or "en")[:2]
    return current if current in LANGUAGES else "en"


def _load(request: HttpRequest) -> tuple[Any, UploadedFile | None]:
    """The report's JSON, and the optional ``media`` file of a multipart request.

    JSON is the contract (docs/api.md); a partner with the picture sends the same JSON as the
    form field ``report`` of a multipart request, with the file as ``media``.
    """
    if not is_multipart(request):
        return json_body(request), None
    fields, files = multipart(request)
    if "report" not in fields:
        raise ValidationFailed(
            _('Send the report as JSON in the form field "report".'),
            fields={"report": [_("This field is required.")]},
        )
    return json_text(fields["report"]), files.get("media")


def _submission(data: Any) -> ReportSubmission:
    if not isinstance(data, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    body = _Body(data)
    language = body.text("language", "language", required=True)
    # Signals first: a list over the limit is refused before anything else is read.
    signals, problems = read_signals(data.get("signals"))
    if problems:
        body.errors["signals"] = problems
    # A report of a picture's fingerprints alone needs no address (docs/victims.md).
    has_urls = data.get("urls") is not None or data.get("signals") is None
    urls = body.texts("urls", "urls") if has_urls else []
    role = body.text("role", "role", required=True)
    phenomenon = body.text("phenomenon", "phenomenon")
    description = body.text("description", "description")
    consent = body.flag("consent", "consent", default=True)
    bank_consent = body.flag("bank_consent", "bank_consent", default=False)
    reporter = body.obj("reporter", required=True)
    victim = body.obj("victim", required=False)
    anonymous, name, email, phone = True, "", "", ""
    if reporter is not None:
        anonymous = reporter.flag("anonymous", "reporter.anonymous")
        name = reporter.text("name", "reporter.name")
        email = reporter.text("email", "reporter.email")
        phone = reporter.text("phone", "reporter.phone")
        body.errors.update(reporter.errors)
    age_band = gender = ""
    if victim is not None:
        age_band = victim.text("age_band", "victim.age_band")
        gender = victim.text("gender", "victim.gender")
        body.errors.update(victim.errors)
    if body.errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=body.errors)
    return ReportSubmission(
        urls=urls,
        role=role,
        language=language,
        phenomenon=phenomenon,
        description=description,
        is_anonymous=anonymous,
        reporter_name=name,
        reporter_email=email,
        reporter_phone=phone,
        victim_age_band=age_band,
        victim_gender=gender,
        has_consented=consent,
        channel=Report.Channel.API,
        signals=tuple(signals),
        bank_consent=bank_consent,
    )


def parse_report_body(data: Any, *, channel: str) -> ReportSubmission:
    """The public report body (``REPORT_BODY_SCHEMA``) as a submission of ``channel``, with
    errors named by their place in the JSON and in the payload's language: partners' referrals
    (``flagdesk.partners``) take the same body, so they share this reading of it."""
    with translation.override(_language_of(data)):
        try:
            return replace(_submission(data), channel=channel)
        except ValidationFailed as e:
            fields = {API_FIELDS.get(k, k): v for k, v in e.fields.items()}
            raise ValidationFailed(e.message, fields=fields) from None


@router.post(
    "/reports",
    response={201: ReportCreatedOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Report content (public)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": REPORT_BODY_SCHEMA},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["report"],
                        "properties": {
                            "report": {"type": "string", "description": "the JSON body"},
                            "media": {"type": "string", "format": "binary"},
                        },
                    }
                },
            },
        }
    },
)
def create_report(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """Store a report; the receipt code in the answer is shown only this once."""
    # Size and rate first, from the headers: the body is read (and a file received, within
    # its kind's limit) only for a request that may be served.
    check_body_size(request, media_body_limit())
    check_rate(request, "report")
    receiver = MediaUploadHandler(request, field="media")
    request.upload_handlers = [receiver]
    data, upload = _load(request)
    with translation.override(_language_of(data)):
        try:
            submission = _submission(data)
            if (refused := receiver.refusal("media")) is not None:
                raise ValidationFailed(refused.message, fields={"media": [refused.message]})
            media = services.hash_upload(upload)
            submitted = services.submit_report(submission, media=media)
        except ValidationFailed as e:
            fields = {API_FIELDS.get(k, k): v for k, v in e.fields.items()}
            raise ValidationFailed(e.message, fields=fields) from None
    return 201, {
        "reference": submitted.report.reference,
        "receipt_code": submitted.receipt_code,
        "items": [{"id": str(i.id), "url": i.url} for i in submitted.items],
    }


RECEIPT_CODE_HEADER = {
    "name": "X-Receipt-Code",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "the receipt code returned when the report was sent",
}


def report_from_header(request: HttpRequest, reference: str) -> Report:
    """The report the reference and ``X-Receipt-Code`` open; one 404 whether the reference is
    unknown or the code wrong. Every call by the reporter shares the status rate limit, so
    guesses of a code count the same whichever endpoint they go to, and the lock-out per
    reference (``receipts``): ``429 receipt_locked`` with ``Retry-After`` while it lasts."""
    check_rate(request, "status")
    code = request.headers.get("X-Receipt-Code", "")
    report = receipts.open_report(reference, code)
    if report is None:
        raise NotFound(_("No report matches this reference and receipt code."))
    return report


@router.get(
    "/reports/{reference}",
    response={200: ReportStatusOut, 404: ErrorOut, 429: ErrorOut},
    summary="Progress of a report (public)",
    openapi_extra={"parameters": [RECEIPT_CODE_HEADER]},
)
def report_status(request: HttpRequest, path: Path[ReferencePath]) -> dict[str, Any]:
    """Per address: its public status, platform, dated steps, the platform's answer and what
    we do next; and the support lines for the report's phenomenon in the request's language
    (docs/api.md). Never a staff member, a note or another reporter's data."""
    timeline = public_timeline.report_timeline(report_from_header(request, path.reference))
    language = (translation.get_language() or "en")[:2]
    lines = support_lines_for(timeline.phenomenon, language)
    return {
        **asdict(timeline),
        "phenomenon": timeline.phenomenon or None,
        "support_lines": [asdict(line) for line in lines],
    }


class ErasureOut(Schema):
    reference: str
    status: str  # "erased", or "held": recorded, carried out when the legal hold is lifted


@router.post(
    "/reports/{reference}/erasure",
    response={202: ErasureOut, 404: ErrorOut, 429: ErrorOut},
    summary="Erase the reporter's contact details and description (public)",
    openapi_extra={"parameters": [RECEIPT_CODE_HEADER]},
)
def request_erasure(request: HttpRequest, path: Path[ReferencePath]) -> tuple[int, ErasureOut]:
    """GDPR art. 17 for the reporter, with nothing but the receipt code (docs/api.md)."""
    report = report_from_header(request, path.reference)
    outcome = erasure.request_erasure(report)
    return 202, ErasureOut(reference=report.reference, status=outcome)


MESSAGE_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {**_TEXT, "maxLength": services.MAX_DESCRIPTION},
        "urls": {"type": "array", "items": {"type": "string"}, "maxItems": services.MAX_URLS},
    },
}


class MessageOut(Schema):
    reference: str
    received_at: datetime
    items: list[ReportItemOut]


@router.post(
    "/reports/{reference}/messages",
    response={201: MessageOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Add information to a report (public)",
    openapi_extra={
        "parameters": [RECEIPT_CODE_HEADER],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": MESSAGE_BODY_SCHEMA}},
        },
    },
)
def add_message(request: HttpRequest, path: Path[ReferencePath]) -> tuple[int, MessageOut]:
    """More text or addresses from the reporter; the addresses become items as at intake."""
    # The code first: a wrong one learns nothing about what the body should have been.
    report = report_from_header(request, path.reference)
    data = json_body(request)
    if not isinstance(data, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    body = _Body(data)
    text = body.text("text", "text")
    urls = body.texts("urls", "urls") if data.get("urls") is not None else []
    if body.errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=body.errors)
    added = messages.add_message(report, text=text, urls=urls)
    return 201, MessageOut(
        reference=report.reference,
        received_at=added.message.created_at,
        items=[ReportItemOut(id=str(i.id), url=i.url) for i in added.items],
    )
