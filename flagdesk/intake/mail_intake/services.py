"""Reading the intake mailbox into drafts, and an intake officer's three decisions on a draft.

Taking mails is idempotent: a mail is stored first, the cursor (``notices.MailboxCursor``,
one per mailbox) moves after it, and only then is the mail flagged on the server. A crash
between fetching and storing reads the mail again at the next poll; a crash after storing
finds it stored (the same Message-ID hash, or the same UID) and skips it.

Each decision is one transaction that first moves the draft out of ``pending`` with a
conditional UPDATE: of two officers deciding at once, the slower one is told the draft was
handled, and nothing of theirs is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.cases.models import Item
from flagdesk.core.errors import Conflict, FlagdeskError, ValidationFailed
from flagdesk.core.weburls import InvalidUrl, normalise_urls
from flagdesk.matching.media import HashedMedia, HashingBusy
from flagdesk.matching.models import ItemSignal
from flagdesk.matching.services.matching import record_media
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tasks import match_item_task
from flagdesk.notices.models import MailboxCursor
from flagdesk.notices.replies import ImapConfig, MailboxError, add_flags, fetch_new, imap_url_config
from flagdesk.notices.services.inbound import mailbox_key

from ..messages import add_message
from ..models import MailedAttachment, MailedReport, Report
from ..services import MAX_DESCRIPTION, ReportSubmission, SubmittedReport, submit_report
from .attachments import check_attachments
from .reading import read_mail

log = logging.getLogger(__name__)

S = MailedReport.Status
MAIL_ROLES = roles_for(Action.INTAKE_MAIL)
CONFIG_ERROR = "intake-configuration"  # the cursor that carries an unusable setting
BATCH = 50
MAX_ROUNDS = 20
HEADER_BYTES = 64 * 1024  # what is fetched of a mail over the size cap: its headers
TAKEN_FLAGS = "\\Seen $FlagdeskTaken"


class IntakeMailboxMisconfigured(FlagdeskError):
    code = "misconfigured"


def intake_config() -> ImapConfig | None:
    """The intake mailbox of ``FLAGDESK_INTAKE_IMAP_URL`` (None when unset). Raises
    ``IntakeMailboxMisconfigured`` when the URL cannot be used or names the answers mailbox:
    mails from the public must never be read as platforms' answers, nor the reverse."""
    if not settings.INTAKE_IMAP_URL:
        return None
    try:
        config = imap_url_config(settings.INTAKE_IMAP_URL)
    except ValueError as e:
        raise IntakeMailboxMisconfigured(f"FLAGDESK_INTAKE_IMAP_URL: {e}") from None
    if settings.IMAP_URL:
        try:
            answers = imap_url_config(settings.IMAP_URL)
        except ValueError:
            answers = None
        if answers is not None and _same_mailbox(config, answers):
            raise IntakeMailboxMisconfigured(
                _(
                    "FLAGDESK_INTAKE_IMAP_URL names the same mailbox as FLAGDESK_IMAP_URL, the "
                    "platforms' answers mailbox. Give the intake mailbox its own mailbox."
                )
            )
    return config


def _same_mailbox(a: ImapConfig, b: ImapConfig) -> bool:
    return (a.host.lower(), a.port, a.username.lower(), a.mailbox.upper()) == (
        b.host.lower(),
        b.port,
        b.username.lower(),
        b.mailbox.upper(),
    )


def current_cursor() -> MailboxCursor | None:
    """How far the intake mailbox was read, and its last error (None before its first poll)."""
    try:
        config = intake_config()
    except IntakeMailboxMisconfigured:
        return MailboxCursor.objects.filter(mailbox=CONFIG_ERROR).first()
    if config is None:
        return None
    return MailboxCursor.objects.filter(mailbox=mailbox_key(config)).first()


@dataclass(frozen=True)
class PollResult:
    taken: int = 0
    refused: int = 0
    error: str = ""


