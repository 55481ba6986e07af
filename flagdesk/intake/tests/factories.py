"""Valid report inputs for tests; each test changes only what it is about."""

from __future__ import annotations

from typing import Any

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
