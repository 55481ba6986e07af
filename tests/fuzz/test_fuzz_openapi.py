"""Every operation of the OpenAPI schema served at /api/v1/openapi.json, fuzzed with
schemathesis against the Django WSGI application: with no token, or with the token of a role
drawn from every role that can hold one (so each operation is also called by the roles
allowed to use it).

Generated cases either fit the schema (positive) or break it on purpose (negative); path
parameters are either generated or the ids of a small world of real objects (an item in each
stage, an assessment, a sent notice, a platform, a bank), so bodies reach the code behind the
404. The properties: no 5xx, and every refusal is JSON ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from flagdesk.wsgi import application
from tests.fuzz.strategies import FUZZ
from tests.staff_world import World, staff_world

# Roles that can hold an API token (docs/api.md, "Tokens").
TOKEN_ROLES = ["analyst", "reviewer", "coordinator", "intake", "admin", "auditor", "partner"]
# Downloads: a successful answer may be a file rather than JSON (a refusal never is).
DOWNLOADS = ("text/csv", "text/plain", "application/pdf", "application/octet-stream")


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, read from the schema the API would serve."""
    from flagdesk.site.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return [
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    ]


@cache
def _schema() -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def world(users, settings) -> World:
    return staff_world(users, settings)


def _known_ids(world: World) -> dict[str, list[str]]:
    """Real values for the schema's path parameters, by parameter name."""
    from flagdesk.core import taxonomy
    from flagdesk.matching.models import BankEntry, HashBank
    from flagdesk.platforms.models import Platform

    items = [world.new, world.waiting, world.approved, world.notified]
    platform = Platform.objects.order_by("slug").first()
    bank = HashBank.objects.order_by("slug").first()
    entry = BankEntry.objects.order_by("pk").first()
    report = world.new.reports.first()
    return {
        "item_id": [str(i.pk) for i in items],
        "assessment_id": [str(world.waiting_assessment.pk)],
        "notice_id": [str(world.notice.pk)],
        "reference": [report.reference] if report else [],
        "platform_id": [str(platform.pk)] if platform else [],
        "platform_slug": [platform.slug] if platform else [],
        "slug": [bank.slug] if bank else [],
        "entry_id": [str(entry.public_id)] if entry else [],
        "code": sorted(taxonomy.legal_bases())[:3],
    }


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Call the WSGI application as Django's test client does: without the request signals'
    ``close_old_connections``, which would close the test's own database connection (and
    its transaction) on PostgreSQL. For the whole test, since the response is closed (and
    ``request_finished`` sent) whenever the WSGI client lets go of it, not at ``call()``."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _assert_answer(response: Any) -> None:
    assert response.status_code < 500, response.text[:2000]
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", [""])[0]  # schemathesis: name -> values
    if response.status_code >= 400:
        assert content_type.startswith("application/json"), (response.status_code, content_type)
        error = json.loads(response.content)["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
    elif response.status_code != 204:
        assert content_type.startswith(("application/json", *DOWNLOADS)), content_type


@pytest.mark.parametrize(("method", "path"), _operations())
@settings(FUZZ, max_examples=max(6, FUZZ.max_examples // 3))
@given(data=st.data())
def test_the_api_answers_every_generated_request(world, users, settings, method, path, data):
    from flagdesk.accounts.services import issue_token

    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    operation = _schema()[path][method]
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
    known = {
        name: values
        for name, values in _known_ids(world).items()
        if values and name in path and data.draw(st.booleans(), label=f"real {name}")
    }
    fixed = {name: data.draw(st.sampled_from(values)) for name, values in known.items()}
    case = data.draw(operation.as_strategy(mode, path_parameters=fixed or None), label="case")
    headers: dict[str, str] = {}
    role = data.draw(st.one_of(st.none(), st.sampled_from(TOKEN_ROLES)), label="token of")
    if role is not None:
        headers["Authorization"] = f"Bearer {issue_token(users[role])}"
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error], headers=headers)
    _assert_answer(response)
