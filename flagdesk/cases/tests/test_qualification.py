"""Coherent qualifications: one test per rule, through the service and the API (issue points
4-6, 8, 9), and the checks a reviewer reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from flagdesk.cases.models import Assessment, Case
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.cases.services.qualification import assessment_checks
from flagdesk.cases.tests.factories import REASONS, reported_item
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed
from flagdesk.organisation.services import confirm_legal_basis

pytestmark = pytest.mark.django_db

# Facts in 2025: the bases the factories cite were in force then whatever happened in 2026.
FACTS = dt.date(2025, 11, 3)
HARASSMENT_REASONS = (
    "The post, written by the account that has sent the victim forty messages since March, "
    "calls her a whore, posts her home address and says she will 'pay for it'. Together with "
    "the earlier messages it shows conduct the author knew would seriously disturb her peace."
)
SEXTORTION_REASONS = (
    "The message demands 200 euros from a 15-year-old within 24 hours, threatening to send an "
    "intimate picture of him to his classmates, whose list of names it shows. It is a threat "
    "of revelation to extort money and an attempt to obtain more images from a child."
)


def qualify(users, item=None, *, author="analyst", **overrides):
    data = {
        "verdict": "illegal",
        "phenomenon": "ncii",
        "legal_bases": ["BE-CC-417/9"],
        "reasons": REASONS,
        "content_types": ["image"],
        "facts_on": FACTS,
        **overrides,
    }
    return submit_assessment(item or reported_item(), actor=users[author], **data)


def refused_fields(users, **overrides) -> dict:
    before = Assessment.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        qualify(users, **overrides)
    assert Assessment.objects.count() == before
    return exc.value.fields


def test_a_legal_basis_of_another_phenomenon_is_refused(users):
    """Seen: a gender-based hate-speech item citing the CSAM article went out."""
    fields = refused_fields(
        users,
        phenomenon="gender_hate_speech",
        legal_bases=["BE-CC-417/43"],
        reasons=HARASSMENT_REASONS,
        content_types=["text"],
    )
    assert "BE-CC-417/43" in str(fields["legal_bases"])


def test_a_category_and_keywords_foreign_to_the_phenomenon_are_refused(users):
    """Seen: a cyber-harassment item with an animal-welfare category and a CSAM keyword."""
    fields = refused_fields(
        users,
        phenomenon="cyber_harassment",
        legal_bases=["BE-CC-442bis"],
        reasons=HARASSMENT_REASONS,
        content_types=["text"],
        tdb_category="STATEMENT_CATEGORY_ANIMAL_WELFARE",
        keywords=["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"],
    )
    assert "Animal welfare" in str(fields["tdb_category"])
    assert "Child sexual abuse material" in str(fields["keywords"])


def test_keywords_must_belong_to_the_chosen_category(users):
    fields = refused_fields(
        users,
        tdb_category="STATEMENT_CATEGORY_CYBER_VIOLENCE",
        keywords=["KEYWORD_HATE_SPEECH"],
    )
    assert "Cyber violence" in str(fields["keywords"])


def test_a_minor_depicted_is_never_ncii(users):
    fields = refused_fields(users, minor_depicted=True)
    assert "Child sexual abuse material" in str(fields["minor_depicted"])


def test_csam_needs_a_minor(users):
    fields = refused_fields(
        users, phenomenon="csam", legal_bases=["BE-CC-417/43"], minor_depicted=False
    )
    assert "minor_depicted" in fields


def test_a_minor_switches_sextortion_to_the_child_protection_keys(users):
    """Seen: a 15-year-old's notice used the adult NCII keyword whose label excludes minors."""
    assessment = qualify(
        users,
        phenomenon="sextortion",
        legal_bases=["BE-CC-470"],
        reasons=SEXTORTION_REASONS,
        content_types=["text", "image"],
        minor_depicted=True,
    )
    switch = taxonomy.phenomena()["sextortion"].tdb_if_victim_minor
    assert switch is not None
    assert assessment.tdb_category == switch.category == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert assessment.keywords == list(switch.keywords)
    assert assessment.minor_depicted is True
    assert Case.objects.get(pk=assessment.item.case_id).has_minor_depicted


def test_adult_only_keywords_are_refused_when_a_minor_is_depicted(users):
    fields = refused_fields(
        users,
        phenomenon="sextortion",
        legal_bases=["BE-CC-470"],
        reasons=SEXTORTION_REASONS,
        minor_depicted=True,
        tdb_category="STATEMENT_CATEGORY_CYBER_VIOLENCE",
        keywords=["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"],
    )
    assert "excluding content depicting minors" in str(fields["keywords"])


