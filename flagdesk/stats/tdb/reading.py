"""Reading the Transparency Database's dump files as a stream of CSV rows.

The TDB publishes daily archives (``sor-global-2026-11-30-full.zip``) that hold further ZIP
parts (``...-full-00000.csv.zip``), each with one CSV file; a per-platform download or a test
file may be one CSV in a ZIP, or a bare ``.csv``. A full day runs to gigabytes, so nothing is
extracted to disk or read whole into memory: the outer archive is read with ``zipfile`` (it is
a file on disk), an inner part with ``StreamedZip``, which walks the part's local headers in
order and inflates as the CSV reader asks for text.

Archives are checked before they are read and while they are: too many members, declared sizes
beyond ``MAX_UNCOMPRESSED``, or more than ``MAX_RATIO`` bytes out per byte in are refused as a
ZIP bomb. A dump's CSV compresses about ten to one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from flagdesk.core.errors import ValidationFailed

MAX_MEMBERS = 2000
MAX_RATIO = 200
MAX_UNCOMPRESSED = 200 * 1024**3  # a whole day's statements, with room to grow
CHUNK = 256 * 1024
# A statement's longest texts add up to about 12,000 characters (legal.md d.).
MAX_LINE = 128 * 1024


class DumpError(ValidationFailed):
    """The file cannot be read as a dump: the import stops and is marked failed."""

    code = "tdb_dump"


def _bomb() -> DumpError:
    return DumpError(
        _(
            "The archive expands far more than a dump does (more than %(ratio)d times, or "
            "beyond its declared size): it looks like a ZIP bomb and was not read."
        )
        % {"ratio": MAX_RATIO}
    )


class _Inflating(io.RawIOBase):
    """One member of a streamed ZIP, inflated on demand, its output bounded by the ratio."""

    def __init__(self, source: _Source, method: int, size: int | None, limit: int) -> None:
        self.source, self.method, self.size, self.limit = source, method, size, limit
        self.inflater = zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else None
        self.stored_left = size if method == zipfile.ZIP_STORED else None
        self.pending = b""
        self.produced = 0
        self.consumed = 0
        self.crc = 0
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.pending and not self.done:
            self._more()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def _more(self) -> None:
        if self.stored_left is not None:
            data = self.source.read(min(CHUNK, self.stored_left))
            if not data and self.stored_left:
                raise DumpError(_("The archive ends in the middle of a file."))
            self.stored_left -= len(data)
            self.consumed += len(data)
            self.done = self.stored_left == 0
            out = data
        elif (inflater := self.inflater) is not None:
            # What the last call left unread goes first: the input held stays one chunk.
            data = inflater.unconsumed_tail
            if not data:
                data = self.source.read(CHUNK)
                if not data:
                    raise DumpError(_("The archive ends in the middle of a file."))
                self.consumed += len(data)
            try:
                # Bounded output per call: a bomb never gets to fill memory in one step.
                out = inflater.decompress(data, CHUNK * 4)
            except zlib.error:
                raise DumpError(_("A file in the archive is damaged.")) from None
            if inflater.eof:
                self.source.push_back(inflater.unused_data)
                self.done = True
        else:
            raise DumpError(_("The archive uses a compression method dumps do not use."))
        self.produced += len(out)
        if self.produced > self.limit or self.produced > MAX_RATIO * max(self.consumed, CHUNK):
            raise _bomb()
        self.crc = zlib.crc32(out, self.crc)
        self.pending = out


class _Source:
    """A byte stream read forwards, with room to give back what the inflater did not use."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.back = raw, b""

    def read(self, n: int) -> bytes:
        if self.back:
            data, self.back = self.back[:n], self.back[n:]
            return data
        return self.raw.read(n)

    def exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            more = self.read(n - len(data))
            if not more:
                raise DumpError(_("The archive ends in the middle of a file."))
            data += more
        return data

    def push_back(self, data: bytes) -> None:
        self.back = data + self.back


LOCAL = b"PK\x03\x04"


