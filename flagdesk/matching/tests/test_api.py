"""The matching API: look-ups, an item's media and matches, banks, partners' exchange."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagdesk.accounts.services import issue_token
from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import reported_item
from flagdesk.matching.media import hash_media
from flagdesk.matching.models import BankEntry, HashBank
from flagdesk.matching.services.matching import match_item

from .factories import add, bank, flip, random_pdq
from .media_samples import jpeg_bytes, synthetic_image

pytestmark = pytest.mark.django_db

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def content(response) -> str:
    return b"".join(response.streaming_content).decode()


# -- POST /match ---------------------------------------------------------------------------


def test_pdq_near_duplicate_matches_at_distance_10_not_40(api, users, matching_index_dir):
    own = bank(users["coordinator"])
    known = random_pdq(1)
    [entry] = add(own, users["analyst"], ("pdq", known))
    body = {
        "signals": [
            {"signal_type": "pdq", "value": flip(known, 10), "quality": 80},
            {"signal_type": "HASH_PDQ", "value": flip(known, 40, seed=4).upper()},
        ]
    }
    response = api("analyst").post("/match", body)
    assert response.status_code == 200, response.json()
    near, far = response.json()["results"]
    [hit] = near["matches"]
    assert hit["distance"] == 10 and hit["entry"] == str(entry.public_id)
    assert hit["bank"] == own.slug and hit["signal_type"] == "pdq"
    assert set(hit) == {
        "bank", "entry", "signal_type", "distance", "item", "case", "item_out_of_reach", "tags",
        "external_ref", "query_share", "known_share", "segments",
    }  # fmt: skip
    assert near["skipped"] is None and near["quality"] == 80
    assert far["matches"] == [] and far["value"] == flip(known, 40, seed=4)


def test_exact_md5_match_and_low_quality_skip(api, users, matching_index_dir):
    own = bank(users["coordinator"])
    item = reported_item()
    add(own, users["analyst"], ("md5", MD5), item=item)
    body = {
        "signals": [
            {"signal_type": "md5", "value": MD5.upper()},
            {"signal_type": "pdq", "value": random_pdq(3), "quality": 20},
        ]
    }
    exact, low = api("intake").post("/match", body).json()["results"]
    [hit] = exact["matches"]
    assert hit["distance"] == 0 and hit["item"] == str(item.pk)
    assert hit["case"] == item.case.reference
    assert low["skipped"] == "low_quality" and low["matches"] == []


def test_match_by_file_finds_a_resized_reencoded_copy(api, users, matching_index_dir):
    original = synthetic_image(11)
    known = hash_media(jpeg_bytes(original)).signal("pdq")
    own = bank(users["coordinator"])
    add(own, users["analyst"], ("pdq", known.value, known.quality))
    copy = jpeg_bytes(original.resize((300, 300)), quality=60)
    upload = SimpleUploadedFile("copy.jpg", copy, content_type="image/jpeg")
    response = api("reviewer").upload("/match", file=upload)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["media"]["kind"] == "image" and body["media"]["width"] == 300
    pdq = next(r for r in body["results"] if r["signal_type"] == "pdq")
    assert pdq["matches"] and pdq["matches"][0]["distance"] <= 31
    assert {r["signal_type"] for r in body["results"]} == {"pdq", "md5", "sha256"}


def test_bad_match_requests(api, users):
    caller = api("analyst")
    assert caller.post("/match", "{nope").json()["error"]["code"] == "invalid"
    response = caller.post("/match", {"signals": [{"signal_type": "pdq", "value": "12"}, 7]})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"signals.0", "signals.1"}
    assert caller.post("/match", {"signals": []}).status_code == 422
    too_many = {"signals": [{"signal_type": "md5", "value": MD5}] * 1001}
    assert caller.post("/match", too_many).status_code == 422
    broken = SimpleUploadedFile("x.jpg", b"\xff\xd8 not really", content_type="image/jpeg")
    response = caller.upload("/match", file=broken)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_media"
    assert caller.upload("/match", other="x").json()["error"]["fields"] == {
        "file": ["This field is required."]
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("partner", 403), ("none", 403), (None, 401), ("auditor", 200), ("intake", 200)],
)
def test_who_may_look_up(api, users, role, status):
    body = {"signals": [{"signal_type": "md5", "value": MD5}]}
    assert api(role).post("/match", body).status_code == status


# -- an item's media and matches -----------------------------------------------------------


def test_item_media_upload_then_matches(
    api, users, matching_index_dir, django_capture_on_commit_callbacks
):
    original = synthetic_image(21)
    known_item = reported_item()
    known = hash_media(jpeg_bytes(original)).signal("pdq")
    add(bank(users["coordinator"]), users["analyst"], ("pdq", known.value, 90), item=known_item)
    item = reported_item()
    data = jpeg_bytes(original.resize((256, 256)), 70)
    upload = SimpleUploadedFile("re.jpg", data, content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = api("intake").upload(f"/items/{item.pk}/media", file=upload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["matching"] == "queued"
    assert [s["signal_type"] for s in body["signals"]] == ["pdq", "md5", "sha256"]
    match_item(item)  # what the queued task runs
    [row] = api("analyst").get(f"/items/{item.pk}/matches").json()
    assert row["item"] == str(known_item.pk) and row["case"] == known_item.case.reference
    assert row["distance"] <= 31 and row["value"] == body["signals"][0]["value"]
    assert api("intake").get(f"/items/{item.pk}/matches").status_code == 403
    assert api("analyst").get(f"/items/{uuid.uuid4()}/matches").status_code == 404
    assert api("auditor").upload(f"/items/{item.pk}/media", file=upload).status_code == 403


# -- banks ---------------------------------------------------------------------------------


@pytest.fixture
def banks(users):
    """Own (coordinator's), Pat's partner bank, a shared bank, and another partner's bank."""
    from flagdesk.accounts.models import User

    other = User.objects.create_user("otto", role="partner")
    return {
        "own": bank(users["coordinator"], "Own cases"),
        "pat": bank(users["coordinator"], "Pat", kind="partner", partner=users["partner"]),
        "shared": bank(users["coordinator"], "Shared", is_shared=True),
        "otto": bank(users["coordinator"], "Otto", kind="partner", partner=other),
    }


def test_bank_lists_per_role(api, users, banks):
    add(banks["own"], users["analyst"], ("pdq", random_pdq(1)), ("md5", MD5))
    staff = api("auditor").get("/banks").json()
    assert {b["slug"] for b in staff} == {"own-cases", "pat", "shared", "otto"}
    own = next(b for b in staff if b["slug"] == "own-cases")
    assert own["counts"] == {"pdq": 1, "md5": 1} and own["is_enabled"] is True
    partner = api("partner").get("/banks").json()
    assert {b["slug"]: b["partner"] for b in partner} == {"pat": "pat", "shared": None}
    assert api("intake").get("/banks").status_code == 403
    detail = api("partner").get("/banks/shared").json()
    assert detail["slug"] == "shared" and detail["counts"] == {}
    assert api("partner").get("/banks/otto").status_code == 404
    assert api("partner").get("/banks/own-cases").json()["error"]["code"] == "not_found"
    assert api("analyst").get("/banks/nope").status_code == 404


def test_create_and_switch_banks(api, users):
    body = {"name": "Partner Y", "kind": "partner", "phenomenon": "ncii", "partner": "pat"}
    response = api("coordinator").post("/banks", body)
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "partner-y" and response.json()["partner"] == "pat"
    assert api("analyst").post("/banks", {"name": "X"}).status_code == 403
    dup = api("admin").post("/banks", {"name": "partner y", "partner": "nobody"})
    assert dup.status_code == 422 and "partner" in dup.json()["error"]["fields"]
    assert api("admin").post("/banks", {"name": "A\x00B"}).status_code == 422
    response = api("coordinator").patch(
        "/banks/partner-y", {"is_enabled": False, "is_shared": True}
    )
    assert response.json()["is_enabled"] is False and response.json()["is_shared"] is True
    assert AuditEntry.objects.filter(action="bank.disable").exists()
    assert api("analyst").patch("/banks/partner-y", {"is_enabled": True}).status_code == 403
    assert HashBank.objects.get(slug="partner-y").is_enabled is False


def test_exports_stream_in_each_format(api, users, banks):
    value = random_pdq(5)
    add(banks["shared"], users["analyst"], ("pdq", value), ("md5", MD5))
    response = api("partner").get("/banks/shared/entries", format="csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="shared.csv"' in response["Content-Disposition"]
    assert content(response).splitlines()[0].startswith("signal_type,signal,tags")
    body = json.loads(content(api("analyst").get("/banks/shared/entries")))
    assert {e["value"] for e in body["signals"]} == {value, MD5}
    listed = content(
        api("analyst").get("/banks/shared/entries", format="hashes", signal_type="md5")
    )
    assert listed.splitlines()[1:] == [MD5]
    assert api("analyst").get("/banks/shared/entries", format="hashes").status_code == 422
    assert api("analyst").get("/banks/shared/entries", format="xml").status_code == 422
    assert api("analyst").get("/banks/shared/entries", since="yesterday").status_code == 422
    assert api("partner").get("/banks/otto/entries").status_code == 404
    assert AuditEntry.objects.filter(action="bank.export").count() == 3


def test_partner_adds_to_own_bank_only(api, users, banks):
    body = {"entries": [{"signal_type": "pdq", "value": random_pdq(6), "tags": ["ncii"]}]}
    response = api("partner").post("/banks/pat/entries", body)
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "added": 1, "duplicates": 0, "invalid": [], "invalid_count": 0, "dry_run": False,
    }  # fmt: skip
    assert api("partner").post("/banks/shared/entries", body).status_code == 403
    assert api("partner").post("/banks/otto/entries", body).status_code == 404
    assert api("auditor").post("/banks/own-cases/entries", body).status_code == 403


def test_json_import_reports_lines_and_dry_run(api, users, banks):
    text = (
        '{"dry_run": true, "entries": [\n'
        f'  {{"signal_type": "md5", "value": "{MD5}"}},\n'
        '  {"signal_type": "md5", "value": "xyz"}\n'
        "]}"
    )
    response = api("analyst").post("/banks/own-cases/entries", text)
    assert response.status_code == 200
    report = response.json()
    assert report["dry_run"] is True and report["added"] == 1
    assert [row["line"] for row in report["invalid"]] == [3]
    assert BankEntry.objects.count() == 0
    bad = api("analyst").post("/banks/own-cases/entries", {"entries": "x"})
    assert bad.status_code == 422 and "entries" in bad.json()["error"]["fields"]
    flag = api("analyst").post("/banks/own-cases/entries", {"entries": [], "dry_run": "maybe"})
    assert flag.status_code == 422


def test_file_import_with_format_type_and_dry_run(api, users, banks):
    data = f"# list\n{random_pdq(7)}\n{random_pdq(8)}\nnot-hex\n".encode()
    upload = SimpleUploadedFile("list.txt", data, content_type="text/plain")
    response = api("coordinator").upload(
        "/banks/own-cases/entries", file=upload, type="pdq", dry_run="true"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["added"] == 2 and response.json()["invalid"][0]["line"] == 4
    upload = SimpleUploadedFile("list.bin", data)
    response = api("coordinator").upload(
        "/banks/own-cases/entries", file=upload, format="hashes", type="pdq"
    )
    assert response.status_code == 201 and response.json()["added"] == 2
    upload = SimpleUploadedFile("list.bin", data)
    response = api("coordinator").upload("/banks/own-cases/entries", file=upload)
    assert response.json()["error"]["code"] == "invalid_format"
    upload = SimpleUploadedFile("list.txt", f"{random_pdq(9)}\n".encode())
    response = api("coordinator").upload("/banks/own-cases/entries", file=upload)
    assert "PDQ or SHA-256" in response.json()["error"]["message"]


def test_oversized_json_body_is_413(api, users, banks, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"entries": [{"signal_type": "md5", "value": MD5}] * 50}
    response = api("analyst").post("/banks/own-cases/entries", body)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    response = api("analyst").post("/match", {"signals": body["entries"]})
    assert response.status_code == 413


def test_removed_entry_no_longer_matches(api, users, banks, matching_index_dir):
    known = random_pdq(12)
    [entry] = add(banks["own"], users["analyst"], ("pdq", known))
    query = {"signals": [{"signal_type": "pdq", "value": flip(known, 3)}]}
    assert api("analyst").post("/match", query).json()["results"][0]["matches"]
    path = f"/banks/own-cases/entries/{entry.public_id}/remove"
    short = api("reviewer").post(path, {"reason": "no"})
    assert short.status_code == 422 and "reason" in short.json()["error"]["fields"]
    assert api("analyst").post(path, {"reason": "A logo, not abuse."}).status_code == 403
    response = api("reviewer").post(path, {"reason": "A logo, not abuse."})
    assert response.status_code == 200 and response.json()["reason"] == "A logo, not abuse."
    assert api("analyst").post("/match", query).json()["results"][0]["matches"] == []
    assert api("reviewer").post(path, {"reason": "A logo, not abuse."}).status_code == 409
    wrong_bank = f"/banks/shared/entries/{entry.public_id}/remove"
    assert api("reviewer").post(wrong_bank, {"reason": "A logo, not abuse."}).status_code == 404


# -- whatever arrives, never a 500 ---------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=70)
    | st.sampled_from(["pdq", "md5", "vpdq", "sha256", MD5, random_pdq(1), "\x00", "\ud800"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    ["signal_type", "value", "signal", "quality", "tags", "external_ref", "id", "type", "pdq"]
)
ROWS = st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=5) | JSON_VALUES
BODIES = (
    st.fixed_dictionaries(
        {"signals": st.lists(ROWS, max_size=4), "entries": st.lists(ROWS, max_size=4)},
        optional={"dry_run": JSON_VALUES, "type": JSON_VALUES},
    )
    | JSON_VALUES
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=BODIES)
def test_random_json_bodies_never_give_a_500(users, body):
    if not HashBank.objects.filter(slug="fuzz").exists():
        bank(users["coordinator"], "Fuzz")
    headers = {"Authorization": f"Bearer {issue_token(users['coordinator'])}"}
    client = Client()
    raw = json.dumps(body)
    for path in ("/api/v1/match", "/api/v1/banks/fuzz/entries"):
        response = client.post(path, raw, content_type="application/json", headers=headers)
        assert response.status_code < 500, (path, raw, response.content[:300])
        assert response.status_code in (200, 201) or "error" in response.json()


def test_openapi_documents_the_hand_read_bodies(client):
    schema = client.get("/api/v1/openapi.json").json()
    match = schema["paths"]["/api/v1/match"]["post"]["requestBody"]["content"]
    assert set(match) == {"application/json", "multipart/form-data"}
    assert "/api/v1/banks/{slug}/entries/{entry_id}/remove" in schema["paths"]


def test_bank_paths_and_filters_go_through_the_schema_guard(api, users, banks):
    """A NUL in a path or query parameter is a 422 naming it, never a database error."""
    for path in ("/banks/sha%00red", "/banks/sha%00red/entries"):
        response = api("analyst").get(path)
        assert response.status_code == 422, response.content
        assert list(response.json()["error"]["fields"]) == ["slug"]
    response = api("analyst").get("/banks/shared/entries", signal_type="md5\x00")
    assert list(response.json()["error"]["fields"]) == ["signal_type"]
    entry = uuid.uuid4()
    response = api("coordinator").post(f"/banks/sh%00/entries/{entry}/remove", {"reason": "x"})
    assert list(response.json()["error"]["fields"]) == ["slug"]
    response = api("coordinator").post("/banks", {"name": "Y", "description": "a\ud800"})
    assert list(response.json()["error"]["fields"]) == ["description"]
    assert api("analyst").get("/banks/shared").status_code == 200
