"""``POST /api/v1/inbound/{platform_slug}``: a platform's system answers a notice itself.

The call is signed with the platform's inbound secret (``X-Flagdesk-Signature: sha256=<hex
HMAC-SHA256 of the raw body>``), checked in constant time before the body is even parsed. A
wrong or missing signature is ``401`` whatever the slug, so the endpoint tells an outsider
nothing about which platforms exist; a notice of another platform is ``404``, like an unknown
one. The same body posted twice records one response (``InboundCall``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Path
from pydantic import ValidationError as PydanticValidationError

from flagdesk.core.errors import NotFound, TooLarge, ValidationFailed
from flagdesk.core.references import normalise_reference
from flagdesk.core.schemas import Schema, error_fields
from flagdesk.platforms.models import Platform

from ..models import InboundCall, Notice, NoticeResponse
from ..services.responses import record_response
from . import router
from .notices import ResponseIn, response_fields

SIGNATURE_HEADER = "X-Flagdesk-Signature"
MAX_BODY = 1024 * 1024


class InboundIn(ResponseIn):
    """A response as staff would record it, plus which notice it answers."""

    notice_reference: str = Field(..., max_length=20)


class PlatformPath(Schema):
    platform_slug: str = Field(..., max_length=100)


class Unsigned(Exception):
    pass


def _unauthorised() -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "code": "bad_signature",
                "message": _("The call is not signed with this platform's inbound secret."),
            }
        },
        status=401,
    )


def _verify(platform: Platform | None, body: bytes, header: str) -> None:
    secret = platform.inbound_secret if platform is not None else ""
    expected = hmac.new((secret or "-").encode(), body, hashlib.sha256).hexdigest()
    given = header.removeprefix("sha256=").strip().lower()
    # Compared even when there is no platform or secret, so timing tells nothing.
    if not hmac.compare_digest(expected, given) or not secret or not header.startswith("sha256="):
        raise Unsigned


@router.post("/inbound/{platform_slug}", auth=None, response={202: dict[str, Any]})
def inbound(request: HttpRequest, path: Path[PlatformPath]) -> Any:
    body = request.body
    if len(body) > MAX_BODY:
        raise TooLarge(_("The body is larger than 1 MB."))
    platform = Platform.objects.filter(slug=path.platform_slug, is_active=True).first()
    try:
        _verify(platform, body, request.headers.get(SIGNATURE_HEADER, ""))
    except Unsigned:
        return _unauthorised()
    assert platform is not None  # noqa: S101 - a verified signature needs a platform's secret
    try:
        payload = InboundIn.model_validate(json.loads(body))
    except (ValueError, PydanticValidationError) as e:
        errors = e.errors() if isinstance(e, PydanticValidationError) else []
        # As ninja reports a body: its source and argument name first.
        fields = error_fields([{**x, "loc": ("body", "payload", *x["loc"])} for x in errors])
        raise ValidationFailed(_("The request is not valid."), fields=dict(fields)) from None
    # Forgiven as typed (``n-7kq3 m9xd``), as everywhere a reference is entered.
    reference = normalise_reference(payload.notice_reference, prefix="N") or ""
    notice = Notice.objects.filter(reference=reference, platform=platform).first()
    if notice is None:
        raise NotFound(_("No notice with this reference was sent to this platform."))
    digest = hashlib.sha256(body).hexdigest()
    seen = InboundCall.objects.filter(platform=platform, body_sha256=digest).first()
    if seen is not None:
        return 202, {"response": str(seen.response_id), "duplicate": True}
    try:
        with transaction.atomic():
            response = record_response(
                notice,
                actor=None,
                source=NoticeResponse.Source.INBOUND_API,
                **response_fields(payload),
            )
            InboundCall.objects.create(platform=platform, body_sha256=digest, response=response)
    except IntegrityError:  # the same call, twice at the same moment
        seen = InboundCall.objects.get(platform=platform, body_sha256=digest)
        return 202, {"response": str(seen.response_id), "duplicate": True}
    return 202, {
        "response": str(response.id),
        "notice_status": Notice.objects.values_list("status", flat=True).get(pk=notice.pk),
        "duplicate": False,
    }
