"""What one picture costs the hashing child: peak memory and time by megapixels.

    .venv/bin/python bench/image_memory.py [--megapixels 1,4,12,16,24,36,50] [--runs 3]

Each size is hashed by a fresh ``image_child.py`` process (no memory cap, so nothing fails and
the peak is what the picture needs), exactly as ``hash_media`` has it hashed: the file streamed
in, decoded, thumbnail, PDQ. The picture is synthetic: a smooth gradient with a few shapes,
saved as an RGB PNG (it compresses to a few hundred KB however large, like the 35 KB
6000 x 6000 PNG of issue 8), an RGB JPEG (quality 90) and a greyscale PNG. Columns: the
file's size; the child's peak address space (VmPeak: what ``MATCHING_IMAGE_MEMORY_BYTES``
caps, through RLIMIT_AS) and peak resident memory (VmHWM), both including the idle child's
own (printed below the table); the wall time of the job, median of ``--runs``; the address
space per megapixel above the idle child's.

The defaults of MATCHING_IMAGE_MEMORY_BYTES, MATCHING_MAX_IMAGE_PIXELS and
MATCHING_IMAGE_TIMEOUT_SECONDS come from this table (see bench/README.md): the last lines
interpolate the worst peak and time at the configured pixel limit, add a file at the image
byte limit (the child holds it while decoding), and compare them with the memory cap (with a
15% margin) and the time limit; the exit status is non-zero if the largest picture the pixel
limit allows would not fit under the cap.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flagdesk.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from django.conf import settings  # noqa: E402
from machine_info import machine_line  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from flagdesk.matching.media.image_pool import ImageChild  # noqa: E402

MB = 1024 * 1024
# Headroom kept between the measured peak at the pixel limit and the memory cap: the peak
# varies a little with the format and the picture, and a cap hit refuses a legitimate photo.
MARGIN = 1.15
# RGB as most photos and screenshots are; grey because it is the dearest common case (the
# grey channel is spread over three for pdqhash, as ThreatExchange does).
VARIANTS = [("PNG", "RGB"), ("JPEG", "RGB"), ("PNG", "L")]


def picture(megapixels: float) -> Image.Image:
    """A 4:3 synthetic RGB picture of about ``megapixels`` million pixels."""
    width = int(math.sqrt(megapixels * 1e6 * 4 / 3))
    height = int(megapixels * 1e6 / width)
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    red = np.broadcast_to(x, (height, width)).astype(np.uint8)
    green = np.broadcast_to(y, (height, width)).astype(np.uint8)
    blue = ((x + y) / 2).astype(np.uint8)
    img = Image.fromarray(np.dstack([red, green, blue]), "RGB")
    draw = ImageDraw.Draw(img)
    for i in range(6):
        box = [width * i // 7, height * i // 9, width * (i + 2) // 8, height * (i + 3) // 9]
        draw.ellipse(box, fill=(40 * i, 255 - 40 * i, 128))
    return img


def encoded(img: Image.Image, fmt: str) -> bytes:
    """``img`` as a file: PNG compresses these gradients to a few hundred KB at any size."""
    out = io.BytesIO()
    if fmt == "PNG":
        img.save(out, "PNG", compress_level=6)
    else:
        img.save(out, "JPEG", quality=90)
    return out.getvalue()


def measure(data: bytes, fmt: str, runs: int) -> tuple[dict[str, int], dict[str, int], float]:
    """(idle memory, peak memory, median seconds) of hashing ``data`` in fresh children."""
    seconds, peak, idle = [], {}, {}
    for _ in range(runs):
        child = ImageChild(memory_bytes=0)
        job = {"format": fmt, "max_pixels": 10**10, "max_side": 10**6, "max_bytes": len(data)}
        chunks = [data[i : i + MB] for i in range(0, len(data), MB)]
        child.wait_ready(time.monotonic() + 60)
        idle = child.start_memory
        started = time.perf_counter()
        answer = child.run(job, chunks, deadline=time.monotonic() + 600)
        seconds.append(time.perf_counter() - started)
        assert answer.reply["ok"], answer.reply
        peak = answer.reply["memory"]
        child.close()
    return idle, peak, statistics.median(seconds)


def interpolate(points: list[tuple[float, float]], x: float) -> float:
    """The worst value measured at ``x`` pixels, linear between the nearest sizes measured."""
    worst: dict[float, float] = {}
    for px, value in points:
        worst[px] = max(worst.get(px, value), value)
    ordered = sorted(worst.items())
    low = max((p for p in ordered if p[0] <= x), default=ordered[0])
    high = min((p for p in ordered if p[0] >= x), default=ordered[-1])
    if high[0] == low[0]:
        return high[1]
    return low[1] + (high[1] - low[1]) * (x - low[0]) / (high[0] - low[0])


def machine() -> str:
    return machine_line(f"Pillow {PIL.__version__}", f"numpy {np.__version__}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", default="1,4,12,16,24,36,50")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    sizes = [float(m) for m in options.megapixels.split(",")]

    header = f"{'megapixels':>10}{'format':>10}{'file KB':>10}{'peak AS MB':>12}"
    print(f"{header}{'peak RSS MB':>13}{'seconds':>9}{'AS MB/MP':>10}")
    idle: dict[str, int] = {}
    rows: list[tuple[float, int, float]] = []
    for megapixels in sizes:
        img = picture(megapixels)
        for fmt, mode in VARIANTS:
            data = encoded(img if mode == "RGB" else img.convert(mode), fmt)
            idle, peak, seconds = measure(data, fmt, options.runs)
            per_mp = (peak["peak_address_space"] - idle["peak_address_space"]) / MB / megapixels
            rows.append((megapixels * 1e6, peak["peak_address_space"], seconds))
            print(
                f"{megapixels:>10g}{fmt + ' ' + mode:>10}{len(data) / 1024:>10.0f}"
                f"{peak['peak_address_space'] / MB:>12.0f}{peak['peak_resident'] / MB:>13.0f}"
                f"{seconds:>9.2f}{per_mp:>10.1f}"
            )
        img.close()
    print()
    print(
        f"idle child: address space {idle['peak_address_space'] / MB:.0f} MB, "
        f"resident {idle['peak_resident'] / MB:.0f} MB"
    )
    print(f"runs {options.runs} (median time shown) · {machine()}")

    cap = int(settings.MATCHING_IMAGE_MEMORY_BYTES)
    timeout = float(settings.MATCHING_IMAGE_TIMEOUT_SECONDS)
    limit = int(settings.MATCHING_MAX_IMAGE_PIXELS)
    file_bytes = int(settings.MATCHING_MAX_IMAGE_BYTES)
    at_limit = interpolate([(px, float(peak)) for px, peak, _ in rows], limit) + file_bytes
    seconds_at_limit = interpolate([(px, seconds) for px, _, seconds in rows], limit)
    fits = at_limit * MARGIN <= cap
    print(
        f"at MATCHING_MAX_IMAGE_PIXELS = {limit / 1e6:g} MP and a {file_bytes / MB:.0f} MB "
        f"file: peak ~{at_limit / MB:.0f} MB, "
        f"x{MARGIN} margin {at_limit * MARGIN / MB:.0f} MB · MATCHING_IMAGE_MEMORY_BYTES "
        f"{cap / MB:.0f} MB · {cap / (at_limit * MARGIN):.2f}x: "
        f"{'fits' if fits else 'DOES NOT FIT'}"
    )
    print(
        f"at MATCHING_MAX_IMAGE_PIXELS = {limit / 1e6:g} MP: ~{seconds_at_limit:.1f} s · "
        f"MATCHING_IMAGE_TIMEOUT_SECONDS {timeout:g} · {timeout / seconds_at_limit:.1f}x"
    )
    return 0 if fits else 1


if __name__ == "__main__":
    sys.exit(main())
