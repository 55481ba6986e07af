"""Decode an untrusted picture and hash it, in a long-lived process of its own.

    python -I -B image_child.py MEMORY_BYTES

Decoding is where a picture costs: a 35 KB PNG can declare 36 million pixels, and pdqhash
needs about 30 bytes per pixel (float64 luma temporaries) on top of the decoded pixels. So
decoding and hashing run here, under a cap on address space (RLIMIT_AS), with no files to write,
no core dumps and an empty environment, while the web or worker process that asked only
streams the file's bytes in and reads a small answer back: its memory does not grow with the
picture. The process serves one picture after another (starting Python, numpy and Pillow for
each would cost more than hashing a photo), and exits when its stdin closes, after running
out of memory, or when a picture left its address space much larger than it started.

The same functions are imported by the parent (``pdq_of_image``) and by ``bench/``; this module
imports only the standard library, numpy, Pillow, pdqhash and ``matching.thumbnails``, never
Django, so it starts fast and holds no settings or secrets.

Protocol, over stdin/stdout, every frame a 4-byte big-endian length then that many bytes:
the child first sends ``{"ready": ...}``; then per picture the parent sends a JSON job
(``{"format": "PNG", "max_pixels": N, "max_side": N}``), the file in chunks, and an empty
frame; the child answers a JSON reply (``{"ok": true, "pdq", "quality", "width", "height"}``
or ``{"ok": false, "reason", ...}``, both with the process's peak memory), then the thumbnail
(empty if none).
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run by path with -I: make the project importable, installed or not
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image, UnidentifiedImageError

from flagdesk.matching.child_limits import limit_resources
from flagdesk.matching.thumbnails import greyscale_thumbnail

FRAME = struct.Struct(">I")
MAX_JOB_BYTES = 64 * 1024  # a job header; the file itself comes in chunks
# After a picture leaves the process this much larger than it started (malloc keeps up to
# 64 MiB of free heap, see image_pool; fragmentation adds to it), the process exits and a fresh
# one serves the next: an idle child stays small, and its memory what the cap assumes.
RECYCLE_GROWTH_BYTES = 128 * 1024 * 1024

# Pillow's plugins raise any of these on malformed input. They are caught only around the
# decoder calls, where they mean "this file is damaged", never around our own code. Not
# MemoryError: under the address-space cap that means "too big to decode here".
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)
_AS_IS = frozenset({"RGB", "RGBA", "RGBX"})  # ThreatExchange passes these arrays unchanged
_GREY = frozenset({"L", "LA"})  # it spreads these over three channels


class Refused(Exception):
    """The picture cannot be hashed; ``reason`` and ``facts`` let the parent say why."""

    def __init__(self, reason: str, **facts: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.facts = facts


@dataclass(frozen=True)
class Picture:
    pdq: str  # 64 lower-case hex digits
    quality: int
    width: int
    height: int
    thumbnail: bytes


def decode(data: bytes, pil_format: str, *, max_pixels: int, max_side: int) -> Image.Image:
    """The first frame of ``data``, fully decoded; ``Refused`` if too large or damaged.

    The pixel limit is checked from the header, before anything is decoded; Pillow's own bomb
    warning is an error too (its limit is above ours, so it only fires on a lying header).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[pil_format])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused("bomb") from None
        except UnidentifiedImageError:
            raise Refused("damaged", problem="not_valid") from None
        except _DECODE_ERRORS:
            raise Refused("damaged", problem="unreadable_header") from None
        width, height = img.size
        if width <= 0 or height <= 0:
            raise Refused("no_pixels")
        if width > max_side or height > max_side or width * height > max_pixels:
            raise Refused("too_large", width=width, height=height)
        try:
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused("bomb") from None
        except _DECODE_ERRORS as exc:
            problem = "truncated" if "truncated" in str(exc) else "corrupt"
            raise Refused("damaged", problem=problem) from None
    return img


