"""Duration and frame size from a video's container header, read before any frame is decoded.

This lets us refuse a three-hour or 16K video up front instead of after minutes of decoding.
It is best effort and never trusted alone: a header can lie or be missing (fragmented MP4,
live WebM), so the decoder child still runs under a wall-clock timeout and a memory limit, and
the frame timestamps it returns are checked again.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import IO

from .sniff import AVI, MATROSKA, MP4, QUICKTIME, THREE_GP, WEBM, FileType

# A moov box holds the sample tables; tens of MB for multi-hour videos, far less normally.
MAX_MOOV_BYTES = 64 * 1024 * 1024
MAX_TOP_LEVEL_BOXES = 10_000
MATROSKA_HEAD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class VideoHeader:
    duration: float | None = None
    width: int | None = None
    height: int | None = None


UNKNOWN = VideoHeader()


def read_header(file: IO[bytes], size: int, found: FileType) -> VideoHeader:
    """What the container says about itself; UNKNOWN when it does not say or cannot be read."""
    try:
        if found in (MP4, QUICKTIME, THREE_GP):
            return _iso_bmff(file, size)
        if found in (WEBM, MATROSKA):
            file.seek(0)
            return _matroska(file.read(MATROSKA_HEAD_BYTES))
        if found == AVI:
            file.seek(0)
            return _avi(file.read(128))
    except (struct.error, ValueError, IndexError, OverflowError):
        pass
    return UNKNOWN


def _iso_bmff(file: IO[bytes], size: int) -> VideoHeader:
    position = 0
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if position + 8 > size:
            break
        file.seek(position)
        box_size, kind = struct.unpack(">I4s", file.read(8))
        header = 8
        if box_size == 1:
            box_size = struct.unpack(">Q", file.read(8))[0]
            header = 16
        elif box_size == 0:
            box_size = size - position
        if box_size < header:
            break
        if kind == b"moov":
            if box_size > MAX_MOOV_BYTES:
                break
            return _moov(file.read(box_size - header))
        position += box_size
    return UNKNOWN


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    found = []
    position = 0
    while position + 8 <= len(data):
        box_size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if box_size == 1:
            box_size = struct.unpack_from(">Q", data, position + 8)[0]
            header = 16
        elif box_size == 0:
            box_size = len(data) - position
        if box_size < header:
            break
        found.append((kind, data[position + header : position + box_size]))
        position += box_size
    return found


def _moov(moov: bytes) -> VideoHeader:
    duration = None
    width = height = 0
    for kind, body in _boxes(moov):
        if kind == b"mvhd":
            if body[0] == 1:
                timescale, length = struct.unpack_from(">IQ", body, 20)
            else:
                timescale, length = struct.unpack_from(">II", body, 12)
            if timescale and length not in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
                duration = length / timescale
        elif kind == b"trak":
            for child, track in _boxes(body):
                if child == b"tkhd":
                    offset = 88 if track[0] == 1 else 76
                    w, h = struct.unpack_from(">II", track, offset)
                    # 16.16 fixed point; audio tracks say 0 x 0.
                    width, height = max(width, w >> 16), max(height, h >> 16)
    return VideoHeader(duration, width or None, height or None)


def _avi(head: bytes) -> VideoHeader:
    if head[12:16] != b"LIST" or head[20:24] != b"hdrl" or head[24:28] != b"avih":
        return UNKNOWN
    micro_per_frame, _, _, _, total_frames = struct.unpack_from("<5I", head, 32)
    width, height = struct.unpack_from("<II", head, 32 + 32)
    duration = micro_per_frame * total_frames / 1e6 if micro_per_frame and total_frames else None
    return VideoHeader(duration, width or None, height or None)


# Matroska element ids (with their length marker bits, as the spec writes them).
# The EBML header element itself is skipped like any leaf.
_SEGMENT, _CLUSTER = 0x18538067, 0x1F43B675
_INFO, _TIMECODE_SCALE, _DURATION = 0x1549A966, 0x2AD7B1, 0x4489
_TRACKS, _TRACK_ENTRY, _VIDEO, _PIXEL_WIDTH, _PIXEL_HEIGHT = 0x1654AE6B, 0xAE, 0xE0, 0xB0, 0xBA
_MASTERS = {_SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _VIDEO}


def _vint(data: bytes, position: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, is_unknown_size) of the EBML variable-length integer at ``position``."""
    first = data[position]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("bad EBML integer")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[position + 1 : position + length]:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _matroska(head: bytes) -> VideoHeader:
    scale = 1_000_000  # nanoseconds per timecode tick, the spec's default
    duration_ticks: float | None = None
    width = height = 0
    position, end = 0, len(head)
    while position < end:
        element, id_length, _ = _vint(head, position, keep_marker=True)
        size, size_length, unknown = _vint(head, position + id_length, keep_marker=False)
        body = position + id_length + size_length
        if element == _CLUSTER:
            break  # the headers we want come before the first cluster
        if element in _MASTERS:
            position = body  # descend: children follow immediately
            continue
        payload = head[body : body + size] if not unknown else b""
        if element == _TIMECODE_SCALE and payload:
            scale = int.from_bytes(payload, "big")
        elif element == _DURATION and len(payload) in (4, 8):
            duration_ticks = struct.unpack(">f" if len(payload) == 4 else ">d", payload)[0]
        elif element == _PIXEL_WIDTH and payload:
            width = max(width, int.from_bytes(payload, "big"))
        elif element == _PIXEL_HEIGHT and payload:
            height = max(height, int.from_bytes(payload, "big"))
        if unknown:
            break
        position = body + size
    known = duration_ticks is not None and math.isfinite(duration_ticks) and duration_ticks > 0
    duration = duration_ticks * scale / 1e9 if known and duration_ticks else None
    return VideoHeader(duration, width or None, height or None)
