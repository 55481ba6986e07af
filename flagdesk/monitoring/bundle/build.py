"""Making a court bundle: one ZIP per case (or some of its items) that a court or a police
expert checks offline with ``sha256sum`` and ``openssl ts`` (``layout`` says what goes where,
docs/monitoring.md "Court bundle" how to check it).

Every export is audited (``evidence.bundle``) with the case reference, counts and the
ZIP's own SHA-256, so that a bundle produced in court can be matched to the export that made
it; the entry is written after the ZIP is complete, and a failure to write it fails the export.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile, ZipInfo

from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone

from flagdesk.audit.anchoring import tsa_certificates
from flagdesk.audit.services import record
from flagdesk.cases.models import Case, Item

from ..manifest import is_safe_name, manifest_text, sha256_hex
from ..models import Capture
from ..storage import EvidenceMissing
from . import layout
from .contents import BundledCapture, BundledItem, bundled_items, read_files
from .records import capture_json, checks_csv
from .summary import context, readme_text, summary_pdf

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

# Already compressed: deflating them again costs time and saves nothing.
_STORED_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gz", ".zip", ".pdf", ".mp4", ".tsr")
_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BundleReport:
    """What was exported: the audit entry's data, and a file name for the download."""

    case_reference: str
    filename: str
    items: int
    captures: int
    files: int
    timestamps: int
    unavailable: int
    size: int
    sha256: str

    def audit_data(self) -> dict[str, int | str]:
        return {
            "case": self.case_reference,
            "items": self.items,
            "captures": self.captures,
            "files": self.files,
            "timestamps": self.timestamps,
            "unavailable": self.unavailable,
            "bytes": self.size,
            "sha256": self.sha256,
        }


class _Writer:
    """A ZIP in which every name is safe and written once, keeping each file's SHA-256 for
    ``SHA256SUMS``."""

    def __init__(self, out: BinaryIO, at: datetime) -> None:
        self.zip = ZipFile(out, "w")
        self.date_time = at.astimezone(UTC).timetuple()[:6]
        self.sums: dict[str, str] = {}

    def add(self, name: str, data: bytes) -> None:
        if not is_safe_name(name) or name in self.sums or name == layout.SUMS:
            raise ValueError(f"refusing a second or unsafe name in a bundle: {name!r}")
        info = ZipInfo(name, date_time=self.date_time)
        info.compress_type = ZIP_STORED if name.endswith(_STORED_SUFFIXES) else ZIP_DEFLATED
        info.external_attr = 0o100644 << 16  # a regular file, readable: never a link
        self.zip.writestr(info, data)
        self.sums[name] = sha256_hex(data)

    def close(self) -> None:
        info = ZipInfo(layout.SUMS, date_time=self.date_time)
        info.external_attr = 0o100644 << 16
        info.compress_type = ZIP_DEFLATED
        self.zip.writestr(info, manifest_text(self.sums.items()).encode())
        self.zip.close()


def _add_captures(writer: _Writer, items: list[BundledItem]) -> None:
    for item in items:
        for bundled in item.captures:
            if bundled.capture.status != Capture.Status.DONE:
                continue
            try:
                read = read_files(bundled)
            except EvidenceMissing as e:
                bundled.unavailable = str(e.message)
                continue
            bundled.path = layout.capture_dir(item.path, str(bundled.capture.id))
            writer.add(f"{bundled.path}/{layout.MANIFEST}", read.manifest)
            if bundled.capture.timestamp_token:
                writer.add(f"{bundled.path}/{layout.TOKEN}", bytes(bundled.capture.timestamp_token))
            writer.add(f"{bundled.path}/{layout.CAPTURE_INFO}", capture_json(bundled, item))
            for capture_file, data in read.files:
                writer.add(f"{bundled.path}/{capture_file.name}", data)


def _write(out: BinaryIO, case: Case, items: list[BundledItem], at: datetime) -> None:
    certificates = tsa_certificates()
    writer = _Writer(out, at)
    _add_captures(writer, items)
    writer.add(layout.CHECKS, checks_csv(items))
    if certificates:
        writer.add(layout.CHAIN, b"".join(c.public_bytes(Encoding.PEM) for c in certificates))
    summary = context(
        case_reference=case.reference, items=items, generated_at=at, certificates=certificates
    )
    writer.add(layout.SUMMARY, summary_pdf(summary))
    writer.add(layout.README, readme_text(summary))
    writer.close()


def _sha256_from(out: BinaryIO, start: int) -> tuple[int, str]:
    end = out.tell()
    out.seek(start)
    digest = hashlib.sha256()
    while chunk := out.read(min(_HASH_CHUNK, end - out.tell())):
        digest.update(chunk)
    out.seek(end)
    return end - start, digest.hexdigest()


def bundle_filename(case: Case, at: datetime) -> str:
    return f"{case.reference}-bundle-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"


def write_bundle(
    out: BinaryIO | Path,
    *,
    case: Case,
    items: list[Item] | None = None,
    actor: User | None,
    reason: str = "",
) -> BundleReport:
    """Write the court bundle of ``case`` (or of ``items``, all of the case) to ``out``: a
    seekable binary file, or a path to create. Audited as ``evidence.bundle``, with
    ``reason`` (already checked by the caller, e.g. ``audit.reasons.access_reason``).

    The caller checks that ``actor`` may export the case's evidence; ``ValidationFailed``
    when an item is not the case's. A capture whose files cannot be read is named in the
    summary with the reason, not left out silently.
    """
    if isinstance(out, Path):
        try:
            with out.open("w+b") as stream:
                return write_bundle(stream, case=case, items=items, actor=actor, reason=reason)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    at = timezone.now()
    bundled = bundled_items(case, items)
    start = out.tell()
    _write(out, case, bundled, at)
    size, digest = _sha256_from(out, start)
    captures: list[BundledCapture] = [c for item in bundled for c in item.captures if c.path]
    report = BundleReport(
        case_reference=case.reference,
        filename=bundle_filename(case, at),
        items=len(bundled),
        captures=len(captures),
        files=sum(len(c.files) for c in captures),
        timestamps=sum(1 for c in captures if c.capture.timestamp_token),
        unavailable=sum(1 for item in bundled for c in item.captures if c.unavailable),
        size=size,
        sha256=digest,
    )
    record(
        "evidence.bundle",
        actor=actor,
        target=f"case:{case.pk}",
        reason=reason,
        data=report.audit_data(),
    )
    return report


def build_bundle(
    *, case: Case, items: list[Item] | None = None, actor: User | None, reason: str = ""
) -> bytes:
    """The court bundle as bytes (small cases; ``write_bundle`` to a file for large ones)."""
    buffer = io.BytesIO()
    write_bundle(buffer, case=case, items=items, actor=actor, reason=reason)
    return buffer.getvalue()
