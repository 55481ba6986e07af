"""Answers from platforms, read from the answers mailbox or posted to the signed inbound API.

A mail changes a notice by itself only with matching proof (issue: "never change a notice
without matching proof"):

1. it answers one of our messages (``In-Reply-To``/``References`` name a notice's
   Message-ID), or its subject names exactly one notice reference;
2. it comes from the notice's platform: its sender's registered domain is one of the
   platform's domains or the domain of the address the notice went to;
3. it says one thing clearly: an acknowledgement or a decision, with high confidence;
4. nothing contradicts it: no other notice named in the subject, the mail read whole.

Otherwise it waits in the triage list (``needs_review``, or ``unmatched`` without any
reference), with the reason in the user's language, for a person to confirm or set aside.
Every mail is kept, encrypted, whatever it is; a mail is stored once per mailbox UID and
recorded on a notice at most once.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.cases.models import CaseEvent
from flagdesk.core.errors import Conflict, FlagdeskError
from flagdesk.notices.models import InboundMail, MailboxCursor, Notice, NoticeResponse
from flagdesk.notices.replies import (
    ACKNOWLEDGEMENT,
    DECISION,
    INFORMATION_REQUEST,
    Classification,
    ImapConfig,
    MailboxError,
    ReferenceMatch,
    Reply,
    classify,
    fetch_new,
    imap_url_config,
    notice_references,
    parse_reply,
)
from flagdesk.platforms.services import registered_domain

from ..queries import followed
from .responses import ANSWERABLE, CLOCK_SKEW, RESPONSE_ROLES, record_response

log = logging.getLogger(__name__)

M = InboundMail.State
P = InboundMail.Proof
# The cursor that carries an FLAGDESK_IMAP_URL that cannot be read, for the triage page.
CONFIG_ERROR = "configuration"
MAX_ROUNDS = 20  # batches read in one poll; the next poll goes on from there


def current_cursor() -> MailboxCursor | None:
    """The state of the mailbox ``FLAGDESK_IMAP_URL`` names now (None before its first poll)."""
    if not settings.IMAP_URL:
        return None
    try:
        key = mailbox_key(imap_url_config(settings.IMAP_URL))
    except ValueError:
        key = CONFIG_ERROR
    return MailboxCursor.objects.filter(mailbox=key).first()


def mailbox_key(config: ImapConfig) -> str:
    """Which mailbox a cursor and a mail belong to, without its password."""
    where = f"{config.username}@{config.host}:{config.port}/{config.mailbox}"
    return hashlib.sha256(where.encode()).hexdigest()[:32]


def poll_mailbox(*, now: dt.datetime | None = None) -> int:
    """Read the answers mailbox (``FLAGDESK_IMAP_URL``) from where the last poll stopped and
    file every new mail; returns how many. A mailbox that cannot be read is logged and noted
    on its cursor (shown on the triage page); the next poll tries again."""
    if not settings.IMAP_URL:
        return 0
    try:
        config = imap_url_config(settings.IMAP_URL)
    except ValueError as e:
        MailboxCursor.objects.update_or_create(
            mailbox=CONFIG_ERROR, defaults={"last_error": str(e)[:500], "polled_at": timezone.now()}
        )
        log.warning("mailbox.misconfigured")
        return 0
    MailboxCursor.objects.filter(mailbox=CONFIG_ERROR).delete()
    key = mailbox_key(config)
    cursor, _created = MailboxCursor.objects.get_or_create(mailbox=key)
    filed = 0
    try:
        for _round in range(MAX_ROUNDS):
            fetched = fetch_new(config, since_uid=cursor.last_uid)
            if cursor.uidvalidity and fetched.uidvalidity != cursor.uidvalidity:
                # The mailbox was recreated: its UIDs start again. Mails seen before are
                # recognised by Message-ID when filed again.
                log.warning("mailbox.uidvalidity_changed", extra={"mailbox": key})
                cursor.last_uid = 0
                fetched = fetch_new(config, since_uid=0)
            cursor.uidvalidity = fetched.uidvalidity
            for message in fetched.messages:
                if ingest(
                    message.raw,
                    mailbox=key,
                    uidvalidity=fetched.uidvalidity,
                    uid=message.uid,
                    size=message.size,
                    is_partial=message.is_partial,
                    now=now,
                ):
                    filed += 1
                cursor.last_uid = max(cursor.last_uid, message.uid)
            if not fetched.has_more:
                break
        cursor.last_error = ""
    except MailboxError as e:
        cursor.last_error = str(e)[:500]
        log.warning("mailbox.unreadable", extra={"mailbox": key, "error": e.kind})
    cursor.polled_at = timezone.now()
    cursor.save()
    return filed


def _match(refs: ReferenceMatch) -> tuple[Notice | None, str, str]:
    """(notice, proof, doubt): the notice the mail answers, how we know, and what casts
    doubt on it ("" when nothing does)."""
    by_id = list(
        Notice.objects.filter(message_id__in=list(refs.message_ids)).select_related("platform")
    )
    named = list(dict.fromkeys(refs.subject_refs))
    if by_id:
        notice = by_id[0]
        others = {n.reference for n in by_id} | set(named)
        # A follow-up's subject names the notice it follows: that is no contradiction.
        others -= {link.reference for link in followed(notice)}
        doubt = (
            _("It also names another notice: %(refs)s.") % {"refs": ", ".join(sorted(others))}
            if others
            else ""
        )
        return notice, P.MESSAGE_ID, doubt
    for refs_list, proof in ((named, P.SUBJECT), (list(dict.fromkeys(refs.body_refs)), P.BODY)):
        if not refs_list:
            continue
        notices = list(Notice.objects.filter(reference__in=refs_list).select_related("platform"))
        if len(notices) == 1 and len(refs_list) == 1:
            return notices[0], proof, ""
        if notices:
            return (
                notices[0],
                proof,
                _("It names several notices: %(refs)s.") % {"refs": ", ".join(refs_list[:5])},
            )
    return None, P.NONE, ""


def platform_domains(notice: Notice) -> set[str]:
    """Registered domains a reply about ``notice`` may come from: the platform's own, and the
    one of the address the notice went to."""
    entries = notice.platform.domains.values_list("domain", flat=True)
    # A platform may own only a path of a shared host (google.com/maps): its host counts.
    domains = {registered_domain(d.split("/", 1)[0]) for d in entries}
    if "@" in notice.recipient:
        domains.add(registered_domain(notice.recipient.rsplit("@", 1)[1]))
    return domains


def _from_platform(reply: Reply, notice: Notice | None) -> bool:
    return notice is not None and registered_domain(reply.from_domain or "-") in platform_domains(
        notice
    )


def _why_review(
    reply: Reply,
    notice: Notice | None,
    proof: str,
    doubt: str,
    found: Classification,
    from_platform: bool,
) -> str:
    """Why a person must look before the mail changes anything; "" when nothing stops it."""
    if notice is None:
        return _("It names none of our notices.")
    if doubt:
        return doubt
    if not from_platform:
        return _("It comes from %(domain)s, which is not a domain of %(platform)s.") % {
            "domain": reply.from_domain or "?",
            "platform": notice.platform.name,
        }
    if proof == P.BODY:
        return _("Only its text names the notice; neither its headers nor its subject do.")
    if reply.oversize:
        return _("It is too large to have been read whole.")
    if found.kind == INFORMATION_REQUEST:
        return _("The platform asks for more information: someone must answer it.")
    if found.kind not in (ACKNOWLEDGEMENT, DECISION) or found.confidence != "high":
        return _("What it says is not clear enough to record it without a person.")
    if notice.status not in ANSWERABLE:
        return _("The notice is %(status)s: it cannot be answered.") % {
            "status": Notice.Status(notice.status).label
        }
    return ""


def _received_at(reply: Reply, notice: Notice, now: dt.datetime) -> dt.datetime:
    """The mail's own date when it is plausible (after the notice, not in the future)."""
    date = reply.date
    earliest = notice.sent_at or notice.queued_at or notice.created_at
    if date is None or date > now + CLOCK_SKEW or date < earliest - CLOCK_SKEW:
        return now
    return min(date, now)


