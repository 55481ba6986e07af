"""What hashing one file yields: its signals plus the facts a caller may want to keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flagdesk.matching.signal_types import ComputedSignal


@dataclass(frozen=True)
class HashedMedia:
    """The result of ``hash_media``; the media itself is not in it and was not kept.

    ``signals`` are pdq (or vpdq), md5, sha256, in that order; md5 and sha256 are of the file's
    bytes as received. ``frame_count`` is the number of vPDQ frame hashes (one per second of
    video), ``duration`` what the container header says (None if it does not say).
    ``thumbnail`` is a small greyscale JPEG, not blurred (see ``matching.thumbnails``); None for
    video, whose frames only libav in a child process ever sees.
    """

    kind: Literal["image", "video"]
    signals: list[ComputedSignal]
    mime: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    frame_count: int | None
    thumbnail: bytes | None

    def signal(self, name: str) -> ComputedSignal | None:
        """The signal of type ``name`` (``"pdq"``, ``"md5"``...), if this media has one."""
        return next((s for s in self.signals if s.signal_type == name), None)
