"""Checking a court bundle offline, as ``sha256sum -c`` and ``openssl ts -verify`` would,
in one pass: ``flagdesk evidence verify BUNDLE.zip`` (exit 0 only when nothing is wrong).

The bundle may come from anyone, so nothing in it is trusted or extracted: names are checked
before use, members are hashed as they stream out of the ZIP, and a file outside the layout is
a problem even when ``SHA256SUMS`` lists it. The timestamps are checked against the bundled
certificates, or against ``trusted`` ones obtained from the authority itself: a forger could
bundle a chain of their own, which is why the summary prints the chain's fingerprints.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from django.utils.translation import gettext as _
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from ..manifest import is_safe_name, parse_manifest
from . import layout

_CHUNK = 1024 * 1024
_LINK = 0o120000


@dataclass
class CaptureCheck:
    path: str
    files: int = 0
    timestamp_at: datetime | None = None


@dataclass
class BundleCheck:
    problems: list[str] = field(default_factory=list)
    files: int = 0
    captures: list[CaptureCheck] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems


def _members(archive: zipfile.ZipFile, check: BundleCheck) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename
        if not is_safe_name(name):
            check.problems.append(_("%(name)s: an unsafe name in a bundle.") % {"name": name[:200]})
        elif name in members:
            check.problems.append(_("%(name)s: in the bundle twice.") % {"name": name})
        elif (info.external_attr >> 16) & 0o170000 == _LINK:
            check.problems.append(_("%(name)s: a link, not a file.") % {"name": name})
        else:
            members[name] = info
    return members


def _hash(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    digest = hashlib.sha256()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return digest.hexdigest()


def _check_sums(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], check: BundleCheck
) -> dict[str, str]:
    """Each member's SHA-256 (as read now), compared with ``SHA256SUMS``."""
    hashes: dict[str, str] = {}
    for name, info in sorted(members.items()):
        digest = _hash(archive, info)
        if digest is None:
            check.problems.append(_("%(name)s: cannot be read from the ZIP.") % {"name": name})
        else:
            hashes[name] = digest
    check.files = len(members)
    if layout.SUMS not in members:
        check.problems.append(_("%(name)s is missing.") % {"name": layout.SUMS})
        return hashes
    try:
        listed = dict(parse_manifest(archive.read(members[layout.SUMS]).decode()))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile) as e:
        check.problems.append(f"{layout.SUMS}: {e}")
        return hashes
    for name in sorted(set(members) - set(listed) - {layout.SUMS}):
        check.problems.append(_("%(name)s: not listed in SHA256SUMS.") % {"name": name})
    for name, digest in sorted(listed.items()):
        if name not in members:
            check.problems.append(_("%(name)s: listed in SHA256SUMS but missing.") % {"name": name})
        elif name in hashes and hashes[name] != digest:
            check.problems.append(_("%(name)s: does not match SHA256SUMS.") % {"name": name})
    return hashes


def _chain(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], check: BundleCheck
) -> list[x509.Certificate]:
    if layout.CHAIN not in members:
        return []
    try:
        return x509.load_pem_x509_certificates(archive.read(members[layout.CHAIN]))
    except (ValueError, zipfile.BadZipFile):
        check.problems.append(_("%(name)s: not PEM certificates.") % {"name": layout.CHAIN})
        return []


def _timestamp_problem(
    token: bytes, manifest: bytes, roots: list[x509.Certificate]
) -> tuple[str, datetime | None]:
    try:
        response = decode_timestamp_response(token)
    except ValueError:
        return _("not an RFC 3161 timestamp."), None
    if response.tst_info.message_imprint.message != hashlib.sha256(manifest).digest():
        return _("the timestamp is not of this manifest."), None
    if not roots:
        return _("no certificate to check the timestamp's signature against."), None
    builder = VerifierBuilder()
    for certificate in dict.fromkeys(roots):
        builder = builder.add_root_certificate(certificate)
    try:
        builder.build().verify_message(response, manifest)
    except (VerificationError, ValueError) as e:
        return _("the timestamp's signature is not valid: %(error)s") % {"error": e}, None
    return "", response.tst_info.gen_time


def _check_capture(
    archive: zipfile.ZipFile,
    folder: str,
    names: set[str],
    members: dict[str, zipfile.ZipInfo],
    hashes: dict[str, str],
    roots: list[x509.Certificate],
    check: BundleCheck,
) -> None:
    capture = CaptureCheck(folder)
    check.captures.append(capture)
    manifest_name = f"{folder}/{layout.MANIFEST}"
    if layout.MANIFEST not in names:
        check.problems.append(_("%(name)s is missing.") % {"name": manifest_name})
        return
    manifest = archive.read(members[manifest_name])
    try:
        listed = parse_manifest(manifest.decode())
    except (ValueError, UnicodeDecodeError) as e:
        check.problems.append(f"{manifest_name}: {e}")
        return
    for name, digest in listed:
        member = f"{folder}/{name}"
        if name not in names:
            check.problems.append(
                _("%(name)s: listed in its capture's manifest but missing.") % {"name": member}
            )
        elif hashes.get(member) != digest:
            check.problems.append(
                _("%(name)s: does not match its capture's manifest.") % {"name": member}
            )
    capture.files = len(listed)
    for name in sorted(names - {n for n, _d in listed} - layout.CAPTURE_OWN):
        check.problems.append(
            _("%(name)s: not listed in its capture's manifest.") % {"name": f"{folder}/{name}"}
        )
    if layout.TOKEN in names:
        token_name = f"{folder}/{layout.TOKEN}"
        problem, capture.timestamp_at = _timestamp_problem(
            archive.read(members[token_name]), manifest, roots
        )
        if problem:
            check.problems.append(f"{token_name}: {problem}")


def check_bundle(path: Path, *, trusted: list[x509.Certificate] | None = None) -> BundleCheck:
    """Everything wrong with the bundle at ``path`` (``problems``), and what was checked."""
    check = BundleCheck()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        check.problems.append(
            _("%(path)s: not a readable ZIP file (%(error)s).")
            % {"path": path, "error": getattr(e, "strerror", None) or e}
        )
        return check
    with archive:
        members = _members(archive, check)
        hashes = _check_sums(archive, members, check)
        roots = trusted if trusted is not None else _chain(archive, members, check)
        folders: dict[str, set[str]] = defaultdict(set)
        for name in members:
            if match := layout.CAPTURE_PATH.match(name):
                folders[match["dir"]].add(match["file"])
            elif name not in layout.TOP_LEVEL:
                check.problems.append(_("%(name)s: not part of a bundle.") % {"name": name})
        for required in (layout.README, layout.SUMMARY, layout.CHECKS):
            if required not in members:
                check.problems.append(_("%(name)s is missing.") % {"name": required})
        for folder, names in sorted(folders.items()):
            _check_capture(archive, folder, names, members, hashes, roots, check)
    return check


def verify_bundle(path: Path, *, trusted: list[x509.Certificate] | None = None) -> list[str]:
    """One line per problem; empty when every file matches ``SHA256SUMS`` and its capture's
    manifest, and every timestamp verifies."""
    return check_bundle(path, trusted=trusted).problems
