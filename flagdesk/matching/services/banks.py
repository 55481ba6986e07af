"""Hash banks and their entries: create, switch on and off, add, remove, allow pre-fill."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.cases.models import Assessment, Item
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed

from ..models import BankEntry, HashBank
from ..signal_types import InvalidSignal, Vpdq, signal_type
from .roles import BANK_MANAGERS, BANK_WRITERS, ENTRY_REMOVERS, PREFILL_GRANTERS

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

MIN_REMOVAL_REASON = 10
MAX_TAGS = 20
MAX_TAG_CHARS = 60


@dataclass(frozen=True)
class EntryInput:
    """One hash to put in a bank, as a form, a file or a partner gives it."""

    signal_type: str
    value: str
    quality: int | None = None
    tags: Sequence[str] = ()
    external_ref: str = ""
    item: Item | None = None
    thumbnail: str = ""


@dataclass
class AddResult:
    added: list[BankEntry] = field(default_factory=list)
    duplicates: int = 0


def value_key(kind: str, canonical: str) -> str:
    """What exact look-ups and dedupe compare: the hash itself, or a digest of a vPDQ list."""
    if kind == Vpdq.name:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return canonical


def clean_tags(tags: Iterable[object]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        text = str(tag).strip()
        if not text:
            continue
        if len(text) > MAX_TAG_CHARS or any(c in text for c in "\r\n\t"):
            raise InvalidSignal(f"a tag must be one line of at most {MAX_TAG_CHARS} characters")
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_TAGS:
        raise InvalidSignal(f"at most {MAX_TAGS} tags")
    return cleaned


def canonical(entry: EntryInput) -> BankEntry:
    """An unsaved BankEntry with the value validated, or InvalidSignal saying what is wrong."""
    kind = signal_type(entry.signal_type)
    value = kind.validate(entry.value)
    quality = entry.quality
    if quality is not None and not 0 <= int(quality) <= 100:
        raise InvalidSignal("quality must be a whole number from 0 to 100")
    frame_count = len(Vpdq.frames(value)) if kind is Vpdq else None
    if len(entry.external_ref) > 200:
        raise InvalidSignal("the external reference may have at most 200 characters")
    return BankEntry(
        signal_type=kind.name,
        value=value,
        value_key=value_key(kind.name, value),
        quality=quality,
        frame_count=frame_count,
        tags=clean_tags(entry.tags),
        external_ref=entry.external_ref.strip(),
        item=entry.item,
        thumbnail=entry.thumbnail,
    )


@transaction.atomic
def create_bank(
    *,
    actor: User,
    name: str,
    kind: str = HashBank.Kind.OWN,
    phenomenon: str = "",
    description: str = "",
    slug: str = "",
    partner: User | None = None,
    is_shared: bool = False,
) -> HashBank:
    """A new, enabled bank. Names and short names are unique."""
    require_role(actor, *BANK_MANAGERS)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    slug = slugify(slug or name)[:60]
    if not name:
        errors["name"] = [_("Give the bank a name.")]
    elif len(name) > 120:
        errors["name"] = [_("At most 120 characters.")]
    if name and not slug:
        errors["slug"] = [_("Use letters or digits in the short name.")]
    if kind not in HashBank.Kind.values:
        errors["kind"] = [_("Unknown kind of bank.")]
    if phenomenon and phenomenon not in taxonomy.phenomena():
        errors["phenomenon"] = [_("Unknown phenomenon.")]
    if partner is not None and partner.role != "partner":
        errors["partner"] = [_("Only a partner account can feed a partner bank.")]
    if not errors and HashBank.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("A bank with this name exists.")]
    if not errors and HashBank.objects.filter(slug=slug).exists():
        errors["slug"] = [_("A bank with this short name exists.")]
    if errors:
        raise ValidationFailed(_("The bank could not be created."), fields=errors)
    bank = HashBank.objects.create(
        name=name,
        slug=slug,
        kind=kind,
        phenomenon=phenomenon,
        description=description.strip(),
        partner=partner,
        is_shared=is_shared,
        created_by=actor,
    )
    record("bank.create", actor=actor, target=f"bank:{bank.slug}", data={"kind": kind})
    return bank


@transaction.atomic
def set_bank_enabled(bank: HashBank, enabled: bool, *, actor: User) -> HashBank:
    """Switch a bank on or off for matching; its entries stay."""
    require_role(actor, *BANK_MANAGERS)
    HashBank.objects.filter(pk=bank.pk).update(is_enabled=enabled, updated_at=timezone.now())
    bank.is_enabled = enabled
    record("bank.enable" if enabled else "bank.disable", actor=actor, target=f"bank:{bank.slug}")
    return bank


@transaction.atomic
def set_bank_shared(bank: HashBank, shared: bool, *, actor: User) -> HashBank:
    require_role(actor, *BANK_MANAGERS)
    HashBank.objects.filter(pk=bank.pk).update(is_shared=shared, updated_at=timezone.now())
    bank.is_shared = shared
    record("bank.share" if shared else "bank.unshare", actor=actor, target=f"bank:{bank.slug}")
    return bank


def may_add(actor: User, bank: HashBank) -> bool:
    """Staff who write banks may add anywhere; a partner only to its own partner bank."""
    if actor.has_any_role(*BANK_WRITERS, *BANK_MANAGERS):
        return True
    return actor.has_any_role("partner") and bank.partner_id == actor.pk


def add_entries(bank: HashBank, entries: Sequence[EntryInput], *, actor: User) -> AddResult:
    """Validate and add hashes; one already live in the bank counts as a duplicate.

    All or nothing: the first invalid value raises ``ValidationFailed`` naming its position
    (imports validate first, see ``formats``, and only call this with valid rows).
    """
    if not may_add(actor, bank):
        raise PermissionDenied(_("You may not add hashes to this bank."))
    prepared: list[BankEntry] = []
    for number, entry in enumerate(entries, start=1):
        try:
            row = canonical(entry)
        except InvalidSignal as exc:
            raise ValidationFailed(
                _("Hash %(n)s is not valid: %(error)s") % {"n": number, "error": exc},
                fields={str(number): [str(exc)]},
            ) from None
        row.bank = bank
        row.added_by = actor
        prepared.append(row)
    result = AddResult()
    with transaction.atomic():
        seen: set[tuple[str, str]] = set()
        live = set(
            BankEntry.objects.filter(
                bank=bank,
                removed_at__isnull=True,
                value_key__in=[p.value_key for p in prepared],
            ).values_list("signal_type", "value_key")
        )
        fresh = []
        for row in prepared:
            key = (row.signal_type, row.value_key)
            if key in live or key in seen:
                result.duplicates += 1
                continue
            seen.add(key)
            fresh.append(row)
        try:
            for start in range(0, len(fresh), 1000):
                chunk = fresh[start : start + 1000]
                result.added.extend(BankEntry.objects.bulk_create(chunk))
        except IntegrityError:
            raise Conflict(_("The bank changed meanwhile; try again.")) from None
        record(
            "bank.add",
            actor=actor,
            target=f"bank:{bank.slug}",
            data={"added": len(result.added), "duplicates": result.duplicates},
        )
    _ensure_ids(result.added, bank)
    ids = [row.pk for row in result.added if row.pk]
    if ids:
        from ..tasks import retro_match_task

        # Items we already hold may be among the new hashes: check them in the background.
        transaction.on_commit(partial(retro_match_task.enqueue, bank.pk, min(ids), max(ids)))
    return result


def _ensure_ids(rows: list[BankEntry], bank: HashBank) -> None:
    """SQLite's bulk_create may not return ids on old versions; read them back if so."""
    if all(r.pk for r in rows):
        return
    by_key = dict(
        BankEntry.objects.filter(
            bank=bank, removed_at__isnull=True, value_key__in=[r.value_key for r in rows]
        ).values_list("value_key", "pk")
    )
    for row in rows:
        row.pk = by_key.get(row.value_key)


