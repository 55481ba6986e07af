"""Hashing an uploaded image or video safely: the one entry point is ``hash_media``.

Every file is hostile until proven otherwise. In order: the type is sniffed from the content
(the name and declared MIME type may only agree with it), the byte limit is checked, polyglots
are refused, then the image is decoded by the one Pillow plugin for its type in a long-lived
child process with memory and time limits (``image.py``; the pixel limit is checked from the
header before anything is decoded), or the video by vpdq in a child process of its own
(``video.py``). Every problem with the file is a ``MediaRejected`` with a translated sentence
for the person who sent it. Nothing is written anywhere permanent; the caller decides what, if
anything, to keep.
"""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import HashingBusy, MediaRejected
from .hashed import HashedMedia
from .image import hash_image, pdq_of_image
from .sniff import HEAD_BYTES, TAIL_BYTES, FileType, check_declared, check_polyglot, sniff
from .source import OpenedSource, byte_limit, too_big
from .video import hash_video


def hash_media(
    source: bytes | Path | UploadedFile, *, filename: str = "", declared_mime: str = ""
) -> HashedMedia:
    """PDQ (or vPDQ), MD5 and SHA-256 of one image or video, plus a thumbnail for images.

    ``filename`` and ``declared_mime`` are what the sender claimed (for an upload they default
    to its name and content type); a claim of another kind of content is refused, a mislabelled
    image format is not. Raises MediaRejected for any problem with the file itself (its
    subclass HashingBusy, 503, when every hashing slot of the machine stayed taken), and
    OSError if a given path cannot be opened (a caller's mistake, not the sender's).
    Decoding happens in child processes: this process only streams the file to them, so its
    memory does not grow with the picture (a picture needs ~26 bytes per pixel in the child,
    bench/image_memory.py).
    """
    if isinstance(source, UploadedFile):
        filename = filename or source.name or ""
        declared_mime = declared_mime or source.content_type or ""
    opened = OpenedSource(source)
    try:
        found = _checked(opened, filename=filename, declared_mime=declared_mime)
        limit = byte_limit(found.kind)
        if found.kind == "image":
            return hash_image(opened, found, limit=limit)
        return hash_video(opened, found, limit=limit)
    finally:
        opened.close()


def precheck(
    source: bytes | Path | UploadedFile, *, filename: str = "", declared_mime: str = ""
) -> tuple[FileType, int]:
    """The cheap checks of ``hash_media`` (type, claims, size, polyglots), without decoding.

    Returns the type and the size, so a caller can refuse a bad file at once and leave the
    slow part (decoding a long video) to a worker.
    """
    if isinstance(source, UploadedFile):
        filename = filename or source.name or ""
        declared_mime = declared_mime or source.content_type or ""
    opened = OpenedSource(source)
    try:
        return _checked(opened, filename=filename, declared_mime=declared_mime), opened.size
    finally:
        opened.close()


def _checked(opened: OpenedSource, *, filename: str, declared_mime: str) -> FileType:
    if opened.size == 0:
        raise MediaRejected(_("The file is empty."))
    head = opened.head(HEAD_BYTES)
    if not head:
        raise MediaRejected(_("The file is empty."))
    found = sniff(head)
    check_declared(found, filename=filename or opened.name, declared_mime=declared_mime)
    limit = byte_limit(found.kind)
    if opened.size > limit:
        raise too_big(limit)
    check_polyglot(head, opened.tail(TAIL_BYTES))
    return found


__all__ = ["HashedMedia", "HashingBusy", "MediaRejected", "hash_media", "pdq_of_image"]
