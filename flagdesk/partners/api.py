"""Referrals between organisations (docs/partners.md): a partner refers reports to us and
follows them; a partner we forwarded to tells us what became of ours.

``POST /referrals`` takes the public report body (``intake.api.REPORT_BODY_SCHEMA``, read by
the same code) plus ``partner_reference`` and an optional ``callback_url``, with the token of
the partner's local account. ``POST /partners/{slug}/callback`` takes no token: it is signed
with the secret we share with that partner, checked before the body is parsed; a wrong or
missing signature is ``401`` whatever the slug.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Path, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import TokenScope, User
from flagdesk.core.errors import NotFound, TooLarge, ValidationFailed
from flagdesk.core.requests import json_body
from flagdesk.core.schemas import Schema
from flagdesk.intake.api import API_FIELDS, REPORT_BODY_SCHEMA, parse_report_body
from flagdesk.intake.models import Report
from flagdesk.intake.services import LANGUAGES

from . import services
from .models import Forward, Partner, Referral
from .signing import SIGNATURE_HEADER, is_signed
from .status import referral_status

router = Router(tags=["partner referrals"])
PARTNER_AUTH = TokenAuth(also=(TokenScope.PARTNER,))
MAX_CALLBACK_BODY = 256 * 1024

REFERRAL_BODY_SCHEMA: dict[str, Any] = {
    **REPORT_BODY_SCHEMA,
    "required": ["language", "urls", "partner_reference"],
    "properties": {
        **REPORT_BODY_SCHEMA["properties"],
        "role": {**REPORT_BODY_SCHEMA["properties"]["role"], "default": "professional"},
        "partner_reference": {"type": "string", "maxLength": services.MAX_PARTNER_REFERENCE},
        "callback_url": {
            "type": ["string", "null"],
            "description": "gets the status JSON, signed, on every change",
        },
    },
}


class ReferencePath(Schema):
    partner_reference: str = Field(..., max_length=200)


class SlugPath(Schema):
    partner_slug: str = Field(..., max_length=100)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - PARTNER_AUTH let only token users in
    return user


def _created(received: services.Received) -> dict[str, Any]:
    report = received.referral.report
    status = referral_status(received.referral)
    items = list(report.items.order_by("created_at"))
    return {
        "reference": report.reference,
        "partner_reference": received.referral.partner_reference,
        "status": status["status"],
        "items": [
            {"id": str(i.id), "url": i.url, "status": s["status"]}
            for i, s in zip(items, status["items"], strict=True)
        ],
        # Shown once, with the referral that made it; a repeat of the call has none.
        "receipt_code": received.submitted.receipt_code if received.submitted else None,
    }


@router.post(
    "/referrals",
    auth=PARTNER_AUTH,
    response={200: dict[str, Any], 201: dict[str, Any]},
    summary="Refer a report (partner)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": REFERRAL_BODY_SCHEMA}},
        }
    },
)
def create_referral(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    partner = services.partner_of(_user(request))
    data = json_body(request)
    if not isinstance(data, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    language = data.get("language") if data.get("language") in LANGUAGES else "en"
    with translation.override(str(language)):
        digest = services.body_digest(data)
        body = {k: v for k, v in data.items() if k not in ("partner_reference", "callback_url")}
        body.setdefault("role", Report.ReporterRole.PROFESSIONAL)
        body.setdefault("reporter", {"anonymous": True})
        errors: dict[str, Any] = {}
        submission = reference = None
        try:
            submission = parse_report_body(body, channel=Report.Channel.REFERRAL)
        except ValidationFailed as e:
            errors.update(e.fields)
        try:
            reference = services.check_partner_reference(data.get("partner_reference"))
        except ValidationFailed as e:
            errors.update(e.fields)
        callback_url = data.get("callback_url") or ""
        if not isinstance(callback_url, str):
            errors["callback_url"] = [_("This must be text.")]
        if errors or submission is None or reference is None:
            raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
        try:
            received = services.receive_referral(
                partner,
                submission,
                partner_reference=reference,
                callback_url=callback_url.strip(),
                digest=digest,
            )
        except ValidationFailed as e:
            fields = {API_FIELDS.get(k, k): v for k, v in e.fields.items()}
            raise ValidationFailed(e.message, fields=fields) from None
    return (201 if received.submitted else 200), _created(received)


@router.get(
    "/referrals/{partner_reference}",
    auth=PARTNER_AUTH,
    response={200: dict[str, Any]},
    summary="Status of a referral (partner)",
)
def get_referral(request: HttpRequest, path: Path[ReferencePath]) -> dict[str, Any]:
    partner = services.partner_of(_user(request))
    referral = (
        Referral.objects.select_related("report", "partner")
        .filter(partner=partner, partner_reference=path.partner_reference.strip())
        .first()
    )
    if referral is None:
        raise NotFound(_("You sent no referral with this reference."))
    return referral_status(referral)


def _unsigned() -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "code": "bad_signature",
                "message": _("The call is not signed with this partner's shared secret."),
            }
        },
        status=401,
    )


@router.post(
    "/partners/{partner_slug}/callback",
    auth=None,
    response={200: dict[str, Any]},
    summary="A partner reports the status of a case we forwarded (signed)",
)
def partner_callback(request: HttpRequest, path: Path[SlugPath]) -> Any:
    body = request.body
    if len(body) > MAX_CALLBACK_BODY:
        raise TooLarge(_("The body is larger than 256 KB."))
    partner = Partner.objects.filter(slug=path.partner_slug, is_active=True).first()
    secret = partner.shared_secret if partner is not None else ""
    if not is_signed(secret, body, request.headers.get(SIGNATURE_HEADER, "")):
        return _unsigned()
    try:
        data = json.loads(body)
    except ValueError:
        raise ValidationFailed(_("The request body is not valid JSON.")) from None
    reference = data.get("partner_reference") if isinstance(data, dict) else None
    if not isinstance(reference, str):
        raise ValidationFailed(
            _("Please correct the highlighted fields."),
            fields={"partner_reference": [_("This field is required.")]},
        )
    forward = Forward.objects.filter(partner=partner, reference=reference).first()
    if forward is None:
        raise NotFound(_("We forwarded nothing with this reference to you."))
    changed = services.record_partner_status(forward, data)
    return {"reference": forward.reference, "changed": changed}