def pdq_pixels(img: Image.Image) -> npt.NDArray[np.uint8]:
    """An (h, w, >=3) uint8 array whose first three channels pdqhash reads as R, G, B.

    Converted exactly as python-threatexchange's ``pdq_hasher`` converts RGB, RGBA, L and LA
    (so the hash is the reference's); other modes (palette, 16-bit, CMYK, 1-bit) become the
    picture's RGB colours, where ThreatExchange would hash something else (see ``image.py``).
    """
    mode = img.mode
    if mode in _AS_IS:
        return np.asarray(img)
    if mode == "LA":
        img, mode = img.convert("L"), "L"  # what ThreatExchange's convert("RGB") amounts to
    if mode.startswith("I;16"):
        wide = np.asarray(img).astype(np.uint32)
        grey = ((wide + 128) // 257).astype(np.uint8)
    elif mode in _GREY:
        grey = np.asarray(img)
    elif mode in ("P", "PA"):
        return np.asarray(img.convert("RGBA"))  # RGBA: Pillow warns on some transparent palettes
    else:
        return np.asarray(img.convert("RGB"))
    return np.repeat(grey[..., np.newaxis], 3, axis=2)


def pdq_of_pixels(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """The PDQ hash (hex) and quality of ``pdq_pixels``' array."""
    vector, quality = pdqhash.compute(pixels)
    # The vector is the hash's bits, most significant first: packbits reads it the same way.
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex(), int(quality)


def hash_picture(data: bytes, pil_format: str, *, max_pixels: int, max_side: int) -> Picture:
    """Decode ``data`` and compute its PDQ hash and greyscale thumbnail."""
    img = decode(data, pil_format, max_pixels=max_pixels, max_side=max_side)
    try:
        width, height = img.size
        thumbnail = greyscale_thumbnail(img)
        pixels = pdq_pixels(img)
    finally:
        img.close()  # before pdqhash's float temporaries: the decoded copy is no longer needed
    pdq, quality = pdq_of_pixels(pixels)
    return Picture(pdq, quality, width, height, thumbnail)


# ---- the process ------------------------------------------------------------------------


def memory_status() -> dict[str, int]:
    """Current and peak address space and resident memory of this process, in bytes."""
    wanted = {"VmSize": "address_space", "VmPeak": "peak_address_space", "VmHWM": "peak_resident"}
    found: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in wanted:
                found[wanted[key]] = int(value.split()[0]) * 1024
    return found


def _read_exact(count: int) -> bytes:
    parts, missing = [], count
    while missing:
        part = os.read(0, missing)
        if not part:
            raise EOFError
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def _read_frame(limit: int) -> bytes:
    (length,) = FRAME.unpack(_read_exact(FRAME.size))
    if length > limit:
        raise EOFError  # not our parent speaking: stop
    return _read_exact(length)


def _write_frames(*bodies: bytes) -> None:
    """One write for all: the parent wakes once per answer."""
    view = memoryview(b"".join(FRAME.pack(len(body)) + body for body in bodies))
    while view:
        view = view[os.write(1, view) :]


def _serve_one(start: dict[str, int]) -> bool:
    """Hash one picture; False once this process should exit."""
    try:
        job = json.loads(_read_frame(MAX_JOB_BYTES))
    except EOFError:
        return False
    chunks, size = [], 0
    while chunk := _read_frame(int(job["max_bytes"]) + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
    reply: dict[str, Any]
    thumbnail, keep_going = b"", True
    try:
        data = b"".join(chunks)
        chunks.clear()  # one copy of the file, not two, while the picture is decoded
        picture = hash_picture(
            data,
            str(job["format"]),
            max_pixels=int(job["max_pixels"]),
            max_side=int(job["max_side"]),
        )
    except Refused as refused:
        reply = {"ok": False, "reason": refused.reason, **refused.facts}
    except MemoryError:
        reply, keep_going = {"ok": False, "reason": "memory"}, False
    else:
        reply = {
            "ok": True,
            "pdq": picture.pdq,
            "quality": picture.quality,
            "width": picture.width,
            "height": picture.height,
        }
        thumbnail = picture.thumbnail
    data = b""
    status = memory_status()
    if status["address_space"] - start["address_space"] > RECYCLE_GROWTH_BYTES:
        keep_going = False
    answer = json.dumps({**reply, "memory": status, "exits": not keep_going}).encode()
    _write_frames(answer, thumbnail)
    return keep_going


def main(argv: list[str]) -> int:
    limit_resources(int(argv[1]))
    start = memory_status()
    _write_frames(json.dumps({"ready": True, "memory": start}).encode())
    try:
        while _serve_one(start):
            pass
    except (EOFError, BrokenPipeError):
        pass  # the parent went away, or gave up on us
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
