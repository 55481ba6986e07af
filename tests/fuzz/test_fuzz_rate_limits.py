"""Public rate limits cannot be dodged with X-Forwarded-For (``core/clientaddr.py``).

A client that is not one of ``TRUSTED_PROXIES`` may send any X-Forwarded-For it likes, a new
one with every request: it still has one bucket, its own address. Behind the trusted proxy,
the proxy appends the client's real address, and whatever the client put to the left of it
changes nothing either. Each endpoint, web and API, allows three requests here; the fourth
and later ones are refused with 429.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import FUZZ, header_text

pytestmark = pytest.mark.django_db

LIMIT = 3
# Three per window, and a window (9999 days) that no test run can straddle.
RATE = f"{LIMIT}/9999d"
CLIENT = "198.51.100.23"
PROXY = "10.0.0.5"
REPORT = {
    "language": "en",
    "urls": ["https://social.example.test/p/1"],
    "role": "witness",
    "reporter": {"anonymous": True},
}

Endpoint = Callable[[Any, dict[str, str]], Any]


def api_report(client: Any, meta: dict[str, str]) -> Any:
    return client.post("/api/v1/reports", json.dumps(REPORT), "application/json", **meta)


def api_status(client: Any, meta: dict[str, str]) -> Any:
    return client.get("/api/v1/reports/R-7KQ3-M9XD", HTTP_X_RECEIPT_CODE="nope", **meta)


def web_report(client: Any, meta: dict[str, str]) -> Any:
    form = {"urls": "https://social.example.test/p/1", "role": "witness", "anonymous": "anonymous"}
    return client.post("/report", form, **meta)


def web_status(client: Any, meta: dict[str, str]) -> Any:
    return client.post("/report/status", {"reference": "R-7KQ3-M9XD", "receipt_code": "x"}, **meta)


ENDPOINTS: dict[str, Endpoint] = {
    "POST /api/v1/reports": api_report,
    "GET /api/v1/reports/{reference}": api_status,
    "POST /report": web_report,
    "POST /report/status": web_status,
}
forwarded_for = st.one_of(
    st.lists(st.ip_addresses().map(str), min_size=1, max_size=4).map(", ".join),
    st.sampled_from(["10.0.0.1", "127.0.0.1", "::1", f"{CLIENT}", "unknown", "", " , ,"]),
    header_text,
)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.PUBLIC_RATE_LIMIT = RATE
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # a proxy exists; the clients below are not it
    # The examples share one reference: its own lock-out (test_receipt_lockout.py) aside.
    settings.RECEIPT_LOCKOUT_FAILURES = 0


def _statuses(client: Any, endpoint: str, metas: list[dict[str, str]]) -> list[int]:
    cache.clear()  # a fresh window for each example
    return [ENDPOINTS[endpoint](client, meta).status_code for meta in metas]


@settings(FUZZ, max_examples=max(6, FUZZ.max_examples // 4))
@given(
    endpoint=st.sampled_from(sorted(ENDPOINTS)),
    spoofs=st.lists(forwarded_for, min_size=LIMIT + 2, max_size=LIMIT + 4),
)
@example(endpoint="POST /api/v1/reports", spoofs=[f"203.0.113.{n}" for n in range(6)])
def test_a_client_sending_any_forwarded_for_is_still_limited(client, endpoint, spoofs):
    metas = [{"REMOTE_ADDR": CLIENT, "HTTP_X_FORWARDED_FOR": spoof} for spoof in spoofs]
    statuses = _statuses(client, endpoint, metas)
    assert 429 not in statuses[:LIMIT], statuses
    assert set(statuses[LIMIT:]) == {429}, statuses


@settings(FUZZ, max_examples=max(6, FUZZ.max_examples // 4))
@given(
    endpoint=st.sampled_from(sorted(ENDPOINTS)),
    spoofs=st.lists(forwarded_for, min_size=LIMIT + 2, max_size=LIMIT + 4),
)
def test_behind_the_trusted_proxy_what_the_client_wrote_is_not_believed(client, endpoint, spoofs):
    # The proxy appends the address it received the request from: the client's.
    metas = [
        {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{spoof}, {CLIENT}"} for spoof in spoofs
    ]
    statuses = _statuses(client, endpoint, metas)
    assert 429 not in statuses[:LIMIT], statuses
    assert set(statuses[LIMIT:]) == {429}, statuses