def poll_intake_mailbox(*, now: dt.datetime | None = None) -> PollResult:
    """Read the intake mailbox from where the last poll stopped; every new mail becomes a
    draft (or a refused mail). A mailbox that cannot be read is noted on its cursor (shown on
    the Mailbox page) and tried again at the next poll."""
    try:
        config = intake_config()
    except IntakeMailboxMisconfigured as e:
        MailboxCursor.objects.update_or_create(
            mailbox=CONFIG_ERROR,
            defaults={"last_error": str(e.message)[:500], "polled_at": timezone.now()},
        )
        log.warning("intake_mail.misconfigured")
        return PollResult(error=str(e.message))
    if config is None:
        return PollResult()
    MailboxCursor.objects.filter(mailbox=CONFIG_ERROR).delete()
    key = mailbox_key(config)
    cursor, _created = MailboxCursor.objects.get_or_create(mailbox=key)
    taken = refused = 0
    error = ""
    try:
        for _round in range(MAX_ROUNDS):
            fetched = fetch_new(
                config,
                since_uid=cursor.last_uid,
                limit=BATCH,
                max_bytes=settings.INTAKE_MAIL_MAX_BYTES,
                oversize_bytes=HEADER_BYTES,
            )
            if cursor.uidvalidity and fetched.uidvalidity != cursor.uidvalidity:
                # The mailbox was recreated: mails seen before are known by Message-ID.
                cursor.last_uid = 0
                fetched = fetch_new(
                    config,
                    since_uid=0,
                    limit=BATCH,
                    max_bytes=settings.INTAKE_MAIL_MAX_BYTES,
                    oversize_bytes=HEADER_BYTES,
                )
            cursor.uidvalidity = fetched.uidvalidity
            done: list[int] = []
            busy = False
            for message in fetched.messages:
                try:
                    mail = take_mail(
                        message.raw,
                        mailbox=key,
                        uidvalidity=fetched.uidvalidity,
                        uid=message.uid,
                        size=message.size,
                        now=now,
                    )
                except HashingBusy:
                    busy = True  # read again at the next poll, with its hashes
                    break
                if mail is not None:
                    taken += mail.status == S.PENDING
                    refused += mail.status == S.REFUSED
                cursor.last_uid = max(cursor.last_uid, message.uid)
                cursor.save(update_fields=["uidvalidity", "last_uid"])
                done.append(message.uid)
            _flag_taken(config, done)
            if busy or not fetched.has_more:
                break
        cursor.last_error = ""
    except MailboxError as e:
        cursor.last_error = error = str(e)[:500]
        log.warning("intake_mail.unreadable", extra={"error": e.kind})
    cursor.polled_at = timezone.now()
    cursor.save()
    return PollResult(taken=taken, refused=refused, error=error)


def _flag_taken(config: ImapConfig, uids: list[int]) -> None:
    """Mark the stored mails read and taken on the server, for people who also open the
    mailbox in a mail client. Best effort: the cursor, not the flag, says what was taken."""
    try:
        add_flags(config, uids, TAKEN_FLAGS)
    except MailboxError as e:
        log.warning("intake_mail.flag_failed", extra={"error": e.kind})


def take_mail(
    raw: bytes,
    *,
    mailbox: str,
    uidvalidity: int,
    uid: int,
    size: int,
    now: dt.datetime | None = None,
) -> MailedReport | None:
    """Store one mail as a draft; None when it was stored before (same Message-ID hash, or
    the same UID). Attachments are hashed or refused first, then only their records are
    stored: the files themselves are never kept. A mail over the size cap is stored as
    refused, with its sender, so an officer can answer them."""
    read = read_mail(raw, full_size=size, max_bytes=settings.INTAKE_MAIL_MAX_BYTES)
    if MailedReport.objects.filter(message_key=read.message_key).exists():
        return None
    if MailedReport.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
        return None
    checked = check_attachments(read.attachments)
    urls, invalid = _sorted_urls(read.urls)
    oversize = any(p["code"] == "oversize" for p in read.problems)
    try:
        with transaction.atomic():
            mail = MailedReport.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                message_key=read.message_key,
                received_at=now or timezone.now(),
                sent_at=read.sent_at,
                size=size,
                sender_address=read.sender_address,
                sender_name=read.sender_name,
                subject=read.subject,
                body=read.text,
                language=read.language,
                urls=urls,
                invalid_urls=invalid,
                urls_found=read.urls_found,
                problems=list(read.problems),
                status=S.REFUSED if oversize else S.PENDING,
            )
            MailedAttachment.objects.bulk_create(
                MailedAttachment(
                    mail=mail,
                    filename=c.filename,
                    declared_type=c.declared_type[:100],
                    detected_type=c.detected_type[:100],
                    kind=c.kind,
                    size=c.size,
                    sha256=c.sha256,
                    md5=c.md5,
                    signals=c.signals,
                    refusal=c.refusal,
                    refusal_detail=c.refusal_detail[:300],
                )
                for c in checked
            )
    except IntegrityError:
        return None  # another worker stored it a moment ago
    log.info("intake_mail.taken", extra={"status": mail.status, "files": len(checked)})
    return mail


