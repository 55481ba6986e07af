"""The notice pre-flight: every reason a notice cannot go out, all listed at once.

The send page shows it as a checklist per item before anyone presses "send", the API answers
it at ``/notices/preflight``, and ``queue_notices`` runs it first and refuses with every
problem it found, so the three never disagree. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services.facts import may_omit_notifier
from flagdesk.cases.services.qualification import assessment_checks
from flagdesk.core.errors import Conflict, FlagdeskError, ValidationFailed
from flagdesk.notices.language import detect_language, language_name
from flagdesk.notices.models import Notice
from flagdesk.organisation.models import Organisation
from flagdesk.organisation.services import current_organisation
from flagdesk.platforms.channels import has_line_break
from flagdesk.platforms.services import notice_channel

from .anonymity import anonymous_sender_problems, item_name, leaks

QUEUE_ROLES = roles_for(Action.NOTICE_SEND)
# A notice in these statuses is still open: a second one for its items would be a duplicate.
OPEN_STATUSES = (Notice.Status.QUEUED, Notice.Status.SENT, Notice.Status.ACKNOWLEDGED)

Approved = tuple[Item, Assessment]


@dataclass(frozen=True)
class Problem:
    """One reason the notice cannot go out, in words a clerk can act on.

    ``field`` is the request field at fault (``item_ids``, ``anonymous``, ``organisation``) or,
    with ``item_id``, the item's field (``legal_bases``, ``reasons``...). ``is_conflict``: the
    state of an item or of the organisation blocks it (409), not the request or the text (422).
    """

    item_id: UUID | None
    field: str
    code: str
    message: str
    is_conflict: bool = False

    @property
    def key(self) -> str:
        """The key of ``error.fields`` in the API: ``items.<uuid>.<field>`` for an item's own
        field, the request field (``item_ids``, ``anonymous``) otherwise."""
        if self.item_id is None or self.field in ("item_ids", "anonymous", "organisation"):
            return self.field
        return f"items.{self.item_id}.{self.field}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": str(self.item_id) if self.item_id else None,
            "field": self.key,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckLine:
    """One line of the send page's checklist; passed lines are shown too."""

    item_id: UUID | None
    code: str
    label: str
    passed: bool


