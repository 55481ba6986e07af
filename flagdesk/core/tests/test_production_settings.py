"""An https:// FLAGDESK_BASE_URL is production: HSTS, Secure __Host- cookies, Django's deployment
checks clean, and X-Forwarded-Proto believed only from a trusted proxy.

Settings are read once per process, so each case runs flagdesk in a child process with the
environment an operator would give it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FLAGDESK

HOST = "flagdesk.example"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A production-like environment: https, a long random secret key, DEBUG off."""
    # Not the test run's FLAGDESK_* settings, nor the browser tests' async switch.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FLAGDESK_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env |= {
        "FLAGDESK_VAR_DIR": str(tmp_path / "var"),
        "FLAGDESK_KEY_DIR": str(tmp_path / "keys"),
        "FLAGDESK_BASE_URL": f"https://{HOST}",
        "FLAGDESK_ALLOWED_HOSTS": HOST,
        "FLAGDESK_SECRET_KEY": secrets.token_urlsafe(64),
        "FLAGDESK_DEBUG": "false",
    }
    return env | {f"FLAGDESK_{k}": v for k, v in overrides.items()}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLAGDESK), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME",
    "SESSION_COOKIE_HTTPONLY", "SILENCED_SYSTEM_CHECKS", "DEFAULT_EXCEPTION_REPORTER_FILTER",
)}))
"""


def settings_in(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        env=env | {"DJANGO_SETTINGS_MODULE": "flagdesk.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_flagdesk_check_deploy_is_clean_in_production(tmp_path):
    done = check_deploy(production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    # Only the two silences settings.py explains (HTTPS redirect left to the proxy, no preload).
    assert "System check identified no issues (2 silenced)." in done.stdout


def test_the_check_fails_when_production_is_misconfigured(tmp_path):
    """The test above can fail: DEBUG on, or a short secret key, is caught."""
    debug = check_deploy(production_env(tmp_path, DEBUG="true"))
    assert debug.returncode != 0 and "security.W018" in debug.stderr
    weak = check_deploy(production_env(tmp_path, SECRET_KEY="short"))
    assert weak.returncode != 0 and "security.W009" in weak.stderr


def test_with_redirect_preload_and_a_proxy_nothing_needs_silencing(tmp_path):
    env = production_env(tmp_path, SSL_REDIRECT="true", HSTS_PRELOAD="true")
    env["FLAGDESK_TRUSTED_PROXIES"] = "127.0.0.1"
    done = check_deploy(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_settings(tmp_path):
    found = settings_in(production_env(tmp_path))
    assert found["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_PRELOAD"] is False
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SECURE_PROXY_SSL_HEADER"] is None  # no trusted proxy: nobody says "https"
    assert found["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert found["SESSION_COOKIE_SECURE"] is found["CSRF_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert str(found["SESSION_COOKIE_NAME"]).startswith("__Host-")
    assert str(found["CSRF_COOKIE_NAME"]).startswith("__Host-")
    assert found["DEFAULT_EXCEPTION_REPORTER_FILTER"] == (
        "flagdesk.core.error_reports.ErrorReportFilter"
    )


def test_hsts_and_redirect_are_configurable(tmp_path):
    env = production_env(
        tmp_path,
        HSTS_SECONDS="600",
        HSTS_INCLUDE_SUBDOMAINS="false",
        HSTS_PRELOAD="true",
        SSL_REDIRECT="true",
        TRUSTED_PROXIES="10.0.5.0/24",
    )
    found = settings_in(env)
    assert found["SECURE_HSTS_SECONDS"] == 600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert found["SECURE_HSTS_PRELOAD"] is found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SILENCED_SYSTEM_CHECKS"] == []


def test_plain_http_development_keeps_plain_cookies(tmp_path):
    env = production_env(tmp_path)
    env["FLAGDESK_BASE_URL"] = "http://127.0.0.1:8000"
    found = settings_in(env)
    assert found["SECURE_HSTS_SECONDS"] == 0 and found["SECURE_SSL_REDIRECT"] is False
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["SESSION_COOKIE_NAME"] == "sessionid"


THROUGH_THE_APP = """
import json
import django
django.setup()
from django.test import Client

HTTPS = {"HTTP_HOST": "flagdesk.example", "HTTP_X_FORWARDED_PROTO": "https"}
REPORT = {"urls": "https://social.test/p/1", "role": "witness", "anonymous": "anonymous"}


def cookies(*responses):
    return {
        name: {"secure": bool(m["secure"]), "path": m["path"], "domain": m["domain"]}
        for response in responses
        for name, m in response.cookies.items()
    }


def answer(remote):
    client = Client(REMOTE_ADDR=remote)
    response = client.get("/login", **HTTPS)
    report = client.post("/report", REPORT, **HTTPS)
    language = client.post("/i18n/setlang/", {"language": "fr", "next": "/report"}, **HTTPS)
    return {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "hsts": response.get("Strict-Transport-Security", ""),
        "cookies": cookies(response, report, language),
    }

print(json.dumps({"proxy": answer("127.0.0.1"), "stranger": answer("203.0.113.9")}))
"""


def test_https_is_believed_only_from_the_trusted_proxy(fresh_instance, tmp_path):
    env = production_env(tmp_path, SSL_REDIRECT="true", TRUSTED_PROXIES="127.0.0.1")
    env["FLAGDESK_VAR_DIR"] = str(fresh_instance.var_dir)  # its migrated database
    env["FLAGDESK_URL_RESOLVER"] = "flagdesk.core.testing.test_resolver"
    if "FLAGDESK_DATABASE_URL" in fresh_instance.env:
        env["FLAGDESK_DATABASE_URL"] = fresh_instance.env["FLAGDESK_DATABASE_URL"]
    done = subprocess.run(
        [sys.executable, "-c", THROUGH_THE_APP],
        env=env | {"DJANGO_SETTINGS_MODULE": "flagdesk.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    proxy, stranger = found["proxy"], found["stranger"]
    # Through the proxy, over HTTPS: the page, HSTS, and Secure cookies bound to this host
    # (the receipt's is scoped to the confirmation page, so __Secure- rather than __Host-).
    assert proxy["status"] == 200
    assert proxy["hsts"] == "max-age=31536000; includeSubDomains"
    assert set(proxy["cookies"]) == {
        "__Host-flagdesk_csrf",
        "__Host-flagdesk_language",
        "__Secure-flagdesk_receipt",
    }
    for name, cookie in proxy["cookies"].items():
        path = "/report/done" if name.startswith("__Secure-") else "/"
        assert cookie == {"secure": True, "path": path, "domain": ""}, name
    # Anyone else claiming HTTPS is sent to HTTPS instead, and gets no HSTS over plain http.
    assert stranger["status"] == 301
    assert stranger["location"] == "https://flagdesk.example/login"
    assert stranger["hsts"] == ""


@pytest.mark.parametrize(("remote", "believed"), [("127.0.0.1", True), ("203.0.113.9", False)])
def test_forwarded_proto_middleware(rf, settings, remote, believed):
    from flagdesk.core.middleware import ForwardedProtoMiddleware

    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = []
    middleware = ForwardedProtoMiddleware(lambda request: seen.append(request.is_secure()))
    middleware(rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https"))
    assert seen == [believed]
