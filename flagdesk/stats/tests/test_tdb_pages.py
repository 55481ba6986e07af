"""The Transparency Database page per role, the upload, the CLI and the API."""

from __future__ import annotations

import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from flagdesk.notices.services import record_response
from flagdesk.site.cli import translate_argv
from flagdesk.stats.models import TdbImport
from flagdesk.stats.tdb.importing import import_dump

from .tdb_dumps import bare_csv, csv_bytes, daily_zip, statement

pytestmark = pytest.mark.django_db
URL = "/staff/stats/transparency-database/"


def test_the_route_name():
    assert reverse("stats:tdb") == URL


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("auditor", 200), ("analyst", 403), ("admin", 403), (None, 302)],
)
def test_who_may_open_the_page(client, users, role, status):
    if role:
        client.force_login(users[role])
    assert client.get(URL).status_code == status


def test_the_page_shows_imports_months_and_differences(client, users, notified, tmp_path):
    _item, notice = notified("page1")
    record_response(
        notice, actor=users["analyst"], kind="decision", decision="refused",
        received_at=timezone.now(),
    )  # fmt: skip
    import_dump(bare_csv(tmp_path / "x.csv", [statement(puid="page1"), statement(uuid="bad")]))
    client.force_login(users["auditor"])
    page = unescape(client.get(URL).content.decode())
    assert "x.csv" in page and "x.csv:3 uuid not a UUID" in page
    assert notice.reference in page
    assert "Action: Removed in the database; the platform told us: Refused." in page
    assert "2026-11" in page
    assert 'type="file"' not in page  # auditors read; only coordinators import


def test_a_coordinator_imports_a_small_file_from_the_page(client, users, platform):
    client.force_login(users["coordinator"])
    upload = SimpleUploadedFile("platform.csv", csv_bytes([statement(), statement()]))
    response = client.post(URL, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    page = unescape(response.content.decode())
    assert "platform.csv imported: 2 statements read, 2 of platforms in the registry" in page
    imp = TdbImport.objects.get()
    assert (imp.status, imp.imported_by) == ("done", users["coordinator"])
    again = client.post(URL, {"file": SimpleUploadedFile("copy.csv", upload.file.getvalue())})
    assert "already imported" in unescape(again.content.decode())
    assert TdbImport.objects.count() == 1


def test_a_file_too_big_for_the_page_points_to_the_cli(client, users, settings, platform):
    settings.TDB_UPLOAD_MAX_BYTES = 100
    client.force_login(users["coordinator"])
    upload = SimpleUploadedFile("big.csv", csv_bytes([statement()]))
    page = unescape(client.post(URL, {"file": upload}).content.decode())
    assert "flagdesk tdb import FILE" in page
    assert not TdbImport.objects.exists()


def test_a_failed_upload_says_why(client, users, platform):
    client.force_login(users["coordinator"])
    upload = SimpleUploadedFile("dump.zip", b"not a zip at all")
    page = unescape(client.post(URL, {"file": upload}, follow=True).content.decode())
    assert "dump.zip was not imported" in page and "not a ZIP archive" in page


def test_an_auditor_may_not_import(client, users, platform):
    client.force_login(users["auditor"])
    upload = SimpleUploadedFile("x.csv", csv_bytes([statement()]))
    assert client.post(URL, {"file": upload}).status_code == 403
    assert not TdbImport.objects.exists()


def test_the_cli_imports_files_and_prints_a_table(tmp_path, platform):
    assert translate_argv(["flagdesk", "tdb", "import", "a.zip"]) == [
        "flagdesk", "tdb_import", "a.zip",
    ]  # fmt: skip
    good = daily_zip(tmp_path / "sor-global-2026-11-03-full.zip", [[statement()]])
    out = io.StringIO()
    call_command("tdb_import", str(good), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "file",
        "status",
        "rows",
        "ours",
        "others",
        "bad",
        "stored",
        "linked",
    ]
    assert lines[1].split() == [
        "sor-global-2026-11-03-full.zip",
        "done",
        "1",
        "1",
        "0",
        "0",
        "0",
        "0",
    ]
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"nope")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("tdb_import", str(good), str(bad), stdout=io.StringIO(), stderr=err)
    assert "already imported" in err.getvalue() and "not a ZIP archive" in err.getvalue()


def test_the_api_comparison(api, users, notified, tmp_path):
    notified("api1")
    import_dump(bare_csv(tmp_path / "x.csv", [statement(puid="api1")]))
    response = api("auditor").get("/stats/tdb/comparison", platform="social", **{"from": "2026-11"})
    assert response.status_code == 200, response.content
    body = response.json()
    [month] = body["months"]
    assert month["month"] == "2026-11" and month["tdb"]["trusted_flagger"] == 1
    assert month["ours"]["actions"]["pending"] == 1
    [difference] = body["differences"]
    assert difference["differs"] == ["action"] and difference["notice"]
    assert api("analyst").get("/stats/tdb/comparison").status_code == 403
    bad = api("auditor").get("/stats/tdb/comparison", to="soon")
    assert bad.status_code == 422 and "to" in bad.json()["error"]["fields"]
    unknown = api("auditor").get("/stats/tdb/comparison", platform="nosuch")
    assert unknown.status_code == 422


def test_the_page_queries_stay_flat_as_differences_grow(client, users, notified, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    client.force_login(users["coordinator"])
    notified("q0")
    import_dump(bare_csv(tmp_path / "a.csv", [statement(puid="q0")]))
    few = count()
    for n in range(1, 6):
        notified(f"q{n}")
    import_dump(bare_csv(tmp_path / "b.csv", [statement(puid=f"q{n}") for n in range(1, 6)]))
    assert count() <= few
