import pytest

from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services import (
    FourEyesError,
    open_items,
    review_assessment,
    submit_assessment,
)
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.platforms.services import add_platform

from .factories import FACTS_ON

pytestmark = pytest.mark.django_db

REASONS = (
    "The post shows a photograph of a nude adult woman, published by an account that is not "
    "hers; the reporter, who is the person shown, states she never agreed to its publication. "
    "Showing and distributing an image of a naked person without consent meets art. 417/9."
)


def _assess(item, user, **overrides):
    data = {
        "verdict": "illegal",
        "phenomenon": "ncii",
        "legal_bases": ["BE-CC-417/9"],
        "reasons": REASONS,
        "content_type": "image",
        "facts_on": FACTS_ON,
    }
    data.update(overrides)
    return submit_assessment(item, actor=user, **data)


@pytest.fixture
def item(users):
    add_platform(
        actor=users["coordinator"],
        name="Social",
        domains=["social.test"],
        notice_address="dsa@social.test",
    )
    _, [opened] = open_items(["https://www.social.test/p/1"])
    return opened.item


def test_items_resolve_their_platform_by_registered_domain(item):
    assert item.platform.name == "Social"
    _, [unknown] = open_items(["https://elsewhere.test/x"])
    assert unknown.item.platform is None


def test_the_same_url_joins_the_open_item(item):
    case, [again] = open_items(["https://www.social.test/p/1"])
    assert again.item.pk == item.pk and not again.is_new and case == item.case


def test_a_finished_item_does_not_absorb_a_new_report(item, users):
    review_assessment(
        _assess(item, users["analyst"], verdict="not_illegal", reasons="satire"),
        actor=users["reviewer"],
        approve=True,
    )
    _, [fresh] = open_items(["https://www.social.test/p/1"])
    assert fresh.is_new and fresh.item.pk != item.pk


def test_assessment_fills_tdb_defaults_from_the_phenomenon(item, users):
    assessment = _assess(item, users["analyst"])
    assert assessment.tdb_category == "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert assessment.keywords and assessment.content_type == "CONTENT_TYPE_IMAGE"
    item.refresh_from_db()
    assert item.status == Item.Status.AWAITING_REVIEW and item.phenomenon == "ncii"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phenomenon": "nonsense"}, "phenomenon"),
        ({"legal_bases": []}, "legal_bases"),
        ({"legal_bases": ["XX-1"]}, "legal_bases"),
        ({"reasons": "too short"}, "reasons"),
        ({"reasons": REASONS + " {{ victim_name }}"}, "reasons"),
        ({"keywords": ["KEYWORD_NOPE"]}, "keywords"),
        ({"tdb_category": "STATEMENT_CATEGORY_NOPE"}, "tdb_category"),
    ],
)
def test_incomplete_qualifications_are_refused_per_field(item, users, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _assess(item, users["analyst"], **overrides)
    assert field in exc.value.fields
    assert not Assessment.objects.exists()


def test_content_showing_a_minor_is_never_ncii(users, settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    submitted = submit_report(
        ReportSubmission(urls=["https://social.test/minor"], role="parent", victim_age_band="13-17")
    )
    with pytest.raises(ValidationFailed) as exc:
        _assess(submitted.items[0], users["analyst"])
    assert "Child sexual abuse material" in str(exc.value.fields["minor_depicted"])


def test_four_eyes_the_author_cannot_approve_their_own_assessment(item, users):
    assessment = _assess(item, users["reviewer"])  # reviewers may assess too
    with pytest.raises(FourEyesError):
        review_assessment(assessment, actor=users["reviewer"], approve=True)
    review_assessment(assessment, actor=users["coordinator"], approve=True)
    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED


def test_send_back_needs_a_comment_and_returns_to_assessing(item, users):
    assessment = _assess(item, users["analyst"])
    with pytest.raises(ValidationFailed):
        review_assessment(assessment, actor=users["reviewer"], approve=False)
    review_assessment(assessment, actor=users["reviewer"], approve=False, comment="cite 417/10")
    item.refresh_from_db()
    assert item.status == Item.Status.ASSESSING
    with pytest.raises(Conflict):
        review_assessment(assessment, actor=users["coordinator"], approve=True)


def test_roles_are_enforced_in_the_service(item, users):
    with pytest.raises(PermissionDenied):
        _assess(item, users["auditor"])
    assessment = _assess(item, users["analyst"])
    with pytest.raises(PermissionDenied):
        review_assessment(assessment, actor=users["intake"], approve=True)


def test_a_second_assessment_waits_for_the_first_review(item, users):
    _assess(item, users["analyst"])
    with pytest.raises(Conflict):
        _assess(item, users["coordinator"])
