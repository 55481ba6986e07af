"""The pre-flight lists every reason a notice cannot go out, at once, in the service, the API
and on the send page; queue_notices refuses with the same list."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from flagdesk.cases.models import Item
from flagdesk.core.errors import Conflict, PermissionDenied
from flagdesk.notices.models import Notice
from flagdesk.notices.services import preflight, queue_notices

from .factories import approved_item, make_platform
from .qualified import confirm_bases, csam_item, qualified_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_bag(users, platform, settings):
    """Four items, each wrong in its own way, and a request for anonymity."""
    settings.ANONYMOUS_SENDER = ""
    make_platform(users, name="Netwerk", domain="netwerk.test", languages=["nl"])
    pending = qualified_item(users)
    Item.objects.filter(pk=pending.pk).update(status=Item.Status.AWAITING_REVIEW)
    pending.refresh_from_db()
    orphan = qualified_item(users, domain="nowhere.test")
    english_to_dutch = qualified_item(users, domain="netwerk.test")
    unconfirmed = approved_item(
        users, phenomenon="gender_hate_speech", confirm=False
    )  # basis "to verify"
    return pending, orphan, english_to_dutch, unconfirmed


def test_every_problem_is_listed_at_once(users, mixed_bag):
    pending, orphan, english_to_dutch, unconfirmed = mixed_bag
    checked = preflight(list(mixed_bag), actor=users["analyst"], anonymous=True)
    assert not checked.ok and not checked.can_be_anonymous
    found = {(p.item_id, p.key, p.code) for p in checked.problems}
    assert found >= {
        (pending.id, "item_ids", "not_approved"),
        (orphan.id, "item_ids", "no_platform"),
        (None, "anonymous", "anonymous_sender"),
        (english_to_dutch.id, f"items.{english_to_dutch.id}.reasons", "reasons_language"),
        (unconfirmed.id, f"items.{unconfirmed.id}.legal_bases", "bases_confirmed"),
        (unconfirmed.id, "anonymous", "anonymity_not_allowed"),
    }
    lines = checked.lines_for(english_to_dutch.id)
    assert any(line.passed for line in lines) and not all(line.passed for line in lines)


def test_queue_refuses_with_every_problem_and_writes_nothing(users, mixed_bag):
    pending, orphan, english_to_dutch, unconfirmed = mixed_bag
    with pytest.raises(Conflict) as e:  # an item's state is at fault: 409, as in v1
        queue_notices(list(mixed_bag), actor=users["analyst"], anonymous=True)
    fields = e.value.fields
    assert {k for k in fields} >= {
        "item_ids",
        "anonymous",
        f"items.{english_to_dutch.id}.reasons",
        f"items.{unconfirmed.id}.legal_bases",
    }
    assert any(str(pending.id) in m for m in fields["item_ids"])
    assert any(str(orphan.id) in m for m in fields["item_ids"])
    assert e.value.preflight.problems
    assert not Notice.objects.exists()


def test_a_coordinators_confirmation_clears_the_blocking_check(users, platform):
    item = approved_item(users, phenomenon="gender_hate_speech", confirm=False)
    [problem] = preflight([item], actor=users["analyst"], anonymous=False).problems
    assert problem.code == "bases_confirmed" and "BE-LAW-2014-05-22-ART2" in problem.message
    confirm_bases(users, "BE-LAW-2014-05-22-ART2")
    assert preflight([item], actor=users["analyst"], anonymous=False).ok


def test_a_clean_selection_passes_and_may_be_anonymous_when_allowed(users, platform, settings):
    settings.ANONYMOUS_SENDER = "no-reply@relay.test"
    checked = preflight([csam_item(users)], actor=users["analyst"], anonymous=False)
    assert checked.ok and checked.can_be_anonymous
    assert all(line.passed for line in checked.checklist)


@pytest.mark.parametrize("role", ["intake", "auditor", "partner", "none"])
def test_only_those_who_may_queue_may_run_it(users, platform, role):
    with pytest.raises(PermissionDenied):
        preflight([qualified_item(users)], actor=users[role], anonymous=False)


def test_api_preflight_answers_200_with_the_problems(api, users, mixed_bag):
    pending, _orphan, english_to_dutch, _unconfirmed = mixed_bag
    response = api("reviewer").post(
        "/notices/preflight",
        {"item_ids": [str(i.id) for i in mixed_bag], "anonymous": True},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is False and body["can_be_anonymous"] is False
    assert {"item_id", "field", "code", "message"} == set(body["problems"][0])
    assert {(p["item_id"], p["field"]) for p in body["problems"]} >= {
        (str(pending.id), "item_ids"),
        (str(english_to_dutch.id), f"items.{english_to_dutch.id}.reasons"),
        (None, "anonymous"),
    }
    assert {"item_id", "code", "label", "passed"} == set(body["checklist"][0])
    assert not Notice.objects.exists()


def test_api_preflight_ok_and_refusals(api, users, platform):
    item = qualified_item(users)
    ok = api("analyst").post("/notices/preflight", {"item_ids": [str(item.id)]}).json()
    assert ok["ok"] is True and ok["problems"] == []
    missing = api("analyst").post("/notices/preflight", {"item_ids": [str(uuid.uuid4())]})
    assert missing.status_code == 404
    assert api("intake").post("/notices/preflight", {"item_ids": [str(item.id)]}).status_code == 403
    assert api("analyst").post("/notices/preflight", {"item_ids": []}).status_code == 422


def test_api_queue_refusal_names_the_fields(api, users, platform, settings):
    settings.ANONYMOUS_SENDER = ""
    item = qualified_item(users)
    response = api("analyst").post("/notices", {"item_ids": [str(item.id)], "anonymous": True})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"anonymous"}
    assert len(error["fields"]["anonymous"]) == 2  # no sender, and NCII may not be anonymous


def test_the_send_page_checks_before_sending(client, users, mixed_bag):
    _pending, _orphan, english_to_dutch, unconfirmed = mixed_bag
    client.force_login(users["analyst"])
    page = client.get(reverse("notices:notice-send")).content.decode()
    assert "Check before sending" in page and "Pre-flight check" not in page
    response = client.post(
        reverse("notices:notice-send"),
        {"item_ids": [str(english_to_dutch.id), str(unconfirmed.id)], "action": "check"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Notice.objects.exists()
    assert "Pre-flight check" in page and "2 problems stop these notices" in page
    assert english_to_dutch.case.reference in page and unconfirmed.case.reference in page
    assert "seem to be written in English" in page
    assert "To be confirmed by a coordinator" in page
    assert 'name="confirm_language"' in page  # offered because of the language warning
    assert 'name="anonymous"' not in page  # not allowed for these items: not offered
    assert "✓" in page and "✗" in page


def test_the_send_page_shows_the_checklist_when_sending_is_refused(client, users, mixed_bag):
    _pending, _orphan, english_to_dutch, _unconfirmed = mixed_bag
    client.force_login(users["analyst"])
    data = {"item_ids": [str(english_to_dutch.id)]}
    page = client.post(reverse("notices:notice-send"), data).content.decode()
    assert "The pre-flight found 1 problem" in page and "seem to be written in English" in page
    assert not Notice.objects.exists()
    response = client.post(reverse("notices:notice-send"), {**data, "confirm_language": "on"})
    assert response.status_code == 302
    assert Notice.objects.get().items.get() == english_to_dutch


def test_the_send_page_offers_anonymity_when_it_is_allowed(client, users, platform, settings):
    settings.ANONYMOUS_SENDER = "no-reply@relay.test"
    item = csam_item(users)
    client.force_login(users["reviewer"])
    page = client.post(
        reverse("notices:notice-send"), {"item_ids": [str(item.id)], "action": "check"}
    ).content.decode()
    assert "Everything a notice needs is in place" in page
    assert 'name="anonymous"' in page and "no-reply address" in page
