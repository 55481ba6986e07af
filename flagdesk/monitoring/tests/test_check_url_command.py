"""``flagdesk check-url URL...``: one JSON line per URL (docs/api.md), exit status 0."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from .hostile_server import HostileServer

FLAGDESK = Path(sys.executable).parent / "flagdesk"
KEYS = {"url", "outcome", "reason", "http_status", "final_url"}


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_one_line_per_url_in_order(hostile_server: HostileServer) -> None:
    urls = [
        hostile_server.url("/redirect/1"),
        hostile_server.url("/status/410"),
        hostile_server.url("/to/302?http://private.test/"),
        "ftp://files.test/",
    ]
    out, err = io.StringIO(), io.StringIO()
    call_command("check_url", *urls, stdout=out, stderr=err)
    printed = lines(out.getvalue())
    assert all(set(line) == KEYS for line in printed)
    assert [(p["url"], p["outcome"], p["reason"], p["http_status"]) for p in printed] == [
        (urls[0], "online", "http_200", 200),
        (urls[1], "gone", "http_410", 410),
        (urls[2], "refused", "address_not_public", None),
        (urls[3], "refused", "scheme_not_allowed", None),
    ]
    assert printed[0]["final_url"] == hostile_server.url("/redirect/0")
    assert printed[2]["final_url"] == "http://private.test/"
    assert err.getvalue() == ""


def test_verbose_output_adds_the_sentence_on_stderr(hostile_server: HostileServer) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "check_url", hostile_server.url("/status/404"), verbosity=2, stdout=out, stderr=err
    )
    assert lines(out.getvalue())[0]["outcome"] == "gone"
    assert "The page is gone (HTTP 404)." in err.getvalue()


def test_the_console_script_refuses_without_connecting() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flagdesk.settings"}
    env.pop("FLAGDESK_MONITORING_ALLOW_LOOPBACK", None)  # production's default: refused
    urls = [
        "http://127.0.0.1/",
        "file:///etc/passwd",
        "http://2130706433:8080/x",
        "http://u:p@a.test/",
    ]
    done = subprocess.run(
        [str(FLAGDESK), "check-url", *urls], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert lines(done.stdout) == [
        {
            "url": urls[0],
            "outcome": "refused",
            "reason": "address_not_public",
            "http_status": None,
            "final_url": urls[0],
        },
        {
            "url": urls[1],
            "outcome": "refused",
            "reason": "scheme_not_allowed",
            "http_status": None,
            "final_url": urls[1],
        },
        {
            "url": urls[2],
            "outcome": "refused",
            "reason": "address_not_public",
            "http_status": None,
            "final_url": urls[2],
        },
        {
            "url": urls[3],
            "outcome": "refused",
            "reason": "credentials_in_url",
            "http_status": None,
            "final_url": urls[3],
        },
    ]
