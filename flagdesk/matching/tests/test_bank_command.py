"""``flagdesk bank``: list, create, import (with its report), export, reindex; clear errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from flagdesk.audit.models import AuditEntry
from flagdesk.matching.index.store import store
from flagdesk.matching.models import BankEntry, HashBank

from .factories import add, bank, random_pdq

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def run(*args: str, user: str | None = "carol", **kwargs: object) -> tuple[str, str]:
    """Run ``bank ARGS --user USER``; returns (stdout, stderr), raises CommandError like it."""
    out, err = io.StringIO(), io.StringIO()
    extra = ["--user", user] if user else []
    call_command("bank", *args, *extra, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_create_and_list(users):
    out, _ = run("create", "Partner X", "--kind", "partner", "--partner", "pat", "--shared")
    assert "partner-x" in out
    created = HashBank.objects.get(slug="partner-x")
    assert created.partner == users["partner"] and created.is_shared
    add(created, users["analyst"], ("pdq", random_pdq(1)), ("md5", MD5))
    out, _ = run("list")
    header, row = out.splitlines()
    assert header.split("\t")[0] == "slug"
    assert row.split("\t") == ["partner-x", "Partner X", "partner", "yes", "yes", "md5=1 pdq=1"]
    with pytest.raises(CommandError, match="name"):
        run("create", "partner x")


def test_import_prints_report_and_invalid_lines(users, tmp_path):
    bank(users["coordinator"], "Own")
    path = tmp_path / "partner.csv"
    path.write_text(f"signal_type,signal\npdq,{random_pdq(2)}\nmd5,{MD5}\npdq,nothex\nmd5,{MD5}\n")
    with pytest.raises(CommandError) as err:
        run("import", "own", str(path), "--dry-run")
    assert err.value.returncode == 1
    assert BankEntry.objects.count() == 0
    out = io.StringIO()
    errors = io.StringIO()
    with pytest.raises(CommandError) as err:
        call_command(
            "bank", "import", "own", str(path), "--user", "carol", stdout=out, stderr=errors
        )
    assert err.value.returncode == 1
    assert "2 hashes added, 1 already in the bank, 1 invalid rows skipped" in out.getvalue()
    assert errors.getvalue().startswith("line 4: PDQ hashes may only contain")
    assert BankEntry.objects.count() == 2
    assert AuditEntry.objects.filter(action="bank.import", actor=users["coordinator"]).exists()


def test_clean_import_exits_zero_and_dry_run_says_so(users, tmp_path):
    bank(users["coordinator"], "Own")
    path = tmp_path / "list.txt"
    path.write_text(f"# two\n{random_pdq(3)}\n{random_pdq(4)}\n")
    out, err = run("import", "own", str(path), "--type", "pdq", "--dry-run")
    assert "Dry run: 2 hashes would be added" in out and err == ""
    assert BankEntry.objects.count() == 0
    out, _ = run("import", "own", str(path), "--type", "pdq")
    assert out.startswith("2 hashes added")
    out, _ = run("import", "own", "-", "--format", "hashes", stdin=io.StringIO(f"md5 {MD5}\n"))
    assert out.startswith("1 hash added")


def test_export_to_stdout_and_file(users, tmp_path):
    own = bank(users["coordinator"], "Own")
    value = random_pdq(5)
    add(own, users["analyst"], ("pdq", value), ("md5", MD5))
    out, _ = run("export", "own")
    assert out.splitlines()[0] == "signal_type,signal,tags,quality,external_ref,added_at"
    assert {line.split(",")[1] for line in out.splitlines()[1:]} == {value, MD5}
    target = tmp_path / "own.txt"
    out, _ = run("export", "own", "--format", "hashes", "--type", "md5", "-o", str(target))
    assert out == "" and target.read_text().splitlines()[1:] == [MD5]
    with pytest.raises(CommandError, match="one signal type") as err:
        run("export", "own", "--format", "hashes")
    assert err.value.returncode == 2
    with pytest.raises(CommandError, match="--since"):
        run("export", "own", "--since", "last week")
    with pytest.raises(CommandError, match="cannot be written"):
        run("export", "own", "-o", str(tmp_path / "missing" / "x.csv"))


def test_reindex(users, matching_index_dir):
    own = bank(users["coordinator"], "Own")
    add(own, users["analyst"], ("pdq", random_pdq(6)), ("pdq", random_pdq(7)))
    out, _ = run("reindex", "--index", "pdq")
    assert out.strip() == "pdq: 2 hashes indexed."
    assert (matching_index_dir / "pdq" / "CURRENT").exists()
    assert len(store("pdq")) == 2
    out, _ = run("reindex")
    assert out.splitlines() == ["pdq: 2 hashes indexed.", "vpdq: 0 hashes indexed."]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "nope", "x.csv"), "No bank with the short name nope"),
        (("import", "own", "/does/not/exist.csv"), "no such file"),
        (("import", "own", ".", "--format", "csv"), "directory"),
        (("import", "own", "bank.xlsx"), "Cannot tell the format"),
        (("export", "nope"), "No bank"),
        (("export", "own", "--type", "tmk"), "Unknown signal type"),
    ],
)
def test_clear_errors(users, args, message):
    bank(users["coordinator"], "Own")
    with pytest.raises(CommandError, match=message) as err:
        run(*args)
    assert err.value.returncode == 2


def test_acting_user_is_required_and_must_manage_banks(users, monkeypatch):
    with pytest.raises(CommandError, match="--user"):
        run("list", user=None)
    with pytest.raises(CommandError, match="not an active coordinator"):
        run("list", user="alice")
    with pytest.raises(CommandError, match="No user"):
        run("list", user="ghost")
    monkeypatch.setenv("FLAGDESK_USER", "erin")
    out, _ = run("list", user=None)
    assert out.startswith("slug")


def test_bad_format_file_is_one_clear_line(users, tmp_path):
    bank(users["coordinator"], "Own")
    path = tmp_path / "bank.csv"
    path.write_bytes(b"signal_type,signal\npdq,\xff\n")
    with pytest.raises(CommandError, match="not UTF-8 text") as err:
        run("import", "own", str(path))
    assert err.value.returncode == 2


def test_command_line_errors_have_no_traceback():
    result = subprocess.run(
        [sys.executable, "manage.py", "bank", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "flagdesk.settings"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "--user" in result.stderr and "Traceback" not in result.stderr
