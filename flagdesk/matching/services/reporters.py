"""The reporters' bank: fingerprints of pictures that victims hashed on their own device and
allowed us to keep looking for (docs/victims.md).

There is one such bank per instance, made on first use, used for matching and never shared
with partners unless a coordinator decides so. Its entries are not put there by staff: the
reporter's consent (given or withdrawn with the receipt code, ``intake.consent``) is the
decision, so these services take no actor and check no role; the caller has checked the
receipt code. Each entry names the case the picture belongs to (``BankEntry.case``) and the
report (``external_ref``), so a match leads to that case and a withdrawal finds its entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from flagdesk.cases.models import Case

from ..models import BankEntry, HashBank
from ..signal_types import ComputedSignal, signal_type
from .banks import value_key

BANK_NAME = "Reporters' pictures"
BANK_SLUG = "reporters-pictures"
# Kept on each removed entry (BankEntry.removal_reason): the record says why it went.
WITHDRAWN = "consent withdrawn by the reporter"


@dataclass(frozen=True)
class KeptPicture:
    """The fingerprints of one report to keep, with where a match should lead."""

    case: Case
    external_ref: str  # the report's reference
    signals: Sequence[ComputedSignal]
    tags: Sequence[str] = ()


def reporters_bank() -> HashBank:
    """The instance's reporters' bank, made (enabled, not shared) the first time it is needed."""
    found = HashBank.objects.filter(kind=HashBank.Kind.REPORTERS).order_by("pk").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return HashBank.objects.create(
                name=BANK_NAME,
                slug=BANK_SLUG,
                kind=HashBank.Kind.REPORTERS,
                description=(
                    "Fingerprints that reporters computed on their own device and allowed us "
                    "to keep; each entry names its case. Removed when the reporter withdraws."
                ),
                is_enabled=True,
                is_shared=False,
            )
    except IntegrityError:
        # Another request made it a moment ago (the name and the slug are unique).
        return HashBank.objects.get(slug=BANK_SLUG)


@transaction.atomic
def keep_pictures(kept: Sequence[KeptPicture]) -> list[BankEntry]:
    """Add each report's fingerprints to the reporters' bank; returns the entries added.

    A fingerprint already live in the bank (the same picture, from this report or another) is
    not added twice: the bank keeps one live entry per hash. New entries are checked in the
    background against the items we already hold (``retro_match``), so copies we have are
    linked to their case. The caller records the consent (audit trail, case timeline).
    """
    bank = reporters_bank()
    rows: list[BankEntry] = []
    seen: set[tuple[str, str]] = set()
    for picture in kept:
        for s in picture.signals:
            kind = signal_type(s.signal_type)
            value = kind.validate(s.value)
            key = (kind.name, value_key(kind.name, value))
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                BankEntry(
                    bank=bank,
                    signal_type=kind.name,
                    value=value,
                    value_key=key[1],
                    quality=s.quality,
                    tags=list(picture.tags),
                    external_ref=picture.external_ref,
                    case=picture.case,
                )
            )
    if not rows:
        return []
    # Lock the bank row: two consents at once must not both find a hash missing and collide
    # on the one-live-entry constraint.
    HashBank.objects.select_for_update().filter(pk=bank.pk).first()
    live = set(
        BankEntry.objects.filter(
            bank=bank, removed_at__isnull=True, value_key__in=[r.value_key for r in rows]
        ).values_list("signal_type", "value_key")
    )
    fresh = [r for r in rows if (r.signal_type, r.value_key) not in live]
    added = []
    for row in fresh:
        row.save(force_insert=True)
        added.append(row)
    if added:
        from ..tasks import retro_match_task

        ids = [e.pk for e in added]
        transaction.on_commit(partial(retro_match_task.enqueue, bank.pk, min(ids), max(ids)))
    return added


@transaction.atomic
def withdraw_pictures(external_ref: str) -> list[BankEntry]:
    """Take the live entries of one report (``external_ref``) out of matching, as the reporter
    asked; the rows stay, removed, with the reason and no staff user. Each process's index
    drops them on its next search (it watches ``removed_at``). Returns the entries removed;
    the caller records the withdrawal (audit trail, case timeline)."""
    if not external_ref:
        return []
    bank = HashBank.objects.filter(kind=HashBank.Kind.REPORTERS).order_by("pk").first()
    if bank is None:
        return []
    entries = list(
        BankEntry.objects.select_for_update().filter(
            bank=bank, external_ref=external_ref, removed_at__isnull=True
        )
    )
    if not entries:
        return []
    now = timezone.now()
    BankEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        removed_at=now, removed_by=None, removal_reason=WITHDRAWN
    )
    for entry in entries:
        entry.removed_at, entry.removal_reason = now, WITHDRAWN
    return entries
