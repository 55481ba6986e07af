"""Synthetic pictures for the device hasher's tests and benchmark (never real photos, S23).

``photo_like`` draws what a phone photo has in the ways that matter to a hash and a decoder:
smooth gradients, shapes with hard edges, a line of text and sensor-like noise (so a PNG of it
is as large as a real one, and inflating it costs what it would). ``png_file`` writes PNGs
that Pillow cannot: every colour type and bit depth, 16-bit colour, Adam7 interlacing, and
each of the five row filters in turn, so the browser's decoder meets all its paths.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from flagdesk.matching.samples import synthetic_image

ADAM7 = [
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def photo_like(width: int, height: int, seed: int = 1, noise: float = 6.0) -> Image.Image:
    """An RGB picture with gradients, shapes, text and noise, the same for the same arguments."""
    img = synthetic_image(seed, (width, height))
    draw = ImageDraw.Draw(img)
    draw.text((width * 0.1, height * 0.45), "flagdesk device hashing test", fill=(250, 250, 250))
    pixels = np.asarray(img).astype(np.float32)
    if noise:
        rng = np.random.default_rng(seed)
        pixels += rng.normal(0.0, noise, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def encoded(img: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def with_orientation(jpeg: bytes, orientation: int) -> bytes:
    """A JPEG whose EXIF says it must be turned (``orientation`` 2..8) before display."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    with Image.open(io.BytesIO(jpeg)) as img:
        out = io.BytesIO()
        img.save(out, "JPEG", quality="keep", exif=exif.tobytes())
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _row_bytes(samples: npt.NDArray[np.integer], depth: int) -> bytes:
    """One row of samples (width x channels) as PNG packs them."""
    flat = samples.reshape(-1)
    if depth == 16:
        return flat.astype(">u2").tobytes()
    if depth == 8:
        return flat.astype(np.uint8).tobytes()
    bits = np.unpackbits(flat.astype(np.uint8)[:, None], axis=1)[:, 8 - depth :]
    return np.packbits(bits.reshape(-1)).tobytes()


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _filtered(row: bytes, previous: bytes, kind: int, bpp: int) -> bytes:
    """``row`` under PNG filter ``kind`` (0 none, 1 sub, 2 up, 3 average, 4 Paeth)."""
    raw = np.frombuffer(row, np.uint8).astype(np.int32)
    up = np.frombuffer(previous, np.uint8).astype(np.int32)
    left = np.concatenate([np.zeros(bpp, np.int32), raw[:-bpp]]) if len(raw) else raw
    up_left = np.concatenate([np.zeros(bpp, np.int32), up[:-bpp]]) if len(up) else up
    if kind == 0:
        out = raw
    elif kind == 1:
        out = raw - left
    elif kind == 2:
        out = raw - up
    elif kind == 3:
        out = raw - (left + up) // 2
    else:
        predictor = [_paeth(a, b, c) for a, b, c in zip(left, up, up_left, strict=True)]
        out = raw - np.array(predictor, np.int32)
    return bytes([kind]) + (out & 0xFF).astype(np.uint8).tobytes()


def png_file(
    samples: npt.NDArray[np.integer],
    *,
    depth: int,
    colour_type: int,
    palette: bytes | None = None,
    transparency: bytes | None = None,
    interlace: bool = False,
) -> bytes:
    """A PNG of ``samples`` (height x width x channels, or height x width), rows filtered with
    each of the five filters in turn."""
    if samples.ndim == 2:
        samples = samples[..., None]
    height, width, channels = samples.shape
    assert channels == CHANNELS[colour_type]
    bpp = max(1, channels * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    data = bytearray()
    row_number = 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        previous = bytes(len(_row_bytes(sub[0], depth)))
        for row in sub:
            packed = _row_bytes(row, depth)
            data += _filtered(packed, previous, row_number % 5, bpp)
            previous = packed
            row_number += 1
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, int(interlace))
    body = _chunk(b"IHDR", header)
    if palette is not None:
        body += _chunk(b"PLTE", palette)
    if transparency is not None:
        body += _chunk(b"tRNS", transparency)
    # Two IDAT chunks: decoders must join them.
    compressed = zlib.compress(bytes(data), 6)
    middle = len(compressed) // 2
    body += _chunk(b"IDAT", compressed[:middle]) + _chunk(b"IDAT", compressed[middle:])
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b"")
