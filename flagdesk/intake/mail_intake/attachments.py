"""Each attachment of a mail hashed like an upload, or refused with its reason; never kept.

A file is refused, in order: beyond ``MAX_ATTACHMENTS``, over ``MAX_ATTACHMENT_BYTES``, an
archive or a program (by its first bytes or its name: an officer must not be tempted to open
it), or anything the matching code refuses (not a picture or video, a picture that does not
decode, a decompression bomb: ``matching.media.hash_media``, which decodes in a child process
with memory and time limits). Every file, refused or not, keeps its SHA-256 and MD5 and its
size; the bytes go out of scope when the mail is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from flagdesk.matching.media import HashingBusy, MediaRejected, hash_media

from .reading import MAX_ATTACHMENTS, RawAttachment

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"BZh")
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
ARCHIVE_EXTENSIONS = frozenset(
    ".zip .rar .7z .gz .tgz .bz2 .xz .tar .cab .iso .img .jar .apk .zst".split()
)
PROGRAM_EXTENSIONS = frozenset(
    (
        ".exe .com .scr .bat .cmd .msi .dll .ps1 .vbs .vbe .js .jse .wsf .hta .lnk .sh .elf "
        ".app .dmg .pif .cpl .reg .docm .xlsm .pptm"
    ).split()
)


@dataclass(frozen=True)
class CheckedAttachment:
    """What is kept of one file: its record, never its bytes."""

    filename: str
    declared_type: str
    size: int
    sha256: str
    md5: str
    detected_type: str = ""
    kind: str = ""
    signals: list[dict[str, object]] = field(default_factory=list)
    refusal: str = ""
    refusal_detail: str = ""


def check_attachments(files: tuple[RawAttachment, ...]) -> list[CheckedAttachment]:
    """Hash or refuse each file. ``HashingBusy`` (every hashing slot taken) goes up to the
    caller: the mail is then read again at the next poll, not stored without its hashes."""
    return [_check(f, refused_for_count=n >= MAX_ATTACHMENTS) for n, f in enumerate(files)]


def _check(f: RawAttachment, *, refused_for_count: bool) -> CheckedAttachment:
    data = f.data
    base = {
        "filename": f.filename,
        "declared_type": f.declared_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
    }
    extension = PurePosixPath(f.filename.lower()).suffix
    head = data[:16]
    if refused_for_count:
        return CheckedAttachment(**base, refusal="too_many")
    if len(data) > MAX_ATTACHMENT_BYTES:
        return CheckedAttachment(**base, refusal="too_big", refusal_detail=str(len(data)))
    if head.startswith(_ARCHIVES) or extension in ARCHIVE_EXTENSIONS:
        return CheckedAttachment(**base, detected_type="archive", refusal="archive")
    if head.startswith(_PROGRAMS) or extension in PROGRAM_EXTENSIONS:
        return CheckedAttachment(**base, detected_type="program", refusal="executable")
    if not data:
        return CheckedAttachment(**base, refusal="unreadable")
    try:
        hashed = hash_media(data, filename=f.filename, declared_mime=f.declared_type)
    except HashingBusy:
        raise
    except MediaRejected as e:
        return CheckedAttachment(**base, refusal="media", refusal_detail=str(e.message)[:300])
    return CheckedAttachment(
        **base,
        detected_type=hashed.mime,
        kind=hashed.kind,
        signals=[
            {"signal_type": s.signal_type, "value": s.value, "quality": s.quality}
            for s in hashed.signals
        ],
    )
