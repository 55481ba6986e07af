"""An installation prepared the usual Django way, ``flagdesk migrate`` and nothing else."""

from __future__ import annotations

import json
import stat
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


def test_files_under_var_are_private(fresh_instance):
    """Keys, the database and everything later written under var/ are the service's alone;
    the keys themselves live apart, in KEY_DIR, so that a copy of var/ does not carry them."""
    created = [p for p in fresh_instance.var_dir.rglob("*")]
    assert not any(p.name in ("field_key", "field_keys", "secret_key") for p in created)
    keys = [fresh_instance.key_dir, *fresh_instance.key_dir.rglob("*")]
    assert {p.name for p in keys} >= {"field_keys", "secret_key"}
    created += keys
    if "sqlite" in fresh_instance.env.get("FLAGDESK_DATABASE_URL", "sqlite"):
        assert any(p.suffix == ".sqlite3" for p in created)
    loose = {
        str(p.relative_to(p.parent if p in keys else fresh_instance.var_dir)): oct(
            stat.S_IMODE(p.stat().st_mode)
        )
        for p in [fresh_instance.var_dir, *created]
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    }
    assert not loose, f"readable by others: {loose}"
