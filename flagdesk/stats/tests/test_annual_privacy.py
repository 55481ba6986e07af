"""The no-personal-data check: planted data is found, named by kind and place, never quoted."""

from __future__ import annotations

import pytest

from flagdesk.core.errors import ValidationFailed
from flagdesk.organisation.services.designations import current_organisation
from flagdesk.stats.annual import privacy, render
from flagdesk.stats.annual.build import build_report
from flagdesk.stats.annual.services import finalise

from .annual_data import NOW, build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(users):
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 0
    org.independence_procedures = "Our board has no member working for a platform."
    org.save()
    return org


def kinds(findings):
    return {(f.kind, f.where) for f in findings}


def test_a_clean_report_passes(org):
    data = build_report(2025, now=NOW, organisation=org)
    rendered = {"csv": render.to_csv(data).decode("utf-8-sig"), "html": render.to_html(data)}
    assert privacy.check_report(data, rendered) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Write to chair@board.test for details.", "email"),
        ("Our statutes: https://example.test/statutes", "url"),
        ("Call us on +32 2 123 45 67.", "phone"),
        ("As decided in case C-7KQ3-M9XD.", "reference"),
        ("Code 7KQ3-M9XD-AB12-CD34.", "receipt"),
        ("Carol Example chairs the board.", "staff_name"),
        ("carol signs every notice.", "staff_name"),
    ],
)
def test_planted_data_in_the_independence_text_is_found(org, users, text, kind):
    users["coordinator"].first_name, users["coordinator"].last_name = "Carol", "Example"
    users["coordinator"].save()
    org.independence_procedures = text
    org.save()
    data = build_report(2025, now=NOW, organisation=org)
    assert (kind, "independence_procedures") in kinds(privacy.check_data(data))
    assert (kind, "html") in kinds(
        privacy.check_text(privacy.visible_text(render.to_html(data)), "html")
    )


def test_a_provider_named_like_a_person_or_an_address(org, users):
    from flagdesk.platforms.models import Platform

    Platform.objects.filter(name="Alpha").update(name="alpha@mail.test")
    data = build_report(2025, now=NOW, organisation=org)
    assert ("email", "by_provider[0].provider") in kinds(privacy.check_data(data))
    assert ("email", "csv") in kinds(privacy.check_text(render.to_csv(data).decode(), "csv"))


def test_free_text_outside_the_independence_text(org):
    data = build_report(2025, now=NOW, organisation=org)
    data["organisation"]["designations"] = [{"authority": "BIPT\nsee the note on the victim"}]
    data["by_type"][0]["type"] = "x" * 200
    found = kinds(privacy.check_data(data))
    assert ("free_text", "organisation.designations[0].authority") in found
    assert ("free_text", "by_type[0].type") in found
    # The independence text may be long and have paragraphs.
    data["independence_procedures"] = "A long text.\n\n" * 50
    assert not [f for f in privacy.check_data(data) if f.where == "independence_procedures"]


def test_dates_hashes_and_figures_are_not_phone_numbers():
    data = {
        "generated_at": "2026-03-01T12:00:00+00:00",
        "sha256": "0123456789abcdef" * 4,
        "note": "Regulation (EU) 2022/2065",
    }
    assert privacy.check_data(data, names=[]) == []
    assert privacy.check_text("12\n345\n6789\n0.25\n1.75", "html", names=[]) == []


def test_finalising_refuses_and_names_the_kind_not_the_data(org, users):
    org.independence_procedures = "Write to chair@board.test for details."
    org.save()
    with pytest.raises(ValidationFailed) as refused:
        finalise(2025, actor=users["coordinator"], now=NOW)
    message = str(refused.value.message)
    assert "an email address in independence_procedures" in message
    assert "chair@board.test" not in message
