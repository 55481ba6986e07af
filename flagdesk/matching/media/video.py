"""vPDQ of an untrusted video: header checks first, then vpdq in a limited child process.

vpdq decodes with libav in-process; a crafted file that crashes or exhausts libav would take a
web or intake worker down with it. So the decoding runs in ``vpdq_child.py`` under a memory
cap (RLIMIT_AS), a wall-clock timeout and an empty environment, and any failure becomes a
MediaRejected. Starting the child costs ~50 ms, nothing next to decoding a video.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from flagdesk.matching.signal_types import ComputedSignal, InvalidSignal, Md5, Sha256, Vpdq
from flagdesk.matching.signal_types.vpdq import MAX_FRAMES, Frame

from .containers import read_header
from .errors import MediaRejected
from .hashed import HashedMedia
from .sniff import FileType
from .source import OpenedSource

SECONDS_PER_HASH = 1.0  # ThreatExchange/HMA's default, so our hashes match theirs
DEFAULT_MAX_SECONDS = 3 * 3600
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_TIMEOUT_SECONDS = 1800
DEFAULT_MEMORY_BYTES = 2 * 1024**3
CHILD = Path(__file__).with_name("vpdq_child.py")
log = logging.getLogger(__name__)
EXTENSIONS = {"video/webm": ".webm", "video/x-matroska": ".mkv", "video/x-msvideo": ".avi"}


def hash_video(opened: OpenedSource, found: FileType, *, limit: int) -> HashedMedia:
    """vPDQ, MD5 and SHA-256 of a sniffed video; MediaRejected if it is too long or unreadable."""
    max_seconds = float(getattr(settings, "MATCHING_MAX_VIDEO_SECONDS", DEFAULT_MAX_SECONDS))
    header = read_header(opened.file, opened.size, found)
    if header.duration is not None and header.duration > max_seconds:
        raise _too_long(header.duration, max_seconds)
    if header.width and header.height:
        _check_frame_size(header.width, header.height)
    suffix = EXTENSIONS.get(found.mime, ".mp4")
    with opened.as_file(limit, suffix) as (path, digests):
        frames = _run_vpdq(path)
    last = max(f.timestamp for f in frames)
    if last > max_seconds:
        raise _too_long(last, max_seconds)
    value = Vpdq.serialise(frames)
    quality = round(sum(f.quality for f in frames) / len(frames))
    return HashedMedia(
        kind="video",
        signals=[
            ComputedSignal(Vpdq.name, value, quality),
            ComputedSignal(Md5.name, digests.md5),
            ComputedSignal(Sha256.name, digests.sha256),
        ],
        mime=found.mime,
        size=opened.size,
        width=header.width,
        height=header.height,
        duration=header.duration,
        frame_count=len(frames),
        thumbnail=None,
    )


def _run_vpdq(path: Path) -> list[Frame]:
    timeout = int(getattr(settings, "MATCHING_VIDEO_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    memory = int(getattr(settings, "MATCHING_VIDEO_MEMORY_BYTES", DEFAULT_MEMORY_BYTES))
    command = [
        sys.executable,
        "-I",
        "-B",
        str(CHILD),
        # Absolute, so libav never reads a name like "http:x" or "pipe:0" as a protocol.
        os.path.abspath(path),
        str(SECONDS_PER_HASH),
        str(memory),
    ]
    # No inherited environment: the child parses hostile data and needs no secrets. Few malloc
    # arenas keep libav's threads from reserving address space the memory cap would count.
    environment = {"PATH": os.defpath, "LC_ALL": "C", "MALLOC_ARENA_MAX": "2"}
    try:
        done = subprocess.run(  # noqa: S603 (our own script, no shell, path as one argument)
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("media.vpdq_timeout", extra={"timeout_seconds": timeout})
        raise MediaRejected(
            _("The video took too long to process (more than %(seconds)d seconds).")
            % {"seconds": timeout}
        ) from None
    if done.returncode != 0:
        # The exit status tells an operator a crash (negative) from a decode failure (3) or a
        # memory cap set too low for vpdq to start (1); nothing about the media is logged.
        log.warning("media.vpdq_failed", extra={"returncode": done.returncode})
        raise _undecodable()
    try:
        raw = json.loads(done.stdout)["frames"]
        if len(raw) > MAX_FRAMES:
            raise MediaRejected(
                _("The video is too long (more than %(hours)d hours).")
                % {"hours": MAX_FRAMES // 3600}
            )
        frames = [Frame(str(pdq), int(q), float(t)) for pdq, q, t, _number in raw]
        Vpdq.validate(Vpdq.serialise(frames))  # the child's output is checked like any input
    except (ValueError, KeyError, TypeError, InvalidSignal):
        raise _undecodable() from None
    return frames


def _check_frame_size(width: int, height: int) -> None:
    limit = int(getattr(settings, "MATCHING_MAX_VIDEO_PIXELS", DEFAULT_MAX_PIXELS))
    if width * height > limit:
        raise MediaRejected(
            _(
                "The video's frames are too large (%(width)d × %(height)d pixels; at most "  # noqa: RUF001
                "%(limit)s megapixels)."
            )
            % {"width": width, "height": height, "limit": f"{limit / 1e6:g}"}
        )


def _too_long(seconds: float, max_seconds: float) -> MediaRejected:
    return MediaRejected(
        _("The video is too long (%(length)s; at most %(limit)s).")
        % {"length": _clock(seconds), "limit": _clock(max_seconds)}
    )


def _clock(seconds: float) -> str:
    """3:00:00 for three hours: a length people read without a unit to translate."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _undecodable() -> MediaRejected:
    return MediaRejected(
        _("The video could not be decoded: it may be damaged or use a format we cannot read.")
    )
