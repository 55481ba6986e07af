"""The workbench's order (cases/priority.py): gravest harm first, minors and virality move
an item up, the older report first when everything else is equal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from flagdesk.cases.models import Item
from flagdesk.cases.priority import (
    MINORS_TARGET_HOURS,
    compute,
    explain,
    recompute_priority,
    target_hours,
)
from flagdesk.cases.services import submit_assessment
from flagdesk.cases.tests.factories import TEST_RESOLVER, illegal_assessment, reported_item
from flagdesk.intake.services import ReportSubmission, submit_report

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def due(phenomenon: str = "", *, minor: bool = False, virality: int = 0, at=T0) -> dt.datetime:
    return compute(
        reported_at=at, phenomenon=phenomenon, involves_minor=minor, virality=virality
    ).due_at


def test_child_abuse_material_and_sextortion_come_before_harassment():
    order = sorted(["cyber_harassment", "csam", "gender_hate_speech", "sextortion", "ncii"],
                   key=due)  # fmt: skip
    assert order == ["csam", "sextortion", "ncii", "cyber_harassment", "gender_hate_speech"]


def test_a_minor_involved_caps_the_target():
    assert due("cyber_harassment", minor=True) == T0 + dt.timedelta(hours=MINORS_TARGET_HOURS)
    assert due("cyber_harassment", minor=True) < due("ncii")
    # Never later than without a minor.
    assert due("csam", minor=True) == due("csam")


def test_virality_brings_the_due_time_forward_up_to_half_the_target():
    target = target_hours("ncii")
    assert due("ncii", virality=1) == T0 + dt.timedelta(hours=target * 0.9)
    assert due("ncii", virality=3) < due("ncii", virality=1)
    assert due("ncii", virality=50) == T0 + dt.timedelta(hours=target / 2)


def test_with_equal_inputs_the_older_report_comes_first():
    assert due("ncii", at=T0) < due("ncii", at=T0 + dt.timedelta(minutes=5))


def test_targets_can_be_configured(settings):
    settings.PRIORITY_TARGET_HOURS = ["ncii=2", "nonsense"]
    assert target_hours("ncii") == 2
    assert target_hours("csam") == 4


@pytest.mark.django_db
def test_opening_an_item_stores_its_due_time():
    item = reported_item(phenomenon="sextortion")
    assert item.priority_at is not None
    item.refresh_from_db()
    assert item.priority_at == item.created_at + dt.timedelta(hours=target_hours("sextortion"))
    assert not item.involves_minor and item.virality == 0


@pytest.mark.django_db
def test_a_second_report_of_the_same_url_moves_the_item_up():
    first = reported_item("https://social.test/p/viral", phenomenon="ncii")
    first.refresh_from_db()
    before = first.priority_at
    again = reported_item("https://social.test/p/viral", phenomenon="ncii")
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.virality == 1
    assert first.priority_at < before


@pytest.mark.django_db
def test_a_victim_under_18_marks_the_item_as_involving_a_minor():
    item = reported_item(phenomenon="cyber_harassment", role="victim", victim_age_band="13-17")
    item.refresh_from_db()
    assert item.involves_minor
    assert item.priority_at == item.created_at + dt.timedelta(hours=MINORS_TARGET_HOURS)


@pytest.mark.django_db
def test_an_assessment_finding_a_minor_moves_up_the_whole_case(users):
    with override_settings(URL_RESOLVER=TEST_RESOLVER):
        submitted = submit_report(
            ReportSubmission(
                urls=["https://social.test/p/m1", "https://social.test/p/m2"],
                role="witness",
                phenomenon="cyber_harassment",
            )
        )
    first, second = submitted.items
    submit_assessment(
        first,
        actor=users["analyst"],
        verdict="not_illegal",
        reasons="A minor is shown, but the post itself is not illegal.",
        minor_depicted=True,
    )
    second.refresh_from_db()
    assert second.involves_minor
    assert second.priority_at == second.created_at + dt.timedelta(hours=MINORS_TARGET_HOURS)


@pytest.mark.django_db
def test_an_assessment_recomputes_from_its_phenomenon(users):
    item = reported_item(phenomenon="")
    item.refresh_from_db()
    unknown = item.priority_at
    submit_assessment(item, actor=users["analyst"], **illegal_assessment(phenomenon="ncii"))
    item.refresh_from_db()
    assert item.priority_at == item.created_at + dt.timedelta(hours=target_hours("ncii"))
    assert item.priority_at != unknown


@pytest.mark.django_db
def test_recompute_is_idempotent_and_explains_itself():
    item = reported_item(phenomenon="ncii")
    assert recompute_priority([item.pk]) == 0
    item.refresh_from_db()
    reasons = explain(item)
    assert "12" in reasons[0]
    Item.objects.filter(pk=item.pk).update(priority_at=timezone.now())
    assert recompute_priority([item]) == 1


@pytest.mark.django_db
def test_a_hash_match_moves_the_item_up(users):
    from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
    from flagdesk.matching.services.matching import match_item
    from flagdesk.matching.signal_types import ComputedSignal
    from flagdesk.matching.tests.factories import item_signals, random_pdq

    known = reported_item(phenomenon="ncii")
    item = reported_item(phenomenon="ncii")
    item.refresh_from_db()
    before = item.priority_at
    bank = create_bank(actor=users["coordinator"], name="Known")
    pdq = random_pdq(11)
    add_entries(bank, [EntryInput("pdq", pdq, quality=90, item=known)], actor=users["coordinator"])
    item_signals(item, [ComputedSignal("pdq", pdq, 90)])
    assert match_item(item)
    item.refresh_from_db()
    assert item.virality == 1
    assert item.priority_at < before
