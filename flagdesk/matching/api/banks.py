"""Banks through the API: list, create, switch, and exchange hashes with partners.

Staff readers see every bank; a partner sees its own and the shared ones, and anything else
answers 404 as if it did not exist. Which writes a role may make is decided by the services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Status

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import Role, TokenScope, User
from flagdesk.accounts.permissions import require_role
from flagdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from flagdesk.core.requests import is_multipart
from flagdesk.core.schemas import Schema

from ..formats import MAX_IMPORT_BYTES, exchange_format, guess_format
from ..formats.base import too_large_bytes
from ..formats.exchange import export_bank, import_bank
from ..models import BankEntry, HashBank
from ..queries import live_counts, visible_banks
from ..services.banks import create_bank, remove_entry, set_bank_enabled, set_bank_shared
from ..services.roles import BANK_MANAGERS, BANK_READERS
from ._request import body_doc, flag, form, json_body, user_of

# Partners exchange hashes with their own and shared banks: partner-scoped tokens come here.
PARTNER_AUTH = TokenAuth(also=(TokenScope.PARTNER,))
router = Router(tags=["matching"])

IMPORT_BODY = body_doc(
    {
        "type": "object",
        "required": ["entries"],
        "properties": {
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "signal_type": {"type": "string"},
                        "value": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "quality": {"type": "integer"},
                        "external_ref": {"type": "string"},
                    },
                },
            },
            "dry_run": {"type": "boolean", "default": False},
            "type": {"type": "string", "description": "signal type of entries without one"},
        },
    },
    {
        "format": {"type": "string", "enum": ["csv", "json", "hashes"]},
        "type": {"type": "string"},
        "dry_run": {"type": "boolean"},
    },
)


class BankIn(Schema):
    name: str = Field(max_length=120)
    slug: str = Field("", max_length=60)
    kind: str = Field(HashBank.Kind.OWN, max_length=20)
    phenomenon: str = Field("", max_length=40)
    description: str = Field("", max_length=5000)
    is_shared: bool = False
    partner: str | None = Field(None, max_length=150, description="a partner's user name")


class BankPatch(Schema):
    is_enabled: bool | None = None
    is_shared: bool | None = None


class BankPath(Schema):
    """``/banks/{slug}``: a path parameter, guarded like any other input (a NUL in it would
    otherwise reach the database)."""

    slug: str


class BankEntryPath(BankPath):
    entry_id: UUID


class RemoveIn(Schema):
    reason: str = Field(max_length=5000)


class ExportFilters(Schema):
    format: str = Field("json", max_length=20)
    signal_type: str = Field("", max_length=40)
    since: datetime | None = None


def _banks(user: User) -> QuerySet[HashBank]:
    """Staff readers see every bank; a partner its own and the shared ones."""
    if not user.has_any_role(*BANK_READERS, Role.PARTNER):
        raise PermissionDenied(_("Your role does not allow this action."))
    return visible_banks(user)


def _bank_or_404(user: User, slug: str) -> HashBank:
    bank = _banks(user).filter(slug=slug).first()
    if bank is None:
        raise NotFound(_("No bank with this short name."))
    return bank


def bank_json(bank: HashBank, user: User, counts: dict[str, int]) -> dict[str, Any]:
    """A bank as the API shows it; a partner sees no other partner's user name."""
    show_partner = bank.partner is not None and (
        user.has_any_role(*BANK_READERS) or bank.partner_id == user.pk
    )
    return {
        "slug": bank.slug,
        "name": bank.name,
        "kind": bank.kind,
        "phenomenon": bank.phenomenon or None,
        "description": bank.description,
        "is_enabled": bank.is_enabled,
        "is_shared": bank.is_shared,
        "partner": bank.partner.username if show_partner and bank.partner else None,
        "counts": counts,
        "created_at": bank.created_at.isoformat(),
        "updated_at": bank.updated_at.isoformat(),
    }


# -- routes -----------------------------------------------------------------------------


