"""A coordinator confirms legal bases marked "to be confirmed"; analysts and reviewers read."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from flagdesk.accounts.services import issue_token
from flagdesk.audit.models import AuditEntry
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.organisation.models import LegalBasisConfirmation
from flagdesk.organisation.queries import confirmed_legal_bases
from flagdesk.organisation.services import (
    confirm_legal_basis,
    withdraw_legal_basis_confirmation,
)

pytestmark = pytest.mark.django_db

# Unverified bases, and those whose end date (the new Criminal Code's start) is unconfirmed.
TO_CONFIRM = [
    code for code, b in taxonomy.legal_bases().items() if b.verify or b.valid_to_provisional
]
SLASHED = next(code for code in TO_CONFIRM if "/" in code)  # e.g. BE-CC-417/44
CHECKED = next(
    code
    for code, b in taxonomy.legal_bases().items()
    if not b.verify and not b.valid_to_provisional
)
NOTE = "Checked against the consolidated text on ejustice.just.fgov.be."


def _headers(users, role):
    return {"Authorization": f"Bearer {issue_token(users[role])}"}


def _url(code):
    return f"/api/v1/legal-bases/{code}/confirmation"


# The service


def test_confirm_then_withdraw_writes_and_never_deletes(users):
    coordinator = users["coordinator"]
    confirmation = confirm_legal_basis(SLASHED, actor=coordinator, note=NOTE)
    assert confirmed_legal_bases() == {SLASHED}
    assert confirmation.confirmed_by == coordinator and confirmation.note == NOTE
    withdraw_legal_basis_confirmation(SLASHED, actor=coordinator, note="Article renumbered.")
    assert confirmed_legal_bases() == set()
    confirm_legal_basis(SLASHED, actor=coordinator, note=NOTE)
    assert confirmed_legal_bases() == {SLASHED}
    rows = list(LegalBasisConfirmation.objects.order_by("confirmed_at"))
    assert len(rows) == 2
    assert rows[0].withdrawn_by == coordinator and rows[0].withdrawal_note == "Article renumbered."
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="legal_basis.")] == [
        "legal_basis.confirmed",
        "legal_basis.confirmation_withdrawn",
        "legal_basis.confirmed",
    ]
    with pytest.raises(TypeError):
        rows[0].delete()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "admin", "intake", "auditor"])
def test_only_a_coordinator_confirms(users, role):
    with pytest.raises(PermissionDenied):
        confirm_legal_basis(SLASHED, actor=users[role], note=NOTE)
    with pytest.raises(PermissionDenied):
        withdraw_legal_basis_confirmation(SLASHED, actor=users[role], note=NOTE)


@pytest.mark.parametrize(
    ("code", "note", "fields"),
    [
        ("BE-XX-1", NOTE, ["code"]),
        (CHECKED, NOTE, ["code"]),
        (SLASHED, "  ", ["note"]),
        ("BE-XX-1", "", ["code", "note"]),
    ],
)
def test_refusals_name_the_field(users, code, note, fields):
    with pytest.raises(ValidationFailed) as e:
        confirm_legal_basis(code, actor=users["coordinator"], note=note)
    assert sorted(e.value.fields) == fields
    assert not LegalBasisConfirmation.objects.exists()


def test_confirming_twice_or_withdrawing_nothing_is_a_conflict(users):
    with pytest.raises(Conflict):
        withdraw_legal_basis_confirmation(SLASHED, actor=users["coordinator"], note=NOTE)
    confirm_legal_basis(SLASHED, actor=users["coordinator"], note=NOTE)
    with pytest.raises(Conflict):
        confirm_legal_basis(SLASHED, actor=users["coordinator"], note=NOTE)


# The API


@pytest.mark.parametrize("role", ["analyst", "reviewer", "coordinator", "admin"])
def test_list_shows_every_basis_with_its_confirmation(client, users, role):
    confirm_legal_basis(SLASHED, actor=users["coordinator"], note=NOTE)
    response = client.get("/api/v1/legal-bases", headers=_headers(users, role))
    assert response.status_code == 200
    bases = {b["code"]: b for b in response.json()}
    assert set(bases) == set(taxonomy.legal_bases())
    slashed = bases[SLASHED]
    assert set(slashed) == {
        "code", "jurisdiction", "kind", "instrument", "article", "valid_from", "valid_to",
        "valid_to_provisional", "predecessor", "successor", "labels", "verify", "verify_note",
        "confirmed", "confirmation", "sources",
    }  # fmt: skip
    assert slashed["verify"] is True and slashed["confirmed"] is True
    assert slashed["confirmation"]["by"] == "carol"
    assert slashed["confirmation"]["note"] == NOTE
    assert set(slashed["labels"]) == {"en", "fr", "nl", "de"}
    assert bases[CHECKED]["confirmed"] is False and bases[CHECKED]["confirmation"] is None


@pytest.mark.parametrize("role", ["intake", "auditor", "partner", "none"])
def test_list_is_refused_to_other_roles(client, users, role):
    response = client.get("/api/v1/legal-bases", headers=_headers(users, role))
    assert response.status_code == 403
    # A partner's token is partner-scoped: the scope refuses before the role is looked at.
    expected = "token_scope" if role == "partner" else "forbidden"
    assert response.json()["error"]["code"] == expected


def test_confirm_and_withdraw_through_the_api_with_a_slash_in_the_code(client, users):
    headers = _headers(users, "coordinator")
    body = json.dumps({"note": NOTE})
    response = client.post(_url(SLASHED), body, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    assert response.json()["code"] == SLASHED
    assert response.json()["confirmation"]["by"] == "carol"
    assert confirmed_legal_bases() == {SLASHED}
    again = client.post(_url(SLASHED), body, content_type="application/json", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    response = client.delete(
        _url(SLASHED),
        json.dumps({"note": "Wrong article."}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["confirmed"] is False
    assert confirmed_legal_bases() == set()


def test_analyst_gets_a_403_in_json(client, users):
    response = client.post(
        _url(SLASHED),
        json.dumps({"note": NOTE}),
        content_type="application/json",
        headers=_headers(users, "analyst"),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("code", "body", "field"),
    [
        ("BE-XX/1", {"note": NOTE}, "code"),
        (CHECKED, {"note": NOTE}, "code"),
        (SLASHED, {"note": ""}, "note"),
        (SLASHED, {}, "note"),
    ],
)
def test_invalid_requests_are_422_naming_the_field(client, users, code, body, field):
    response = client.post(
        _url(code),
        json.dumps(body),
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


def test_no_token_is_401(client, db):
    assert client.get("/api/v1/legal-bases").status_code == 401
    assert (
        client.post(_url(SLASHED), {"note": NOTE}, content_type="application/json").status_code
        == 401
    )


# The page


@pytest.mark.parametrize("role", ["analyst", "reviewer", "admin"])
def test_other_readers_see_the_page_without_a_form(client, users, role):
    confirm_legal_basis(SLASHED, actor=users["coordinator"], note=NOTE)
    client.force_login(users[role])
    response = client.get(reverse("organisation:legal-bases"))
    assert response.status_code == 200
    html = response.content.decode()
    assert SLASHED in html and "Confirmed by carol" in html and NOTE in html
    assert "To be confirmed" in html
    assert CHECKED not in html
    assert '<form method="post" novalidate>' not in html
    refused = client.post(
        reverse("organisation:legal-bases"), {"code": SLASHED, "action": "withdraw", "note": "x"}
    )
    assert refused.status_code == 403
    assert confirmed_legal_bases() == {SLASHED}


@pytest.mark.parametrize("role", ["intake", "auditor", "partner", "none"])
def test_page_is_refused_to_other_roles(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("organisation:legal-bases")).status_code == 403


def test_coordinator_confirms_and_withdraws_through_the_page(client, users):
    client.force_login(users["coordinator"])
    url = reverse("organisation:legal-bases")
    page = client.get(url).content.decode()
    assert page.count("Confirm this legal basis") == len(TO_CONFIRM)
    response = client.post(url, {"code": SLASHED, "action": "confirm", "note": NOTE})
    assert response.status_code == 302
    assert confirmed_legal_bases() == {SLASHED}
    page = client.get(url).content.decode()
    assert "Confirmed by carol" in page and "Withdraw the confirmation" in page
    response = client.post(url, {"code": SLASHED, "action": "withdraw", "note": "Renumbered."})
    assert response.status_code == 302
    assert confirmed_legal_bases() == set()
    assert "Earlier confirmations" in client.get(url).content.decode()


def test_page_shows_a_missing_note_next_to_its_basis(client, users):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("organisation:legal-bases"), {"code": SLASHED, "action": "confirm", "note": ""}
    )
    assert response.status_code == 200
    [failed] = [b["form"] for b in response.context["bases"] if b["form"].errors]
    assert "note" in failed.errors
    assert confirmed_legal_bases() == set()


def test_anonymous_visitors_go_to_the_login_page(client, db):
    response = client.get(reverse("organisation:legal-bases"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_page_queries_do_not_grow_with_confirmations(client, users, django_assert_max_num_queries):
    for code in TO_CONFIRM:
        confirm_legal_basis(code, actor=users["coordinator"], note=NOTE)
    client.force_login(users["analyst"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("organisation:legal-bases")).status_code == 200
