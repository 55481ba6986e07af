"""Requests a new operator's first visitors make, run inside a ``flagdesk`` process.

``tests/test_fresh_instance.py`` runs this against a database prepared by ``flagdesk migrate``
alone, with the real settings (rate limits on), and reads the JSON it prints. Exceptions are
not caught: a request that fails inside Django fails the probe with its traceback.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flagdesk.settings")

import django

django.setup()

from django.test import Client  # noqa: E402

REPORT = {
    "language": "en",
    "urls": ["https://social.test/fresh/1"],
    "role": "witness",
    "reporter": {"anonymous": True},
}


def main() -> None:
    web = Client()
    form = web.get("/report")
    posted = web.post(
        "/report",
        {"urls": "https://social.test/fresh/2", "role": "witness", "anonymous": "anonymous"},
    )
    api = Client().post("/api/v1/reports", json.dumps(REPORT), content_type="application/json")
    login = Client().post("/login", {"username": "nobody", "password": "wrong password"})
    json.dump(
        {
            "report_form": form.status_code,
            "report_post": posted.status_code,
            "report_post_location": posted.get("Location", ""),
            "api_report": api.status_code,
            "api_body": api.json(),
            "login": login.status_code,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
