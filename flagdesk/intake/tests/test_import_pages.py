"""The Import page: upload, preview with per-row errors, confirm, summary and past imports."""

from __future__ import annotations

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import FLAGDESK
from flagdesk.cases.models import Item
from flagdesk.intake.models import Import

from .import_files import csv_bytes, many_rows

pytestmark = pytest.mark.django_db


def test_upload_preview_confirm_and_summary(client, users):
    client.force_login(users["intake"])
    data = csv_bytes([["url"], ["https://social.test/page/1"], ["not an address"]])
    response = client.post(
        reverse("intake:import"),
        {"file": SimpleUploadedFile("list.csv", data), "role": "professional"},
    )
    batch = Import.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "intake:import-detail", args=[batch.pk]
    )
    page = client.get(response.url).content.decode()
    assert "not an address" in page and "import-confirm" in page and not Item.objects.exists()
    problems = client.get(response.url, {"show": "problems"}).content.decode()
    assert "not an address" in problems and "https://social.test/page/1" not in problems
    client.post(reverse("intake:import-confirm", args=[batch.pk]))
    page = client.get(response.url).content.decode()
    batch.refresh_from_db()
    assert batch.status == "done" and batch.report.reference in page
    assert Item.objects.get().url == "https://social.test/page/1"
    listing = client.get(reverse("intake:import")).content.decode()
    assert "list.csv" in listing
    progress = client.get(reverse("intake:import-progress", args=[batch.pk])).json()
    assert progress == {
        "id": str(batch.pk), "status": "done", "rows_done": 2, "rows_total": 2, "percent": 100
    }  # fmt: skip


def test_a_refused_file_shows_why_on_the_form(client, users):
    client.force_login(users["analyst"])
    response = client.post(
        reverse("intake:import"),
        {"file": SimpleUploadedFile("x.xlsx", b"plain text"), "role": "professional"},
    )
    assert response.status_code == 200 and "zip" in response.content.decode()
    assert not Import.objects.exists()


def test_other_roles_cannot_open_the_page(client, users):
    for role in ("admin", "auditor", "partner"):
        client.force_login(users[role])
        assert client.get(reverse("intake:import")).status_code == 403


def run(instance, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLAGDESK), *args], env=instance.env, capture_output=True, text=True, timeout=180
    )


def test_the_command_line(fresh_instance, tmp_path):
    """``flagdesk import``: the per-row report, a dry run storing nothing, exit codes."""
    subprocess.run(
        [str(FLAGDESK), "user", "add", "ines", "--role", "intake"],
        input="a-long-pass-phrase\n",
        env=fresh_instance.env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    path = tmp_path / "links.csv"
    path.write_bytes(csv_bytes([*many_rows(3), ["ftp://social.test/x"]], encoding="utf-16"))
    dry = run(fresh_instance, "import", str(path), "--dry-run", "--as", "ines")
    assert dry.returncode == 0, dry.stderr  # readable: the row in error is listed, not fatal
    assert "5\terror\tftp://social.test/x" in dry.stdout
    assert "3 new" in dry.stdout and "UTF-16 LE" in dry.stdout
    last = "Dry run: 3 rows would be imported, 1 skipped; nothing was stored."
    assert dry.stdout.rstrip().endswith(last) and not dry.stderr
    anyone = run(fresh_instance, "import", str(path), "--dry-run")  # no --as for a check
    assert anyone.returncode == 0 and anyone.stdout.rstrip().endswith(last), anyone.stderr
    nobody = run(fresh_instance, "import", str(path), "--dry-run", "--as", "nobody")
    assert nobody.returncode == 2 and "--as" in nobody.stderr
    assert run(fresh_instance, "import", str(path)).returncode == 2  # a real import needs --as
    refused = run(fresh_instance, "import", str(tmp_path / "missing.csv"), "--as", "ines")
    assert refused.returncode == 2 and "missing.csv" in refused.stderr
    path.write_bytes(b"name\nx\n")
    assert run(fresh_instance, "import", str(path), "--as", "ines").returncode == 2
    path.write_bytes(csv_bytes(many_rows(3)))
    done = run(fresh_instance, "import-csv", str(path), "--as", "ines", "--phenomenon", "ncii")
    assert done.returncode == 0, done.stderr
    assert "2\tnew\thttps://social.test/p/0" in done.stdout and "done" in done.stdout
    again = run(fresh_instance, "import", str(path), "--as", "ines")
    assert again.returncode == 0 and again.stdout.count("\tjoin\t") == 3
