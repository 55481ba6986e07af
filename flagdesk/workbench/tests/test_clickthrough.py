"""What a new user's first click-through found: the case column opens the case, addresses
are shortened on one line, a batch is never marked as involving a minor by default, content
types read in the page's language, and the claim message names the item."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from flagdesk.cases.models import Case
from flagdesk.cases.tests.factories import reported_case, reported_item

pytestmark = pytest.mark.django_db
QUEUE = reverse("workbench:queue")
ASSESS = reverse("workbench:bulk-assess")


def test_case_column_opens_the_case_and_url_column_the_item(client, users):
    item = reported_item("https://social.test/clickthrough/1")
    client.force_login(users["analyst"])
    html = client.get(QUEUE).content.decode()
    case_link = f'<a href="{reverse("cases:case-detail", args=[item.case_id])}">'
    assert f"{case_link}{item.case.reference}</a>" in html
    item_link = f'<a href="{reverse("cases:item-detail", args=[item.id])}" title="{item.url}">'
    # The address without its scheme, the whole one in the title.
    assert f"{item_link}social.test/clickthrough/1</a>" in html


def test_searching_a_case_reference_links_the_case_page(client, users):
    case = reported_case("https://social.test/clickthrough/a", "https://social.test/clickthrough/b")
    client.force_login(users["analyst"])
    html = client.get(reverse("workbench:search"), {"q": case.reference}).content.decode()
    assert reverse("cases:case-detail", args=[case.pk]) in html
    assert "through its first item" not in html


def _minor(item) -> None:
    Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)


def test_assess_together_never_marks_a_mixed_batch_as_involving_a_minor(client, users):
    with_minor = reported_item("https://social.test/clickthrough/minor")
    without = reported_item("https://social.test/clickthrough/adult")
    _minor(with_minor)
    client.force_login(users["analyst"])
    response = client.get(ASSESS, {"ids": [str(with_minor.id), str(without.id)]})
    form = response.context["form"]
    assert not form["minor_depicted"].value()
    html = response.content.decode()
    assert 'name="minor_depicted" id="id_minor_depicted" checked' not in html
    # The page says which ticked item already involves a minor.
    assert "Already involving a minor:" in html
    hint = html.split("Already involving a minor:")[1].split("</p>")[0]
    assert with_minor.case.reference in hint and without.case.reference not in hint


def test_assess_together_keeps_the_minor_box_when_every_item_has_it(client, users):
    items = [reported_item(f"https://social.test/clickthrough/m{n}") for n in range(2)]
    for item in items:
        _minor(item)
    client.force_login(users["analyst"])
    response = client.get(ASSESS, {"ids": [str(i.id) for i in items]})
    assert response.context["form"]["minor_depicted"].value() is True


def test_content_types_read_in_the_page_language_in_both_assessment_forms(client, users):
    item = reported_item("https://social.test/clickthrough/fr")
    client.force_login(users["analyst"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    single = client.get(reverse("cases:item-assess", args=[item.id])).content.decode()
    bulk = client.get(ASSESS, {"ids": [str(item.id)]}).content.decode()
    with translation.override("fr"):
        expected = translation.gettext("Synthetic media")  # the catalogue's, once merged
    for html in (single, bulk):
        assert f'value="synthetic_media" id="id_content_types_4"> {expected}</label>' in html
        assert "Synthetic Media" not in html  # the TDB's own (English) label


def test_claim_names_the_item_as_well_as_its_case(client, users):
    case = reported_case(
        "https://social.test/clickthrough/c1", "https://social.test/clickthrough/c2"
    )
    item = case.items.order_by("created_at").first()
    client.force_login(users["analyst"])
    response = client.post(reverse("workbench:claim"), {"item_id": str(item.id)}, follow=True)
    html = response.content.decode()
    assert f"You took {case.reference} ({item.url.removeprefix('https://')})." in html