def _sorted_urls(raws: tuple[str, ...]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The addresses in their normal form (as items store them), and the refused ones with
    the reason. Hosts are not looked up here: confirming does that, like any intake."""
    urls: list[dict[str, str]] = []
    invalid: list[dict[str, str]] = []
    seen: set[str] = set()
    for raw, result in zip(raws, normalise_urls(list(raws)), strict=True):
        if isinstance(result, InvalidUrl):
            invalid.append({"raw": raw[:2000], "reason": str(result.message)[:300]})
        elif result not in seen:
            seen.add(result)
            urls.append({"url": result, "raw": raw[:2000]})
    return urls, invalid


# -- an officer's decisions -----------------------------------------------------------------


def read_draft(mail: MailedReport, *, actor: User) -> MailedReport:
    """The draft with its sender and text, for one officer: the reading is audited first
    (the sender's address and what they wrote are personal data)."""
    require_role(actor, *MAIL_ROLES)
    record("intake_mail.read", actor=actor, target=f"mailed_report:{mail.pk}")
    return mail


def _take_over(mail: MailedReport, *, actor: User, to: str, now: dt.datetime, **extra: object):
    """Move the draft out of its open state, or tell the slower of two officers."""
    allowed = (S.PENDING, S.REFUSED) if to == S.DISCARDED else (S.PENDING,)
    moved = MailedReport.objects.filter(pk=mail.pk, status__in=allowed).update(
        status=to, handled_by=actor, handled_at=now, **extra
    )
    if not moved:
        mail.refresh_from_db()
        if mail.status in allowed:  # pragma: no cover - moved between the two statements
            raise Conflict(_("This mail changed in the meantime; open it again."))
        raise Conflict(
            _("This mail was already handled (%(status)s); nothing was changed.")
            % {"status": S(mail.status).label}
        )
    mail.status, mail.handled_by, mail.handled_at = to, actor, now


def hashed_attachments(mail: MailedReport) -> list[HashedMedia]:
    """The hashes of the mail's usable pictures and videos, as matching takes them."""
    return [
        HashedMedia(
            kind=a.kind,  # type: ignore[arg-type]
            signals=[
                ComputedSignal(str(s["signal_type"]), str(s["value"]), s.get("quality"))  # type: ignore[arg-type]
                for s in a.signals
            ],
            mime=a.detected_type,
            size=a.size,
            width=None,
            height=None,
            duration=None,
            frame_count=None,
            thumbnail=None,  # never kept: the file was discarded when the mail was read
        )
        for a in mail.attachments.all()
        if a.signals and not a.refusal
    ]


def _record_hashes(mail: MailedReport, items: list[Item]) -> int:
    media = hashed_attachments(mail)
    for item in items:
        for one in media:
            record_media(item, one, actor=None, source=ItemSignal.Source.INTAKE)
        if media:
            transaction.on_commit(partial(match_item_task.enqueue, str(item.pk)))
    return len(media)


@transaction.atomic
def confirm_draft(
    mail: MailedReport,
    submission: ReportSubmission,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> SubmittedReport:
    """Make the draft a report (channel email) from what the officer checked: each URL opens
    an item or joins the open one, and the attachments' hashes go on every item and are
    matched against the banks like an upload's. Raises ``ValidationFailed`` (per field, as
    ``submit_report``) or ``Conflict`` (already handled), and then stores nothing."""
    require_role(actor, *MAIL_ROLES)
    now = now or timezone.now()
    _take_over(mail, actor=actor, to=S.CONFIRMED, now=now)
    submitted = submit_report(replace(submission, channel=Report.Channel.EMAIL), actor=actor)
    MailedReport.objects.filter(pk=mail.pk).update(report=submitted.report)
    mail.report = submitted.report
    hashes = _record_hashes(mail, submitted.items)
    record(
        "intake_mail.confirmed",
        actor=actor,
        target=f"mailed_report:{mail.pk}",
        data={"report": submitted.report.reference, "items": len(submitted.items), "files": hashes},
    )
    return submitted


@transaction.atomic
def merge_draft(
    mail: MailedReport,
    report: Report,
    *,
    actor: User,
    urls: list[str],
    text: str,
    now: dt.datetime | None = None,
) -> MailedReport:
    """Add the draft to an existing report (a reporter writing again): its text and the
    checked URLs as a message of that report (``intake.messages.add_message``: a URL opens an
    item in the report's case, or joins its open one), and its hashes on the report's items.
    ``report`` comes from ``queries.mergeable_report``, so it is one the officer may see."""
    require_role(actor, *MAIL_ROLES)
    now = now or timezone.now()
    _take_over(mail, actor=actor, to=S.MERGED, now=now, report=report)
    mail.report = report
    added = add_message(report, text=text[:MAX_DESCRIPTION], urls=urls)
    hashes = _record_hashes(mail, list(report.items.all()))
    record(
        "intake_mail.merged",
        actor=actor,
        target=f"mailed_report:{mail.pk}",
        data={"report": report.reference, "items": len(added.items), "files": hashes},
    )
    return mail


@transaction.atomic
def discard_draft(
    mail: MailedReport, *, actor: User, reason: str, now: dt.datetime | None = None
) -> MailedReport:
    """Set the draft aside for good (spam, not abuse, a duplicate...); it stays listed."""
    require_role(actor, *MAIL_ROLES)
    if reason not in MailedReport.DiscardReason.values:
        raise ValidationFailed(
            _("Say why the mail is discarded."),
            fields={"discard_reason": [_("Say why the mail is discarded.")]},
        )
    _take_over(mail, actor=actor, to=S.DISCARDED, now=now or timezone.now(), discard_reason=reason)
    mail.discard_reason = reason
    record(
        "intake_mail.discarded",
        actor=actor,
        target=f"mailed_report:{mail.pk}",
        data={"reason": reason},
    )
    return mail
