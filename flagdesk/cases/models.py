"""Cases, items, assessments, reviews and the append-only case timeline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.core.crypto import EncryptedTextField
from flagdesk.core.history import AppendOnly
from flagdesk.core.references import new_reference
from flagdesk.platforms.models import Platform


def new_case_reference() -> str:
    return new_reference("C")


class Case(models.Model):
    """One victim's or one incident's file: its reports, items and events."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_case_reference)
    # Set once any assessment finds a minor depicted or targeted: the case is
    # then for the hotline's roles (legal.md f. "Minors"), and its media is never kept.
    has_minor_depicted = models.BooleanField(_("minor depicted"), default=False)
    # Need-to-know: a case about a colleague or a public figure can be closed to everyone
    # but the named staff (empty: every caseworker whose role reads cases).
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="restricted_cases",
        verbose_name=_("restricted to"),
    )
    # Retention: while proceedings run, nothing of the case is erased or expired.
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.CharField(_("reason for the legal hold"), max_length=500, blank=True)
    # Merging (docs/cases.md): the merged case keeps its events and points at the survivor,
    # which holds its items and reports; its old address leads there.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Need-to-know: the few cases with a minor depicted, found without a scan.
            models.Index(
                fields=["has_minor_depicted"],
                condition=models.Q(has_minor_depicted=True),
                name="case_minor_depicted",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Item(models.Model):
    """One normalised URL on one platform: the unit of assessment, notice and removal."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ASSESSING = "assessing", _("Assessing")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        NOTIFIED = "notified", _("Notified")
        REMOVED = "removed", _("Removed")
        # Any decision short of removal (disabled, geo-blocked, demoted, age-restricted...):
        # never counted as a removal, for staff, reporters or statistics.
        RESTRICTED = "restricted", _("Restricted")
        REFUSED = "refused", _("Refused")
        STILL_ONLINE = "still_online", _("Still online")
        ESCALATED = "escalated", _("Escalated")
        CLOSED = "closed", _("Closed")
        NOT_ILLEGAL = "not_illegal", _("Not illegal")
        OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
        DUPLICATE = "duplicate", _("Duplicate")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="items")
    url = models.CharField(_("URL"), max_length=2048)
    normalised_url = models.CharField(max_length=2048, db_index=False)
    url_key = models.CharField(max_length=64, db_index=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    phenomenon = models.CharField(_("phenomenon"), max_length=40, blank=True)
    # Art. 16(2)(b) DSA "additional information to identify the content": post id, account
    # handle, posting and capture time (keys of ``cases.identifiers.FIELDS``).
    identifiers = models.JSONField(_("identifiers"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The workbench's order (docs/workbench.md): when the item is due, computed by
    # ``cases.priority`` from the phenomenon's target, minors involved and how many further
    # reports and hash matches it drew; stored so that an index orders 100,000 open items.
    priority_at = models.DateTimeField(_("due by"), null=True, blank=True)
    # Two of those inputs, kept to show and explain the order without a join per row.
    involves_minor = models.BooleanField(_("minors involved"), default=False)
    virality = models.PositiveIntegerField(_("further reports and matches"), default=0)
    # Who works on the item (claim, assign; cases.services.assignment).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_items",
        verbose_name=_("assignee"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The workbench: its whole list, one status, one person's items, by due time.
            models.Index(fields=["priority_at", "id"], name="item_priority"),
            models.Index(fields=["status", "priority_at", "id"], name="item_status_priority"),
            models.Index(fields=["assignee", "priority_at", "id"], name="item_assignee_priority"),
            # The workbench's counters, read from this index alone (no table row per item).
            models.Index(
                fields=["status", "case", "assignee", "priority_at", "involves_minor"],
                name="item_workbench_counts",
            ),
            # The need-to-know scope's "a child-protection phenomenon in the case" and the
            # phenomenon filter.
            models.Index(fields=["phenomenon", "case"], name="item_phenomenon_case"),
        ]
        constraints = [
            # At most one open item per URL: a second report of it joins the open one.
            models.UniqueConstraint(
                fields=["url_key"],
                condition=~models.Q(
                    status__in=["closed", "not_illegal", "out_of_scope", "duplicate"]
                ),
                name="one_open_item_per_url",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.status}"


# Statuses in which an item is finished: a new report of its URL opens a fresh item.
TERMINAL_STATUSES = frozenset(
    {Item.Status.CLOSED, Item.Status.NOT_ILLEGAL, Item.Status.OUT_OF_SCOPE, Item.Status.DUPLICATE}
)


class Assessment(models.Model):
    """An analyst's legal qualification of an item; never edited once reviewed (S7)."""

    class Verdict(models.TextChoices):
        ILLEGAL = "illegal", _("Illegal")
        NOT_ILLEGAL = "not_illegal", _("Not illegal")
        OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
        NEEDS_INFORMATION = "needs_information", _("Needs information")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="assessments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    phenomenon = models.CharField(_("phenomenon"), max_length=40, blank=True)
    tdb_category = models.CharField(_("TDB category"), max_length=80, blank=True)
    keywords = models.JSONField(_("TDB keywords"), default=list, blank=True)
    legal_bases = models.JSONField(_("legal bases"), default=list, blank=True)
    reasons = models.TextField(_("substantiated reasons"), blank=True)
    # The first of ``content_types``, kept for readers of the v1 field.
    content_type = models.CharField(_("content type"), max_length=40, blank=True)
    content_types = models.JSONField(_("content types"), default=list, blank=True)
    # The analyst's judgement that a person depicted or targeted appears to be a minor.
    minor_depicted = models.BooleanField(_("a minor is depicted or targeted"), default=False)
    # The date of the facts: it picks the legal bases in force (new Criminal Code, 2026).
    facts_on = models.DateField(_("date of the facts"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.verdict} ({self.phenomenon})"


class Review(models.Model):
    """The second person's decision on an assessment (four-eyes, art. 22(2)(c))."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    is_approved = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{'approved' if self.is_approved else 'sent back'} by {self.reviewer}"


class CaseEvent(AppendOnly):
    """The append-only timeline; status transitions write here and nowhere else (S6, S7)."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        STATUS = "status", _("Status changed")
        ASSESSED = "assessed", _("Assessed")
        REVIEWED = "reviewed", _("Reviewed")
        NOTICE_QUEUED = "notice_queued", _("Notice queued")
        NOTICE_SENT = "notice_sent", _("Notice sent")
        NOTICE_FAILED = "notice_failed", _("Notice failed")
        RESPONSE = "response", _("Platform response")
        MATCHED = "matched", _("Matched a known hash")
        PREFILLED = "prefilled", _("Assessed as a known item")
        MEDIA = "media", _("Media")
        PLATFORM = "platform", _("Platform changed")
        IDENTIFIERS = "identifiers", _("Identifiers changed")
        DECISION = "decision", _("Platform decision")
        # A follow-up prepared or approved: reminder, re-notice, complaint, file for the DSC.
        FOLLOW_UP = "follow_up", _("Follow-up")
        # Retention and erasure (docs/retention.md): what was erased and why, never the data.
        ERASURE = "erasure", _("Personal data erased")
        LEGAL_HOLD = "legal_hold", _("Legal hold")
        REPORTER_MESSAGE = "reporter_message", _("Reporter added information")
        # Need-to-know: the case was restricted to named staff, or opened again.
        ACCESS = "access", _("Access to the case changed")
        # Monitoring: a re-check found the content gone (or back), an analyst confirmed it;
        # evidence was captured.
        CHECK = "check", _("Re-check")
        EVIDENCE = "evidence", _("Evidence captured")
        # The workbench: who works on an item; cases merged, split, an item moved to the case
        # of the known item it matches; contact with the reporter or victim (calls, mails,
        # referral to the police or a support service); a referral forwarded to a partner.
        ASSIGNED = "assigned", _("Assigned")
        MERGED = "merged", _("Cases merged")
        SPLIT = "split", _("Case split")
        MOVED = "moved", _("Item moved to another case")
        CONTACT = "contact", _("Contact with the reporter")
        FORWARDED = "forwarded", _("Forwarded to a partner")
        NOTE = "note", _("Note")
        REPORTER_MAIL = "reporter_mail", _("Mail to the reporter")
        BANK_CONSENT = "bank_consent", _("Consent to the picture bank changed")
        # The facts the published figures need (CaseFacts): which fields changed.
        FACTS = "facts", _("Facts recorded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    before = models.CharField(max_length=20, blank=True)
    after = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.before}->{self.after}"


class CaseFacts(models.Model):
    """What the analyst established about the victim and the facts, for the statistics.

    The reporter's own guesses (``Report.victim_age_band``, ``victim_gender``) stay on the
    report; these are the case worker's findings, which the published figures prefer. The age
    is kept in years so that any age band can be computed (organisation settings), and "58 %
    under 14" or "47 % under 12" come from the same data. Every change writes a
    ``CaseEvent`` of kind ``facts`` naming the fields that changed (docs/statistics.md).
    """

    class SchoolLevel(models.TextChoices):
        PRESCHOOL = "preschool", _("Nursery school")
        PRIMARY = "primary", _("Primary school")
        SECONDARY = "secondary", _("Secondary school")
        HIGHER = "higher", _("Higher education")
        NOT_IN_SCHOOL = "not_in_school", _("Not in school")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        NON_BINARY = "non_binary", _("Non-binary")

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="facts"
    )
    victim_age = models.PositiveSmallIntegerField(_("victim's age (years)"), null=True, blank=True)
    school_level = models.CharField(
        _("school level"), max_length=20, choices=SchoolLevel.choices, blank=True
    )
    victim_gender = models.CharField(
        _("victim's gender"), max_length=12, choices=Gender.choices, blank=True
    )
    # Sextortion: what was demanded (several can be true).
    demand_money = models.BooleanField(_("money was demanded"), default=False)
    demand_images = models.BooleanField(_("more images were demanded"), default=False)
    demand_other = models.BooleanField(_("something else was demanded"), default=False)
    # Grooming: whether the offender sought a meeting (None: not known).
    meeting_sought = models.BooleanField(_("a meeting was sought"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facts of the case")
        verbose_name_plural = _("facts of cases")

    def __str__(self) -> str:
        return f"facts of {self.case_id}"


class CaseNote(models.Model):
    """A caseworker's note on a case (or one of its items) for colleagues.

    Never edited: a correction is a new note. The text may name people, so it is encrypted at
    rest; the timeline's ``note`` event says that a note was written, never what it says.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_notes"
    )
    text = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note on {self.case_id}"


class Task(models.Model):
    """Something a colleague is asked to do on a case, with an optional due date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    # May name people, like a note.
    description = EncryptedTextField(_("details"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("for"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["assignee", "done_at"], name="task_open_by_assignee")]

    def __str__(self) -> str:
        return self.title
