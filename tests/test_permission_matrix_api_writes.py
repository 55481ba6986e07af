"""Every API write by every persona and anonymous, with a request that is valid for the roles
allowed to make it (ninja checks a body before the view runs: a refused role sending a bad body
would get 422 and prove nothing).

``API_WRITE_EXPECTED`` maps each write to the roles that may make it (staff with a ``write``
token, the partner with its own); ``REQUESTS`` says how to make it and what an allowed caller
gets. Everyone else: anonymous ``401 unauthorized``, a refused role ``403 forbidden``, the
partner outside its routes ``403 token_scope``, and a ``read`` or ``intake`` token of an
allowed role ``403 token_scope``; a refused request writes nothing. Public intake is open to
everyone, and the inbound API takes a platform's signature instead of a token.
``test_every_api_write_is_in_the_matrix`` fails when a write is added without a row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from flagdesk.accounts.models import User
from flagdesk.cases.tests.factories import illegal_assessment
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.tests.factories import random_pdq
from flagdesk.organisation.services import confirm_legal_basis
from flagdesk.platforms.services import new_inbound_secret
from tests.idor_world import Target
from tests.matrix_world import (
    ASSESSORS,
    BANK_MANAGERS,
    BASIS,
    CASEWORK,
    LEGAL_NOTE,
    PARTNER_SCOPE,
    REGISTRY_EDITORS,
    REVIEWERS,
    ROLES,
    Call,
    api_write_routes,
    bearer,
    build_world,
    error_code,
    written,
)

PUBLIC = "public"  # no token needed: any caller, anonymous or with a token, is served
SIGNED = "signed"  # a platform's signature instead of a token

API_WRITE_EXPECTED: dict[str, set[str] | str] = {
    # Public intake: a reporter, with the receipt code for their own report.
    "api:create_report": PUBLIC,
    "api:request_erasure": PUBLIC,
    "api:add_message": PUBLIC,
    "api:give_bank_consent": PUBLIC,
    "api:withdraw_bank_consent": PUBLIC,
    # Spreadsheet imports by staff (Action.INTAKE_IMPORT).
    "api:create_import": CASEWORK,
    # Items, assessments, reviews.
    "api:update_item": ASSESSORS,
    "api:create_assessment": ASSESSORS,
    "api:review": REVIEWERS,
    # The facts for the statistics (Action.CASE_FACTS).
    "api:put_case_facts": ASSESSORS,
    # Who works on an item.
    "api:claim": CASEWORK,
    "api:release": CASEWORK,
    "api:assign": REVIEWERS,
    # Notices and their follow-through.
    "api:notice_preflight": ASSESSORS,
    "api:queue_notices": ASSESSORS,
    "api:record_response": CASEWORK,
    "api:create_follow_up": ASSESSORS,
    "api:approve_follow_up": REVIEWERS,
    "api:submitted_by_hand": ASSESSORS,
    "api:dsc_lodged": {"coordinator"},
    "api:inbound": SIGNED,
    # The platform registry.
    "api:create_platform": REGISTRY_EDITORS,
    "api:add_platform_domains": REGISTRY_EDITORS,
    "api:update_platform": REGISTRY_EDITORS,
    "api:replace_channels": REGISTRY_EDITORS,
    "api:make_inbound_secret": REGISTRY_EDITORS,
    "api:import_platforms": REGISTRY_EDITORS,
    # The organisation and the law.
    "api:put_organisation": {"coordinator", "admin"},
    "api:confirm_basis": {"coordinator"},
    "api:withdraw_basis_confirmation": {"coordinator"},
    # Freezing a year's annual report (Action.ANNUAL_REPORT_FINALISE).
    "api:finalise_annual_report": {"coordinator"},
    # Hashes and banks.
    "api:match": CASEWORK | {"admin", "auditor"},
    "api:upload_item_media": CASEWORK,
    "api:create_bank_api": BANK_MANAGERS,
    "api:update_bank": BANK_MANAGERS,
    "api:import_entries": {"analyst", "reviewer", "coordinator", "admin", "partner"},
    "api:remove_bank_entry": {"reviewer", "coordinator", "admin"},
    # Re-checks and evidence.
    "api:queue_check": CASEWORK,
    "api:queue_evidence": ASSESSORS,
    # Partner referrals: a partner refers a report; a partner we forwarded to calls us back.
    "api:create_referral": {"partner"},
    "api:partner_callback": SIGNED,
}


@dataclass(frozen=True)
class Write:
    """How to make one write valid for its allowed callers, and what they get."""

    make: Callable[[Target], Call]
    status: int
    writes: bool = True  # False for the checks that only answer (preflight, look-up)


def _bank_consent(t: Target) -> Call:
    """The reporter's report with a picture's fingerprints, which consent lets us keep."""
    from flagdesk.intake.models import ReportSignal

    report = t.world.report.report
    ReportSignal.objects.get_or_create(
        report=report, signal_type="pdq", value=random_pdq(14), quality=90
    )
    return Call("PUT", f"/reports/{report.reference}/bank-consent", headers=_reporter(t))


def _web_form_notice(t: Target) -> Call:
    path = f"/notices/{t.web_form_notice.id}/submitted"
    return Call("POST", path, {"platform_reference": "T-881"})


def _confirmed_basis(t: Target) -> Call:
    confirm_legal_basis(BASIS, actor=t.users["coordinator"], note=LEGAL_NOTE)
    return Call("DELETE", f"/legal-bases/{BASIS}/confirmation", {"note": "Renumbered."})


def _pats(t: Target) -> str:
    """The entries of Pat's partner bank."""
    return f"/banks/{t.pats_bank[0].slug}/entries"


