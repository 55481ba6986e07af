"""An installation prepared the usual Django way, ``flagdesk migrate`` and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

PROBE = Path(__file__).with_name("instance_probe.py")


def test_migrate_alone_gives_a_working_instance(fresh_instance):
    """Public reports, the API and the login form all count against rate limits kept in the
    database cache: its table must come with ``migrate`` (it used to need createcachetable)."""
    answers = json.loads(fresh_instance.python(PROBE).stdout)

    assert answers["report_form"] == 200
    assert answers["report_post"] == 302, answers
    assert answers["report_post_location"].endswith("/report/done")
    assert answers["api_report"] == 201, answers["api_body"]
    assert answers["api_body"]["reference"].startswith("R-")
    assert answers["login"] == 200  # the form again, with "wrong password"