def test_child_protection_keys_need_a_minor(users):
    fields = refused_fields(
        users,
        phenomenon="sextortion",
        legal_bases=["BE-CC-470"],
        reasons=SEXTORTION_REASONS,
        tdb_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        keywords=["KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"],
    )
    assert "tdb_category" in fields and "keywords" in fields


def test_a_report_of_a_minor_victim_refuses_adult_only_phenomena(users):
    item = reported_item(victim_age_band="13-17")
    with pytest.raises(ValidationFailed) as exc:
        qualify(users, item)
    assert "under 18" in str(exc.value.fields["minor_depicted"])


def test_a_directive_alone_is_not_a_legal_basis(users):
    directive = next(b.code for b in taxonomy.phenomena()["ncii"].legal_bases if b.is_context_only)
    fields = refused_fields(users, legal_bases=[directive])
    assert "Belgian provision" in str(fields["legal_bases"])
    assessment = qualify(users, legal_bases=["BE-CC-417/9", directive])
    assert assessment.legal_bases == ["BE-CC-417/9", directive]


def test_only_bases_in_force_on_the_date_of_the_facts_are_accepted(users):
    basis = taxonomy.legal_bases()["BE-CC-417/9"]
    assert basis.valid_from is not None
    before = basis.valid_from - dt.timedelta(days=1)
    fields = refused_fields(users, facts_on=before)
    assert before.isoformat() in str(fields["legal_bases"])


def test_the_date_of_the_facts_defaults_to_the_posting_time_then_the_report(users):
    item = reported_item()
    item.identifiers = {"posted_at": "2025-10-30T22:15:00+00:00"}
    item.save(update_fields=["identifiers"])
    assessment = qualify(users, item, facts_on=None)
    assert assessment.facts_on == dt.date(2025, 10, 30)


def test_facts_in_the_future_are_refused(users):
    fields = refused_fields(users, facts_on=dt.date.today() + dt.timedelta(days=3))
    assert "facts_on" in fields


def test_several_content_types_and_the_v1_single_one(users):
    """Seen: one content type per item (a deepfake is both an image and synthetic media)."""
    assessment = qualify(users, content_types=["image", "synthetic_media"])
    assert assessment.content_types == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_SYNTHETIC_MEDIA"]
    assert assessment.content_type == "CONTENT_TYPE_IMAGE"
    v1 = qualify(users, content_types=[], content_type="video")
    assert v1.content_types == ["CONTENT_TYPE_VIDEO"]
    fields = refused_fields(users, content_types=["hologram"])
    assert "content_types" in fields


def _failed(assessment) -> dict[str, bool]:
    return {c.code: c.blocks_sending for c in assessment_checks(assessment) if not c.passed}


def _basis_to_confirm() -> tuple[str, str, dt.date]:
    """A phenomenon, and a national basis of it still marked "to be confirmed" that was in
    force on a date of facts (the 2025 facts, else today under the new Criminal Code)."""
    for on in (FACTS, dt.date.today()):
        for pheno in taxonomy.phenomena().values():
            for basis in pheno.bases_in_force(on):
                if basis.verify and not basis.is_context_only and not pheno.is_minors_only:
                    return pheno.code, basis.code, on
    raise AssertionError("the registry holds no basis to be confirmed")


def test_a_basis_to_be_confirmed_is_accepted_but_blocks_sending_until_confirmed(users):
    phenomenon, verify, on = _basis_to_confirm()
    assessment = qualify(
        users,
        phenomenon=phenomenon,
        legal_bases=[verify],
        reasons=SEXTORTION_REASONS,
        facts_on=on,
        content_types=list(taxonomy.phenomena()[phenomenon].default_content_types),
        keywords=[],
    )
    assert _failed(assessment) == {"bases_confirmed": True}
    confirm_legal_basis(verify, actor=users["coordinator"], note="Checked on Justel today.")
    assert _failed(assessment) == {}


def test_reasons_reused_for_another_item_warn_the_reviewer_without_blocking(users):
    """Seen: the same boilerplate reasons passed for different phenomena and items."""
    first = qualify(users)
    second = qualify(users, reasons="  " + REASONS.upper() + "\n")
    assert _failed(first) == {"reasons_specific": False}
    assert _failed(second) == {"reasons_specific": False}
    [check] = [c for c in assessment_checks(second) if c.code == "reasons_specific"]
    assert first.item.case.reference in check.message


def test_a_deepfake_without_synthetic_media_warns(users):
    assessment = qualify(
        users,
        phenomenon="sexual_deepfake",
        legal_bases=["BE-CC-442bis"],
        content_types=["image"],
    )
    assert _failed(assessment) == {"synthetic_media": False}


