"""The case page: what it shows, who reaches it (need-to-know), and links to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.models import Case
from flagdesk.cases.services.merge import merge_cases

from .factories import assessed_item, reported_case, reported_item, social_platform

pytestmark = pytest.mark.django_db


def _page(client, user, case_id):
    client.force_login(user)
    return client.get(reverse("cases:case-detail", args=[case_id]))


def test_case_page_shows_items_reports_timeline_and_panels(client, users):
    social_platform(users["coordinator"])
    case = reported_case("https://social.test/c/1", "https://social.test/c/2")
    report = case.reports.get()
    response = _page(client, users["analyst"], case.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html
    for item in case.items.all():
        assert reverse("cases:item-detail", args=[item.id]) in html
    assert report.reference in html
    assert reverse("cases:report-reveal", args=[report.id]) in html  # identity on demand
    kinds = [row["event"].kind for row in response.context["timeline"]]
    assert kinds.count("reported") == 2  # one per item, in order
    assert 'id="case-matches"' in html and 'id="case-notices"' in html  # the site's panels
    assert reverse("cases:case-merge", args=[case.pk]) in html
    assert reverse("cases:case-split", args=[case.pk]) in html


def test_case_page_never_shows_the_reporter_without_the_reveal(client, users):
    case = reported_case(
        "https://social.test/c/3",
        is_anonymous=False,
        reporter_name="Jane Fictional",
        reporter_email="jane@example.test",
        has_consented=True,
        description="secret words of the reporter",
    )
    html = _page(client, users["analyst"], case.pk).content.decode()
    assert "Jane Fictional" not in html and "jane@example.test" not in html
    assert "secret words" not in html


def test_restricted_case_is_404_for_others_and_open_to_the_named(client, users):
    case = reported_case("https://social.test/c/4")
    case.restricted_to.set([users["coordinator"]])
    assert _page(client, users["analyst"], case.pk).status_code == 404
    assert _page(client, users["coordinator"], case.pk).status_code == 200


def test_minors_case_is_for_cleared_staff_only(client, users):
    case = reported_case("https://social.test/c/5")
    Case.objects.filter(pk=case.pk).update(has_minor_depicted=True)
    assert _page(client, users["intake"], case.pk).status_code == 404  # not cleared
    response = _page(client, users["analyst"], case.pk)
    assert response.status_code == 200
    assert "Minor involved" in response.content.decode()


def test_unknown_case_is_404_and_other_roles_are_refused(client, users):
    import uuid

    assert _page(client, users["analyst"], uuid.uuid4()).status_code == 404
    case = reported_case("https://social.test/c/6")
    response = _page(client, users["auditor"], case.pk)
    assert response.status_code == 403
    assert b"<html" in response.content.lower()  # the styled refusal page


def test_item_page_links_its_case_and_lists_the_other_items(client, users):
    case = reported_case("https://social.test/c/7", "https://social.test/c/8")
    first, second = case.items.order_by("created_at")
    client.force_login(users["intake"])
    html = client.get(reverse("cases:item-detail", args=[first.id])).content.decode()
    assert f'href="{reverse("cases:case-detail", args=[case.pk])}"' in html
    assert "Other items of this case" in html
    assert reverse("cases:item-detail", args=[second.id]) in html


def test_queue_links_each_case_reference_to_its_case_page(client, users):
    item = reported_item("https://social.test/c/9")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:queue")).content.decode()
    assert (
        f'href="{reverse("cases:case-detail", args=[item.case_id])}">{item.case.reference}' in html
    )


def test_merged_case_address_leads_to_the_survivor_within_scope(client, users):
    source = reported_case("https://social.test/c/10")
    into = reported_case("https://social.test/c/11")
    merge_cases(source, into, actor=users["analyst"], reason="Same victim, same pictures.")
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:case-detail", args=[source.pk]), follow=True)
    assert response.redirect_chain == [(reverse("cases:case-detail", args=[into.pk]), 302)]
    assert f"merged into case {into.reference}" in response.content.decode()
    # Someone who may not open the survivor learns nothing of either.
    into.restricted_to.set([users["coordinator"]])
    assert client.get(reverse("cases:case-detail", args=[source.pk])).status_code == 404
    assert client.get(reverse("cases:case-merge", args=[source.pk])).status_code == 404


def test_timeline_of_the_survivor_holds_the_merged_case_s_events(client, users):
    source = reported_case("https://social.test/c/12")
    into = reported_case("https://social.test/c/13")
    merge_cases(source, into, actor=users["analyst"], reason="Same victim, same pictures.")
    response = _page(client, users["analyst"], into.pk)
    rows = response.context["timeline"]
    assert [r["event"].kind for r in rows].count("merged") == 2  # on both cases
    assert {r["other_case"] for r in rows if r["other_case"]} == {source.reference, into.reference}
    html = response.content.decode()
    assert f"from case {source.reference}" in html and "Same victim, same pictures." in html


def test_case_page_query_count_stays_flat(client, users, django_assert_max_num_queries):
    social_platform(users["coordinator"])
    item, _ = assessed_item(users, "https://social.test/c/14")
    case = item.case
    client.force_login(users["analyst"])
    client.get(reverse("cases:case-detail", args=[case.pk]))
    for n in range(15, 25):
        reported = reported_item(f"https://social.test/c/{n}")
        merge_cases(reported.case, case, actor=users["analyst"], reason="Same victim, same set.")
    with django_assert_max_num_queries(60):
        assert client.get(reverse("cases:case-detail", args=[case.pk])).status_code == 200


def test_case_page_offers_no_merge_to_intake(client, users):
    case = reported_case("https://social.test/c/30", "https://social.test/c/31")
    html = _page(client, users["intake"], case.pk).content.decode()
    assert reverse("cases:case-merge", args=[case.pk]) not in html
    assert reverse("cases:case-split", args=[case.pk]) not in html
    assert 'id="task-form"' in html  # intake may leave tasks (Action.NOTES)


def test_old_case_pages_of_a_merged_case_lead_to_the_survivor_s(client, users):
    source = reported_case("https://social.test/c/40")
    into = reported_case("https://social.test/c/41")
    merge_cases(source, into, actor=users["coordinator"], reason="Same victim, same pictures.")
    client.force_login(users["coordinator"])
    for route in ("cases:case-legal-hold", "cases:case-access", "cases:case-split"):
        response = client.get(reverse(route, args=[source.pk]))
        assert response.status_code == 302, route
        assert response["Location"] == reverse(route, args=[into.pk])
