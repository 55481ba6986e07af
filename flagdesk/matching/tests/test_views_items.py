"""The matching panel of the item page: uploads, bank additions, matches, unblur, one-click
assessment. Matching is called directly (``match_item``); the background task only wraps it.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import Item
from flagdesk.cases.tests.factories import approved_item, reported_item
from flagdesk.matching.models import BankEntry, Match
from flagdesk.matching.services.banks import EntryInput, add_entries, allow_prefill
from flagdesk.matching.services.matching import match_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.thumbnails import greyscale_thumbnail
from flagdesk.matching.views.thumbnails import SESSION_KEY

from .factories import bank, item_signals, random_pdq
from .media_samples import jpeg_bytes, synthetic_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(users: dict[str, Any], matching_index_dir: Path) -> Match:
    """A new report of an approved item's picture; the known entry keeps a thumbnail."""
    known, assessment = approved_item(users)
    pdq = random_pdq(1)
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(5, (160, 120)))).decode()
    [entry] = add_entries(
        bank(users["coordinator"]),
        [EntryInput("pdq", pdq, 90, tags=["ncii"], item=known, thumbnail=picture)],
        actor=users["analyst"],
    ).added
    allow_prefill(entry, assessment, actor=users["reviewer"])
    reupload = reported_item()
    item_signals(reupload, [ComputedSignal("pdq", pdq, 90)])
    [found] = match_item(reupload)
    return found


def item_page(client: Any, item_id: object) -> str:
    response = client.get(reverse("cases:item-detail", args=[item_id]))
    assert response.status_code == 200
    return response.content.decode()


def thumb_url(match: Match, *, clear: bool = False) -> str:
    url = reverse("matching:match-thumbnail", args=[match.id])
    return f"{url}?clear=1" if clear else url


# -- the panel ----------------------------------------------------------------------------------


def test_analyst_sees_the_match_blurred_with_its_known_case(client, users, match):
    client.force_login(users["analyst"])
    page = item_page(client, match.item_id)
    known = match.entry.item
    assert 'id="matching"' in page and "1 match with known hashes" in page
    assert f'class="thumb blurred" src="{thumb_url(match)}"' in page
    assert reverse("matching:match-unblur", args=[match.id]) in page
    assert reverse("cases:item-detail", args=[known.id]) in page and known.case.reference in page
    assert "0 of 256 bits" in page and "Own cases" in page
    assert reverse("matching:match-assess", args=[match.id]) in page  # pre-fill allowed
    assert reverse("matching:item-bank-add", args=[match.item_id]) in page


def test_intake_sees_that_there_is_a_match_but_not_the_picture(client, users, match):
    client.force_login(users["intake"])
    page = item_page(client, match.item_id)
    assert "This item matched 1 known hash" in page
    assert "match-thumbnail" not in page and thumb_url(match) not in page
    assert reverse("matching:item-hash", args=[match.item_id]) in page  # may upload
    assert reverse("matching:item-bank-add", args=[match.item_id]) not in page
    assert client.get(thumb_url(match)).status_code == 403


def test_keeping_a_thumbnail_is_disabled_and_explained_for_csam(client, users):
    item = reported_item(phenomenon="csam", role="witness")
    client.force_login(users["analyst"])
    page = item_page(client, item.id)
    assert (
        'name="keep_thumbnail"' in page
        and "disabled" in page.split('name="keep_thumbnail"')[1][:80]
    )
    assert "only URLs and hashes" in page and 'aria-describedby="keep-refusal"' in page


# -- uploading media ----------------------------------------------------------------------------


def jpeg_upload(seed: int = 21, size: tuple[int, int] = (256, 256)) -> SimpleUploadedFile:
    data = jpeg_bytes(synthetic_image(seed, size))
    return SimpleUploadedFile("evidence.jpg", data, content_type="image/jpeg")


