"""Art. 16(2)(b) "additional information": the item's identifiers always, its known hashes
when the platform matches by hash; never the media itself."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from flagdesk.matching.models import ItemSignal
from flagdesk.notices.services import queue_notices
from flagdesk.platforms.models import Platform

from .qualified import csam_item, qualified_item

pytestmark = pytest.mark.django_db

PDQ = "f" * 16 + "0" * 48
MD5 = "9e107d9d372bb6826bd81d3542a419d6"
SHA256 = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
VPDQ = json.dumps([f"{PDQ},100,{s}.000" for s in range(3)])
IDENTIFIERS = {
    "post_id": "1790000000000000001",
    "account": "@exposer_account",
    "posted_at": "2026-01-05T10:15:00+01:00",
    "captured_at": "2026-01-06T08:00:00Z",
}


def with_hashes(item):
    for kind, value in (("pdq", PDQ), ("md5", MD5), ("sha256", SHA256), ("vpdq", VPDQ)):
        ItemSignal.objects.create(
            item=item, signal_type=kind, value=value, value_key=value[:64], source="analyst"
        )
    return item


def test_identifiers_are_in_the_text_and_the_json_part(users, platform):
    item = qualified_item(users, identifiers=IDENTIFIERS)
    [notice] = queue_notices([item], actor=users["analyst"])
    for line in (
        "Post or message ID: 1790000000000000001",
        "Account: @exposer_account",
        "Posted at (UTC): 2026-01-05 09:15:00",
        "Captured at (UTC): 2026-01-06 08:00:00",
    ):
        assert line in notice.body, line
    [entry] = notice.payload["items"]
    assert entry["identifiers"] == {
        "post_id": "1790000000000000001",
        "account": "@exposer_account",
        "posted_at": "2026-01-05T09:15:00+00:00",
        "captured_at": "2026-01-06T08:00:00+00:00",
    }


def test_only_the_identifiers_recorded_are_shown(users, platform):
    item = qualified_item(users, identifiers={"account": "@someone"})
    other = qualified_item(users)
    [notice] = queue_notices([item, other], actor=users["analyst"])
    assert "Account: @someone" in notice.body
    for label in ("Post or message ID", "Posted at (UTC)", "Captured at (UTC)"):
        assert label not in notice.body
    by_id = {e["id"]: e for e in notice.payload["items"]}
    assert by_id[str(item.id)]["identifiers"] == {"account": "@someone"}
    assert by_id[str(other.id)]["identifiers"] == {}


def test_hashes_go_out_only_to_platforms_that_match_by_hash(users, platform):
    item = with_hashes(csam_item(users))
    [notice] = queue_notices([item], actor=users["analyst"])
    assert notice.payload["items"][0]["hashes"] == []
    assert MD5 not in notice.body and "Hashes" not in notice.body


def test_hashes_in_text_and_json_never_the_vpdq_frames(
    smtp_server, users, platform, django_capture_on_commit_callbacks
):
    Platform.objects.filter(pk=platform.pk).update(accepts_hash_matching=True)
    item = with_hashes(csam_item(users, identifiers={"post_id": "42"}))
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = queue_notices([item], actor=users["analyst"])
    assert notice.payload["items"][0]["hashes"] == [
        {"algorithm": "pdq", "value": PDQ},
        {"algorithm": "md5", "value": MD5},
        {"algorithm": "sha256", "value": SHA256},
    ]
    assert "vpdq" not in json.dumps(notice.payload).lower()
    call_command("worker", burst=True)
    [mail] = smtp_server.messages
    text = mail.get_body(preferencelist=("plain",)).get_content()
    for line in (f"  - PDQ: {PDQ}", f"  - MD5: {MD5}", f"  - SHA-256: {SHA256}", "ID: 42"):
        assert line in text, line
    assert "vPDQ" not in text and ",100,1.000" not in text
    parts = list(mail.iter_attachments())
    assert [p.get_content_type() for p in parts] == ["application/json"]  # no media, ever
    [entry] = json.loads(parts[0].get_content())["items"]
    assert entry["identifiers"] == {"post_id": "42"} and len(entry["hashes"]) == 3
