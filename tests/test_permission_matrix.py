"""Every named route by every persona and anonymous (S22), and the API's GET endpoints.

``EXPECTED`` maps a route name to the roles that get 200 on GET; everyone else logged in gets
403 and an anonymous visitor is sent to the login page. Public pages, redirects and POST-only
routes are spelled out. ``API_EXPECTED`` does the same for the API's reads (a staff ``read``
token, the partner's own token; 401 without one) and ``API_PUBLIC`` for the public ones.
``test_every_route_is_in_the_matrix`` and ``test_every_api_route_is_decided`` fail when a
route is added without deciding who may open it. The API's writes are in
``test_permission_matrix_api_writes.py``, other cases' ids in ``test_idor_matrix.py``.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.matrix_world import (
    ASSESSORS,
    BANK_MANAGERS,
    BANK_READERS,
    CASEWORK,
    PARTNER_SCOPE,
    REVIEWERS,
    ROLES,
    api_get_routes,
    api_write_routes,
    bearer,
    build_world,
    error_code,
    named_routes,
)
from tests.matrix_world import url_for as _url_for

PUBLIC = "public"  # 200 for everyone, anonymous included
POST_ONLY = "post-only"  # 405 on GET for everyone
REDIRECT = "redirect"  # 302 for everyone

EXPECTED: dict[str, set[str] | str] = {
    "home": REDIRECT,
    "set_language": REDIRECT,  # Django's language switch: back to the page (a POST sets it)
    "intake:report": PUBLIC,
    "intake:report-done": PUBLIC,
    "intake:report-status": PUBLIC,
    # Pictures hashed on the reporter's device, and the consent to keep looking for them.
    "intake:report-picture": PUBLIC,
    "intake:report-bank-consent": PUBLIC,
    "intake:subject-search": {"coordinator"},
    "intake:subject-request": POST_ONLY,
    # The Intake hub: whoever may open one of phone report, intake mailbox or import.
    "intake:intake-hub": CASEWORK,
    "intake:mail-intake-list": CASEWORK,  # the intake mailbox (INTAKE_MAIL)
    "intake:mail-intake-detail": CASEWORK,
    # The phone line and a case's contact log (victim-support follow-up).
    "intake:phone-report": CASEWORK,
    "intake:phone-receipt": CASEWORK,  # "already shown" without the one-time cookie
    "intake:case-contacts": CASEWORK,
    "intake:contact-reveal": POST_ONLY,  # a summary, with a reason, audited
    # Mails to a case's reporters (Action.REPORTER_WRITE): the page writing one (for a report
    # nobody may write to, it says why); sending a failed one again, closing a request.
    "intake:reporter-write": CASEWORK,
    "intake:reporter-mail-again": POST_ONLY,
    "intake:info-request-close": POST_ONLY,
    # Spreadsheet imports (Action.INTAKE_IMPORT): casework; the confirm is a POST.
    "intake:import": CASEWORK,
    "intake:import-detail": CASEWORK,
    "intake:import-confirm": POST_ONLY,
    "intake:import-progress": CASEWORK,
    "cases:case-legal-hold": {"coordinator"},
    "cases:case-access": REVIEWERS,
    "cases:case-detail": CASEWORK,
    "cases:case-merge": ASSESSORS,  # merge and split: Action.CASE_MERGE
    "cases:case-split": ASSESSORS,
    "cases:case-note": POST_ONLY,  # notes and tasks: Action.NOTES, from the case page
    "cases:case-task": POST_ONLY,
    "cases:task-done": POST_ONLY,
    "cases:my-tasks": CASEWORK,
    # The facts for the statistics (Action.CASE_FACTS): the form's own page (the case page
    # holds it too) and its POST.
    "cases:case-facts": ASSESSORS,
    "accounts:login": PUBLIC,
    "accounts:logout": POST_ONLY,
    "accounts:landing": REDIRECT,  # to the role's first page; anonymous to the login page
    "accounts:account": set(ROLES),
    # The second factor and re-authentication: every account, before and after its code.
    "accounts:two-factor-verify": set(ROLES),
    "accounts:two-factor-setup": set(ROLES),
    "accounts:confirm": set(ROLES),
    "accounts:recovery-codes": POST_ONLY,
    "accounts:password-change": set(ROLES),
    "accounts:own-token-revoke": POST_ONLY,
    # Forgotten passwords: public, and the same answer whoever asks.
    "accounts:password-reset": PUBLIC,
    "accounts:password-reset-done": PUBLIC,
    "accounts:password-reset-confirm": PUBLIC,  # an unknown link: "ask for a new link"
    "accounts:password-reset-complete": PUBLIC,
    # User management: administrators only.
    "accounts:user-list": {"admin"},
    "accounts:user-invite": {"admin"},
    "accounts:user-detail": {"admin"},
    "accounts:user-access": POST_ONLY,
    "accounts:user-active": POST_ONLY,
    "accounts:user-reset-factor": POST_ONLY,
    "accounts:user-unlock": POST_ONLY,
    "accounts:user-end-sessions": POST_ONLY,
    "accounts:user-password-link": POST_ONLY,
    "accounts:end-other-sessions": POST_ONLY,
    "accounts:user-token-issue": POST_ONLY,
    "accounts:user-token-revoke": POST_ONLY,
    "organisation:organisation-edit": {"admin", "coordinator"},
    "organisation:legal-bases": ASSESSORS | {"admin"},
    # The age bands and smallest published count (Action.STATISTICS_SETTINGS).
    "organisation:statistics-settings": {"coordinator"},
    # The support lines shown to victims (Action.SUPPORT_LINES); the list's buttons post to
    # a line's page.
    "organisation:support-lines": {"admin", "coordinator"},
    "organisation:support-line-add": {"admin", "coordinator"},
    "organisation:support-line-edit": {"admin", "coordinator"},
    "cases:queue": CASEWORK,
    # The workbench: the queue and its search for casework; assessing several items together
    # for assessors; claiming and the bulk toolbar are POSTs.
    "workbench:queue": CASEWORK,
    "workbench:search": CASEWORK,
    "workbench:bulk-assess": ASSESSORS,
    "workbench:claim": POST_ONLY,
    "workbench:bulk": POST_ONLY,
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
    # The DSA Transparency Database comparison (STATS_READ); importing a dump from it is a
    # POST on the same page, for coordinators only (TDB_IMPORT).
    "stats:tdb": {"coordinator", "auditor"},
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
    "matching:match-move": POST_ONLY,  # join the known item's case (Action.CASE_MERGE)
    "audit:entry-list": {"coordinator", "auditor"},
    "audit:entry-export": {"coordinator", "auditor"},  # a CSV download, itself audited
    # Re-checks and evidence: casework reads the re-checks and a screenshot's blurred preview;
    # asking for a check (casework), a capture or a decision on content that looks gone
    # (assessors), revealing or downloading evidence (assessors) are POSTs from the item page.
    "monitoring:rechecks": CASEWORK,
    "monitoring:item-check": POST_ONLY,
    "monitoring:item-capture": POST_ONLY,
    "monitoring:item-confirm": POST_ONLY,
    "monitoring:file-preview": ASSESSORS,  # a blurred greyscale JPEG (EVIDENCE_VIEW)
    "monitoring:file-reveal": POST_ONLY,
    "monitoring:file-download": POST_ONLY,
    "monitoring:case-bundle": POST_ONLY,  # a ZIP download with a stated reason, audited
    # Partner organisations: managed by coordinators and administrators; forwarding an item's
    # case to a partner and the list of forwards, for assessors.
    "partners:partner-list": {"admin", "coordinator"},
    "partners:partner-add": {"admin", "coordinator"},
    "partners:partner-edit": {"admin", "coordinator"},
    "partners:partner-secret-rotate": POST_ONLY,  # shows the new secret once
    "partners:partner-token-issue": POST_ONLY,  # shows the partner's new token once
    "partners:item-forward": ASSESSORS,
    "partners:forward-list": ASSESSORS,
    # Statistics (Action.STATS_READ): the dashboard and each of its tables as CSV.
    "stats:dashboard": {"coordinator", "auditor"},
    "stats:table-csv": {"coordinator", "auditor"},
    # The art. 22(3) annual report (Action.STATS_READ; finalising: ANNUAL_REPORT_FINALISE,
    # whose GET is the confirmation page with the privacy check), and the public open data.
    "stats:annual-list": {"coordinator", "auditor"},
    "stats:annual-detail": {"coordinator", "auditor"},
    "stats:annual-download": {"coordinator", "auditor"},
    "stats:annual-finalise": {"coordinator"},
    "opendata:index": PUBLIC,
}

# Staff API GET endpoints -> roles that get 200 (a staff ``read`` token, the partner's own).
API_EXPECTED: dict[str, set[str]] = {
    "api:list_items": CASEWORK,
    "api:get_item": CASEWORK,
    "api:notice_detail": CASEWORK,
    "api:get_follow_up": CASEWORK,  # the DSC file of the sent notice, as a PDF
    "api:list_notices": CASEWORK,
    "api:list_platforms": CASEWORK | {"admin"},
    "api:export_platforms": {"admin", "coordinator"},
    "api:quality_json": CASEWORK | {"auditor"},
    "api:tdb_comparison": {"coordinator", "auditor"},
    "api:get_organisation": {"admin", "coordinator"},
    "api:list_legal_bases": ASSESSORS | {"admin"},
    "api:list_banks": {"analyst", "reviewer", "coordinator", "admin", "auditor", "partner"},
    "api:item_match_list": ASSESSORS,
    "api:get_bank": BANK_READERS,
    "api:export_entries": BANK_READERS,
    "api:list_checks": CASEWORK,
    "api:list_captures": CASEWORK,  # what was captured, with hashes; never the files
    "api:case_bundle": ASSESSORS,  # the court bundle, as a ZIP (audited)
    "api:get_referral": {"partner"},  # a partner's own referral to us
    "api:get_import": CASEWORK,  # a spreadsheet import's progress and per-row report
    "api:get_case_facts": CASEWORK,  # the facts for the statistics, by the case's reference
    "api:dashboard_json": {"coordinator", "auditor"},  # every figure of the dashboard
    "api:annual_report": {"coordinator", "auditor"},  # last year's draft without ?year=
}
# Roles that may use an endpoint but get 404 for the matrix's object, because it is not theirs
# to see: a partner sees only its own and shared banks, and "no such bank" gives nothing away.
API_NOT_THEIRS: dict[str, set[str]] = {
    "api:get_bank": {"partner"},
    "api:export_entries": {"partner"},
}
# Public API reads -> the status everyone gets, anonymous or with any token: the OpenAPI
# description and its page, the API root, and a reporter's report with its receipt code.
API_PUBLIC: dict[str, int] = {
    "api:openapi-json": 200,
    "api:openapi-view": 200,
    "api:api-root": 404,  # nothing lives at the root; the description is at /openapi.json
    "api:report_status": 200,
    # Open data: only final years exist (none in the world), and the data dictionary.
    "api:open_data_year": 404,
    "api:open_data_dictionary": 200,
}
# The followed notice and its follow-up: the sent notice and its DSC file. Re-checks,
# captures and the court bundle: of the notified item, which has them.
URL_ARGUMENTS: dict[str, dict[str, str]] = {
    "api:get_follow_up": {"notice_id": "followed_id"},
    "api:list_checks": {"item_id": "notified_item_id"},
    "api:list_captures": {"item_id": "notified_item_id"},
    "api:case_bundle": {"case_id": "notified_case_id"},
    "api:get_case_facts": {"reference": "case_reference"},
    "monitoring:case-bundle": {"case_id": "notified_case_id"},
    "stats:table-csv": {"name": "stats_table"},
}
# Routes left out of the matrix, each with the reason in a comment: none.
SKIPPED_NAMESPACES: tuple[str, ...] = ()
SKIPPED_ROUTES: set[str] = set()


def page_routes() -> set[str]:
    return {
        name
        for name, _ in named_routes()
        if not name.startswith(tuple(f"{ns}:" for ns in (*SKIPPED_NAMESPACES, "api")))
        and name not in SKIPPED_ROUTES
    }


@pytest.fixture
def objects(users) -> dict[str, str]:
    """Real ids for routes that take one (``matrix_world.build_world``)."""
    return {
        **build_world(users).ids(),
        "user_id": str(users["analyst"].pk),
        "stats_table": "months",  # one of the dashboard's tables, as CSV
    }


def url_for(route: str, objects: dict[str, str]) -> str:
    given = {arg: objects[key] for arg, key in URL_ARGUMENTS.get(route, {}).items()}
    return _url_for(route, objects, **given)


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
    decided = set(API_EXPECTED) | set(API_PUBLIC)
    undecided = api_get_routes() - decided
    assert not undecided, f"API reads missing from the matrix: {sorted(undecided)}"
    stale = decided - api_get_routes()
    assert not stale, f"the matrix names API reads that no longer exist: {sorted(stale)}"
    # Everything else takes a write (test_permission_matrix_api_writes.py decides those).
    assert api_get_routes() | api_write_routes() == {
        name for name, _ in named_routes() if name.startswith("api:")
    }


CALLERS = [*ROLES, None]


def expected_outcome(route: str, role: str | None) -> int | str:
    """The status, or "login" for the redirect of an anonymous visitor to the login page."""
    status = expected_status(route, role)
    if status == 302 and EXPECTED[route] != REDIRECT:
        return "login"
    return status


def outcome(route: str, response) -> int | str:
    login = reverse("accounts:login")
    if EXPECTED[route] == REDIRECT:  # anonymous visitors too: where to is not the question
        return response.status_code
    if response.status_code == 302 and response["Location"].startswith(login):
        return "login"
    return response.status_code


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_permission_matrix(client, users, objects, route):
    """Every persona and anonymous opens the page. One world serves the route's nine callers:
    a GET changes nothing that another caller would see (a reveal, a download or an unblur
    is a POST), so the callers need not start afresh, and the matrix stays quick."""
    url = url_for(route, objects)
    got = {}
    for role in CALLERS:
        client.logout()
        if role:
            client.force_login(users[role])
        got[role] = outcome(route, client.get(url))
    assert got == {role: expected_outcome(route, role) for role in CALLERS}, route


def expected_api_read(route: str, role: str | None) -> tuple[int, str]:
    if role is None:
        return (401, "unauthorized")
    if role in API_EXPECTED[route]:
        return (200, "")
    if role in API_NOT_THEIRS.get(route, ()):
        return (404, "not_found")
    if role == "partner" and route not in PARTNER_SCOPE:
        return (403, "token_scope")
    return (403, "forbidden")


@pytest.mark.parametrize("route", sorted(API_EXPECTED))
def test_api_permission_matrix(client, users, objects, route):
    """Every persona with a token (staff: ``read`` scope; the partner: its own, ``partner``)
    and anonymous; one world per route, as for the pages."""
    url = url_for(route, objects)
    got = {}
    for role in CALLERS:
        headers = bearer(users[role], None if role == "partner" else "read") if role else {}
        response = client.get(url, headers=headers)
        got[role] = (response.status_code, error_code(response))
    assert got == {role: expected_api_read(route, role) for role in CALLERS}, route


@pytest.mark.parametrize("route", sorted(API_PUBLIC))
def test_public_api_reads(client, users, objects, route):
    """The same answer for everyone: anonymous, and every persona's token (ignored)."""
    url = url_for(route, objects)
    headers = {"X-Receipt-Code": objects["receipt_code"]}
    callers = {None: {}} | {role: bearer(users[role]) for role in ROLES}
    got = {
        role: client.get(url, headers={**headers, **token}).status_code
        for role, token in callers.items()
    }
    assert got == dict.fromkeys(callers, API_PUBLIC[route])


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