REMOVE = {"reason": "Added by mistake."}
MD5 = "0123456789abcdef0123456789abcdef"


def _reporter(t: Target) -> dict[str, str]:
    return {"X-Receipt-Code": t.world.report.receipt_code}


REPORT = {
    "language": "en",
    "phenomenon": "ncii",
    "urls": ["https://social.test/matrix/public"],
    "role": "witness",
    "reporter": {"anonymous": True},
}
ORGANISATION = {
    "name": "Safe Online asbl",
    "email": "notices@safe.test",
    "designations": [
        {"authority": "BIPT", "designated_on": "2026-07-03", "phenomena": ["ncii"]},
    ],
}


def _annual_report(t: Target) -> Call:
    """Last year's report, ready to be frozen: the independence text is written."""
    from django.utils import timezone

    from flagdesk.organisation.services.designations import current_organisation

    org = current_organisation()
    org.independence_procedures = "No member of our board works for a platform."
    org.save(update_fields=["independence_procedures"])
    return Call("POST", f"/stats/annual-report/{timezone.localdate().year - 1}/finalise")


REQUESTS: dict[str, Write] = {
    "api:create_report": Write(lambda t: Call("POST", "/reports", REPORT), 201),
    "api:request_erasure": Write(
        lambda t: Call(
            "POST", f"/reports/{t.world.report.report.reference}/erasure", headers=_reporter(t)
        ),
        202,
    ),
    "api:add_message": Write(
        lambda t: Call(
            "POST",
            f"/reports/{t.world.report.report.reference}/messages",
            {"text": "It is also on another page."},
            headers=_reporter(t),
        ),
        201,
    ),
    "api:give_bank_consent": Write(_bank_consent, 200),
    "api:withdraw_bank_consent": Write(
        lambda t: Call(
            "DELETE",
            f"/reports/{t.world.report.report.reference}/bank-consent",
            headers=_reporter(t),
        ),
        200,
    ),
    "api:create_import": Write(
        lambda t: Call(
            "POST", "/imports", form={"file": b"url\nhttps://social.test/matrix/import\n"}
        ),
        201,
    ),
    "api:update_item": Write(
        lambda t: Call("PATCH", f"/items/{t.world.waiting.id}", {"identifiers": {"post_id": "42"}}),
        200,
    ),
    "api:create_assessment": Write(
        lambda t: Call("POST", f"/items/{t.item.id}/assessments", illegal_assessment()), 201
    ),
    "api:review": Write(
        lambda t: Call("POST", f"/assessments/{t.world.assessment.id}/review", {"approve": True}),
        201,
    ),
    "api:put_case_facts": Write(
        lambda t: Call("PUT", f"/cases/{t.world.waiting.case.reference}/facts", {"victim_age": 30}),
        200,
    ),
    "api:claim": Write(lambda t: Call("POST", f"/items/{t.item.id}/claim"), 200),
    # Nobody has the item: releasing it answers and changes nothing.
    "api:release": Write(lambda t: Call("POST", f"/items/{t.item.id}/release"), 200, writes=False),
    "api:assign": Write(
        lambda t: Call("POST", f"/items/{t.item.id}/assign", {"user": "alice"}), 200
    ),
    "api:notice_preflight": Write(
        lambda t: Call("POST", "/notices/preflight", {"item_ids": [str(t.approved.id)]}),
        200,
        writes=False,
    ),
    "api:queue_notices": Write(
        lambda t: Call("POST", "/notices", {"item_ids": [str(t.approved.id)]}), 201
    ),
    "api:record_response": Write(
        lambda t: Call(
            "POST", f"/notices/{t.world.notice.id}/responses", {"kind": "acknowledgement"}
        ),
        201,
    ),
    "api:create_follow_up": Write(
        lambda t: Call("POST", f"/notices/{t.world.notice.id}/follow-ups", {"kind": "reminder"}),
        201,
    ),
    "api:approve_follow_up": Write(
        lambda t: Call("POST", f"/notices/{t.world.dsc.id}/approve"), 200
    ),
    "api:submitted_by_hand": Write(_web_form_notice, 200),
    "api:dsc_lodged": Write(
        lambda t: Call("POST", f"/notices/{t.approved_dsc.id}/lodged", {"dsc_reference": "D-42"}),
        200,
    ),
    "api:create_platform": Write(
        lambda t: Call(
            "POST",
            "/platforms",
            {
                "name": "Example",
                "domains": ["example.test"],
                "notice_channel": {"type": "email", "address": "dsa@example.test"},
            },
        ),
        201,
    ),
    "api:add_platform_domains": Write(
        lambda t: Call(
            "POST", f"/platforms/{t.world.platform.id}/domains", {"domains": ["soc.test"]}
        ),
        201,
    ),
    "api:update_platform": Write(
        lambda t: Call("PATCH", f"/platforms/{t.world.platform.id}", {"vlop": True}), 200
    ),
    "api:replace_channels": Write(
        lambda t: Call(
            "PUT",
            f"/platforms/{t.world.platform.id}/channels",
            {"channels": [{"type": "email", "address": "legal@social.test"}]},
        ),
        200,
    ),
    "api:make_inbound_secret": Write(
        lambda t: Call("POST", f"/platforms/{t.world.platform.id}/inbound-secret"), 200
    ),
    "api:import_platforms": Write(
        lambda t: Call(
            "POST",
            "/platforms/import",
            {
                "version": 1,
                "platforms": [{"name": "Fine", "slug": "fine", "domains": ["fine.test"]}],
            },
        ),
        200,
    ),
    "api:put_organisation": Write(lambda t: Call("PUT", "/organisation", ORGANISATION), 200),
    "api:confirm_basis": Write(
        lambda t: Call("POST", f"/legal-bases/{BASIS}/confirmation", {"note": LEGAL_NOTE}), 201
    ),
    "api:withdraw_basis_confirmation": Write(_confirmed_basis, 200),
    "api:finalise_annual_report": Write(_annual_report, 201),
    "api:match": Write(
        lambda t: Call("POST", "/match", {"signals": [{"signal_type": "md5", "value": MD5}]}),
        200,
        writes=False,
    ),
    "api:upload_item_media": Write(
        lambda t: Call(
            "POST", f"/items/{t.world.waiting.id}/media", form={"file": picture_bytes()}
        ),
        201,
    ),
    "api:create_bank_api": Write(lambda t: Call("POST", "/banks", {"name": "New bank"}), 201),
    "api:update_bank": Write(
        lambda t: Call("PATCH", f"/banks/{t.world.match.entry.bank.slug}", {"is_enabled": False}),
        200,
    ),
    "api:import_entries": Write(
        lambda t: Call(
            "POST",
            _pats(t),
            {"entries": [{"signal_type": "pdq", "value": random_pdq(9)}]},
        ),
        201,
    ),
    "api:remove_bank_entry": Write(
        lambda t: Call(
            "POST", f"{_pats(t)}/{t.pats_bank[1].public_id}/remove", {"reason": "Added by mistake."}
        ),
        200,
    ),
    # The waiting item has no watch and no capture yet: the request opens one, queues one.
    "api:queue_check": Write(lambda t: Call("POST", f"/items/{t.world.waiting.id}/checks"), 202),
    "api:queue_evidence": Write(
        lambda t: Call("POST", f"/items/{t.world.waiting.id}/evidence"), 202
    ),
    "api:create_referral": Write(
        lambda t: Call("POST", "/referrals", {**REPORT, "partner_reference": "MATRIX-NEW"}), 201
    ),
}


