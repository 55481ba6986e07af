"""``POST /api/v1/imports`` and ``GET /api/v1/imports/{id}``: dry run, import, 202 and progress."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from flagdesk.cases.models import Item
from flagdesk.cases.tests.factories import reported_item
from flagdesk.intake.imports import services
from flagdesk.intake.imports.services import run_import
from flagdesk.intake.models import Import

from .import_files import csv_bytes, many_rows, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["url", "description"],
    ["https://social.test/api/1", "seen on Monday"],
    ["https://social.test/api/1", ""],
    ["javascript:alert(1)", ""],
    ["https://social.test/open", ""],
]


def upload(data: bytes, name: str = "links.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_dry_run_answers_the_per_row_report_and_stores_nothing(api):
    opened = reported_item("https://social.test/open")
    response = api("intake").upload("/imports", file=upload(csv_bytes(ROWS)), dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["id"] is None
    assert body["counts"] == {"rows": 4, "new": 1, "join": 1, "duplicate": 1, "error": 1}
    assert [(r["row"], r["outcome"]) for r in body["rows"]] == [
        (2, "new"), (3, "duplicate"), (4, "error"), (5, "join")
    ]  # fmt: skip
    assert body["rows"][3]["item"] == str(opened.pk)
    assert not Import.objects.exists() and Item.objects.count() == 1


def test_import_answers_201_with_items(api):
    response = api("analyst").upload("/imports", file=upload(csv_bytes(ROWS)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "done" and body["report"] and body["case"]
    new = next(r for r in body["rows"] if r["outcome"] == "new")
    assert Item.objects.get(pk=new["item"]).url == "https://social.test/api/1"
    again = api("analyst").get(f"/imports/{body['id']}")
    assert again.status_code == 200 and again.json()["rows"] == body["rows"]


def test_xlsx_through_the_api(api):
    data = xlsx_bytes([["URL"], ["https://social.test/x/1"], ["https://social.test/x/2"]])
    response = api("coordinator").upload("/imports", file=upload(data, "links.xlsx"))
    assert response.status_code == 201 and response.json()["counts"]["new"] == 2


def test_a_long_import_answers_202_then_progress(
    api, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_ROWS", 5)
    monkeypatch.setattr(services, "CHUNK_ROWS", 4)
    response = api("intake").upload("/imports", file=upload(csv_bytes(many_rows(10))))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "importing" and body["rows_total"] == 10 and "rows" not in body
    run_import(body["id"], max_chunks=1)
    progress = api("intake").get(f"/imports/{body['id']}").json()
    assert (progress["status"], progress["rows_done"], progress["percent"]) == ("importing", 4, 40)
    run_import(body["id"])
    done = api("intake").get(f"/imports/{body['id']}").json()
    assert done["status"] == "done" and len(done["rows"]) == 10


def test_refused_files_and_bad_fields_answer_the_api_error_format(api):
    response = api("intake").upload("/imports", file=upload(b"not a zip", "x.xlsx"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "import_refused"
    response = api("intake").upload("/imports", dry_run="maybe", file=upload(csv_bytes(ROWS)))
    assert response.json()["error"]["fields"]["dry_run"]
    response = api("intake").upload("/imports", other="x")
    assert response.status_code == 422 and "file" in response.json()["error"]["fields"]
    response = api("intake").upload("/imports", file=upload(csv_bytes(ROWS)), phenomenon="nope")
    assert response.status_code == 422 and "phenomenon" in response.json()["error"]["fields"]


def test_permissions(api):
    data = csv_bytes(many_rows(1))
    for role in ("admin", "auditor", "none"):
        response = api(role).upload("/imports", file=upload(data), dry_run="1")
        assert response.status_code == 403, role
    assert api(None).upload("/imports", file=upload(data)).status_code == 401
    assert api("intake").get(f"/imports/{'0' * 8}-0000-0000-0000-{'0' * 12}").status_code == 404
