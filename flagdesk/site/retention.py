"""The retention run: every app's erasure of its own personal data, one report, one audit entry.

Each app offers functions ``(now=, dry_run=) -> Tally`` for the classes it holds
(``cases.retention`` says when a case is closed, the periods and the legal hold); this module
lists them in the order the report shows them (S1b). ``flagdesk retention run`` and the
worker's daily job both call ``run_retention``. docs/retention.md is the user's guide.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from flagdesk.audit.services import record
from flagdesk.cases import retention as cases_retention
from flagdesk.cases.retention import Tally, TallyRow
from flagdesk.core.periodic import Periodic
from flagdesk.intake import retention as intake_retention
from flagdesk.matching import retention as matching_retention
from flagdesk.monitoring import retention as monitoring_retention

log = logging.getLogger(__name__)

Step = Callable[..., Tally]

STEPS: list[Step] = [
    intake_retention.erase_contact,
    intake_retention.erase_descriptions,
    intake_retention.erase_held_requests,
    cases_retention.erase_identifiers,
    matching_retention.erase_evidence,
    monitoring_retention.erase_capture_files,
    matching_retention.sweep_orphan_files,
]


@dataclass(frozen=True)
class RetentionReport:
    ran_at: dt.datetime
    is_dry_run: bool
    tallies: list[Tally]

    @property
    def rows(self) -> list[TallyRow]:
        return [row for tally in self.tallies for row in tally.rows()]

    @property
    def erased(self) -> int:
        return sum(r.erased for r in self.rows)

    @property
    def held(self) -> int:
        return sum(r.held for r in self.rows)

    def as_dict(self) -> dict[str, object]:
        """Counts only: this goes to the audit trail and to scripts (``--json``)."""
        return {
            "ran_at": self.ran_at.isoformat(),
            "dry_run": self.is_dry_run,
            "erased": self.erased,
            "held": self.held,
            "counts": [
                {
                    "class": r.data_class,
                    "phenomenon": r.phenomenon,
                    "erased": r.erased,
                    "held": r.held,
                }
                for r in self.rows
            ],
        }


def run_retention(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Erase what is due in every class (or, dry, only count it). A real run writes one
    ``retention.run`` audit entry with the counts; a dry run changes nothing at all."""
    now = now or timezone.now()
    report = RetentionReport(now, dry_run, [step(now=now, dry_run=dry_run) for step in STEPS])
    if not dry_run:
        record("retention.run", actor=None, data=report.as_dict())
    log.info(
        "retention.run",
        extra={"dry_run": dry_run, "erased": report.erased, "held": report.held},
    )
    return report


def _daily() -> int:
    run_retention()
    return 0  # upkeep, not work: it never keeps a burst going


# Daily, in a long-running worker only: a burst (tests, one-off runs) never erases anything.
PERIODIC = [Periodic("retention.run", 24 * 3600, _daily, in_burst=False)]