def streamed_zip(raw: IO[bytes], *, limit: int) -> Iterator[tuple[str, IO[bytes]]]:
    """(name, bytes) for each member of a ZIP read strictly forwards (local headers, no
    central directory), deflated or stored; a member must be read to its end before the
    next one is asked for."""
    source = _Source(raw)
    count = 0
    while True:
        signature = source.read(4)
        if signature != LOCAL:
            if count == 0:
                raise DumpError(_("A part of the archive is not a ZIP file."))
            if signature not in (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06"):
                raise DumpError(_("A file in the archive is damaged."))
            return  # the central directory: every member has been read
        count += 1
        if count > MAX_MEMBERS:
            raise DumpError(_("The archive holds too many files for a dump."))
        header = source.exact(26)
        _ver, flags, method, _t, _d, crc, csize, usize, name_len, extra_len = struct.unpack(
            "<HHHHHIIIHH", header
        )
        name = source.exact(name_len).decode("utf-8", "replace")
        source.exact(extra_len)
        if flags & 0x1:
            raise DumpError(_("The archive is encrypted."))
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise DumpError(_("The archive uses a compression method dumps do not use."))
        described = bool(flags & 0x8)  # sizes and CRC follow the data instead
        if method == zipfile.ZIP_STORED and (described or usize == 0xFFFFFFFF):
            raise DumpError(_("The archive stores a file in a way that cannot be streamed."))
        known = not described and usize != 0xFFFFFFFF
        if known and (usize > limit or usize > MAX_RATIO * max(csize, CHUNK)):
            raise _bomb()
        member = _Inflating(source, method, usize if method == zipfile.ZIP_STORED else None, limit)
        reader = io.BufferedReader(member, CHUNK)
        yield name, reader
        while not member.done:  # the caller stopped early: skip to the next header
            member._more()
            member.pending = b""
        if described:
            descriptor = source.exact(12)
            if descriptor[:4] == b"PK\x07\x08":
                descriptor = descriptor[4:] + source.exact(4)
            crc = struct.unpack("<I", descriptor[:4])[0]
            # A ZIP64 descriptor has 8-byte sizes; the next header's signature tells.
            peek = source.read(4)
            if peek != LOCAL and peek[:2] != b"PK":
                source.exact(4)
                peek = source.read(4)
            source.push_back(peek)
        if member.crc != crc:
            raise DumpError(_("A file in the archive is damaged (checksum)."))


@dataclass(frozen=True)
class Part:
    """One CSV of a dump: its name (for error messages) and its bytes."""

    name: str
    stream: IO[bytes]


def _check_outer(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise DumpError(_("The archive holds too many files for a dump."))
    total = 0
    for info in members:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise DumpError(_("The archive is encrypted."))
        ratio = info.file_size / max(info.compress_size, CHUNK)
        if ratio > MAX_RATIO or total > MAX_UNCOMPRESSED:
            raise _bomb()


def parts(path: Path) -> Iterator[Part]:
    """The CSV files of a dump, in name order, as byte streams (see the module's docstring)."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as f:
            yield Part(path.name, f)
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise DumpError(
            _("The file is not a ZIP archive or a CSV file; a dump is a .zip or a .csv.")
        ) from None
    with archive:
        _check_outer(archive)
        members = sorted(
            (i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename),
            key=lambda i: i.filename,
        )
        if not any(i.filename.lower().endswith((".csv", ".zip")) for i in members):
            raise DumpError(_("The archive holds no CSV file."))
        for info in members:
            lower = info.filename.lower()
            if lower.endswith(".csv"):
                with archive.open(info) as f:
                    yield Part(info.filename, f)
            elif lower.endswith(".zip"):
                with archive.open(info) as f:
                    for name, inner in streamed_zip(f, limit=MAX_UNCOMPRESSED):
                        if name.lower().endswith(".csv"):
                            yield Part(name, inner)


def _lines(text: io.TextIOWrapper, part: str) -> Iterator[str]:
    """The text's lines, none longer than ``MAX_LINE``: iterating the wrapper itself would
    gather a line without end in memory before the CSV reader could refuse its length."""
    while line := text.readline(MAX_LINE):
        if len(line) == MAX_LINE and not line.endswith("\n"):
            raise DumpError(
                _("%(part)s has a line longer than %(max)d characters: it is not a dump.")
                % {"part": part, "max": MAX_LINE}
            )
        yield line


def csv_rows(part: Part) -> Iterator[list[str]]:
    """The rows of one CSV part (header first) as lists; UTF-8 (with or without BOM) only."""
    text = io.TextIOWrapper(part.stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield from csv.reader(_lines(text, part.name), strict=False)
    except UnicodeDecodeError:
        raise DumpError(
            _("%(part)s is not UTF-8 text; dumps are UTF-8.") % {"part": part.name}
        ) from None
    except csv.Error as e:
        raise DumpError(
            _("%(part)s cannot be read as CSV: %(problem)s.") % {"part": part.name, "problem": e}
        ) from None
    finally:
        # Hand the bytes back to their owner (``parts``), which closes them; by then they
        # may be closed already when the reader stopped early.
        with contextlib.suppress(ValueError):
            text.detach()
