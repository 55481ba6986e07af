"""Every named route by every persona and anonymous (S22), and the staff API's GET endpoints.

``EXPECTED`` maps a route name to the roles that get 200 on GET; everyone else logged in gets
403 and an anonymous visitor is sent to the login page. Public pages, redirects and POST-only
routes are spelled out. ``test_every_route_is_in_the_matrix`` fails when a route is added
without deciding who may open it.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import PERSONAS
from flagdesk.accounts.services import issue_token
from flagdesk.cases.tests.factories import approved_item, assessed_item, social_platform
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
from flagdesk.matching.services.matching import match_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tests.factories import item_signals, random_pdq
from flagdesk.matching.tests.media_samples import synthetic_image
from flagdesk.matching.thumbnails import greyscale_thumbnail
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices
from flagdesk.notices.services.follow_ups import follow_up
from flagdesk.notices.services.inbound import ingest
from flagdesk.platforms.channels import Delivery

ROLES = list(PERSONAS)  # analyst reviewer coordinator intake admin auditor partner none

CASEWORK = {"intake", "analyst", "reviewer", "coordinator"}
ASSESSORS = {"analyst", "reviewer", "coordinator"}
REVIEWERS = {"reviewer", "coordinator"}
BANK_READERS = {"analyst", "reviewer", "coordinator", "admin", "auditor"}
BANK_MANAGERS = {"coordinator", "admin"}
EVERYONE = {*ROLES, None}

PUBLIC = "public"  # 200 for everyone, anonymous included
POST_ONLY = "post-only"  # 405 on GET for everyone
REDIRECT = "redirect"  # 302 for everyone

EXPECTED: dict[str, set[str] | str] = {
    "home": REDIRECT,
    "intake:report": PUBLIC,
    "intake:report-done": PUBLIC,
    "intake:report-status": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": POST_ONLY,
    "accounts:landing": REDIRECT,  # to the role's first page; anonymous to the login page
    "accounts:account": set(ROLES),
    "organisation:organisation-edit": {"admin", "coordinator"},
    "organisation:legal-bases": ASSESSORS | {"admin"},
    "cases:queue": CASEWORK,
    "cases:review-queue": CASEWORK,
    "cases:approved": ASSESSORS,
    "cases:item-detail": CASEWORK,
    "cases:item-assess": ASSESSORS,
    "cases:assessment-review": REVIEWERS,
    "cases:report-reveal": CASEWORK,
    "cases:item-identifiers": POST_ONLY,
    "platforms:platform-hash-matching": POST_ONLY,
    "cases:item-platform": POST_ONLY,
    "notices:notice-list": CASEWORK,
    "notices:notice-send": ASSESSORS,
    "notices:notice-detail": CASEWORK,
    "notices:follow-up": POST_ONLY,
    "notices:approve": POST_ONLY,
    "notices:submitted": POST_ONLY,
    "notices:lodged": POST_ONLY,
    "notices:document": CASEWORK,
    "notices:follow-up-queue": CASEWORK,
    "notices:mail-list": CASEWORK,
    "notices:mail-detail": CASEWORK,
    "notices:quality": CASEWORK | {"auditor"},
    "platforms:platform-list": CASEWORK | {"admin"},
    "platforms:platform-edit": {"admin", "coordinator"},
    "platforms:platform-export": {"admin", "coordinator"},
    "platforms:platform-import": {"admin", "coordinator"},
    "platforms:platform-add": {"admin", "coordinator"},
    "platforms:platform-domains-add": {"admin", "coordinator"},
    "matching:bank-list": BANK_READERS,
    "matching:bank-detail": BANK_READERS,
    "matching:bank-enable": POST_ONLY,
    "matching:bank-share": POST_ONLY,
    "matching:bank-import": BANK_MANAGERS,
    "matching:bank-export": BANK_MANAGERS,
    "matching:entry-detail": BANK_READERS,
    "matching:entry-remove": POST_ONLY,
    "matching:file-download": POST_ONLY,
    "matching:entry-prefill": POST_ONLY,
    "matching:entry-thumbnail": BANK_READERS,
    "matching:hash-lookup": CASEWORK | BANK_READERS,
    "matching:item-hash": CASEWORK,
    "matching:item-bank-add": ASSESSORS,
    "matching:match-thumbnail": BANK_READERS,
    "matching:match-unblur": POST_ONLY,
    "matching:match-assess": POST_ONLY,
}

# Staff API GET endpoints (path template under /api/v1) -> roles that get 200.
API_EXPECTED: dict[str, set[str]] = {
    "api:list_items": CASEWORK,
    "api:get_item": CASEWORK,
    "api:notice_detail": CASEWORK,
    "api:list_notices": CASEWORK,
    "api:list_platforms": CASEWORK | {"admin"},
    "api:export_platforms": {"admin", "coordinator"},
    "api:quality_json": CASEWORK | {"auditor"},
    "api:get_organisation": {"admin", "coordinator"},
    "api:list_legal_bases": ASSESSORS | {"admin"},
    "api:list_banks": {"analyst", "reviewer", "coordinator", "admin", "auditor", "partner"},
    "api:item_match_list": ASSESSORS,
    "api:get_bank": BANK_READERS,
    "api:export_entries": BANK_READERS,
}
# Roles that may use an endpoint but get 404 for the matrix's object, because it is not theirs
# to see: a partner sees only its own and shared banks, and "no such bank" gives nothing away.
API_NOT_THEIRS: dict[str, set[str]] = {
    "api:get_bank": {"partner"},
    "api:export_entries": {"partner"},
}
# API routes that are public, write-only, or documentation: covered by their apps' tests.
API_NOT_IN_MATRIX = {
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "api:create_report",
    "api:report_status",
    "api:create_assessment",
    "api:update_item",
    "api:review",
    "api:queue_notices",
    "api:notice_preflight",
    "api:record_response",
    "api:create_platform",
    "api:add_platform_domains",
    "api:update_platform",
    "api:put_organisation",
    "api:confirm_basis",
    "api:withdraw_basis_confirmation",
    "api:match",
    "api:upload_item_media",
    "api:create_bank_api",
    "api:update_bank",
    "api:import_entries",
    "api:remove_bank_entry",
    "api:create_follow_up",
    "api:approve_follow_up",
    "api:submitted_by_hand",
    "api:dsc_lodged",
    "api:replace_channels",
    "api:make_inbound_secret",
    "api:import_platforms",
    # Signed by a platform's secret, not a token: flagdesk/notices/tests/test_inbound.py.
    "api:inbound",
    # Takes two notices (the followed and the follow-up): flagdesk/notices/tests/test_follow_ups.py.
    "api:get_follow_up",
}
SKIPPED_NAMESPACES: tuple[str, ...] = ()
SKIPPED_ROUTES = {"set_language"}


def named_routes(
    patterns: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(qualified name, pattern) for every named route, namespaces walked recursively."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def page_routes() -> set[str]:
    return {
        name
        for name, _ in named_routes()
        if not name.startswith(tuple(f"{ns}:" for ns in (*SKIPPED_NAMESPACES, "api")))
        and name not in SKIPPED_ROUTES
    }


def api_get_routes() -> set[str]:
    return {name for name, _ in named_routes() if name.startswith("api:")}


@pytest.fixture
def objects(users) -> dict[str, str]:
    """Real ids for routes that take one: an item waiting for review, its assessment and
    report, the platform, a reply mail, and as the notice the DSC file of a sent notice (a
    notice page and a document both open on it)."""
    platform = social_platform(users["coordinator"])
    item, assessment = assessed_item(users, "https://social.test/matrix/1")
    notified, _ = approved_item(users, "https://social.test/matrix/2")
    [notice] = queue_notices([notified], actor=users["analyst"])
    mark_sent(claim(notice.outbox.pk, worker="matrix"), Delivery("<m@social.test>", timezone.now()))
    dsc = follow_up(
        notice, kind="dsc_complaint", actor=users["analyst"], reason="No answer in weeks." * 3
    )
    mail = ingest(
        b"From: x@y.test\r\nSubject: hello\r\n\r\nhi",
        mailbox="m",
        uidvalidity=1,
        uid=1,
        size=30,
        is_partial=False,
    )
    match = _known_match(users, item, known=notified)
    return {
        "item_id": str(item.id),
        "assessment_id": str(assessment.id),
        "report_id": str(item.reports.get().id),
        "notice_id": str(dsc.id),
        "mail_id": str(mail.id),
        "slug": match.entry.bank.slug,
        "public_id": str(match.entry.public_id),
        "match_id": str(match.id),
        "platform_id": str(platform.id),
    }


def _known_match(users, item, *, known) -> Match:
    """A bank entry of ``known`` with a thumbnail, and ``item`` matching it."""
    bank = create_bank(actor=users["coordinator"], name="Matrix bank")
    pdq = random_pdq(1)
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(1, (64, 64)))).decode()
    entry = EntryInput("pdq", pdq, quality=90, item=known, thumbnail=picture)
    add_entries(bank, [entry], actor=users["coordinator"])
    item_signals(item, [ComputedSignal("pdq", pdq, 90)])
    [match] = match_item(item)
    return match


def url_for(route: str, objects: dict[str, str]) -> str:
    pattern = dict(named_routes())[route].pattern
    kwargs = {name: objects.get(name, str(uuid.uuid4())) for name in pattern.converters}
    return reverse(route, kwargs=kwargs or None)


def expected_status(route: str, role: str | None) -> int:
    rule = EXPECTED[route]
    if rule == PUBLIC:
        return 200
    if rule == POST_ONLY:
        return 405
    if rule == REDIRECT:
        return 302
    assert isinstance(rule, set)
    if role is None:
        return 302
    return 200 if role in rule else 403


def test_every_route_is_in_the_matrix():
    missing = page_routes() - set(EXPECTED)
    assert not missing, f"routes without an EXPECTED entry: {sorted(missing)}"
    stale = set(EXPECTED) - page_routes()
    assert not stale, f"EXPECTED names routes that no longer exist: {sorted(stale)}"


def test_every_api_route_is_decided():
    undecided = api_get_routes() - set(API_EXPECTED) - API_NOT_IN_MATRIX
    assert not undecided, f"API routes missing from the matrix: {sorted(undecided)}"


@pytest.mark.parametrize("route", sorted(EXPECTED))
@pytest.mark.parametrize("role", [*ROLES, None])
def test_permission_matrix(client, users, objects, route, role):
    if role:
        client.force_login(users[role])
    url = url_for(route, objects)
    response = client.get(url)
    expected = expected_status(route, role)
    assert response.status_code == expected, f"{route} as {role}: {response.status_code}"
    if expected == 302 and EXPECTED[route] not in (REDIRECT,):
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("route", sorted(API_EXPECTED))
@pytest.mark.parametrize("role", [*ROLES, None])
def test_api_permission_matrix(client, users, objects, route, role):
    url = url_for(route, objects)
    headers = {"Authorization": f"Bearer {issue_token(users[role])}"} if role else {}
    response = client.get(url, headers=headers)
    if role is None:
        expected = 401
    elif role in API_EXPECTED[route]:
        expected = 200
    elif role in API_NOT_THEIRS.get(route, ()):
        expected = 404
    else:
        expected = 403
    assert response.status_code == expected, f"{route} as {role}: {response.status_code}"


def test_roles_are_listed_only_in_the_permission_table():
    """Who may do what is decided in flagdesk/accounts/policy.py alone: no other module names a
    staff role (the demo's personas and the partner API aside), so a second, diverging list of
    roles cannot appear (issue 11: one permission table)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "flagdesk"
    staff = {"INTAKE", "ANALYST", "REVIEWER", "COORDINATOR", "ADMIN", "AUDITOR"}
    allowed = {"accounts/policy.py", "accounts/models.py", "site/demo.py"}
    problems = []
    for path in root.rglob("*.py"):
        where = str(path.relative_to(root))
        if where in allowed or "/tests/" in f"/{where}" or "/migrations/" in f"/{where}":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in staff
                and isinstance(node.value, ast.Name)
                and node.value.id == "Role"
            ):
                problems.append(f"{where}:{node.lineno} Role.{node.attr}")
    assert not problems, "\n".join(problems)
