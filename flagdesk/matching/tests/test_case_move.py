"""The matching panel's "Move to case C-..." button: a re-upload joins the known item's case
in one click; and the case page's matches, blurred."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.cases.tests.factories import reported_case
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
from flagdesk.matching.services.matching import match_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.thumbnails import greyscale_thumbnail

from .factories import item_signals, random_pdq
from .media_samples import synthetic_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(users) -> Match:
    known = reported_case("https://social.test/k/1").items.get()
    reupload = reported_case("https://social.test/k/2").items.get()
    bank = create_bank(actor=users["coordinator"], name="Own cases")
    pdq = random_pdq(4)
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(4, (64, 64)))).decode()
    entry = EntryInput("pdq", pdq, quality=90, item=known, thumbnail=picture)
    add_entries(bank, [entry], actor=users["coordinator"])
    item_signals(reupload, [ComputedSignal("pdq", pdq, 90)])
    [found] = match_item(reupload)
    return found


def _item_page(client, user, item_id) -> str:
    client.force_login(user)
    return client.get(reverse("cases:item-detail", args=[item_id])).content.decode()


def test_the_panel_offers_the_move_and_it_joins_the_known_case(client, users, match):
    known = match.entry.item
    html = _item_page(client, users["analyst"], match.item_id)
    assert f"Move to case {known.case.reference}" in html
    url = reverse("matching:match-move", args=[match.pk])
    assert url in html
    response = client.post(url)
    assert response.status_code == 302
    match.item.refresh_from_db()
    assert match.item.case_id == known.case_id
    [moved] = CaseEvent.objects.filter(case=known.case, kind="moved")
    assert "Re-upload" in moved.note
    html = client.get(response["Location"]).content.decode()
    assert f"The item is now in case {known.case.reference}." in html
    assert "Move to case" not in html  # in the known case now: nothing more to join


def test_no_move_for_roles_without_case_merge_nor_across_access_lists(client, users, match):
    assert "Move to case" not in _item_page(client, users["intake"], match.item_id)
    response = client.post(reverse("matching:match-move", args=[match.pk]))
    assert response.status_code == 403
    # Different access lists: the one-click move is refused with the reason, nothing moves.
    known_case = match.entry.item.case
    known_case.restricted_to.set([users["analyst"], users["coordinator"]])
    client.force_login(users["analyst"])
    response = client.post(reverse("matching:match-move", args=[match.pk]), follow=True)
    assert "not open to the same people" in response.content.decode()
    match.item.refresh_from_db()
    assert match.item.case_id != known_case.pk


def test_known_case_out_of_reach_offers_no_move_and_answers_404(client, users, match):
    match.entry.item.case.restricted_to.set([users["coordinator"]])
    assert "Move to case" not in _item_page(client, users["analyst"], match.item_id)
    assert client.post(reverse("matching:match-move", args=[match.pk])).status_code == 404


def test_case_page_lists_the_matches_blurred(client, users, match):
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:case-detail", args=[match.item.case_id])).content.decode()
    assert 'id="case-matches"' in html
    thumbnail = reverse("matching:match-thumbnail", args=[match.pk])
    assert f'class="thumb blurred" src="{thumbnail}"' in html  # never ?clear=1
    client.force_login(users["intake"])  # no bank reader: no matches section
    html = client.get(reverse("cases:case-detail", args=[match.item.case_id])).content.decode()
    assert 'id="case-matches"' not in html
