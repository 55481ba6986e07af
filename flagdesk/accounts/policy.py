"""The permission table: who may do what, in one place (issue 11, point 1).

Every role check in flagdesk names an ``Action``; ``PERMISSIONS`` says which roles may take
it. Views (``role_required(*roles_for(...))``), the API (``require_role``), the CLI, the staff
menu (through the views) and the permission-matrix test all read this table, so changing who
may do something is one line here, reviewed in one place. The role tuples apps still import
(``ASSESSOR_ROLES``, ``BANK_READERS``...) are names for rows of this table, never lists of
their own; ``tests/test_layers.py`` refuses a tuple of roles written anywhere else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .models import Role, User

INT, A, R, C, ADM, AUD, P = (
    Role.INTAKE,
    Role.ANALYST,
    Role.REVIEWER,
    Role.COORDINATOR,
    Role.ADMIN,
    Role.AUDITOR,
    Role.PARTNER,
)


class Action(StrEnum):
    # Cases and items
    CASEWORK = "casework"  # read cases, items, reports; record platforms' answers
    ASSESS = "assess"  # assess items; queue notices and their follow-ups
    REVIEW = "review"  # four-eyes review; approve escalations (re-notices, complaints)
    CASE_RESTRICT = "case.restrict"  # restrict a case to named staff, or open it again
    # Notices
    NOTICE_ANSWER = "notice.answer"  # record a platform's response, read the mail triage
    NOTICE_SEND = "notice.send"
    ESCALATION_APPROVE = "escalation.approve"
    DSC_LODGE = "dsc.lodge"  # record that a complaint file was lodged with the DSC
    QUALITY_READ = "quality.read"
    ALERTS = "alerts"  # see and receive the alerts about notices
    # The platform registry
    REGISTRY_READ = "registry.read"
    REGISTRY_EDIT = "registry.edit"
    RENOTICE_CADENCE = "renotice.cadence"  # approves automatic re-notices in advance
    # The organisation and the law
    ORGANISATION_EDIT = "organisation.edit"
    LEGAL_BASES_READ = "legal_bases.read"
    LEGAL_BASES_CONFIRM = "legal_bases.confirm"
    # Hash banks and matching
    HASH = "hash"  # hash an item's media
    BANK_READ = "bank.read"
    BANK_WRITE = "bank.write"  # add an item's hashes to a bank
    BANK_MANAGE = "bank.manage"  # create, import, export, share banks
    ENTRY_REMOVE = "entry.remove"
    PREFILL_GRANT = "prefill.grant"  # assess an item as the known item it matches
    UNBLUR = "unblur"
    LOOKUP = "lookup"
    # Monitoring and evidence
    RECHECK = "recheck"  # ask for a re-check now, read the re-check history
    CONFIRM_GONE = "recheck.confirm"  # confirm (or not) that content a re-check found gone is
    EVIDENCE_CAPTURE = "evidence.capture"  # ask for an evidence capture
    EVIDENCE_VIEW = "evidence.view"  # see a capture's screenshot unblurred, download its files
    EVIDENCE_BUNDLE = "evidence.bundle"  # export a court bundle (audited)
    # Intake channels and the workbench
    INTAKE_PHONE = "intake.phone"  # take a report on the phone line
    INTAKE_MAIL = "intake.mail"  # turn mails of the intake mailbox into reports, merge, discard
    INTAKE_IMPORT = "intake.import"  # import a spreadsheet of URLs
    CLAIM = "claim"  # claim an item to work on it, release it
    ASSIGN = "assign"  # assign an item to a colleague
    CASE_MERGE = "case.merge"  # merge and split cases, move an item to the known case it matches
    NOTES = "notes"  # notes and tasks for colleagues on a case
    SUPPORT = "support"  # contact log, referral to the police or a support service
    REFERRAL_FORWARD = "referral.forward"  # forward a case outside our designation to a partner
    PARTNERS_MANAGE = "partners.manage"  # register partner organisations and their keys
    # Victims' side
    REPORTER_WRITE = "reporter.write"  # write to a reporter from a case (through the outbox)
    SUPPORT_LINES = "support_lines.manage"  # the support lines the status page recommends
    # Accounts
    USERS_MANAGE = "users.manage"  # invite, change roles, deactivate, reset 2FA, tokens
    # Retention and erasure (GDPR)
    RETENTION_READ = "retention.read"  # the retention policy and what the next run erases
    LEGAL_HOLD = "legal_hold"  # put a case under legal hold, lift it
    DATA_SUBJECT_REQUESTS = "subject.requests"  # find, export (art. 15), erase (art. 17)
    # The audit trail
    AUDIT_READ = "audit.read"  # the entries and whether the chain is intact
    AUDIT_EXPORT = "audit.export"  # the entries as CSV or JSON (itself audited)
    # Statistics and the art. 22(3) annual report
    STATS_READ = "stats.read"  # the dashboard, draft annual reports, Transparency Database checks
    ANNUAL_REPORT_FINALISE = "annual_report.finalise"  # freeze a year's report for publication
    STATISTICS_SETTINGS = "statistics.settings"  # age bands, smallest published count
    TDB_IMPORT = "tdb.import"  # import Transparency Database dump files
    CASE_FACTS = "case.facts"  # record the facts the figures need (victim's age, gender...)


PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.CASEWORK: frozenset({INT, A, R, C}),
    Action.ASSESS: frozenset({A, R, C}),
    Action.REVIEW: frozenset({R, C}),
    Action.CASE_RESTRICT: frozenset({R, C}),
    Action.NOTICE_ANSWER: frozenset({INT, A, R, C}),
    Action.NOTICE_SEND: frozenset({A, R, C}),
    Action.ESCALATION_APPROVE: frozenset({R, C}),
    Action.DSC_LODGE: frozenset({C}),
    Action.QUALITY_READ: frozenset({INT, A, R, C, AUD}),
    Action.ALERTS: frozenset({C}),
    Action.REGISTRY_READ: frozenset({INT, A, R, C, ADM}),
    Action.REGISTRY_EDIT: frozenset({C, ADM}),
    Action.RENOTICE_CADENCE: frozenset({C}),
    Action.ORGANISATION_EDIT: frozenset({C, ADM}),
    Action.LEGAL_BASES_READ: frozenset({A, R, C, ADM}),
    Action.LEGAL_BASES_CONFIRM: frozenset({C}),
    Action.HASH: frozenset({INT, A, R, C}),
    Action.BANK_READ: frozenset({A, R, C, ADM, AUD}),
    Action.BANK_WRITE: frozenset({A, R, C}),
    Action.BANK_MANAGE: frozenset({C, ADM}),
    Action.ENTRY_REMOVE: frozenset({R, C, ADM}),
    Action.PREFILL_GRANT: frozenset({R}),
    Action.UNBLUR: frozenset({A, R, C}),
    Action.LOOKUP: frozenset({INT, A, R, C, ADM, AUD}),
    Action.RECHECK: frozenset({INT, A, R, C}),
    Action.CONFIRM_GONE: frozenset({A, R, C}),
    Action.EVIDENCE_CAPTURE: frozenset({A, R, C}),
    Action.EVIDENCE_VIEW: frozenset({A, R, C}),
    Action.EVIDENCE_BUNDLE: frozenset({A, R, C}),
    Action.INTAKE_PHONE: frozenset({INT, A, R, C}),
    Action.INTAKE_MAIL: frozenset({INT, A, R, C}),
    Action.INTAKE_IMPORT: frozenset({INT, A, R, C}),
    Action.CLAIM: frozenset({INT, A, R, C}),
    Action.ASSIGN: frozenset({R, C}),
    Action.CASE_MERGE: frozenset({A, R, C}),
    Action.NOTES: frozenset({INT, A, R, C}),
    Action.SUPPORT: frozenset({INT, A, R, C}),
    Action.REFERRAL_FORWARD: frozenset({A, R, C}),
    Action.PARTNERS_MANAGE: frozenset({C, ADM}),
    Action.REPORTER_WRITE: frozenset({INT, A, R, C}),
    Action.SUPPORT_LINES: frozenset({C, ADM}),
    Action.USERS_MANAGE: frozenset({ADM}),
    Action.RETENTION_READ: frozenset({C, AUD}),
    Action.LEGAL_HOLD: frozenset({C}),
    Action.DATA_SUBJECT_REQUESTS: frozenset({C}),
    Action.AUDIT_READ: frozenset({C, AUD}),
    Action.AUDIT_EXPORT: frozenset({C, AUD}),
    Action.STATS_READ: frozenset({C, AUD}),
    Action.ANNUAL_REPORT_FINALISE: frozenset({C}),
    Action.STATISTICS_SETTINGS: frozenset({C}),
    Action.TDB_IMPORT: frozenset({C}),
    Action.CASE_FACTS: frozenset({A, R, C}),
}

# Partners use only their API (their banks and referrals); they are in no row above.
assert P not in set().union(*PERMISSIONS.values())  # noqa: S101 - the table's own invariant
# The table's order of roles, so tuples built from it read (and show) the same everywhere.
_ORDER = list(Role.values)


def roles_for(action: Action) -> tuple[str, ...]:
    """The roles that may take ``action``, in the roles' usual order."""
    return tuple(sorted(PERMISSIONS[action], key=_ORDER.index))


def second_factor_passed(user: Any) -> bool:
    """The condition every row shares: a web session has passed its second factor.

    ``is_verified`` is django-otp's, set on session users by its middleware; a user reached
    through an API token has none, the token being the credential (docs/security.md).
    """
    is_verified = getattr(user, "is_verified", None)
    return is_verified is None or bool(is_verified())


def can(user: User, action: Action) -> bool:
    return user.has_any_role(*PERMISSIONS[action]) and second_factor_passed(user)


# Names for the rows apps use most (each is a row of the table, not a list of its own).
# Who may read and work on cases; auditors and partners see statistics or their API only.
CASEWORK_ROLES = roles_for(Action.CASEWORK)