def test_every_check_names_the_rule_it_applied(users):
    checks = assessment_checks(qualify(users))
    codes = [c.code for c in checks]
    assert len(codes) == len(set(codes)) >= 12
    assert all(c.passed and c.label for c in checks)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phenomenon": "gender_hate_speech", "legal_bases": ["BE-CC-417/43"]}, "legal_bases"),
        ({"keywords": ["KEYWORD_ANIMAL_HARM"]}, "keywords"),
        ({"minor_depicted": True}, "minor_depicted"),
        ({"facts_on": "2020-02-30"}, "facts_on"),
        ({"content_types": ["image", "smell"]}, "content_types"),
    ],
)
def test_the_api_refuses_incoherent_assessments_naming_the_field(api, users, body, field):
    item = reported_item()
    payload = {
        "verdict": "illegal",
        "phenomenon": "ncii",
        "legal_bases": ["BE-CC-417/9"],
        "reasons": REASONS,
        "facts_on": FACTS.isoformat(),
        **body,
    }
    response = api("analyst").post(f"/items/{item.id}/assessments", payload)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert any(key == field or key.endswith(field) for key in error["fields"]), error


def test_the_api_records_and_returns_the_new_fields(api, users):
    item = reported_item()
    response = api("analyst").post(
        f"/items/{item.id}/assessments",
        {
            "verdict": "illegal",
            "phenomenon": "sexual_deepfake",
            "legal_bases": ["BE-CC-442bis"],
            "reasons": REASONS,
            "content_types": ["image", "synthetic_media"],
            "facts_on": FACTS.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    [a] = api("reviewer").get(f"/items/{item.id}").json()["assessments"]
    assert a["content_types"] == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_SYNTHETIC_MEDIA"]
    assert a["content_type"] == "CONTENT_TYPE_IMAGE"
    assert (a["minor_depicted"], a["facts_on"]) == (False, FACTS.isoformat())


def test_the_review_page_shows_the_checks(client, users):
    assessment = qualify(users)
    client.force_login(users["reviewer"])
    page = client.get(reverse("cases:assessment-review", args=[assessment.id])).content.decode()
    assert 'data-check="bases_of_phenomenon"' in page
    assert "Every legal basis belongs to the phenomenon" in page
    review_assessment(assessment, actor=users["reviewer"], approve=True)


@pytest.mark.parametrize(
    "code", [c for c, p in taxonomy.phenomena().items() if not p.requires_manual_category]
)
def test_every_phenomenon_s_own_defaults_pass_the_checks(code):
    """The taxonomy's defaults for a phenomenon (category, keywords, content types, a national
    basis in force) are coherent, with and without a minor wherever a minor may be involved."""
    from flagdesk.cases.services.qualification import (
        Qualification,
        qualification_checks,
    )

    pheno = taxonomy.phenomena()[code]
    item = reported_item()
    basis = next(b for b in pheno.bases_in_force(FACTS) if not b.is_context_only)
    minors = [True] if pheno.is_minors_only else [False] if pheno.is_adults_only else [False, True]
    for minor in minors:
        category, keywords = pheno.classification(minor_depicted=minor, category="")
        q = Qualification(
            phenomenon=code,
            tdb_category=category,
            keywords=keywords,
            legal_bases=[basis.code],
            reasons=REASONS,
            content_types=list(pheno.default_content_types),
            minor_depicted=minor,
            facts_on=FACTS,
        )
        failed = {
            c.code: c.message
            for c in qualification_checks(q, item=item)
            if not c.passed and c.code != "bases_confirmed"
        }
        assert failed == {}, (code, minor, failed)


def test_after_an_unconfirmed_end_date_old_and_new_articles_both_need_a_coordinator(users):
    """The new Criminal Code's entry into force is not confirmed: for later facts the 1867
    article and its successor may each be cited, and neither goes out unconfirmed."""
    old = taxonomy.legal_bases()["BE-CC-417/9"]
    assert old.valid_to_provisional and old.valid_to and old.successor
    after = old.valid_to + dt.timedelta(days=30)
    with_old = qualify(users, facts_on=after)
    assert _failed(with_old) == {"bases_in_force": True}
    [check] = [c for c in assessment_checks(with_old) if c.code == "bases_in_force"]
    assert old.successor in check.message and "not confirmed" in check.message
    with_new = qualify(
        users, facts_on=after, legal_bases=[old.successor], reasons=HARASSMENT_REASONS
    )
    assert _failed(with_new) == {"bases_confirmed": True}
    assert _failed(qualify(users, facts_on=old.valid_to, reasons=SEXTORTION_REASONS)) == {}
    confirm_legal_basis(old.code, actor=users["coordinator"], note="Old code still applied then.")
    assert _failed(with_old) == {}
    assert _failed(with_new) == {"bases_confirmed": True}
    ended = refused_fields(users, facts_on=after, legal_bases=["BE-CC-371/1"])
    assert "replaced by BE-CC-417/9" in str(ended["legal_bases"])
