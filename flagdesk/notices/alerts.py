"""Alerts for coordinators: a notice that failed (or whose retries gave up), a notice still
queued after ``sla.STUCK_AFTER``, and a refusal whose art. 20 complaint deadline is less than
``DEADLINE_WARNING`` away with no complaint lodged (legal.md g.13: "alert before expiry").

They show on every coordinator's page (``counts``, read by the site's context processor) and
are mailed to every active coordinator once per notice and kind (``mail_alerts``, a periodic
job), so "every hour counts" never waits for someone to look."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.organisation.services import current_organisation

from . import sla
from .models import Notice, NoticeAlert

log = logging.getLogger(__name__)


# A month before the six months run out: time to prepare, approve and send a complaint.
DEADLINE_WARNING = dt.timedelta(days=30)


@dataclass(frozen=True)
class AlertCounts:
    failed: int
    stuck: int
    deadlines: int = 0

    def __bool__(self) -> bool:
        return bool(self.failed or self.stuck or self.deadlines)


def near_deadlines(now: dt.datetime) -> list[Notice]:
    """Notices with a refusal still open to complaint whose deadline is within a month."""
    return [r.notice for r in sla.open_to_complaint(now, due_within=DEADLINE_WARNING)]


def counts(now: dt.datetime | None = None) -> AlertCounts:
    now = now or timezone.now()
    return AlertCounts(
        failed=sla.failed().count(),
        stuck=sla.stuck(now).count(),
        deadlines=len(near_deadlines(now)),
    )


def _new(kind: str, notices: list[Notice], now: dt.datetime) -> list[Notice]:
    """The notices not alerted yet for ``kind``, claimed now (another worker may race us)."""
    claimed = []
    for notice in notices:
        try:
            with transaction.atomic():
                NoticeAlert.objects.create(notice=notice, kind=kind, mailed_at=now)
        except IntegrityError:
            continue
        claimed.append(notice)
    return claimed


def mail_alerts(now: dt.datetime | None = None) -> int:
    """Mail the coordinators about notices that failed or are stuck and were not mailed
    about yet; returns how many notices were reported."""
    now = now or timezone.now()
    failed = sla.failed().exclude(alerts__kind=NoticeAlert.Kind.FAILED)
    stuck = sla.stuck(now).exclude(alerts__kind=NoticeAlert.Kind.STUCK)
    new_failed = _new(NoticeAlert.Kind.FAILED, list(failed.select_related("platform")[:200]), now)
    new_stuck = _new(NoticeAlert.Kind.STUCK, list(stuck.select_related("platform")[:200]), now)
    new_deadlines = _new(NoticeAlert.Kind.DEADLINE, near_deadlines(now)[:200], now)
    if not (new_failed or new_stuck or new_deadlines):
        return 0
    coordinators = User.objects.filter(role__in=roles_for(Action.ALERTS), is_active=True).exclude(
        email=""
    )
    sender = current_organisation().email or None
    delivered = False
    for coordinator in coordinators:
        # Each in the coordinator's language would need a stored preference; until accounts
        # have one, the site's default language.
        with translation.override(settings.LANGUAGE_CODE):
            subject = _(
                "flagdesk: notices need you (failed: %(failed)d, still queued: %(stuck)d)"
            ) % {
                "failed": len(new_failed),
                "stuck": len(new_stuck),
            }
            body = render_to_string(
                "notices/alert_mail.txt",
                {
                    "failed": new_failed,
                    "stuck": new_stuck,
                    "deadlines": new_deadlines,
                    "base_url": settings.BASE_URL.rstrip("/"),
                },
            )
        try:
            send_mail(subject, body, sender, [coordinator.email], fail_silently=False)
        except (OSError, ValueError) as e:
            # The server could not be reached, or Django refused an address for a header (a
            # line break in it: BadHeaderError, or an invalid address): the other coordinators
            # are still mailed, and the alert stays on their pages meanwhile.
            log.warning("alerts.mail_failed", extra={"error": type(e).__name__})
        else:
            delivered = True
    if coordinators and not delivered:
        # Nobody was told: forget the claims, so the next run mails them again.
        NoticeAlert.objects.filter(notice__in=[*new_failed, *new_stuck], mailed_at=now).delete()
        return 0
    log.info(
        "alerts.mailed",
        extra={"failed": len(new_failed), "stuck": len(new_stuck), "deadlines": len(new_deadlines)},
    )
    return len(new_failed) + len(new_stuck) + len(new_deadlines)