@transaction.atomic
def remove_entry(entry: BankEntry, *, actor: User, reason: str) -> BankEntry:
    """Take an entry out of matching (kept, with who and why, for the record)."""
    require_role(actor, *ENTRY_REMOVERS)
    if len(reason.strip()) < MIN_REMOVAL_REASON:
        raise ValidationFailed(
            _("Say why this hash is removed."),
            fields={"reason": [_("At least %(n)s characters.") % {"n": MIN_REMOVAL_REASON}]},
        )
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        raise Conflict(_("This hash was already removed."))
    entry.removed_at = timezone.now()
    entry.removed_by = actor
    entry.removal_reason = reason.strip()
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    record(
        "bank.remove_entry",
        actor=actor,
        target=f"bank:{entry.bank.slug}",
        reason=entry.removal_reason,
        data={"entry": str(entry.public_id)},
    )
    return entry


@transaction.atomic
def allow_prefill(entry: BankEntry, assessment: Assessment | None, *, actor: User) -> BankEntry:
    """Let matches on this entry pre-fill a new item's assessment with an approved one.

    Passing ``None`` withdraws the permission. Only an approved ``illegal`` assessment of the
    entry's own item qualifies: a match then still needs an analyst's click and a review.
    """
    require_role(actor, *PREFILL_GRANTERS)
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
    if assessment is not None:
        review = getattr(assessment, "review", None)
        if (
            entry.item_id is None
            or assessment.item_id != entry.item_id
            or assessment.verdict != Assessment.Verdict.ILLEGAL
            or review is None
            or not review.is_approved
        ):
            raise Conflict(
                _("Only an approved 'illegal' assessment of this hash's own item can be reused.")
            )
    entry.prefill_assessment = assessment
    entry.prefill_allowed_by = actor if assessment else None
    entry.save(update_fields=["prefill_assessment", "prefill_allowed_by"])
    record(
        "bank.allow_prefill" if assessment else "bank.withdraw_prefill",
        actor=actor,
        target=f"bank:{entry.bank.slug}",
        data={"entry": str(entry.public_id)},
    )
    return entry
