"""Bulk actions from the workbench: assess together (all or nothing), notices for a set (one
per platform, items not approved left out with the reason), claim and assign several."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.tests.factories import illegal_assessment, reported_item
from flagdesk.notices.models import Notice
from flagdesk.notices.services import PreflightFailed
from flagdesk.notices.tests.factories import approved_item, make_platform
from flagdesk.workbench import services

pytestmark = pytest.mark.django_db
URL = reverse("workbench:queue")
BULK = reverse("workbench:bulk")
ASSESS = reverse("workbench:bulk-assess")


def post_bulk(client, action: str, items: list[Item], **extra):
    data = {"action": action, "item_ids": [str(i.id) for i in items], **extra}
    return client.post(BULK, data, follow=True)


def form_data(**overrides):
    data = {k: v for k, v in illegal_assessment(**overrides).items() if k != "content_type"}
    data["content_types"] = ["image"]
    data["facts_on"] = data["facts_on"].isoformat()
    return data


def test_assess_together_gives_each_item_its_own_assessment(client, users):
    items = [reported_item(f"https://social.test/same/{n}") for n in range(3)]
    client.force_login(users["analyst"])
    response = post_bulk(client, "assess", items)
    assert response.redirect_chain[-1][0].startswith(ASSESS)
    for item in items:
        assert item.url in response.content.decode()
    response = client.post(ASSESS, {**form_data(), "ids": [str(i.id) for i in items]}, follow=True)
    assert "3 assessments saved" in response.content.decode()
    for item in items:
        item.refresh_from_db()
        assert item.status == Item.Status.AWAITING_REVIEW
        assert item.assessments.get().author == users["analyst"]  # four eyes: one per item


def test_assess_together_is_all_or_nothing_and_names_each_refused_item(client, users):
    from flagdesk.cases.services import submit_assessment

    fine = reported_item("https://social.test/same/ok")
    waiting = reported_item("https://social.test/same/waiting")
    submit_assessment(waiting, actor=users["reviewer"], **illegal_assessment())
    client.force_login(users["analyst"])
    response = client.post(ASSESS, {**form_data(), "ids": [str(fine.id), str(waiting.id)]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in html
    assert "already has an assessment waiting for review" in html
    fine.refresh_from_db()
    assert fine.status == Item.Status.NEW
    assert not Assessment.objects.filter(item=fine).exists()


def test_assess_together_shows_field_errors(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = client.post(ASSESS, {"ids": [str(item.id)], "verdict": "illegal"})
    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_notices_for_a_set_one_per_platform_and_not_approved_left_out(client, users):
    make_platform(users)
    make_platform(users, name="Video", domain="video.test")
    social = [approved_item(users), approved_item(users)]
    video = approved_item(users, domain="video.test")
    new = reported_item("https://social.test/not-yet")
    client.force_login(users["analyst"])
    response = post_bulk(client, "notify", [*social, video, new])
    html = response.content.decode()
    notices = list(Notice.objects.order_by("platform__name"))
    assert [(n.platform.name, n.items.count()) for n in notices] == [("Social", 2), ("Video", 1)]
    assert all(n.status == Notice.Status.QUEUED for n in notices)
    assert "2 notices queued" in html
    assert new.case.reference in html and "not approved as illegal" in html


def test_notices_refused_when_nothing_ticked_is_approved(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    html = post_bulk(client, "notify", [item]).content.decode()
    assert "None of the ticked items is approved" in html
    assert not Notice.objects.exists()


def test_notice_pre_flight_refusal_queues_nothing(users):
    make_platform(users)
    item = approved_item(users)
    services.notify_selected([item], actor=users["analyst"])
    with pytest.raises(PreflightFailed) as refused:  # already in a queued notice
        services.notify_selected([item], actor=users["analyst"])
    assert refused.value.preflight.problems
    assert Notice.objects.count() == 1


def test_claim_and_assign_several(client, users):
    items = [reported_item() for _ in range(3)]
    client.force_login(users["analyst"])
    post_bulk(client, "claim", items[:2])
    assert {i.assignee for i in Item.objects.filter(pk__in=[i.pk for i in items[:2]])} == {
        users["analyst"]
    }
    client.force_login(users["coordinator"])
    html = post_bulk(client, "assign", items, assignee="bob").content.decode()
    assert "3 items updated" in html
    assert set(Item.objects.values_list("assignee__username", flat=True)) == {"bob"}


def test_analysts_cannot_assign_to_others(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    html = post_bulk(client, "assign", [item], assignee="bob").content.decode()
    item.refresh_from_db()
    assert item.assignee is None
    assert 'class="msg-error"' in html


def test_bulk_without_items_says_so(client, users):
    client.force_login(users["analyst"])
    html = client.post(BULK, {"action": "claim"}, follow=True).content.decode()
    assert "Tick at least one item first." in html