@dataclass(frozen=True)
class Preflight:
    problems: list[Problem]
    checklist: list[CheckLine]
    # Whether the "omit our name" option may be offered for these items at all.
    can_be_anonymous: bool
    approved: list[Approved] = field(default_factory=list, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fields(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for p in self.problems:
            text = f"{p.item_id}: {p.message}" if p.key == "item_ids" else p.message
            found.setdefault(p.key, []).append(text)
        return found

    def lines_for(self, item_id: UUID | None) -> list[CheckLine]:
        return [line for line in self.checklist if line.item_id == item_id]

    def problems_for(self, item_id: UUID | None) -> list[Problem]:
        return [p for p in self.problems if p.item_id == item_id]

    def error(self) -> FlagdeskError:
        """The refusal ``queue_notices`` raises: 409 when an item or the organisation is not
        in a state to be notified (the v1 status), else 422; each lists every problem."""
        message = " ".join(dict.fromkeys(p.message for p in self.problems))
        if any(p.is_conflict for p in self.problems):
            return PreflightConflict(message, fields=self.fields(), preflight=self)
        return PreflightInvalid(message, fields=self.fields(), preflight=self)


class PreflightFailed(FlagdeskError):
    def __init__(self, message: Any = "", *, fields: dict[str, Any], preflight: Preflight):
        super().__init__(message, fields=fields)
        self.preflight = preflight


class PreflightConflict(PreflightFailed, Conflict):
    pass


class PreflightInvalid(PreflightFailed, ValidationFailed):
    pass


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.lines: list[CheckLine] = []

    def check(
        self,
        item: Item | None,
        code: str,
        label: str,
        failures: Iterable[tuple[str, str]] = (),
        *,
        is_conflict: bool = False,
    ) -> bool:
        """One checklist line; each failure is ``(field, message)``."""
        item_id = item.id if item is not None else None
        found = [
            Problem(item_id, f, code, message, is_conflict=is_conflict) for f, message in failures
        ]
        self.lines.append(CheckLine(item_id, code, label, passed=not found))
        self.problems.extend(found)
        return not found


def _latest(item: Item) -> Assessment | None:
    return (
        Assessment.objects.select_related("review")
        .filter(item=item)
        .order_by("-created_at")
        .first()
    )


_NOT_APPROVED = gettext_lazy(
    "Only items whose illegal verdict a reviewer approved can be notified: %(item)s."
)


def _state_checks(c: _Collector, item: Item, busy: set[UUID]) -> Assessment | None:
    """Approval, platform and open notices: the v1 checks, answered with 409."""
    latest = _latest(item)
    review = getattr(latest, "review", None) if latest else None
    name = {"item": item_name(item)}
    failures = []
    if item.status != Item.Status.APPROVED:
        failures.append(_NOT_APPROVED % name)
    elif latest is None or latest.verdict != Assessment.Verdict.ILLEGAL:
        failures.append(_("Only items assessed as illegal can be notified: %(item)s.") % name)
    elif review is None or not review.is_approved:
        failures.append(_NOT_APPROVED % name)
    approved = c.check(
        item,
        "not_approved",
        _("Assessed as illegal, approved by a second person"),
        [("item_ids", m) for m in failures],
        is_conflict=True,
    )
    platform = item.platform
    failures = []
    if platform is None:
        failures.append(
            _("This item has no known platform; register the platform first: %(item)s.") % name
        )
    c.check(
        item,
        "no_platform",
        _("Platform known"),
        [("item_ids", m) for m in failures],
        is_conflict=True,
    )
    c.check(
        item,
        "already_notified",
        _("No open notice for this item"),
        [("item_ids", _("This item already has an open notice: %(item)s.") % name)]
        if item.id in busy
        else [],
        is_conflict=True,
    )
    return latest if approved else None


def _organisation_check(c: _Collector, org: Organisation) -> bool:
    complete = bool(org.name.strip()) and "@" in org.email
    return c.check(
        None,
        "organisation_incomplete",
        _("The organisation's name and notice email are set"),
        []
        if complete and not has_line_break(org.name + org.email)
        else [
            (
                "organisation",
                _("The organisation's name and notice email must be set before notices go out."),
            )
        ],
        is_conflict=True,
    )


def _anonymity_checks(
    c: _Collector, org: Organisation, approved: Sequence[Approved], *, anonymous: bool
) -> bool:
    """Whether anonymity could be chosen; when it was, the problems that stop it."""
    allowed = {item.id: may_omit_notifier(item, a) for item, a in approved}
    sender_problems = anonymous_sender_problems(org)
    if anonymous:
        c.check(
            None,
            "anonymous_sender",
            _("A sender outside the organisation's domain is configured for anonymous notices"),
            [("anonymous", m) for m in sender_problems],
        )
        for item, assessment in approved:
            name = {"item": item_name(item)}
            c.check(
                item,
                "anonymity_not_allowed",
                _("May omit the notifier (art. 16(2)(c) DSA)"),
                []
                if allowed[item.id]
                else [
                    (
                        "anonymous",
                        _(
                            "A notice may omit the notifier's name and email only when every "
                            "item involves child sexual abuse, exploitation or grooming (art. "
                            "16(2)(c) DSA), or sextortion of a minor. Not the case for %(item)s."
                        )
                        % name,
                    )
                ],
            )
            c.check(
                item,
                "organisation_named",
                _("Nothing in the item names the organisation"),
                leaks(item, assessment, org),
            )
    return bool(approved) and all(allowed.values()) and not sender_problems


def _language_check(c: _Collector, item: Item, assessment: Assessment, *, confirmed: bool) -> None:
    if item.platform is None:
        return
    # The notice is written in its channel's language when the coordinator set one.
    wanted = notice_channel(item.platform).language or item.platform.notice_language
    found = detect_language(assessment.reasons)
    failures = []
    if found and found != wanted and not confirmed:
        failures.append(
            (
                "reasons",
                _(
                    "The reasons of %(item)s seem to be written in %(found)s, but the notice "
                    "goes out in %(language)s. Translate them, or confirm that the notice may "
                    "be sent with reasons in another language."
                )
                % {
                    "item": item_name(item),
                    "found": language_name(found),
                    "language": language_name(wanted),
                },
            )
        )
    c.check(
        item,
        "reasons_language",
        _("Reasons written in the notice's language (%(language)s)")
        % {"language": language_name(wanted)},
        failures,
    )


def _assessment_checks(c: _Collector, item: Item, assessment: Assessment) -> None:
    for check in assessment_checks(assessment):
        failed = not check.passed and check.blocks_sending
        c.check(
            item,
            check.code,
            check.label,
            [(check.field, f"{item_name(item)}: {check.message}")] if failed else [],
        )


def preflight(
    items: Sequence[Item],
    *,
    actor: User,
    anonymous: bool,
    confirm_language: bool = False,
    now: dt.datetime | None = None,
) -> Preflight:
    """Everything that stops these items from being notified, collected, never the first only.

    Checks, per item: approved ``illegal`` assessment, platform with a notice address, no open
    notice, reasons in the notice language (unless ``confirm_language``), the assessment checks
    of ``cases.services.qualification`` that block sending; for the request: the organisation's
    name and email; with ``anonymous``: the 16(2)(c) exception for every item, the anonymous
    sender, and no mention of the organisation in what the items put into the notice.
    Raises only ``PermissionDenied``. ``now`` is the moment of sending the checks are for; the
    legal bases in force are chosen by the assessment's date of the facts, not by it.
    """
    require_role(actor, *QUEUE_ROLES)
    c = _Collector()
    busy = set(
        Notice.objects.filter(items__in=items, status__in=OPEN_STATUSES).values_list(
            "items__id", flat=True
        )
    )
    approved: list[Approved] = []
    for item in items:
        assessment = _state_checks(c, item, busy)
        if assessment is not None:
            approved.append((item, assessment))
    org = current_organisation()
    _organisation_check(c, org)
    can_be_anonymous = _anonymity_checks(c, org, approved, anonymous=anonymous)
    for item, assessment in approved:
        _language_check(c, item, assessment, confirmed=confirm_language)
        _assessment_checks(c, item, assessment)
    return Preflight(
        problems=c.problems,
        checklist=c.lines,
        can_be_anonymous=can_be_anonymous and len(approved) == len(items),
        approved=approved,
    )
