"""Reading what the caller hands us (bytes, a path, an upload) with bounded memory.

Images are small enough to hold (the byte limit is 30 MB by default); videos are streamed in
1 MiB chunks through MD5 and SHA-256, and vpdq reads them from a file. Nothing is written
anywhere permanent: a video that only exists in memory goes to a private temporary directory
(mode 0700, file mode 0600) that is removed before ``hash_media`` returns, also on error.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from flagdesk.core.uploads import megabytes
from flagdesk.matching.signal_types import Md5, Sha256

from .errors import MediaRejected

CHUNK_BYTES = 1024 * 1024
DEFAULT_MAX_IMAGE_BYTES = 30 * 1024 * 1024
DEFAULT_MAX_VIDEO_BYTES = 500 * 1024 * 1024
Source = bytes | Path | UploadedFile


@dataclass
class Digests:
    md5: str
    sha256: str


class OpenedSource:
    """One readable, seekable view of any source, with its size and, if it has one, a path."""

    def __init__(self, source: Source) -> None:
        self._owned: IO[bytes] | None = None
        self.path: Path | None = None
        self.name = ""
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            self.file: IO[bytes] = io.BytesIO(data)
            self.size = len(data)
        elif isinstance(source, Path):
            # Opening first and asking the open file for its size avoids a stat/open race;
            # O_NONBLOCK keeps a FIFO from hanging us before the regular-file check.
            descriptor = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                os.close(descriptor)
                raise MediaRejected(_("The file is not a regular file."))
            self._owned = self.file = os.fdopen(descriptor, "rb")
            self.size = status.st_size
            self.path = source
            self.name = source.name
        elif isinstance(source, UploadedFile):
            self.file = source.file  # type: ignore[assignment]
            self.size = int(source.size or 0)
            self.name = source.name or ""
            temporary_path = getattr(source, "temporary_file_path", None)
            if temporary_path is not None:
                self.path = Path(temporary_path())
        else:
            raise TypeError(f"cannot hash a {type(source).__name__}")

    def close(self) -> None:
        """Close what we opened; rewind what the caller owns, so it can still save an upload."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None
        elif not self.file.closed:
            self.file.seek(0)

    def head(self, count: int) -> bytes:
        self.file.seek(0)
        return self.file.read(count)

    def tail(self, count: int) -> bytes:
        self.file.seek(max(self.size - count, 0))
        return self.file.read(count)

    def read_all(self, limit: int) -> bytes:
        """The whole content; more than ``limit`` bytes (a file still growing) is refused."""
        self.file.seek(0)
        data = self.file.read(limit + 1)
        if len(data) > limit:
            raise too_big(limit)
        return data

    def chunks(self, limit: int) -> Iterator[bytes]:
        self.file.seek(0)
        total = 0
        while chunk := self.file.read(CHUNK_BYTES):
            total += len(chunk)
            if total > limit:
                raise too_big(limit)
            yield chunk

    @contextmanager
    def as_file(self, limit: int, suffix: str) -> Iterator[tuple[Path, Digests]]:
        """A path vpdq can read plus the file's digests, computed in the same single pass."""
        md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
        if self.path is not None:
            for chunk in self.chunks(limit):
                md5.update(chunk)
                sha256.update(chunk)
            yield self.path, Digests(md5.hexdigest(), sha256.hexdigest())
            return
        directory = tempfile.mkdtemp(prefix="flagdesk-media-")  # created with mode 0700
        try:
            path = Path(directory) / f"upload{suffix}"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                for chunk in self.chunks(limit):
                    md5.update(chunk)
                    sha256.update(chunk)
                    out.write(chunk)
            yield path, Digests(md5.hexdigest(), sha256.hexdigest())
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def digests_of(data: bytes) -> Digests:
    return Digests(Md5.of(data), Sha256.of(data))


def byte_limit(kind: str) -> int:
    """The largest file of this kind (``"image"`` or ``"video"``) we accept, in bytes."""
    if kind == "image":
        return int(getattr(settings, "MATCHING_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES))
    return int(getattr(settings, "MATCHING_MAX_VIDEO_BYTES", DEFAULT_MAX_VIDEO_BYTES))


def largest_byte_limit() -> int:
    """The largest file of any kind we accept: what a body carrying one may weigh."""
    return max(byte_limit("image"), byte_limit("video"))


def too_big(limit: int) -> MediaRejected:
    return MediaRejected(
        _("The file is too large (at most %(megabytes)s MB).") % {"megabytes": megabytes(limit)}
    )