def test_upload_records_hashes_and_a_thumbnail_then_matching_finds_the_known_item(
    client, users, matching_index_dir
):
    item = reported_item()  # ncii: a thumbnail may be kept
    client.force_login(users["analyst"])
    response = client.post(
        reverse("matching:item-hash", args=[item.id]),
        {"file": jpeg_upload(), "keep_thumbnail": "on"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/items/{item.id}/#matching")
    signals = {s.signal_type: s for s in item.signals.all()}
    assert set(signals) == {"pdq", "md5", "sha256"}
    assert signals["pdq"].thumbnail and not signals["md5"].thumbnail
    assert signals["pdq"].source == "analyst" and signals["pdq"].added_by == users["analyst"]
    page = client.get(response["Location"], follow=True).content.decode()
    assert "3 hashes recorded" in page and "runs in the background" in page
    # The same picture reported again is found once matching has run.
    add_response = client.post(
        reverse("matching:item-bank-add", args=[item.id]),
        {"bank": bank(users["coordinator"]).slug, "tags": "ncii, confirmed"},
    )
    assert add_response.status_code == 302
    assert BankEntry.objects.filter(item=item, tags=["ncii", "confirmed"]).count() == 3
    again = reported_item()
    client.post(reverse("matching:item-hash", args=[again.id]), {"file": jpeg_upload()})
    assert {m.entry.item for m in match_item(again)} == {item}


def test_no_thumbnail_is_kept_for_csam_whatever_is_posted(client, users):
    item = reported_item(phenomenon="csam", role="witness")
    client.force_login(users["analyst"])
    client.post(
        reverse("matching:item-hash", args=[item.id]),
        {"file": jpeg_upload(), "keep_thumbnail": "on"},
    )
    assert item.signals.count() == 3
    assert not any(s.thumbnail for s in item.signals.all())


def test_a_file_that_is_not_media_is_refused_with_a_clear_message(client, users):
    item = reported_item()
    client.force_login(users["intake"])
    response = client.post(
        reverse("matching:item-hash", args=[item.id]),
        {"file": SimpleUploadedFile("x.jpg", b"", content_type="image/jpeg")},
    )
    assert response.status_code == 422
    assert 'class="error-summary"' in response.content.decode()
    assert not item.signals.exists()


def test_adding_an_item_without_hashes_to_a_bank_says_why(client, users):
    item = reported_item()
    own = bank(users["coordinator"])
    client.force_login(users["reviewer"])
    response = client.post(reverse("matching:item-bank-add", args=[item.id]), {"bank": own.slug})
    assert response.status_code == 422
    assert "has no media hashes yet" in response.content.decode()
    assert (
        client.post(
            reverse("matching:item-bank-add", args=[item.id]), {"bank": own.slug}
        ).status_code
        == 422
    )
    client.force_login(users["intake"])
    assert client.get(reverse("matching:item-bank-add", args=[item.id])).status_code == 403


# -- thumbnails and the audited unblur ------------------------------------------------------------


def test_unblur_is_audited_and_only_then_is_the_clear_picture_served(client, users, match):
    client.force_login(users["analyst"])
    blurred = client.get(thumb_url(match))
    assert blurred.status_code == 200
    assert blurred["Content-Type"] == "image/jpeg"
    assert blurred["Cache-Control"] == "no-store" and blurred["X-Content-Type-Options"] == "nosniff"
    # Asking for the clear picture without the click gets the blurred one.
    assert client.get(thumb_url(match, clear=True)).content == blurred.content
    audits = AuditEntry.objects.filter(action="media.unblur", actor=users["analyst"])
    assert not audits.exists()

    response = client.post(reverse("matching:match-unblur", args=[match.id]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#match-{match.id}")
    assert audits.count() == 1 and audits.get().target == f"match:{match.pk}"

    clear = client.get(thumb_url(match, clear=True))
    assert clear.content != blurred.content
    assert clear.content == base64.b64decode(match.entry.thumbnail)
    assert clear["Cache-Control"] == "no-store"
    assert client.get(thumb_url(match)).content == blurred.content  # the plain URL stays blurred
    assert audits.count() == 1  # showing it within the grant writes nothing more
    page = item_page(client, match.item_id)
    assert f'class="thumb" src="{thumb_url(match, clear=True)}"' in page


def test_the_unblur_grant_expires_and_is_per_session(client, users, match):
    client.force_login(users["analyst"])
    client.post(reverse("matching:match-unblur", args=[match.id]))
    session = client.session
    session[SESSION_KEY] = {str(match.id): time.time() - 1}
    session.save()
    blurred = client.get(thumb_url(match)).content
    assert client.get(thumb_url(match, clear=True)).content == blurred
    client.force_login(users["reviewer"])  # a new session, even for a colleague
    assert client.get(thumb_url(match, clear=True)).content == blurred


def test_who_may_unblur(client, users, match):
    client.force_login(users["auditor"])
    assert client.get(thumb_url(match)).status_code == 200  # blurred: readers may
    assert client.post(reverse("matching:match-unblur", args=[match.id])).status_code == 403
    assert client.get(reverse("matching:match-unblur", args=[match.id])).status_code == 405
    assert not AuditEntry.objects.filter(action="media.unblur").exists()


def test_a_match_without_a_picture_has_no_thumbnail(client, users, matching_index_dir):
    pdq = random_pdq(9)
    known, _ = approved_item(users)
    add_entries(
        bank(users["coordinator"]), [EntryInput("pdq", pdq, 90, item=known)], actor=users["analyst"]
    )
    item = reported_item()
    item_signals(item, [ComputedSignal("pdq", pdq, 90)])
    [found] = match_item(item)
    client.force_login(users["analyst"])
    assert client.get(thumb_url(found)).status_code == 404
    page = item_page(client, item.id)
    assert "No picture kept" in page and "match-unblur" not in page


# -- assessing as the known item ------------------------------------------------------------------


def test_assess_as_the_known_item_submits_for_review(client, users, match):
    client.force_login(users["analyst"])
    response = client.post(reverse("matching:match-assess", args=[match.id]), follow=True)
    assert "waits for a reviewer" in response.content.decode()
    item = Item.objects.get(pk=match.item_id)
    [assessment] = item.assessments.all()
    assert assessment.author == users["analyst"] and assessment.verdict == "illegal"
    assert item.status == Item.Status.AWAITING_REVIEW
    page = item_page(client, item.id)
    assert reverse("matching:match-assess", args=[match.id]) not in page  # nothing left to do


def test_assess_without_permission_to_prefill_says_so(client, users, match):
    allow_prefill(match.entry, None, actor=users["reviewer"])
    client.force_login(users["analyst"])
    response = client.post(reverse("matching:match-assess", args=[match.id]), follow=True)
    assert "No reviewer allowed this match" in response.content.decode()
    assert not Item.objects.get(pk=match.item_id).assessments.exists()
    client.force_login(users["intake"])
    assert client.post(reverse("matching:match-assess", args=[match.id])).status_code == 403


def test_the_panel_reads_in_the_same_number_of_queries_however_many_matches(
    client, users, matching_index_dir
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    known, _ = approved_item(users)
    own = bank(users["coordinator"])
    item = reported_item()
    client.force_login(users["analyst"])
    item_page(client, item.id)  # the session's first page records its last-seen time

    def matched_page(count: int) -> int:
        hashes = [random_pdq(1000 + len(item.signals.all()) + n) for n in range(count)]
        entries = [EntryInput("pdq", h, 90, item=known) for h in hashes]
        add_entries(own, entries, actor=users["analyst"])
        item_signals(item, [ComputedSignal("pdq", h, 90) for h in hashes])
        match_item(item)
        with CaptureQueriesContext(connection) as queries:
            item_page(client, item.id)
        return len(queries)

    assert matched_page(2) == matched_page(10)


def test_a_low_quality_hash_is_listed_as_too_low_to_trust(client, users):
    item = reported_item()
    item_signals(item, [ComputedSignal("pdq", random_pdq(4), 20), ComputedSignal("md5", "d" * 32)])
    client.force_login(users["intake"])
    page = item_page(client, item.id)
    assert page.count("too low to trust") == 1 and "Under 50:" in page
    assert "No media hashed for this item yet." not in page