def ingest(
    raw: bytes,
    *,
    mailbox: str,
    uidvalidity: int,
    uid: int,
    size: int,
    is_partial: bool,
    now: dt.datetime | None = None,
) -> InboundMail | None:
    """File one mail and, with matching proof, record it on its notice. None when this mail
    (this UID, or a mail with the same Message-ID) was filed before."""
    now = now or timezone.now()
    reply = parse_reply(raw, full_size=size)
    if reply.message_id and InboundMail.objects.filter(message_id=reply.message_id).exists():
        return None
    notice, proof, doubt = _match(notice_references(reply))
    found = classify(reply)
    from_platform = _from_platform(reply, notice)
    why = _why_review(reply, notice, proof, doubt, found, from_platform)
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                message_id=reply.message_id[:1000],
                from_address=reply.from_address[:320],
                from_domain=reply.from_domain[:253],
                subject=reply.subject[:1000],
                sent_at=reply.date,
                received_at=now,
                size=size,
                is_partial=is_partial or reply.oversize,
                raw=base64.b64encode(raw).decode("ascii"),
                text=reply.text,
                problems=list(reply.problems),
                notice=notice,
                proof=proof,
                sender_is_platform=from_platform,
                kind=found.kind,
                decision=found.decision,
                confidence=found.confidence,
                evidence=found.evidence[:300],
                state=M.UNMATCHED if notice is None else M.NEEDS_REVIEW,
                why=why[:500],
            )
            if notice is not None and not why:
                _apply(mail, notice, reply, found, now=now)
    except IntegrityError:
        return None  # another worker filed this UID a moment ago
    log.info("mailbox.filed", extra={"state": mail.state, "proof": proof})
    return mail


