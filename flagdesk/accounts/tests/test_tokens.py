"""API tokens: scopes, expiry, listing and revocation, and their use in the audit trail."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from flagdesk.accounts.models import ApiToken
from flagdesk.accounts.services import issue_token, revoke_token
from flagdesk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_token_only_reads(client, users):
    token = issue_token(users["coordinator"], scope="read")
    assert client.get("/api/v1/items", headers=bearer(token)).status_code == 200
    response = client.put(
        "/api/v1/organisation", {}, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token_scope"


def test_a_partner_token_reaches_only_partner_routes(client, users):
    token = issue_token(users["coordinator"], scope="partner")
    assert client.get("/api/v1/banks", headers=bearer(token)).status_code == 200
    response = client.get("/api/v1/items", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token_scope"


def test_an_intake_token_reaches_no_staff_route(client, users):
    token = issue_token(users["intake"], scope="intake")
    response = client.get("/api/v1/items", headers=bearer(token))
    assert response.json()["error"]["code"] == "token_scope"


def test_scope_never_widens_the_role(client, users):
    token = issue_token(users["auditor"], scope="write")
    assert client.get("/api/v1/items", headers=bearer(token)).status_code == 403


def test_partners_get_partner_tokens_and_staff_write_tokens_by_default(users):
    issue_token(users["partner"])
    issue_token(users["analyst"])
    assert ApiToken.objects.get(user=users["partner"]).scope == "partner"
    assert ApiToken.objects.get(user=users["analyst"]).scope == "write"


def test_an_expired_token_is_refused_with_its_reason(client, users, settings):
    settings.TOKEN_DAYS = 30
    token = issue_token(users["analyst"])
    row = ApiToken.objects.get(user=users["analyst"])
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/items", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_a_revoked_token_stops_at_once_and_the_revocation_is_audited(client, users):
    token = issue_token(users["analyst"])
    assert client.get("/api/v1/items", headers=bearer(token)).status_code == 200
    revoke_token(token[:12], actor=users["admin"])
    assert client.get("/api/v1/items", headers=bearer(token)).status_code == 401
    entry = AuditEntry.objects.get(action="token.revoked")
    assert entry.actor == users["admin"] and entry.target == f"token:{token[:12]}"


def test_use_is_audited_once_per_window(client, users):
    token = issue_token(users["analyst"])
    for _ in range(3):
        client.get("/api/v1/items", headers=bearer(token))
    assert AuditEntry.objects.filter(action="token.used").count() == 1


def test_cli_issues_lists_and_revokes(users, capsys):
    call_command(
        "user_add",
        "scripted",
        "--role",
        "analyst",
        "--token",
        "--scope",
        "read",
        "--expires-days",
        "7",
        stdin=io.StringIO(""),
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    row = ApiToken.objects.get(user__username="scripted")
    assert row.scope == "read" and row.token_hash == ApiToken.hash(token)
    call_command("token_list")
    listing = capsys.readouterr().out
    assert row.prefix in listing and "scripted" in listing and token not in listing
    call_command("token_revoke", row.prefix)
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None


def test_own_tokens_are_listed_and_revocable_on_the_account_page(client, users):
    token = issue_token(users["analyst"], name="my script")
    client.force_login(users["analyst"])
    page = client.get("/staff/account").content.decode()
    assert token[:12] in page and "my script" in page and token not in page
    response = client.post(f"/staff/account/tokens/{token[:12]}/revoke")
    assert response.status_code == 302
    assert ApiToken.objects.get(prefix=token[:12]).revoked_at is not None
    # Someone else's token is not reachable through one's own account.
    other = issue_token(users["reviewer"])
    client.post(f"/staff/account/tokens/{other[:12]}/revoke")
    assert ApiToken.objects.get(prefix=other[:12]).revoked_at is None