@router.get("/banks", auth=PARTNER_AUTH)
def list_banks(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_of(request)
    banks = list(_banks(user))
    counts = live_counts(banks)
    return [bank_json(b, user, counts.get(b.pk, {})) for b in banks]


@router.post("/banks", auth=PARTNER_AUTH, response={201: dict[str, Any]})
def create_bank_api(request: HttpRequest, payload: BankIn) -> Status[dict[str, Any]]:
    user = user_of(request)
    partner = None
    if payload.partner:
        partner = User.objects.filter(username=payload.partner).first()
        if partner is None:
            raise ValidationFailed(
                _("The bank could not be created."),
                fields={"partner": [_("No user with this name.")]},
            )
    bank = create_bank(actor=user, **{**payload.dict(), "partner": partner})
    return Status(201, bank_json(bank, user, {}))


@router.get("/banks/{slug}", auth=PARTNER_AUTH)
def get_bank(request: HttpRequest, path: Path[BankPath]) -> dict[str, Any]:
    user = user_of(request)
    bank = _bank_or_404(user, path.slug)
    return bank_json(bank, user, live_counts([bank]).get(bank.pk, {}))


@router.patch("/banks/{slug}", auth=PARTNER_AUTH)
def update_bank(request: HttpRequest, path: Path[BankPath], payload: BankPatch) -> dict[str, Any]:
    user = user_of(request)
    require_role(user, *BANK_MANAGERS)
    bank = _bank_or_404(user, path.slug)
    with transaction.atomic():
        if payload.is_enabled is not None:
            set_bank_enabled(bank, payload.is_enabled, actor=user)
        if payload.is_shared is not None:
            set_bank_shared(bank, payload.is_shared, actor=user)
    bank.refresh_from_db()
    return bank_json(bank, user, live_counts([bank]).get(bank.pk, {}))


@router.get("/banks/{slug}/entries", auth=PARTNER_AUTH)
def export_entries(
    request: HttpRequest, path: Path[BankPath], filters: Query[ExportFilters]
) -> StreamingHttpResponse:
    """The bank's live hashes as ``json`` (default), ``csv`` or ``hashes``, streamed."""
    user = user_of(request)
    bank = _bank_or_404(user, path.slug)
    writer = exchange_format(filters.format)
    since = filters.since
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since, timezone.get_current_timezone())
    chunks = export_bank(
        bank,
        writer.name,
        signal_type=filters.signal_type or None,
        since=since,
        actor=user,
    )
    response = StreamingHttpResponse(chunks, content_type=writer.media_type)
    response["Content-Disposition"] = f'attachment; filename="{bank.slug}.{writer.extension}"'
    return response


@router.post(
    "/banks/{slug}/entries",
    auth=PARTNER_AUTH,
    response={200: dict[str, Any], 201: dict[str, Any]},
    openapi_extra=IMPORT_BODY,
)
def import_entries(request: HttpRequest, path: Path[BankPath]) -> Status[dict[str, Any]]:
    """Add hashes: JSON ``{"entries": [...], "dry_run": bool}`` or a file (multipart)."""
    user = user_of(request)
    bank = _bank_or_404(user, path.slug)
    if is_multipart(request):
        fields, upload = form(request)
        if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            raise too_large_bytes(MAX_IMPORT_BYTES)
        fmt = fields.get("format") or guess_format(upload.name or "")
        default_type = fields.get("type") or fields.get("signal_type") or None
        dry_run = flag(fields.get("dry_run", ""), "dry_run")
        data: bytes | str = upload.read()
    else:
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
            raise ValidationFailed(
                _('Send JSON of the form {"entries": [...]}, or a file.'),
                fields={"entries": [_("This must be a list of hashes.")]},
            )
        dry_run = flag(body.get("dry_run", False), "dry_run")
        default_type = body.get("type") or None
        if default_type is not None and not isinstance(default_type, str):
            raise ValidationFailed(
                _("The request is not valid."), fields={"type": [_("This must be text.")]}
            )
        fmt, data = "json", request.body
    report = import_bank(bank, data, fmt, actor=user, dry_run=dry_run, default_type=default_type)
    return Status(200 if dry_run else 201, report.as_dict())


@router.post("/banks/{slug}/entries/{entry_id}/remove", auth=PARTNER_AUTH)
def remove_bank_entry(
    request: HttpRequest, path: Path[BankEntryPath], payload: RemoveIn
) -> dict[str, Any]:
    user = user_of(request)
    bank = _bank_or_404(user, path.slug)
    entry = BankEntry.objects.filter(bank=bank, public_id=path.entry_id).first()
    if entry is None:
        raise NotFound(_("No hash with this id in this bank."))
    removed = remove_entry(entry, actor=user, reason=payload.reason)
    return {
        "entry": str(removed.public_id),
        "removed_at": removed.removed_at.isoformat() if removed.removed_at else None,
        "reason": removed.removal_reason,
    }
