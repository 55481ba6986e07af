"""Merging and splitting cases, and moving an item to another case (docs/cases.md).

One victim's or one incident's file is sometimes opened twice (two reports, a re-upload of
known content), or one file turns out to hold two matters. These services put items and
reports where they belong, each in one transaction, and leave a record on both cases'
timelines (``merged``, ``split``, ``moved``: the other case's reference in ``data``, the
reason in ``note``) and in the audit trail.

Rules that protect people, whatever the order of the clicks:

- **Need-to-know never widens.** Cases with the same access list (both open to every
  caseworker, or both restricted to the same people) merge freely. Otherwise the survivor
  takes the narrower list (one open and one restricted: the restricted one's; two
  restricted: the people on both), which locks some colleagues out of a case they could
  open: only someone who may change who opens a case (``Action.CASE_RESTRICT``) may do
  that, and only after confirming the resulting list. Moving one item (one click from a
  match) needs the same access list on both cases; otherwise merge the cases.
- **Minors and legal holds are never lost.** The survivor (or the new case of a split, or
  the case an item moves to) involves a minor when either case did, and is under legal hold
  when either was, the reasons joined.
- A case is never merged into itself, nor into a case that was itself merged; a merged
  case keeps its own events and points at the survivor (``Case.merged_into``), and its old
  address leads there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.reasons import MAX_REASON, stated_reason
from flagdesk.audit.services import record
from flagdesk.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Case, CaseEvent, CaseNote, Item, Task
from ..priority import recompute_priority
from ..queries import visible_case, visible_items

MERGE_ROLES = roles_for(Action.CASE_MERGE)
# Who may accept that a merge narrows who opens the survivor (they may change it anyway).
ACCESS_ROLES = roles_for(Action.CASE_RESTRICT)


class MergeRefused(Conflict):
    code = "merge_refused"


def _reason(text: str) -> str:
    return stated_reason(text, missing=_("Say why (for example: the same victim and content)."))


def _case(actor: User, case: Case) -> Case:
    """The case as stored now, when the actor may see it (NotFound otherwise)."""
    found = visible_case(actor, case.pk)
    if found is None:
        raise NotFound(_("No such case."))
    return found


def access_list(case: Case) -> frozenset[int]:
    """Who the case is restricted to (empty: every caseworker)."""
    return frozenset(case.restricted_to.values_list("pk", flat=True))


def combined_access(a: frozenset[int], b: frozenset[int]) -> frozenset[int]:
    """The narrower of two access lists: never someone who could open neither case."""
    if not a or not b:
        return a or b
    return a & b


def access_after_merge(source: Case, into: Case) -> tuple[bool, list[User]]:
    """Whether the merge changes who opens the survivor, and who it is then restricted to
    (empty: every caseworker). The merge page shows this before a coordinator confirms."""
    before, other = access_list(into), access_list(source)
    after = combined_access(before, other)
    named = list(User.objects.filter(pk__in=after).order_by("username"))
    return before != other, named


def _join_reasons(*reasons: str) -> str:
    joined = " · ".join(dict.fromkeys(r for r in reasons if r))
    return joined if len(joined) <= MAX_REASON else joined[: MAX_REASON - 1] + "…"


def _carry_flags(into: Case, others: Iterable[Case]) -> list[str]:
    """Minors and legal hold of ``others`` onto ``into`` (saved); what changed, for the note."""
    changed = []
    fields = []
    for other in others:
        if other.has_minor_depicted and not into.has_minor_depicted:
            into.has_minor_depicted = True
            fields.append("has_minor_depicted")
            changed.append("minors")
        if other.legal_hold:
            if not into.legal_hold:
                changed.append("legal_hold")
            into.legal_hold = True
            into.legal_hold_reason = _join_reasons(into.legal_hold_reason, other.legal_hold_reason)
            fields += ["legal_hold", "legal_hold_reason"]
    if fields:
        into.save(update_fields=sorted(set(fields)))
    return changed


def _set_access(case: Case, named: frozenset[int], *, actor: User, reason: str) -> None:
    before = sorted(access_list(case))
    if before == sorted(named):
        return
    case.restricted_to.set(named)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.ACCESS,
        actor=actor,
        after="restricted",
        note=_("Restricted to %(count)d named staff.") % {"count": len(named)},
        data={"by": "merge"},
    )
    record(
        "case.restricted",
        actor=actor,
        target=f"case:{case.pk}",
        reason=reason,
        data={"before": before, "after": sorted(named)},
    )


def _refuse_merged(*cases: Case) -> None:
    for case in cases:
        if case.merged_into_id is not None:
            raise MergeRefused(
                _("Case %(ref)s was merged into another case already.") % {"ref": case.reference}
            )


def _reports_only_about(case: Case, item_ids: set[Any]) -> list[Any]:
    """Reports of ``case`` all of whose items are among ``item_ids`` (they go with them); a
    report that also names an item staying behind stays with the case."""
    moving = []
    for report in case.reports.prefetch_related("items"):
        ids = {i.pk for i in report.items.all()}
        if ids and ids <= item_ids:
            moving.append(report.pk)
    return moving


def _events_both_ways(
    kind: str,
    first: Case,
    second: Case,
    *,
    actor: User,
    reason: str,
    directions: tuple[str, str],
    item: Item | None = None,
    data: dict[str, Any] | None = None,
    second_data: dict[str, Any] | None = None,
) -> None:
    """One event on each case's timeline, each naming the other case (merge, split, move):
    a reader of either timeline learns where things went or came from."""
    sides: tuple[tuple[Case, Case, str, dict[str, Any]], ...] = (
        (first, second, directions[0], {}),
        (second, first, directions[1], second_data or {}),
    )
    for case, other, direction, extra in sides:
        CaseEvent.objects.create(
            case=case,
            item=item,
            kind=kind,
            actor=actor,
            after=direction,
            note=reason,
            data={**(data or {}), "case": str(other.pk), "reference": other.reference, **extra},
        )


def _absorb(source: Case, into: Case) -> None:
    """What is left of ``source`` (items, reports, notes, tasks) goes to ``into``, and the
    emptied case points at it, so its address leads there."""
    Item.objects.filter(case=source).update(case=into)
    source.reports.update(case=into)
    CaseNote.objects.filter(case=source).update(case=into)
    Task.objects.filter(case=source).update(case=into)
    Case.objects.filter(pk=source.pk).update(merged_into=into)
    source.merged_into = into


@transaction.atomic
def merge_cases(
    source: Case, into: Case, *, actor: User, reason: str, confirm_access: bool = False
) -> Case:
    """Merge ``source`` into ``into``: its items, reports, notes and tasks go to ``into``; its
    events stay and it points at ``into``. Returns the survivor.

    Refused (``MergeRefused``) for a case merged into itself or with a case merged already;
    when the access lists differ, refused unless the actor may change who opens a case and
    ``confirm_access`` is set (see the module's rules). ``NotFound`` when the actor may not
    see either case. Writes ``merged`` on both timelines, ``case.merged`` in the audit trail.
    """
    require_role(actor, *MERGE_ROLES)
    reason = _reason(reason)
    if source.pk == into.pk:
        raise MergeRefused(_("A case cannot be merged into itself."))
    source, into = _case(actor, source), _case(actor, into)
    _refuse_merged(source, into)
    differs, _named = access_after_merge(source, into)
    if differs:
        if not actor.has_any_role(*ACCESS_ROLES):
            raise MergeRefused(
                _(
                    "These cases are not open to the same people. Ask a reviewer or a "
                    "coordinator to merge them: they decide who opens the merged case."
                )
            )
        if not confirm_access:
            raise ValidationFailed(
                _("Confirm who may open the merged case."),
                fields={"confirm_access": [_("Required.")]},
            )
    after = combined_access(access_list(into), access_list(source))
    _absorb(source, into)
    carried = _carry_flags(into, [source])
    _set_access(into, after, actor=actor, reason=reason)
    _events_both_ways(
        CaseEvent.Kind.MERGED,
        source,
        into,
        actor=actor,
        reason=reason,
        directions=("into", "from"),
        second_data={"carried": carried},
    )
    record(
        "case.merged",
        actor=actor,
        target=f"case:{into.pk}",
        reason=reason,
        data={"source": str(source.pk), "into": str(into.pk)},
    )
    # A minor found in either case now concerns every item: the workbench's order follows.
    recompute_priority(into.items.all())
    return into


@transaction.atomic
def split_case(case: Case, items: Iterable[Item], *, actor: User, reason: str) -> Case:
    """Move ``items`` of ``case`` to a new case, which is returned.

    At least one item moves and at least one stays. Reports all of whose items move go with
    them; a report naming items on both sides stays with ``case`` (it is still reached from
    every item it names). Notes and tasks about a moving item go with it. The new case gets
    the access list, the minors flag and the legal hold of ``case``. Writes ``split`` on both
    timelines and ``case.split`` in the audit trail.
    """
    require_role(actor, *MERGE_ROLES)
    reason = _reason(reason)
    case = _case(actor, case)
    _refuse_merged(case)
    wanted = {i.pk for i in items}
    own = set(visible_items(actor).filter(case=case).values_list("pk", flat=True))
    if not wanted:
        raise ValidationFailed(
            _("Choose the items that go to the new case."), fields={"items": [_("Required.")]}
        )
    if not wanted <= own:
        raise NotFound(_("No such item in this case."))
    if Item.objects.filter(case=case).exclude(pk__in=wanted).count() == 0:
        raise ValidationFailed(
            _("At least one item must stay in the case; to move all of them, merge the case."),
            fields={"items": [_("Leave at least one item.")]},
        )
    new = Case.objects.create(
        has_minor_depicted=case.has_minor_depicted,
        legal_hold=case.legal_hold,
        legal_hold_reason=case.legal_hold_reason,
    )
    new.restricted_to.set(case.restricted_to.all())
    reports = _reports_only_about(case, wanted)
    Item.objects.filter(pk__in=wanted).update(case=new)
    case.reports.filter(pk__in=reports).update(case=new)
    CaseNote.objects.filter(case=case, item__in=wanted).update(case=new)
    Task.objects.filter(case=case, item__in=wanted).update(case=new)
    moved = sorted(str(pk) for pk in wanted)
    _events_both_ways(
        CaseEvent.Kind.SPLIT,
        case,
        new,
        actor=actor,
        reason=reason,
        directions=("to", "from"),
        data={"items": moved},
    )
    record(
        "case.split",
        actor=actor,
        target=f"case:{case.pk}",
        reason=reason,
        data={"new": str(new.pk), "items": moved, "reports": sorted(str(r) for r in reports)},
    )
    return new


@transaction.atomic
def move_item(item: Item, into_case: Case, *, actor: User, reason: str) -> Item:
    """Move ``item`` to ``into_case`` (a re-upload joins the case of the known item it
    matches). Returns the item, in its new case.

    Reports only about the item, and notes and tasks about it, go with it. Both cases must
    have the same access list (else ``MergeRefused``: merge the cases instead). The minors
    flag and the legal hold of the item's case carry over. When the item was the last of its
    case, the emptied case is merged into ``into_case`` (its other reports, notes and tasks
    follow, its address leads there). Writes ``moved`` on both timelines (and ``merged`` when
    the case was emptied) and ``case.item_moved`` in the audit trail.
    """
    require_role(actor, *MERGE_ROLES)
    reason = _reason(reason)
    found = visible_items(actor).filter(pk=item.pk).first()
    if found is None:
        raise NotFound(_("No such item."))
    source, into = _case(actor, found.case), _case(actor, into_case)
    if source.pk == into.pk:
        raise MergeRefused(_("The item is in case %(ref)s already.") % {"ref": into.reference})
    _refuse_merged(source, into)
    if access_list(source) != access_list(into):
        raise MergeRefused(
            _(
                "These cases are not open to the same people, so the item cannot simply "
                "move: merge the cases from the case page, where a reviewer or a coordinator "
                "decides who opens the merged case."
            )
        )
    reports = _reports_only_about(source, {found.pk})
    Item.objects.filter(pk=found.pk).update(case=into)
    source.reports.filter(pk__in=reports).update(case=into)
    CaseNote.objects.filter(case=source, item=found).update(case=into)
    Task.objects.filter(case=source, item=found).update(case=into)
    carried = _carry_flags(into, [source])
    is_emptied = not Item.objects.filter(case=source).exists()
    _events_both_ways(
        CaseEvent.Kind.MOVED,
        source,
        into,
        actor=actor,
        reason=reason,
        directions=("out", "in"),
        item=found,
        data={"item": str(found.pk), "emptied": is_emptied},
        second_data={"carried": carried},
    )
    if is_emptied:
        _absorb(source, into)
        _events_both_ways(
            CaseEvent.Kind.MERGED,
            source,
            into,
            actor=actor,
            reason=reason,
            directions=("into", "from"),
        )
    record(
        "case.item_moved",
        actor=actor,
        target=f"item:{found.pk}",
        reason=reason,
        data={"from": str(source.pk), "into": str(into.pk), "emptied": is_emptied},
    )
    found.case = into
    recompute_priority([found])  # the known case's minor flag now concerns it too
    return found
