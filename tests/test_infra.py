"""The test infrastructure itself: each fixture talks to the real service it stands for."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

import pytest
from django.core.cache import cache
from django.db import connection

from flagdesk.accounts.models import User


def _notice() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "flagger@flagdesk.test"
    message["To"] = "abuse@platform.test"
    message["Subject"] = "Notice R-7KQ3-M9XD"
    message.set_content("Contenu signalé : voir pièce jointe.")
    return message


def test_smtp_server_receives_what_smtplib_sends(smtp_server, settings):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        smtp.send_message(_notice())

    [received] = smtp_server.messages
    assert received["Subject"] == "Notice R-7KQ3-M9XD"
    assert received.get_content().strip() == "Contenu signalé : voir pièce jointe."
    assert b"Subject: Notice R-7KQ3-M9XD" in smtp_server.raw[0]
    assert smtp_server.envelopes == [("flagger@flagdesk.test", ["abuse@platform.test"])]
    assert settings.EMAIL_URL == f"smtp://127.0.0.1:{smtp_server.port}"


def test_smtp_server_fails_the_next_messages_on_request(smtp_server):
    smtp_server.fail_next = [451, 550]

    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as temporary:
            smtp.send_message(_notice())
        with pytest.raises(smtplib.SMTPDataError) as permanent:
            smtp.send_message(_notice())
        smtp.send_message(_notice())

    assert (temporary.value.smtp_code, permanent.value.smtp_code) == (451, 550)
    assert len(smtp_server.messages) == 1
    assert smtp_server.fail_next == []


@pytest.mark.django_db
def test_database_is_the_one_flagdesk_database_url_names():
    """`make test` runs the suite twice; this proves the second run really uses PostgreSQL."""
    url = os.environ.get("FLAGDESK_DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))

    assert connection.vendor == ("postgresql" if postgres else "sqlite")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if postgres else "SELECT sqlite_version()")
        [version] = cursor.fetchone()
    assert version
    if postgres:
        assert connection.settings_dict["NAME"] == "test_flagdesk"


def test_personas_have_their_roles_and_a_fast_password_hash(users):
    assert {role: user.username for role, user in users.items()} == {
        "analyst": "alice",
        "reviewer": "bob",
        "coordinator": "carol",
        "intake": "dave",
        "admin": "erin",
        "auditor": "frank",
        "partner": "pat",
        "none": "mallory",
    }
    assert all(user.role == role for role, user in users.items() if role != "none")
    assert users["none"].role == ""
    assert users["reviewer"].email == "bob@flagdesk.test"
    assert users["analyst"].password.startswith("md5$")
    assert users["analyst"].check_password("correct horse battery")


def test_the_product_limits_public_requests_unless_told_otherwise(monkeypatch):
    """Production default: 30 public requests an hour per client. Tests switch it off in the
    autouse fixture (below); this reads the settings module itself, as a server loads it."""
    import importlib

    import flagdesk.settings as product

    monkeypatch.delenv("FLAGDESK_PUBLIC_RATE_LIMIT", raising=False)
    assert importlib.reload(product).PUBLIC_RATE_LIMIT == "30/h"


@pytest.mark.django_db
def test_the_test_settings_switch_the_public_rate_limit_off(client, settings):
    """What the fixture sets really lifts the limit: more reports than the default allows."""
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    answers = {
        client.post(
            "/api/v1/reports",
            {
                "language": "en",
                "urls": [f"https://social.test/infra/{n}"],
                "role": "witness",
                "reporter": {"anonymous": True},
            },
            content_type="application/json",
        ).status_code
        for n in range(31)
    }
    assert answers == {201}


@pytest.mark.django_db(transaction=True)  # committed, so only the fixture can empty it
@pytest.mark.parametrize("run", [1, 2])
def test_cache_starts_empty_in_every_test(run):
    assert cache.add("infra-probe", run), "a previous test's cache entry survived"


@pytest.mark.browser
def test_chromium_renders_a_page(browser_page):
    browser_page.goto("data:text/html,<title>flagdesk</title><p id=probe>ready</p>")

    assert browser_page.title() == "flagdesk"
    assert browser_page.text_content("#probe") == "ready"


@pytest.mark.browser
def test_chromium_reaches_the_live_server_while_the_test_uses_the_orm(
    browser_page, live_url, users
):
    url = live_url("/infra-probe-no-such-page/")

    response = browser_page.goto(url)

    assert response is not None and response.url == url
    assert response.status == 404
    assert User.objects.count() == len(users)  # ORM calls work beside Playwright's loop
