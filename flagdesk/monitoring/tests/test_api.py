"""The monitoring API (api.md "Monitoring and evidence"): queue and list checks and captures."""

from __future__ import annotations

import datetime as dt

import pytest

from flagdesk.monitoring.fetcher import Fetched
from flagdesk.monitoring.models import Capture, Check, Watch
from flagdesk.monitoring.services.checks import record_check
from flagdesk.notices.tests.factories import approved_item, make_platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(users):
    make_platform(users)
    return approved_item(users)


def test_post_checks_queues_one_now_and_get_lists_them(api, item):
    answer = api("analyst").post(f"/items/{item.id}/checks")
    assert answer.status_code == 202, answer.content
    assert answer.json()["queued"] is True
    watch = Watch.objects.get(item=item)
    assert watch.next_check_at is not None and watch.requested_at is not None
    record_check(
        watch.pk,
        Fetched(
            url=item.url,
            outcome="gone",
            reason="http_410",
            http_status=410,
            final_url=item.url,
            content_sha256="ab" * 32,
        ),
    )
    listed = api("intake").get(f"/items/{item.id}/checks").json()
    [check] = listed["checks"]
    assert check["outcome"] == "gone" and check["http_status"] == 410
    assert check["content_sha256"] == "ab" * 32 and check["reason"] == "http_410"
    assert check["at"] and check["looks_gone"] is True
    assert listed["watch"]["looks_gone_since"] is not None


def test_post_evidence_queues_a_capture_once(api, item):
    first = api("analyst").post(f"/items/{item.id}/evidence")
    assert first.status_code == 202, first.content
    body = first.json()
    assert body["status"] == "queued" and body["media_allowed"] is True
    again = api("reviewer").post(f"/items/{item.id}/evidence")
    assert again.json()["id"] == body["id"]  # one capture at a time
    assert Capture.objects.filter(item=item).count() == 1
    [listed] = api("analyst").get(f"/items/{item.id}/evidence").json()
    assert listed["timestamp_token"] is False and listed["files"] == []


def test_a_minors_item_is_captured_without_media(api, users):
    make_platform(users)
    item = approved_item(users, phenomenon="csam")
    body = api("analyst").post(f"/items/{item.id}/evidence").json()
    assert body["media_allowed"] is False


def test_intake_may_ask_for_a_check_but_not_a_capture(api, item):
    assert api("intake").post(f"/items/{item.id}/checks").status_code == 202
    refused = api("intake").post(f"/items/{item.id}/evidence")
    assert refused.status_code == 403
    assert not Capture.objects.exists()


def test_a_read_token_cannot_queue(api, users, item, client):
    from flagdesk.accounts.services import issue_token

    token = issue_token(users["analyst"], scope="read")
    answer = client.post(
        f"/api/v1/items/{item.id}/checks", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "token_scope"
    assert not Check.objects.exists() and not Watch.objects.exists()


def test_unknown_item_is_a_json_404(api):
    answer = api("analyst").get("/items/00000000-0000-0000-0000-000000000000/checks")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_checks_are_listed_newest_first(api, item):
    watch = api("analyst").post(f"/items/{item.id}/checks") and Watch.objects.get(item=item)
    t0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    for n, status in enumerate((200, 404)):
        record_check(
            watch.pk,
            Fetched(
                url=item.url,
                outcome="online" if status == 200 else "gone",
                reason=f"http_{status}",
                http_status=status,
            ),
            now=t0 + dt.timedelta(hours=n),
        )
    statuses = [
        c["http_status"] for c in api("analyst").get(f"/items/{item.id}/checks").json()["checks"]
    ]
    assert statuses == [404, 200]


def test_the_bundle_through_the_api_keeps_the_reason_given(api, item):
    from flagdesk.audit.models import AuditEntry

    answer = api("reviewer").get(f"/cases/{item.case_id}/bundle", reason="For the hearing")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert b"".join(answer.streaming_content)[:2] == b"PK"
    assert AuditEntry.objects.get(action="evidence.bundle").reason == "For the hearing"
    refused = api("reviewer").get(f"/cases/{item.case_id}/bundle", reason="x")
    assert refused.status_code == 422 and refused.json()["error"]["fields"]["reason"]
    assert AuditEntry.objects.filter(action="evidence.bundle").count() == 1
    assert api("intake").get(f"/cases/{item.case_id}/bundle").status_code == 403