def _apply(
    mail: InboundMail, notice: Notice, reply: Reply, found: Classification, *, now: dt.datetime
) -> None:
    try:
        with transaction.atomic():
            record_response(
                notice,
                actor=None,
                source=NoticeResponse.Source.MAIL,
                mail=mail,
                kind=found.kind,
                decision=found.decision if found.kind == DECISION else "",
                received_at=_received_at(reply, notice, now),
                statement=reply.text[:50_000],
                now=now,
            )
    except FlagdeskError as e:
        mail.why = str(e.message)[:500]
        mail.save(update_fields=["why"])
        return
    mail.state = M.APPLIED
    mail.save(update_fields=["state"])


@transaction.atomic
def confirm_mail(
    mail: InboundMail,
    *,
    actor: User,
    notice: Notice,
    kind: str,
    decision: str = "",
    now: dt.datetime | None = None,
) -> InboundMail:
    """A person's reading of a mail from the triage list: it answers ``notice`` and says
    ``kind`` (with ``decision``). An information request is written on the notice's items'
    timelines; an acknowledgement or decision is recorded as the platform's response."""
    require_role(actor, *RESPONSE_ROLES)
    now = now or timezone.now()
    mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
    if mail.state in (M.APPLIED, M.CONFIRMED):
        raise Conflict(_("This mail was already recorded."))
    reply = Reply(date=mail.sent_at, text=mail.text)
    if kind == INFORMATION_REQUEST:
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=item.case_id,
                item=item,
                kind=CaseEvent.Kind.RESPONSE,
                actor=actor,
                note=mail.text[:2000],
                data={"notice": str(notice.id), "reference": notice.reference, "kind": kind},
            )
            for item in notice.items.all()
        )
    else:
        record_response(
            notice,
            actor=actor,
            source=NoticeResponse.Source.MAIL,
            mail=mail,
            kind=kind,
            decision=decision if kind == DECISION else "",
            received_at=_received_at(reply, notice, now),
            statement=mail.text[:50_000],
            now=now,
        )
    mail.state, mail.notice, mail.handled_by, mail.handled_at = M.CONFIRMED, notice, actor, now
    mail.save(update_fields=["state", "notice", "handled_by", "handled_at"])
    record(
        "mail.confirmed",
        actor=actor,
        target=f"mail:{mail.pk}",
        data={"notice": notice.reference, "kind": kind},
    )
    return mail


@transaction.atomic
def set_aside(mail: InboundMail, *, actor: User, now: dt.datetime | None = None) -> InboundMail:
    """Not an answer to any notice (spam, an auto-reply): kept, but out of the triage list."""
    require_role(actor, *RESPONSE_ROLES)
    mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
    if mail.state in (M.APPLIED, M.CONFIRMED):
        raise Conflict(_("This mail was already recorded."))
    mail.state, mail.handled_by, mail.handled_at = M.IGNORED, actor, now or timezone.now()
    mail.save(update_fields=["state", "handled_by", "handled_at"])
    record("mail.set_aside", actor=actor, target=f"mail:{mail.pk}", data={})
    return mail
