"""The facts the published figures need (issue 15): recorded by analysts, reviewers and
coordinators on the case page or through the API, validated, one timeline event per change."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from flagdesk.cases.models import CaseEvent, CaseFacts
from flagdesk.cases.queries import visible_case_facts
from flagdesk.cases.services.case_facts import record_facts
from flagdesk.cases.tests.factories import reported_case
from flagdesk.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def facts_events(case):
    return list(CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.FACTS))


def test_recording_facts_writes_one_event_with_before_and_after(users):
    case = reported_case("https://social.test/facts/1", victim_age_band="18-24")
    record_facts(case, actor=users["analyst"], victim_age=19, victim_gender="female")
    record_facts(case, actor=users["reviewer"], victim_age=20, school_level="higher")
    first, second = facts_events(case)
    assert first.actor == users["analyst"]
    assert first.data == {
        "changes": {
            "victim_age": {"before": None, "after": 19},
            "victim_gender": {"before": "", "after": "female"},
        }
    }
    assert second.data["changes"] == {
        "victim_age": {"before": 19, "after": 20},
        "school_level": {"before": "", "after": "higher"},
    }
    facts = CaseFacts.objects.get(case=case)
    assert (facts.victim_age, facts.school_level, facts.victim_gender) == (20, "higher", "female")
    assert facts.recorded_by == users["reviewer"]


def test_a_save_that_changes_nothing_writes_nothing(users):
    case = reported_case("https://social.test/facts/2")
    record_facts(case, actor=users["analyst"], victim_age=30)
    record_facts(case, actor=users["analyst"], victim_age=30)
    record_facts(case, actor=users["analyst"])
    assert len(facts_events(case)) == 1


def test_clearing_a_value_is_allowed_and_recorded(users):
    case = reported_case("https://social.test/facts/3")
    record_facts(case, actor=users["analyst"], victim_age=30, victim_gender="male")
    record_facts(case, actor=users["analyst"], victim_age=None, victim_gender=None)
    facts = CaseFacts.objects.get(case=case)
    assert (facts.victim_age, facts.victim_gender) == (None, "")
    assert facts_events(case)[-1].data["changes"]["victim_gender"] == {
        "before": "male",
        "after": "",
    }


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"victim_age": 121}, "victim_age"),
        ({"victim_age": -1}, "victim_age"),
        ({"victim_age": 40, "school_level": "primary"}, "school_level"),
        ({"victim_age": 3, "school_level": "secondary"}, "school_level"),
        ({"victim_age": 12, "school_level": "higher"}, "school_level"),
        ({"school_level": "kindergarten"}, "school_level"),
        ({"victim_gender": "other"}, "victim_gender"),
        ({"demand_money": True}, "demand_money"),
        ({"meeting_sought": True}, "meeting_sought"),
        ({"meeting_sought": False}, "meeting_sought"),  # "no" is an answer, too
    ],
)
def test_wrong_facts_are_refused_by_field_and_nothing_is_stored(users, fields, wrong):
    case = reported_case("https://social.test/facts/4")  # NCII: no sextortion, no grooming
    with pytest.raises(ValidationFailed) as refused:
        record_facts(case, actor=users["analyst"], **fields)
    assert wrong in refused.value.fields
    assert not CaseFacts.objects.filter(case=case).exists()
    assert facts_events(case) == []


@pytest.mark.parametrize(
    ("age", "level"),
    [(40, "higher"), (40, "not_in_school"), (9, "primary"), (15, "secondary"), (4, "preschool")],
)
def test_plausible_school_levels_are_accepted(users, age, level):
    case = reported_case(f"https://social.test/facts/ok/{age}/{level}")
    record_facts(case, actor=users["analyst"], victim_age=age, school_level=level)
    assert CaseFacts.objects.get(case=case).school_level == level


def test_a_new_age_that_no_longer_fits_the_school_level_is_refused(users):
    case = reported_case("https://social.test/facts/5")
    record_facts(case, actor=users["analyst"], victim_age=10, school_level="primary")
    with pytest.raises(ValidationFailed) as refused:
        record_facts(case, actor=users["analyst"], victim_age=40)
    assert "school_level" in refused.value.fields


def test_sextortion_and_grooming_questions_need_their_phenomenon(users):
    sextortion = reported_case("https://social.test/facts/6", phenomenon="sextortion")
    record_facts(sextortion, actor=users["analyst"], demand_money=True, demand_images=False)
    facts = CaseFacts.objects.get(case=sextortion)
    assert (facts.demand_money, facts.demand_images) == (True, False)
    with pytest.raises(ValidationFailed) as refused:
        record_facts(sextortion, actor=users["analyst"], meeting_sought=True)
    assert list(refused.value.fields) == ["meeting_sought"]
    grooming = reported_case("https://social.test/facts/7", phenomenon="grooming")
    record_facts(grooming, actor=users["analyst"], meeting_sought=False)
    assert CaseFacts.objects.get(case=grooming).meeting_sought is False
    # Clearing is always allowed, also where the question is not asked.
    record_facts(sextortion, actor=users["analyst"], meeting_sought=None)


def test_only_the_facts_roles_may_record(users):
    case = reported_case("https://social.test/facts/8")
    with pytest.raises(PermissionDenied):
        record_facts(case, actor=users["intake"], victim_age=30)


def test_the_facts_are_read_from_the_users_scope(users):
    case = reported_case("https://social.test/facts/9")
    record_facts(case, actor=users["analyst"], victim_age=30)
    assert visible_case_facts(users["intake"], case.pk).victim_age == 30
    assert visible_case_facts(users["auditor"], case.pk) is None
    case.restricted_to.set([users["coordinator"]])
    assert visible_case_facts(users["analyst"], case.pk) is None
    assert visible_case_facts(users["coordinator"], case.pk).victim_age == 30
    fresh = reported_case("https://social.test/facts/10")
    empty = visible_case_facts(users["analyst"], fresh.pk)
    assert empty is not None and empty.pk is not None and empty.victim_age is None


# -- the case page ------------------------------------------------------------------------


def case_page(client, user, case):
    client.force_login(user)
    return client.get(reverse("cases:case-detail", kwargs={"case_id": case.pk})).content.decode()


def test_the_panel_offers_the_form_to_the_facts_roles_and_the_values_to_others(client, users):
    case = reported_case(
        "https://social.test/facts/page/1", victim_age_band="18-24", victim_gender="female"
    )
    record_facts(case, actor=users["analyst"], victim_age=22, victim_gender="female")
    for role in ("analyst", "reviewer", "coordinator"):
        html = case_page(client, users[role], case)
        assert "Facts for the statistics" in html
        assert 'id="facts-form"' in html, role
        assert "Reporter said: 18 to 24, Female" in html
    html = case_page(client, users["intake"], case)
    assert "Facts for the statistics" in html and 'id="facts-form"' not in html
    assert "<dd>22</dd>" in html and "Reporter said: 18 to 24, Female" in html


def test_the_sextortion_questions_appear_only_on_a_sextortion_case(client, users):
    ncii = reported_case("https://social.test/facts/page/2")
    sextortion = reported_case("https://social.test/facts/page/3", phenomenon="sextortion")
    assert "demand_money" not in case_page(client, users["analyst"], ncii)
    html = case_page(client, users["analyst"], sextortion)
    assert 'name="demand_money"' in html and 'name="meeting_sought"' not in html


def test_saving_from_the_case_page(client, users):
    case = reported_case("https://social.test/facts/page/4", phenomenon="sextortion")
    client.force_login(users["analyst"])
    url = reverse("cases:case-facts", kwargs={"case_id": case.pk})
    data = {"victim_age": "16", "school_level": "secondary", "victim_gender": "male",
            "demand_images": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#facts")
    facts = CaseFacts.objects.get(case=case)
    assert (facts.victim_age, facts.demand_images, facts.demand_money) == (16, True, False)
    html = case_page(client, users["analyst"], case)
    assert "Facts recorded" in html
    assert "age, school level, gender, images demanded" in html


def test_a_wrong_value_comes_back_with_the_error_next_to_the_field(client, users):
    case = reported_case("https://social.test/facts/page/5")
    client.force_login(users["analyst"])
    url = reverse("cases:case-facts", kwargs={"case_id": case.pk})
    response = client.post(url, {"victim_age": "40", "school_level": "primary"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Primary school does not fit an age of 40" in html
    assert not CaseFacts.objects.filter(case=case).exists()
    client.force_login(users["intake"])
    assert client.post(url, {"victim_age": "40"}).status_code == 403


# -- the API ----------------------------------------------------------------------------


def put(client, users, role, reference, body):
    from flagdesk.accounts.services import issue_token

    return client.put(
        f"/api/v1/cases/{reference}/facts",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(users[role])}"},
    )


def test_the_api_reads_and_records_facts(client, users, api):
    case = reported_case(
        "https://social.test/facts/api/1", phenomenon="sextortion", victim_age_band="18-24"
    )
    got = api("intake").get(f"/cases/{case.reference}/facts").json()
    assert got["victim_age"] is None and got["updated_at"] is None
    assert "demand_money" in got["asked"] and "meeting_sought" not in got["asked"]
    assert got["reporters_said"][0]["victim_age_band"] == "18-24"
    answer = put(client, users, "analyst", case.reference, {"victim_age": 19, "demand_money": True})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["victim_age"], body["demand_money"], body["recorded_by"]) == (19, True, "alice")
    # Fields left out stay; null clears.
    body = put(client, users, "analyst", case.reference, {"victim_age": None}).json()
    assert (body["victim_age"], body["demand_money"]) == (None, True)


def test_the_api_refuses_wrong_facts_with_fields(client, users):
    case = reported_case("https://social.test/facts/api/2")
    answer = put(client, users, "analyst", case.reference, {"victim_age": 40,
                                                            "school_level": "primary",
                                                            "meeting_sought": True})  # fmt: skip
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"school_level", "meeting_sought"}
    assert not CaseFacts.objects.filter(case=case).exists()
    assert put(client, users, "analyst", case.reference, {}).status_code == 422


def test_the_api_answers_404_outside_the_scope_and_403_without_the_role(client, users, api):
    case = reported_case("https://social.test/facts/api/3")
    case.restricted_to.set([users["coordinator"]])
    assert api("analyst").get(f"/cases/{case.reference}/facts").status_code == 404
    assert put(client, users, "analyst", case.reference, {"victim_age": 3}).status_code == 404
    assert api("analyst").get("/cases/C-0000-0000/facts").status_code == 404
    assert api("auditor").get(f"/cases/{case.reference}/facts").status_code == 403
    assert put(client, users, "intake", case.reference, {"victim_age": 3}).status_code == 403
    assert api("coordinator").get(f"/cases/{case.reference}/facts").status_code == 200


def test_the_demo_records_facts_on_its_cases(users):
    from flagdesk.cases.demo import DEMO_FACTS, load_facts
    from flagdesk.cases.tests.factories import reported_item

    by_url = {
        url: reported_item(url, phenomenon="sextortion" if "snapchatter" in url else "ncii")
        for url in DEMO_FACTS
    }
    named = {"alice": users["analyst"]}
    assert load_facts(named, items_by_url=by_url) == {"facts": len(DEMO_FACTS)}
    assert CaseFacts.objects.filter(demand_money=True).count() == 2
    # A second load changes nothing (the demo loads once, but a rerun must not fail).
    load_facts(named, items_by_url=by_url)
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.FACTS).count() == len(DEMO_FACTS)


def test_an_erasure_clears_a_no_as_well(users):
    from flagdesk.cases.services.case_facts import clear_facts_after_erasure

    case = reported_case("https://social.test/facts/11", phenomenon="grooming")
    record_facts(case, actor=users["analyst"], meeting_sought=False)
    assert clear_facts_after_erasure(case, by="reporter")
    assert CaseFacts.objects.get(case=case).meeting_sought is None
    assert facts_events(case)[-1].data["fields"] == ["meeting_sought"]
    assert not clear_facts_after_erasure(case, by="reporter")  # nothing left to clear
