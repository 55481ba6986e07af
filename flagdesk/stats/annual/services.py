"""Drafts on demand and the one-way step to a final report (writes, S4).

A draft is computed whenever someone asks, for any year. Finalising freezes the year's JSON
with its hash: from then on every format of that year is drawn from the frozen copy, so what
was sent to the Digital Services Coordinator and published never changes. Only a year that is
over can be finalised (its notices are all in), once, by a coordinator, after the check that
the report holds no personal data; the audit trail records who did it and the hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.core.errors import Conflict, ValidationFailed

from ..models import AnnualReport
from . import privacy, render
from .build import build_report

FIRST_YEAR = 2000


def check_year(year: Any, *, now: dt.datetime | None = None) -> int:
    """``year`` as an int between 2000 and the current year, else a ValidationFailed naming
    the field ``year``."""
    now = now or timezone.now()
    this_year = timezone.localtime(now).year
    try:
        value = int(str(year).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Give the year as four digits, e.g. %(year)d.") % {"year": this_year - 1},
            fields={"year": _("A year such as %(year)d.") % {"year": this_year - 1}},
        ) from None
    if not FIRST_YEAR <= value <= this_year:
        raise ValidationFailed(
            _("There is no report for %(year)s: choose a year from %(first)d to %(last)d.")
            % {"year": value, "first": FIRST_YEAR, "last": this_year},
            fields={
                "year": _("From %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": this_year}
            },
        )
    return value


def final_report(year: int) -> AnnualReport | None:
    return AnnualReport.objects.filter(year=year).first()


def report_data(year: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The year's report: the frozen JSON of a final year, else a fresh draft."""
    frozen = final_report(year)
    if frozen is not None:
        return frozen.data
    return build_report(year, now=now)


@dataclass(frozen=True)
class Readiness:
    """Whether a year can be finalised now, and why not."""

    data: dict[str, Any]
    findings: list[privacy.Finding]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings and not self.problems


def readiness(year: int, *, now: dt.datetime | None = None) -> Readiness:
    """The draft as it would be frozen, its privacy check, and any other reason to refuse."""
    now = now or timezone.now()
    problems = []
    if final_report(year) is not None:
        problems.append(_("The report for %(year)d is already final.") % {"year": year})
    if timezone.localtime(now).year <= year:
        problems.append(
            _("%(year)d is not over yet: its report can be finalised from 1 January %(next)d.")
            % {"year": year, "next": year + 1}
        )
    data = build_report(year, now=now)
    if not data["independence_procedures"].strip():
        problems.append(
            _("The procedures ensuring independence are not written yet (organisation page).")
        )
    rendered = {
        "csv": render.to_csv(data).decode("utf-8-sig"),
        "html": render.to_html(data),
    }
    return Readiness(data=data, findings=privacy.check_report(data, rendered), problems=problems)


@transaction.atomic
def finalise(year: int, *, actor: User, now: dt.datetime | None = None) -> AnnualReport:
    """Freeze ``year``'s report. Refuses a year not over, a second finalisation, a report
    without its independence text, and one that fails the no-personal-data check (the message
    says what kind of data was found and where, never the data)."""
    require_role(actor, *roles_for(Action.ANNUAL_REPORT_FINALISE))
    now = now or timezone.now()
    ready = readiness(year, now=now)
    if final_report(year) is not None:
        raise Conflict(_("The report for %(year)d is already final.") % {"year": year})
    if ready.problems:
        raise ValidationFailed(" ".join(ready.problems), fields={"year": ready.problems[0]})
    if ready.findings:
        found = "; ".join(str(f) for f in ready.findings)
        raise ValidationFailed(
            _("The report seems to hold personal data: %(found)s. Correct it, then finalise.")
            % {"found": found},
            fields={"report": found},
        )
    data = dict(ready.data)
    data["status"] = "final"
    data["finalised_at"] = now.isoformat(timespec="seconds")
    digest = render.sha256_of(data)
    data["sha256"] = digest
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(
                year=year, data=data, sha256=digest, finalised_at=now, finalised_by=actor
            )
    except IntegrityError:  # someone finalised it a moment ago
        raise Conflict(_("The report for %(year)d is already final.") % {"year": year}) from None
    record(
        "stats.annual_report.finalise",
        actor=actor,
        target=f"annual_report:{year}",
        data={"year": year, "sha256": digest},
    )
    return report
