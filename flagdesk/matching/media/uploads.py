"""Receiving an uploaded picture or video within its kind's byte limit, as it streams in.

Django's default handlers write every upload in full (to a temporary file above
``FILE_UPLOAD_MAX_MEMORY_SIZE``) before any view can look at it. ``MediaUploadHandler`` sniffs
the first bytes as they arrive, so it knows whether the image or the video limit applies, and
stops receiving the file the moment it goes over: nothing over the limit is ever written, and
what was written is deleted. The rest of the request is still parsed, so a form comes back
with everything else the reporter typed, and the refusal says why.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Any, NoReturn

from django.conf import settings
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    TemporaryUploadedFile,
    UploadedFile,
)
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import MediaRejected
from .sniff import HEAD_BYTES, sniff
from .source import byte_limit, largest_byte_limit, too_big


def media_body_limit() -> int:
    """What a request carrying one media file may weigh: the file at the largest limit of its
    kind, plus form fields at Django's limit for them."""
    return largest_byte_limit() + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class MediaUploadHandler(FileUploadHandler):
    """Takes the first file of the form field ``field``, refuses other files unread.

    Install it before anything reads the body (``request.upload_handlers = [handler]``), then
    ask ``refusal(field)`` after reading ``request.FILES``: a file that was not kept has one.
    """

    # Only while a file too big for memory is being received (the parser closes it if it
    # skips the upload); gone once the file is complete or refused.
    file: TemporaryUploadedFile

    def __init__(self, request: HttpRequest | None = None, *, field: str = "media") -> None:
        super().__init__(request)
        self.field = field
        self._refusals: dict[str, Callable[[], MediaRejected]] = {}
        self._has_file = False
        self._start()

    def _start(self) -> None:
        self._head = b""
        self._memory = bytearray()
        self._size = 0
        self._limit: int | None = None  # known once the head is sniffed

    def refusal(self, field: str) -> MediaRejected | None:
        """Why the file of ``field`` was not kept, in the active language; None if it was."""
        make = self._refusals.get(field)
        return None if make is None else make()

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        if field_name != self.field or self._has_file:
            raise SkipFile  # a field nobody reads, or a second file: skipped unwritten
        self._has_file = True
        self._start()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self._limit is None:
            self._head += raw_data[: HEAD_BYTES - len(self._head)]
            if len(self._head) == HEAD_BYTES:  # a shorter file is sniffed by hash_media
                self._limit = self._sniffed_limit(self._head)
        self._size += len(raw_data)
        if self._limit is not None and self._size > self._limit:
            self._refuse(partial(too_big, self._limit))
        # Checked before writing, so not one byte over the limit reaches memory or disk.
        if hasattr(self, "file"):
            self.file.write(raw_data)
        elif self._size > int(settings.FILE_UPLOAD_MAX_MEMORY_SIZE):
            self.file = TemporaryUploadedFile(
                self.file_name or "", self.content_type, 0, self.charset, self.content_type_extra
            )
            self.file.write(bytes(self._memory))
            self.file.write(raw_data)
            self._memory = bytearray()
        else:
            self._memory += raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if hasattr(self, "file"):
            upload: UploadedFile = self.file
            del self.file  # done: the parser must not close it when it skips a later file
            upload.seek(0)
            upload.size = file_size
            return upload
        return InMemoryUploadedFile(
            io.BytesIO(bytes(self._memory)),
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )

    def upload_interrupted(self) -> None:
        self._discard()

    def _sniffed_limit(self, head: bytes) -> int:
        try:
            kind = sniff(head).kind
        except MediaRejected:
            # Not a picture or a video: nothing of it is worth receiving. The message is made
            # again on demand, so it speaks the language active when it is shown.
            self._refuse(partial(_sniff_refusal, head))
        return byte_limit(kind)

    def _refuse(self, refusal: Callable[[], MediaRejected]) -> NoReturn:
        self._refusals[self.field] = refusal
        self._discard()
        raise SkipFile

    def _discard(self) -> None:
        self._memory = bytearray()
        if hasattr(self, "file"):
            self.file.close()  # a temporary upload file deletes itself when closed
            del self.file


def _sniff_refusal(head: bytes) -> MediaRejected:
    try:
        sniff(head)
    except MediaRejected as e:
        return e
    return MediaRejected(_("The file is not an image or a video we can read."))
