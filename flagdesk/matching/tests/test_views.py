"""The staff pages of re-upload detection, as each persona uses them (S22).

Banks and entries: coordinators manage, reviewers remove and allow pre-fill, analysts read. The
look-up page stores nothing. The item panel, its thumbnails and the audited unblur are in
``test_views_items.py``.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import approved_item
from flagdesk.matching.models import BankEntry, HashBank, ItemSignal, Match
from flagdesk.matching.services.banks import EntryInput, add_entries, remove_entry
from flagdesk.matching.thumbnails import greyscale_thumbnail

from .factories import add, bank, flip, random_pdq
from .media_samples import jpeg_bytes, synthetic_image

pytestmark = pytest.mark.django_db


def login(client: Any, users: dict[str, Any], role: str) -> Any:
    client.force_login(users[role])
    return client


def entry_url(route: str, entry: BankEntry) -> str:
    return reverse(route, kwargs={"slug": entry.bank.slug, "public_id": entry.public_id})


# -- bank list, create, switches -------------------------------------------------------------


def test_bank_list_counts_live_entries_per_type(client, users):
    own = bank(users["coordinator"])
    first, _second = add(own, users["analyst"], ("pdq", random_pdq(1)), ("pdq", random_pdq(2)))
    add(own, users["analyst"], ("md5", "0" * 32))
    remove_entry(first, actor=users["reviewer"], reason="A false positive on item X.")
    page = login(client, users, "auditor").get(reverse("matching:bank-list"))
    assert page.status_code == 200
    row = page.content.decode().split("Own cases", 1)[1]
    assert "PDQ <strong>1</strong>" in row and "MD5 <strong>1</strong>" in row
    assert "New bank" not in page.content.decode()  # auditors read, never manage


@pytest.mark.parametrize(("role", "status"), [("intake", 403), ("partner", 403), (None, 302)])
def test_bank_list_is_closed_to_other_roles(client, users, role, status):
    if role:
        login(client, users, role)
    assert client.get(reverse("matching:bank-list")).status_code == status


def test_coordinator_creates_a_bank(client, users):
    response = login(client, users, "coordinator").post(
        reverse("matching:bank-list"),
        {"name": "Partner hotline", "kind": "partner", "phenomenon": "ncii", "is_shared": "on"},
    )
    created = HashBank.objects.get(name="Partner hotline")
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:bank-detail", args=[created.slug])
    assert created.is_shared and created.is_enabled and created.created_by == users["coordinator"]
    assert AuditEntry.objects.filter(action="bank.create", target=f"bank:{created.slug}").exists()


def test_a_duplicate_bank_name_is_shown_on_the_form(client, users):
    bank(users["coordinator"], "Own cases")
    response = login(client, users, "coordinator").post(
        reverse("matching:bank-list"), {"name": "own cases", "kind": "own"}
    )
    assert response.status_code == 422
    assert "A bank with this name exists." in response.content.decode()
    assert HashBank.objects.count() == 1


def test_an_analyst_may_not_create_a_bank(client, users):
    response = login(client, users, "analyst").post(
        reverse("matching:bank-list"), {"name": "Mine", "kind": "own"}
    )
    assert response.status_code == 403
    assert not HashBank.objects.exists()


def test_switches_disable_enable_share_and_unshare(client, users):
    own = bank(users["coordinator"])
    login(client, users, "admin")
    enable, share = (reverse(f"matching:bank-{w}", args=[own.slug]) for w in ("enable", "share"))
    assert client.post(enable, {}).status_code == 302
    own.refresh_from_db()
    assert not own.is_enabled
    client.post(enable, {"turn_on": "on"})
    client.post(share, {"turn_on": "on"})
    own.refresh_from_db()
    assert own.is_enabled and own.is_shared
    response = client.post(share, {"next": reverse("matching:bank-detail", args=[own.slug])})
    own.refresh_from_db()
    assert not own.is_shared
    assert response["Location"] == reverse("matching:bank-detail", args=[own.slug])
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-4:] == ["bank.disable", "bank.enable", "bank.share", "bank.unshare"]


def test_switches_ignore_a_foreign_next_and_refuse_readers(client, users):
    own = bank(users["coordinator"])
    response = login(client, users, "coordinator").post(
        reverse("matching:bank-enable", args=[own.slug]), {"next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("matching:bank-list")
    login(client, users, "reviewer")
    assert client.post(reverse("matching:bank-share", args=[own.slug])).status_code == 403
    assert client.get(reverse("matching:bank-share", args=[own.slug])).status_code == 405


# -- bank detail, removing entries -----------------------------------------------------------


def test_bank_detail_lists_live_entries_and_removed_ones_apart(client, users):
    own = bank(users["coordinator"])
    known, _ = approved_item(users)
    [kept] = add(own, users["analyst"], ("pdq", random_pdq(1)), item=known)
    [gone] = add(own, users["analyst"], ("md5", "a" * 32))
    remove_entry(gone, actor=users["reviewer"], reason="False positive: a stock logo.")
    url = reverse("matching:bank-detail", args=[own.slug])
    login(client, users, "analyst")
    live = client.get(url).content.decode()
    assert kept.value[:16] in live and f'title="{kept.value}"' in live
    assert known.case.reference in live and "a" * 16 not in live
    assert "Remove from matching" not in live  # analysts cannot remove
    removed = client.get(url, {"tab": "removed"}).content.decode()
    assert "False positive: a stock logo." in removed and "bob" in removed
    assert kept.value[:16] not in removed
    only_md5 = client.get(url, {"type": "md5"}).content.decode()
    assert kept.value[:16] not in only_md5


def test_a_reviewer_removes_an_entry_with_a_reason(client, users):
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(1)))
    login(client, users, "reviewer")
    response = client.post(entry_url("matching:entry-remove", entry), {"reason": "Oops"})
    assert response.status_code == 422
    assert "Say why this hash is removed." in response.content.decode()
    entry.refresh_from_db()
    assert entry.is_live
    response = client.post(
        entry_url("matching:entry-remove", entry), {"reason": "False positive on a logo."}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.removed_by == users["reviewer"] and entry.removal_reason.startswith("False")
    detail = client.get(entry_url("matching:entry-detail", entry)).content.decode()
    assert "False positive on a logo." in detail


def test_analysts_cannot_remove_entries(client, users):
    [entry] = add(bank(users["coordinator"]), users["analyst"], ("pdq", random_pdq(1)))
    response = login(client, users, "analyst").post(
        entry_url("matching:entry-remove", entry), {"reason": "False positive on a logo."}
    )
    assert response.status_code == 403
    assert client.get(entry_url("matching:entry-detail", entry)).status_code == 200


# -- import and export ------------------------------------------------------------------------


def upload(name: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_dry_run_reports_invalid_rows_by_line_and_adds_nothing(client, users):
    own = bank(users["coordinator"])
    add(own, users["analyst"], ("pdq", random_pdq(1)))
    csv = f"signal_type,signal,tags\npdq,{random_pdq(1)},x\npdq,{random_pdq(2)},y\npdq,zz,z\n"
    response = login(client, users, "coordinator").post(
        reverse("matching:bank-import", args=[own.slug]),
        {"file": upload("bank.csv", csv), "format": "csv", "dry_run": "on"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: nothing was added" in page
    assert "<dd>1</dd>" in page  # one new, one duplicate, one invalid
    assert "<td>4</td>" in page  # the bad row, by its line in the file
    assert own.entries.count() == 1


def test_import_adds_valid_rows_and_lists_invalid_lines_as_messages(client, users):
    own = bank(users["coordinator"])
    text = f"{random_pdq(3)}\nnot-a-hash\n{random_pdq(4)}\n"
    response = login(client, users, "admin").post(
        reverse("matching:bank-import", args=[own.slug]),
        {"file": upload("list.txt", text), "format": "hashes", "signal_type": "pdq"},
        follow=True,
    )
    page = response.content.decode()
    assert own.entries.count() == 2
    assert "2 hashes added" in page and "Line 2 not imported" in page
    assert AuditEntry.objects.filter(action="bank.import").exists()


def test_export_streams_live_entries_as_a_download(client, users):
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(5)))
    login(client, users, "coordinator")
    response = client.get(reverse("matching:bank-export", args=[own.slug]), {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="own-cases.csv"' in response["Content-Disposition"]
    assert entry.value in body
    assert AuditEntry.objects.filter(action="bank.export").exists()
    assert (
        login(client, users, "analyst")
        .get(reverse("matching:bank-export", args=[own.slug]))
        .status_code
        == 403
    )


# -- pre-fill ---------------------------------------------------------------------------------


def test_only_a_reviewer_allows_and_withdraws_prefill(client, users):
    known, assessment = approved_item(users)
    [entry] = add(bank(users["coordinator"]), users["analyst"], ("pdq", random_pdq(1)), item=known)
    url = entry_url("matching:entry-prefill", entry)
    for role in ("analyst", "coordinator"):
        assert (
            login(client, users, role).post(url, {"assessment": str(assessment.id)}).status_code
            == 403
        )
    detail = login(client, users, "reviewer").get(entry_url("matching:entry-detail", entry))
    assert str(assessment.id) in detail.content.decode()  # offered as a choice
    assert client.post(url, {"assessment": str(assessment.id)}).status_code == 302
    entry.refresh_from_db()
    assert entry.prefill_assessment == assessment and entry.prefill_allowed_by == users["reviewer"]
    client.post(url, {"assessment": ""})
    entry.refresh_from_db()
    assert entry.prefill_assessment is None
    assert AuditEntry.objects.filter(action="bank.withdraw_prefill").exists()


def test_prefill_refuses_an_assessment_of_another_item(client, users):
    known, _ = approved_item(users)
    _other, foreign = approved_item(users)
    [entry] = add(bank(users["coordinator"]), users["analyst"], ("pdq", random_pdq(1)), item=known)
    response = login(client, users, "reviewer").post(
        entry_url("matching:entry-prefill", entry), {"assessment": str(foreign.id)}
    )
    assert response.status_code == 422  # not among the choices
    entry.refresh_from_db()
    assert entry.prefill_assessment is None


# -- look-up ----------------------------------------------------------------------------------


def test_lookup_with_pasted_hashes_shows_matches_and_stores_nothing(client, users):
    known, _ = approved_item(users)
    own = bank(users["coordinator"])
    known_pdq = random_pdq(1)
    add(own, users["analyst"], ("pdq", known_pdq), ("md5", "b" * 32), item=known)
    pasted = f"{flip(known_pdq, 9)}\nmd5 {'B' * 32}\nsha256 {'c' * 64}\n"
    login(client, users, "intake")  # the login is in the audit trail; the look-up is not
    before = (ItemSignal.objects.count(), Match.objects.count(), AuditEntry.objects.count())
    response = client.post(reverse("matching:hash-lookup"), {"hashes": pasted})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 matches" in page and known.case.reference in page
    assert "9 of 256 bits" in page and "0: an exact copy" in page
    assert "Not in any bank used for matching." in page  # the SHA-256
    assert reverse("matching:bank-detail", args=[own.slug]) not in page  # intake reads no banks
    after = (ItemSignal.objects.count(), Match.objects.count(), AuditEntry.objects.count())
    assert before == after


def test_lookup_names_each_bad_line(client, users):
    response = login(client, users, "analyst").post(
        reverse("matching:hash-lookup"), {"hashes": f"{random_pdq(1)}\npdq 12ab\nfoo bar\n"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Line 2: A PDQ hash must be 64 hexadecimal digits" in page
    assert "Line 3: unknown signal type" in page


def test_lookup_of_a_resized_recompressed_image(client, users, matching_index_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from flagdesk.matching.media import hash_media

    picture = synthetic_image(11)
    known, _ = approved_item(users)
    original = hash_media(jpeg_bytes(picture))
    add_entries(
        bank(users["coordinator"]),
        [EntryInput(s.signal_type, s.value, s.quality, item=known) for s in original.signals],
        actor=users["analyst"],
    )
    copy = jpeg_bytes(picture.resize((300, 300)), quality=60)
    response = login(client, users, "analyst").post(
        reverse("matching:hash-lookup"),
        {"file": SimpleUploadedFile("copy.jpg", copy, content_type="image/jpeg")},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 match" in page and known.case.reference in page
    assert "Hashed image (image/jpeg" in page and "300\N{MULTIPLICATION SIGN}300" in page
    assert "Not in any bank used for matching." in page  # the re-encoded file's MD5/SHA-256


def test_lookup_of_a_file_that_is_not_media(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(client, users, "analyst").post(
        reverse("matching:hash-lookup"),
        {"file": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")},
    )
    assert response.status_code == 422
    assert "error-summary" in response.content.decode()


def test_entry_thumbnail_is_blurred_and_not_cached(client, users):
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(3, (120, 90)))).decode()
    own = bank(users["coordinator"])
    [entry] = add_entries(
        own, [EntryInput("pdq", random_pdq(1), 90, thumbnail=picture)], actor=users["analyst"]
    ).added
    response = login(client, users, "auditor").get(entry_url("matching:entry-thumbnail", entry))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "no-store"
    assert response.content != base64.b64decode(picture)
    page = client.get(entry_url("matching:entry-detail", entry)).content.decode()
    assert 'class="thumb blurred"' in page


def test_roles_outside_casework_see_that_an_item_is_known_not_which(client, users):
    """Need-to-know: a bank reader without a case role (an auditor, an administrator) sees
    that a hash comes from a case, not its reference, URL or link."""
    own = bank(users["coordinator"])
    known, _ = approved_item(users)
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(1)), item=known)
    item_link = reverse("cases:item-detail", args=[known.id])
    login(client, users, "auditor")
    for url in (
        reverse("matching:bank-detail", args=[own.slug]),
        entry_url("matching:entry-detail", entry),
    ):
        page = client.get(url).content.decode()
        assert known.case.reference not in page and item_link not in page
        assert known.url not in page and "An item of a case you may not open" in page
    assert (
        item_link
        in login(client, users, "analyst")
        .get(entry_url("matching:entry-detail", entry))
        .content.decode()
    )
