"""Valid report inputs for tests; each test changes only what it is about."""

from __future__ import annotations

from typing import Any

from flagdesk.intake.models import Report
from flagdesk.intake.services import ReportSubmission, SubmittedReport, submit_report

URL = "https://social.example.test/p/1"


def form_data(**overrides: Any) -> dict[str, Any]:
    """POST data of a valid anonymous web report."""
    data: dict[str, Any] = {
        "urls": URL,
        "phenomenon": "ncii",
        "description": "Pictures of me shared without my consent.",
        "role": "victim",
        "victim_age_band": "18-24",
        "victim_gender": "female",
        "anonymous": "anonymous",
        "reporter_name": "",
        "reporter_email": "",
        "reporter_phone": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def api_payload(**overrides: Any) -> dict[str, Any]:
    """Body of a valid POST /api/v1/reports (the example of docs/api.md)."""
    payload: dict[str, Any] = {
        "language": "fr",
        "phenomenon": "ncii",
        "urls": [URL],
        "description": "free text",
        "role": "victim",
        "reporter": {"anonymous": False, "name": "A. B.", "email": "a@example.org", "phone": None},
        "victim": {"age_band": "18-24", "gender": "female"},
    }
    payload.update(overrides)
    return payload


def submitted_report(*urls: str, **overrides: Any) -> SubmittedReport:
    fields: dict[str, Any] = {"urls": list(urls or [URL]), "role": "witness"}
    fields.update(overrides)
    return submit_report(ReportSubmission(**fields))


def with_contact(**overrides: Any) -> dict[str, Any]:
    """ReportSubmission fields of a (fictional) reporter who gave contact details."""
    return {
        "is_anonymous": False,
        "reporter_name": "Test Reporter",
        "reporter_email": "reporter@example.test",
        "reporter_phone": "+32 470 00 00 01",
        "has_consented": True,
        "description": "What happened, in the reporter's words.",
        **overrides,
    }


def close(report: Report) -> None:
    """Every item of the report finished (out of scope): its case's retention clock starts."""
    from flagdesk.cases.models import Item
    from flagdesk.cases.transitions import transition

    for item in report.items.all():
        if item.status == Item.Status.NEW:
            transition(item, Item.Status.OUT_OF_SCOPE, actor=None)