@pytest.fixture(autouse=True)
def _no_dns(settings: Any, tmp_path: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.MATCHING_EVIDENCE_DIR = tmp_path / "evidence"


def allowed(route: str) -> list[str]:
    rule = API_WRITE_EXPECTED[route]
    return sorted(ROLES if rule == PUBLIC else set() if rule == SIGNED else rule)


# Refusals other than the role's: the world's assessment is alice's, and the four-eyes rule
# answers its author before the role is asked (docs/api.md, ``four_eyes``).
OTHER_REFUSALS = {("api:review", "analyst"): (403, "four_eyes")}


def refusal(route: str, role: str | None) -> tuple[int, str]:
    if (route, role) in OTHER_REFUSALS:
        return OTHER_REFUSALS[(route, role)]
    if role is None:
        return (401, "unauthorized")
    if role == "partner" and route not in PARTNER_SCOPE:
        return (403, "token_scope")
    return (403, "forbidden")


def token(users: dict[str, User], role: str, scope: str | None = None) -> dict[str, str]:
    """A staff ``write`` token (unless told), the partner's own (``partner``) token."""
    return bearer(users[role], scope or (None if role == "partner" else "write"))


TOKEN_ROUTES = sorted(r for r, rule in API_WRITE_EXPECTED.items() if isinstance(rule, set))


def test_every_api_write_is_in_the_matrix():
    missing = api_write_routes() - set(API_WRITE_EXPECTED)
    assert not missing, f"API writes without an API_WRITE_EXPECTED row: {sorted(missing)}"
    stale = set(API_WRITE_EXPECTED) - api_write_routes()
    assert not stale, f"API_WRITE_EXPECTED names writes that no longer exist: {sorted(stale)}"
    signed = {route for route, rule in API_WRITE_EXPECTED.items() if rule == SIGNED}
    assert set(REQUESTS) == set(API_WRITE_EXPECTED) - signed, "every row needs a request"


@pytest.mark.parametrize("route", TOKEN_ROUTES)
def test_refused_api_writes(client, users, route):
    """Anonymous, every role the table refuses, and an allowed role's ``read`` and ``intake``
    tokens: all refused before anything is written."""
    call = REQUESTS[route].make(Target(users, build_world(users)))
    before = written()
    got, expected = {}, {}
    for role in [None, *sorted(set(ROLES) - API_WRITE_EXPECTED[route])]:
        response = call.send(client, token(users, role) if role else {})
        got[role] = (response.status_code, error_code(response))
        expected[role] = refusal(route, role)
    someone = allowed(route)[0]
    for scope in ("read", "intake"):
        if someone == "partner":
            continue
        response = call.send(client, token(users, someone, scope))
        got[f"{someone} ({scope})"] = (response.status_code, error_code(response))
        expected[f"{someone} ({scope})"] = (403, "token_scope")
    assert got == expected, route
    assert written() == before, f"a refused {route} wrote something"


@pytest.mark.parametrize(
    ("route", "role"), [(route, role) for route in TOKEN_ROUTES for role in allowed(route)]
)
def test_allowed_api_writes(client, users, route, role):
    """Each allowed role, alone on a fresh world, makes the write and gets its answer."""
    write = REQUESTS[route]
    call = write.make(Target(users, build_world(users)))
    before = written()
    response = call.send(client, token(users, role))
    assert response.status_code == write.status, (route, role, response.content[:500])
    assert (written() != before) == write.writes, f"{route} by {role}: writes={write.writes}"


@pytest.mark.parametrize(
    "route",
    [
        "api:create_report",
        "api:request_erasure",
        "api:add_message",
        "api:give_bank_consent",
        "api:withdraw_bank_consent",
    ],
)
@pytest.mark.parametrize("role", [None, *ROLES])
def test_public_intake_is_open_to_everyone(client, users, route, role):
    """A token changes nothing on the public endpoints: a reporter may be anyone."""
    write = REQUESTS[route]
    call = write.make(Target(users, build_world(users)))
    response = call.send(client, bearer(users[role]) if role else {})
    assert response.status_code == write.status, (route, role, response.content[:500])


def _signed(secret: str, body: bytes) -> dict[str, str]:
    return {
        "X-Flagdesk-Signature": "sha256="
        + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    }


def test_the_inbound_api_takes_a_signature_not_a_token(client, users):
    """A platform's system signs its answer; a token, whoever's, is not a signature."""
    world = build_world(users)
    secret = new_inbound_secret(world.platform, actor=users["coordinator"])
    body = json.dumps({"notice_reference": world.notice.reference, "kind": "acknowledgement"})
    url = f"/api/v1/inbound/{world.platform.slug}"

    def post(headers: dict[str, str]) -> tuple[int, str]:
        response = client.post(url, body, content_type="application/json", headers=headers)
        return (response.status_code, error_code(response))

    before = written()
    got = {role: post(bearer(users[role])) for role in ROLES}
    assert got == dict.fromkeys(ROLES, (401, "bad_signature"))
    assert written() == before
    assert post(_signed(secret, body.encode())) == (202, "")
    assert written() != before
