"""Reads of banks, entries, item hashes and matches; each starts from the user's scope (S5).

Staff pages and the item panel read through here so that ``select_related`` and the role that
may see a bank or a match are written once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from django.db.models import Count, Q, QuerySet

from flagdesk.accounts.models import Role, User
from flagdesk.cases.access import item_scope
from flagdesk.cases.models import Assessment, Case, Item
from flagdesk.cases.queries import survivor_of, visible_case, visible_items

from .models import BankEntry, HashBank, ItemSignal, Match
from .services.roles import BANK_READERS


def visible_banks(user: User) -> QuerySet[HashBank]:
    """Every bank read starts here: staff readers see all banks, a partner (API only) its own
    and the shared ones, and other roles none."""
    banks = HashBank.objects.select_related("partner", "created_by")
    if user.has_any_role(*BANK_READERS):
        return banks
    if user.has_any_role(Role.PARTNER):
        return banks.filter(Q(partner=user) | Q(is_shared=True))
    return HashBank.objects.none()


def partner_accounts() -> QuerySet[User]:
    """Accounts that may feed a partner bank by API (the bank form offers them)."""
    return User.objects.filter(role=Role.PARTNER, is_active=True).order_by("username")


def live_counts(banks: list[HashBank]) -> dict[int, dict[str, int]]:
    """Live entries per bank and signal type, in one grouped query for the whole list."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        BankEntry.objects.filter(bank__in=banks, removed_at__isnull=True)
        .order_by()
        .values("bank_id", "signal_type")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["bank_id"]][row["signal_type"]] = row["n"]
    return counts


def bank_entries(
    bank: HashBank, *, signal_type: str = "", removed: bool = False
) -> QuerySet[BankEntry]:
    """A bank's live entries, or its removed ones (kept for the record), newest first."""
    entries = BankEntry.objects.filter(bank=bank, removed_at__isnull=not removed)
    if signal_type:
        entries = entries.filter(signal_type=signal_type)
    order = ("-removed_at", "-id") if removed else ("-added_at", "-id")
    return entries.select_related("item__case", "added_by", "removed_by").order_by(*order)


def bank_entry(user: User, slug: str, public_id: UUID) -> BankEntry | None:
    return (
        BankEntry.objects.filter(bank__in=visible_banks(user), bank__slug=slug, public_id=public_id)
        .select_related(
            "bank",
            "item__case",
            "added_by",
            "removed_by",
            "prefill_assessment__author",
            "prefill_allowed_by",
        )
        .first()
    )


def entry_matches(entry: BankEntry) -> QuerySet[Match]:
    return entry.matches.select_related("item__case", "signal").order_by("-created_at")


def prefill_candidates(entry: BankEntry) -> QuerySet[Assessment]:
    """Assessments a reviewer may let matches reuse: approved 'illegal' ones of the entry's item."""
    if entry.item_id is None:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(
            item_id=entry.item_id,
            verdict=Assessment.Verdict.ILLEGAL,
            review__is_approved=True,
        )
        .select_related("author", "review__reviewer")
        .order_by("-created_at")
    )


def item_signals(item: Item) -> QuerySet[ItemSignal]:
    return item.signals.select_related("added_by").order_by("created_at", "id")


def item_matches(user: User, item: Item) -> QuerySet[Match]:
    """The item's matches on live entries, closest first; only bank readers see them."""
    if not user.has_any_role(*BANK_READERS):
        return Match.objects.none()
    return (
        item.matches.filter(entry__removed_at__isnull=True)
        .select_related(
            "signal", "entry__bank", "entry__item__case", "entry__case", "entry__prefill_assessment"
        )
        .order_by("distance", "-created_at")
    )


def case_matches(user: User, items: Iterable[Item]) -> QuerySet[Match]:
    """Live matches of these items (a case's, already in the user's scope), by item."""
    if not user.has_any_role(*BANK_READERS):
        return Match.objects.none()
    return (
        Match.objects.filter(item__in=[i.pk for i in items], entry__removed_at__isnull=True)
        .select_related("item", "signal", "entry__bank", "entry__item__case", "entry__case")
        .order_by("item__created_at", "distance", "-created_at")
    )


def item_match_count(item: Item) -> int:
    """How many live matches an item has: shown to every role on the item page, details not."""
    return item.matches.filter(entry__removed_at__isnull=True).count()


def openable_items(user: User, ids: Iterable[UUID | None]) -> set[UUID]:
    """Of these items, the ones ``user`` may open (role and need-to-know): only those are
    named (case, URL, link) on bank and match pages; the others show as "an item of a case
    you may not open"."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(visible_items(user).filter(pk__in=wanted).values_list("pk", flat=True))


def visible_match(user: User, match_id: UUID) -> Match | None:
    """A match is seen by bank readers, and only on an item within their need-to-know
    (``cases.access``): its thumbnail and audited unblur belong to the item's case."""
    if not user.has_any_role(*BANK_READERS):
        return None
    return (
        Match.objects.filter(pk=match_id, item__in=Item.objects.filter(item_scope(user)))
        .select_related("item", "signal", "entry__bank", "entry__item__case", "entry__case")
        .first()
    )


def known_case(user: User, entry: BankEntry) -> Case | None:
    """Where a match on an entry known by its case only (a reporter's picture,
    ``BankEntry.case``) leads: that case, or the case it was merged into since, when ``user``
    may open it; None otherwise."""
    if entry.case_id is None:
        return None
    return visible_case(user, entry.case_id) or survivor_of(user, entry.case_id)


def openable_cases(user: User, entries: Iterable[BankEntry]) -> set[UUID]:
    """Of the cases these entries are known by (``BankEntry.case``, a reporter's picture),
    the ones ``user`` may open: only those are named and linked on match pages."""
    return {e.case_id for e in entries if e.case_id is not None and known_case(user, e) is not None}


def reporter_entries(external_refs: Iterable[str]) -> QuerySet[BankEntry]:
    """The reporters' bank's entries (live and removed) kept in these reports' names."""
    return BankEntry.objects.filter(
        bank__kind=HashBank.Kind.REPORTERS, external_ref__in=list(external_refs)
    ).order_by("added_at", "id")


def entry_match_counts(entries: Iterable[BankEntry]) -> dict[int, int]:
    """Live matches per entry, in one grouped query."""
    rows = (
        Match.objects.filter(entry__in=[e.pk for e in entries])
        .order_by()
        .values("entry_id")
        .annotate(n=Count("id"))
    )
    return {row["entry_id"]: row["n"] for row in rows}


def entry_matches_of(user: User, entries: Iterable[BankEntry]) -> QuerySet[Match]:
    """Matches on these entries (items found to carry a reporter's picture), newest first;
    only bank readers see them. Name an item only when it is in ``openable_items``."""
    if not user.has_any_role(*BANK_READERS):
        return Match.objects.none()
    return (
        Match.objects.filter(entry__in=[e.pk for e in entries])
        .select_related("item__case", "signal", "entry")
        .order_by("-created_at")
    )
