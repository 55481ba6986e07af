"""Deterministic synthetic media for tests and benchmarks: never real photos (brief, S23).

Images are drawn with numpy and Pillow from a seed: a smooth two-colour gradient, a sine
pattern and a dozen filled shapes. That gives PDQ plenty of low-frequency structure, so hashes
are usually high quality (>= 80) and two seeds give unrelated hashes (~128 bits apart). Videos
come from ffmpeg's ``lavfi`` test sources; ffmpeg is installed by the project's apt step, so a
missing binary is a broken environment and fails loudly rather than skipping.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from flagdesk.matching.samples import synthetic_image as synthetic_image  # re-exported for tests


def flat_image(size: tuple[int, int] = (256, 256), value: int = 128) -> Image.Image:
    """A single grey level: PDQ cannot say anything about it, so its quality is low."""
    return Image.new("RGB", size, (value, value, value))


def encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    """``img`` saved in Pillow format ``fmt`` (JPEG, PNG, GIF, WEBP, BMP, TIFF...)."""
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    return encode(
        img.convert("RGB") if img.mode not in ("RGB", "L") else img, "JPEG", quality=quality
    )


def png_bytes(img: Image.Image) -> bytes:
    return encode(img, "PNG")


def png_header_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` RGB pixels.

    The IDAT holds a few hundred bytes of zlib-compressed zeros (a real bomb would hold the full
    compressed image, which is about 1 MB per gigapixel); decoders must refuse it from the
    IHDR alone, before allocating ``width * height * 3`` bytes.
    """
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * min(width, 4096)) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def ffmpeg() -> str:
    """The ffmpeg binary, or an error saying the environment is incomplete."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise RuntimeError("ffmpeg is missing: it is part of the project's apt packages")
    return path


def make_video(
    path: Path,
    seconds: int = 4,
    size: tuple[int, int] = (320, 240),
    pattern: str = "testsrc",
    rate: int = 10,
) -> Path:
    """An H.264 MP4 (or whatever the suffix of ``path`` implies) from an ffmpeg test source."""
    source = f"{pattern}=duration={seconds}:size={size[0]}x{size[1]}:rate={rate}"
    args = ["-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p"]
    _run_ffmpeg([*args, str(path)])
    return path


def transcode(
    source: Path,
    target: Path,
    *,
    scale: tuple[int, int],
    crf: int = 35,
    extra: Sequence[str] = (),
) -> Path:
    """A re-encoded, rescaled copy of ``source``: what a re-upload elsewhere looks like.

    ``extra`` goes to ffmpeg before the output name, e.g. ``("-movflags",
    "frag_keyframe+empty_moov")`` for a fragmented MP4 whose header gives no duration.
    """
    vf = f"scale={scale[0]}:{scale[1]}"
    options = ["-vf", vf, "-crf", str(crf), "-pix_fmt", "yuv420p", *extra]
    _run_ffmpeg(["-i", str(source), *options, str(target)])
    return target


def _run_ffmpeg(args: list[str]) -> None:
    subprocess.run(
        [ffmpeg(), "-nostdin", "-v", "error", "-y", *args],
        check=True,
        capture_output=True,
        timeout=120,
    )
