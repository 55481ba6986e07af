"""Sending to partners: status callbacks we owe them, and cases we forward to them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from flagdesk.accounts.services import issue_token
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.tests.factories import TEST_RESOLVER  # noqa: F401 - the test resolver
from flagdesk.cases.transitions import transition
from flagdesk.core.errors import PermissionDenied, ValidationFailed
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.partners import delivery
from flagdesk.partners.models import Callback, DeliveryStatus, Forward, Referral
from flagdesk.partners.services import forward_case, record_partner_status
from flagdesk.partners.signing import SIGNATURE_HEADER, signature

from .factories import SECRET, make_partner, partner_server

D = DeliveryStatus


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.MONITORING_ALLOW_LOOPBACK = True


def refer(client, users, callback_url: str) -> Referral:
    body = {
        "language": "en",
        "urls": ["https://social.test/referred/cb"],
        "partner_reference": "NL-7",
        "callback_url": callback_url,
    }
    answer = client.post(
        "/api/v1/referrals",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(users['partner'])}"},
    )
    assert answer.status_code == 201, answer.content
    return Referral.objects.get()


def run_due(now=None) -> None:
    for row in Callback.objects.filter(status=D.PENDING):
        claimed = delivery.claim_callback(row.id, now=now)
        if claimed is not None:
            delivery.deliver_callback(claimed, now=now)


def test_each_status_change_is_called_back_once_signed(
    client, users, django_capture_on_commit_callbacks
):
    make_partner(user=users["partner"])
    with partner_server((200, {})) as server:
        referral = refer(client, users, f"{server.url}/callback")
        assert delivery.queue_changed_callbacks() == 1  # the first state: received
        assert delivery.queue_changed_callbacks() == 0  # nothing changed
        run_due()
        [item] = referral.report.items.all()
        transition(item, Item.Status.ASSESSING, actor=users["analyst"])
        assert delivery.queue_changed_callbacks() == 1
        assert delivery.queue_changed_callbacks() == 0
        run_due()
        run_due()  # nothing is sent twice
    assert [c.path for c in server.calls] == ["/callback", "/callback"]
    first, second = (c.json() for c in server.calls)
    assert first["status"] == "received" and second["status"] == "in_review"
    assert second["partner_reference"] == "NL-7" and second["items"][0]["status"] == "in_review"
    for call in server.calls:
        assert call.headers[SIGNATURE_HEADER] == signature(SECRET, call.body)
    assert list(Callback.objects.values_list("status", flat=True)) == [D.SENT, D.SENT]


def test_a_refusing_partner_gets_the_callback_again_later_and_once(client, users):
    make_partner(user=users["partner"])
    with partner_server((503, {}), (200, {})) as server:
        refer(client, users, f"{server.url}/callback")
        delivery.queue_changed_callbacks()
        run_due()
        row = Callback.objects.get()
        assert row.status == D.PENDING and row.attempts == 1 and "503" in row.last_error
        run_due()  # not due yet: the backoff holds it
        assert len(server.calls) == 1
        later = timezone.now() + dt.timedelta(hours=2)
        run_due(now=later)
        run_due(now=later)
    row.refresh_from_db()
    assert row.status == D.SENT and row.attempts == 2
    assert len(server.calls) == 2 and server.calls[0].body == server.calls[1].body


def test_a_4xx_is_recorded_and_not_retried(client, users):
    make_partner(user=users["partner"])
    with partner_server((404, {"error": {"code": "not_found"}})) as server:
        refer(client, users, f"{server.url}/callback")
        delivery.queue_changed_callbacks()
        run_due()
        run_due(now=timezone.now() + dt.timedelta(days=1))
    row = Callback.objects.get()
    assert row.status == D.FAILED and "404" in row.last_error and len(server.calls) == 1


def test_an_unreachable_partner_is_retried(client, users):
    make_partner(user=users["partner"])
    with partner_server((200, {})) as server:
        url = f"{server.url}/callback"
    # The server is gone: nothing listens on its port any more.
    refer(client, users, url)
    delivery.queue_changed_callbacks()
    run_due()
    row = Callback.objects.get()
    assert row.status == D.PENDING and row.attempts == 1 and row.last_error


def test_a_newer_status_replaces_one_not_yet_delivered(client, users):
    make_partner(user=users["partner"])
    referral = refer(client, users, "https://hotline-b.test/callback")
    delivery.queue_changed_callbacks()
    [item] = referral.report.items.all()
    transition(item, Item.Status.ASSESSING, actor=users["analyst"])
    delivery.queue_changed_callbacks()
    old, new = Callback.objects.order_by("created_at")
    assert old.status == D.SUPERSEDED and new.status == D.PENDING


# -- the callback endpoint: what a partner tells us about a forward --------------------------


def forwarded(users, partner) -> Forward:
    submitted = submit_report(
        ReportSubmission(urls=["https://social.test/elsewhere/1"], role="witness")
    )
    return forward_case(
        submitted.items, partner, actor=users["analyst"], reason="Outside our designation."
    )


def call_back(client, slug: str, body: bytes, headers: dict[str, str]):
    return client.post(
        f"/api/v1/partners/{slug}/callback", body, content_type="application/json", headers=headers
    )


def test_a_signed_callback_updates_the_forward(client, users):
    partner = make_partner()
    forward = forwarded(users, partner)
    body = json.dumps(
        {
            "partner_reference": forward.reference,
            "reference": "R-AAAA-BBBB",
            "status": "not_actionable",
            "items": [
                {
                    "url": "https://social.test/elsewhere/1",
                    "status": "not_actionable",
                    "decision": "out_of_scope",
                }
            ],
            "updated_at": "2026-12-07T10:00:00+00:00",
        }
    ).encode()
    answer = call_back(client, partner.slug, body, {SIGNATURE_HEADER: signature(SECRET, body)})
    assert answer.status_code == 200, answer.content
    forward.refresh_from_db()
    assert forward.their_status == "not_actionable" and forward.their_reference == "R-AAAA-BBBB"
    assert forward.history[-1]["items"][0]["decision"] == "out_of_scope"
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.FORWARDED).order_by("created_at")
    assert [e.data["status"] for e in events] == ["queued", "not_actionable"]
    # The same call again changes nothing more.
    call_back(client, partner.slug, body, {SIGNATURE_HEADER: signature(SECRET, body)})
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.FORWARDED).count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SIGNATURE_HEADER: "sha256=" + "0" * 64},
        {SIGNATURE_HEADER: signature("another secret", b"{}")},
        {"Authorization": "Bearer fdk_anything"},
    ],
)
def test_a_callback_without_the_right_signature_is_refused(client, users, headers):
    partner = make_partner()
    forward = forwarded(users, partner)
    body = json.dumps({"partner_reference": forward.reference, "status": "removed"}).encode()
    answer = call_back(client, partner.slug, body, headers)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_signature"
    forward.refresh_from_db()
    assert forward.their_status == ""


def test_an_unknown_partner_is_refused_like_a_bad_signature(client, db):
    body = b'{"partner_reference": "C-1", "status": "removed"}'
    answer = call_back(client, "nobody", body, {SIGNATURE_HEADER: signature(SECRET, body)})
    assert answer.status_code == 401


def test_a_callback_about_another_partners_forward_is_not_found(client, users):
    ours = make_partner()
    other = make_partner(slug="hotline-c", secret="other-secret-0123456789")
    forward = forwarded(users, ours)
    body = json.dumps({"partner_reference": forward.reference, "status": "removed"}).encode()
    answer = call_back(
        client, other.slug, body, {SIGNATURE_HEADER: signature("other-secret-0123456789", body)}
    )
    assert answer.status_code == 404


# -- forwarding ---------------------------------------------------------------------------


def test_a_forward_is_delivered_to_the_partners_referrals_api(users, settings):
    created = {
        "reference": "R-CCCC-DDDD",
        "partner_reference": "x",
        "status": "received",
        "items": [{"id": "1", "url": "https://social.test/elsewhere/1", "status": "received"}],
        "receipt_code": "secret",
    }
    with partner_server((503, {}), (201, created)) as server:
        partner = make_partner(base_url=server.url, token="fdk_ours_on_theirs")
        forward = forwarded(users, partner)
        claimed = delivery.claim_forward(forward.id)
        delivery.deliver_forward(claimed)
        forward.refresh_from_db()
        assert forward.delivery == D.PENDING and forward.attempts == 1
        later = timezone.now() + dt.timedelta(hours=1)
        delivery.deliver_forward(delivery.claim_forward(forward.id, now=later), now=later)
    forward.refresh_from_db()
    assert forward.delivery == D.SENT
    assert forward.their_reference == "R-CCCC-DDDD" and forward.their_status == "received"
    call = server.calls[-1]
    assert call.path == "/api/v1/referrals" and call.method == "POST"
    assert call.headers["Authorization"] == "Bearer fdk_ours_on_theirs"
    sent = call.json()
    assert sent["partner_reference"] == forward.reference == forward.case.reference
    assert sent["urls"] == ["https://social.test/elsewhere/1"] and sent["role"] == "professional"
    assert sent["callback_url"].endswith(f"/api/v1/partners/{partner.slug}/callback")
    assert server.calls[0].body == call.body  # the retry is the same referral


def test_forwarding_needs_the_role_a_reason_and_a_usable_partner(users):
    partner = make_partner()
    submitted = submit_report(ReportSubmission(urls=["https://social.test/f/2"], role="witness"))
    with pytest.raises(PermissionDenied):
        forward_case(submitted.items, partner, actor=users["intake"], reason="Why not.")
    with pytest.raises(ValidationFailed) as no_reason:
        forward_case(submitted.items, partner, actor=users["analyst"], reason=" ")
    assert "reason" in no_reason.value.fields
    partner.their_token = ""
    partner.save()
    with pytest.raises(ValidationFailed) as no_token:
        forward_case(submitted.items, partner, actor=users["analyst"], reason="Theirs.")
    assert "partner" in no_token.value.fields
    assert not Forward.objects.exists()


def test_the_same_case_forwarded_again_gets_a_reference_of_its_own(users):
    partner = make_partner()
    first = forwarded(users, partner)
    second = forward_case(
        list(first.items.all()), partner, actor=users["reviewer"], reason="Once more."
    )
    assert second.reference == f"{first.reference}-2"


def test_record_partner_status_ignores_an_unchanged_status(users):
    forward = forwarded(users, make_partner())
    answer = {"reference": "R-1", "status": "in_review", "items": []}
    assert record_partner_status(forward, answer) is True
    assert record_partner_status(forward, answer) is False


def test_polling_asks_the_partner_when_a_callback_was_lost(users):
    status = {
        "partner_reference": "x",
        "reference": "R-EEEE-FFFF",
        "status": "removed",
        "items": [{"url": "https://social.test/elsewhere/1", "status": "removed"}],
        "updated_at": "2026-12-07T10:00:00+00:00",
    }
    with partner_server((200, status)) as server:
        partner = make_partner(base_url=server.url, token="fdk_ours_on_theirs")
        forward = forwarded(users, partner)
        Forward.objects.filter(pk=forward.pk).update(delivery=D.SENT)
        assert delivery.poll_forwards() == 1
        assert delivery.poll_forwards() == 0  # the same status again changes nothing
    forward.refresh_from_db()
    assert forward.their_status == "removed" and forward.their_reference == "R-EEEE-FFFF"
    call = server.calls[0]
    assert call.method == "GET" and call.path == f"/api/v1/referrals/{forward.reference}"
    assert call.headers["Authorization"] == "Bearer fdk_ours_on_theirs"
