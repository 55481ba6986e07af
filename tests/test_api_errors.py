"""Unexpected failures under /api/v1/ answer JSON, and their log lines carry no personal data."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import OperationalError

from flagdesk.cases import queries
from flagdesk.core.logging import JsonFormatter, KeyValueFormatter

SECRET = "victim.name@example.org"


@pytest.fixture
def broken_queue(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError(f"cannot read the item of {SECRET}")

    monkeypatch.setattr(queries, "item_queue", fail)


def test_an_unexpected_error_is_json_internal_error(api, broken_queue, caplog):
    with caplog.at_level(logging.ERROR):
        response = api("analyst").get("/items")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert SECRET not in response.content.decode()
    [record] = [r for r in caplog.records if r.getMessage() == "api.internal_error"]
    assert record.route == "api/v1/items" and record.error == "RuntimeError"
    for formatter in (KeyValueFormatter(), JsonFormatter()):
        line = formatter.format(record)
        assert "RuntimeError (message withheld)" in line
        assert "in fail" in line  # the frame that failed is still named
        assert SECRET not in line


def test_a_database_that_cannot_be_reached_is_a_503_to_retry(api, monkeypatch):
    def away(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed")

    monkeypatch.setattr(queries, "item_queue", away)
    response = api("analyst").get("/items")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert int(response["Retry-After"]) > 0


def test_a_staff_page_whose_database_is_away_is_a_plain_503_page(client, users, monkeypatch):
    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    client.force_login(users["analyst"])
    monkeypatch.setattr(queries, "item_queue", away)
    response = client.get("/staff/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "Briefly unavailable" in response.content.decode()


def test_exception_chains_keep_types_and_drop_messages():
    try:
        try:
            raise KeyError(SECRET)
        except KeyError as e:
            raise ValueError(f"bad {SECRET}") from e
    except ValueError:
        import sys

        record = logging.makeLogRecord({"msg": "x", "exc_info": sys.exc_info()})
    line = KeyValueFormatter().format(record)
    assert "builtins.KeyError (message withheld)" in line
    assert "builtins.ValueError (message withheld)" in line
    assert SECRET not in line


def test_a_method_an_endpoint_does_not_take_is_a_json_405(client, db):
    response = client.delete("/api/v1/reports")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]
    assert "no-store" in response["Cache-Control"]


def test_an_oversized_json_body_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api("coordinator").post(
        "/platforms",
        {
            "name": "x" * 2000,
            "domains": ["big.test"],
            "notice_channel": {"type": "email", "address": "dsa@big.test"},
        },
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_the_token_refusal_is_translated(client, db):
    response = client.get("/api/v1/items", headers={"Accept-Language": "fr"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] != "A valid API token is required."


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/reports", {"urls": ["https://social.test/a"], "description": "a\u0000b"}),
        ("get", "/api/v1/items?status=%00", None),
        ("get", "/api/v1/notices?status=a%00b", None),
    ],
)
def test_a_nul_character_is_a_422_naming_the_field_on_every_backend(
    client, users, method, path, body
):
    """PostgreSQL text cannot hold NUL; SQLite would store it. Refused before either sees it."""
    from flagdesk.accounts.services import issue_token

    headers = {"Authorization": f"Bearer {issue_token(users['coordinator'])}"}
    if method == "get":
        response = client.get(path, headers=headers)
    else:
        response = client.post(
            path, json.dumps(body), content_type="application/json", headers=headers
        )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid"
