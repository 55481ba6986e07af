"""The referrals API: a partner refers reports to us and follows them."""

from __future__ import annotations

import json

import pytest

from flagdesk.accounts.services import issue_token
from flagdesk.cases.models import Item
from flagdesk.intake.models import Report
from flagdesk.partners.models import Referral

from .factories import make_partner

BODY = {
    "language": "en",
    "phenomenon": "ncii",
    "urls": ["https://social.test/referred/1"],
    "partner_reference": "NL-2026-0042",
}


@pytest.fixture
def pat(users):
    return make_partner(user=users["partner"])


def post(client, token, body):
    return client.post(
        "/api/v1/referrals",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def get(client, token, reference):
    return client.get(
        f"/api/v1/referrals/{reference}", headers={"Authorization": f"Bearer {token}"}
    )


def test_a_partner_refers_a_report_and_follows_it(client, users, pat):
    token = issue_token(users["partner"])
    created = post(client, token, BODY)
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["partner_reference"] == "NL-2026-0042"
    assert answer["status"] == "received" and answer["receipt_code"]
    [item] = answer["items"]
    assert item["url"] == "https://social.test/referred/1" and item["status"] == "received"
    report = Report.objects.get(reference=answer["reference"])
    assert report.channel == Report.Channel.REFERRAL and report.role == "professional"
    assert Item.objects.get(id=item["id"]).status == Item.Status.NEW  # in our queue

    status = get(client, token, "NL-2026-0042")
    assert status.status_code == 200
    assert status.json() | {"updated_at": None} == {
        "partner_reference": "NL-2026-0042",
        "reference": answer["reference"],
        "status": "received",
        "items": [{"url": "https://social.test/referred/1", "status": "received"}],
        "updated_at": None,
    }


def test_the_same_referral_twice_is_one_report(client, users, pat):
    token = issue_token(users["partner"])
    first = post(client, token, BODY).json()
    again = post(client, token, dict(reversed(list(BODY.items()))))
    assert again.status_code == 200
    assert again.json()["reference"] == first["reference"] and again.json()["receipt_code"] is None
    assert Referral.objects.count() == 1 and Report.objects.count() == 1
    other = post(client, token, {**BODY, "urls": ["https://social.test/referred/2"]})
    assert other.status_code == 409 and other.json()["error"]["code"] == "referral_exists"
    assert Report.objects.count() == 1


def test_another_partners_reference_is_not_found(client, users, pat):
    post(client, issue_token(users["partner"]), BODY)
    other_user = users["partner"].__class__.objects.create_user("partner-c", role="partner")
    make_partner(slug="hotline-c", user=other_user)
    other = issue_token(other_user)
    assert get(client, other, "NL-2026-0042").status_code == 404
    assert get(client, issue_token(users["partner"]), "NL-2026-0042").status_code == 200


def test_the_body_is_checked_like_a_public_report(client, users, pat):
    token = issue_token(users["partner"])
    bad = post(client, token, {**BODY, "urls": "not a list", "partner_reference": "x" * 65})
    assert bad.status_code == 422
    fields = bad.json()["error"]["fields"]
    assert set(fields) == {"urls", "partner_reference"}
    missing = post(client, token, {k: v for k, v in BODY.items() if k != "partner_reference"})
    assert missing.status_code == 422 and "partner_reference" in missing.json()["error"]["fields"]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://hotline-b.test/callback",  # not https
        "https://private.test/callback",  # a private address
        "https://10.0.0.8/callback",
        "https://127.0.0.1/callback",  # loopback, not allowed outside tests of two instances
        "ftp://hotline-b.test/callback",
    ],
)
def test_a_callback_url_must_be_safe_to_call(client, users, pat, url):
    answer = post(client, issue_token(users["partner"]), {**BODY, "callback_url": url})
    assert answer.status_code == 422, answer.content
    assert "callback_url" in answer.json()["error"]["fields"]
    assert not Report.objects.exists()


def test_a_public_https_callback_url_is_taken(client, users, pat):
    body = {**BODY, "callback_url": "https://hotline-b.test/api/v1/partners/us/callback"}
    assert post(client, issue_token(users["partner"]), body).status_code == 201
    assert Referral.objects.get().callback_url == body["callback_url"]


def test_only_a_linked_partner_may_refer(client, users):
    # Pat's account is linked to no partner yet; staff tokens are refused by role.
    assert post(client, issue_token(users["partner"]), BODY).status_code == 403
    for role in ("analyst", "coordinator", "admin"):
        answer = post(client, issue_token(users[role]), BODY)
        assert answer.status_code == 403, role
    assert (
        client.post("/api/v1/referrals", BODY, content_type="application/json").status_code == 401
    )
    assert not Report.objects.exists()


def test_an_inactive_partner_is_refused(client, users, pat):
    pat.is_active = False
    pat.save()
    assert post(client, issue_token(users["partner"]), BODY).status_code == 403
