"""Image hashing throughput: 512 x 512 JPEGs, decode included, in 1 and 2 processes.

    .venv/bin/python bench/hashing.py [--images 400] [--runs 3] [--size 512]

Compares ``flagdesk.matching.media.hash_media`` (sniff + checks in this process, then decode +
PDQ + greyscale thumbnail in the limited hashing child, MD5 + SHA-256 on the way: everything
intake does per image) with the same work done in this process, as ``hash_media`` did before
issue 8 moved decoding into a child, and with python-threatexchange's ``pdq_from_bytes``
(decode + PDQ only) as the baseline, each in one process and in two (``multiprocessing``,
fork: what two intake workers do). Images are synthetic (``media_samples.synthetic_image``),
JPEG quality 90, held in memory so disk speed does not count. Each configuration runs
``--runs`` times after a warm-up; the table shows the median. Prints one table (S24): images/s,
the issue-4 target (>= 100 images/s on 2 cores), the ratio to it, the ratio to ThreatExchange
with the same number of processes, and the ratio of ``hash_media`` to the in-process path.
Before timing, every image's PDQ is checked to be identical to ThreatExchange's.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flagdesk.settings")

import django  # noqa: E402

django.setup()

import numpy  # noqa: E402
import pdqhash  # noqa: E402
import PIL  # noqa: E402
from machine_info import machine_line  # noqa: E402
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes  # noqa: E402

from flagdesk.matching.media import hash_media, precheck  # noqa: E402
from flagdesk.matching.media.image import MAX_SIDE  # noqa: E402
from flagdesk.matching.media.image_child import hash_picture  # noqa: E402
from flagdesk.matching.media.source import digests_of  # noqa: E402
from flagdesk.matching.tests.media_samples import jpeg_bytes, synthetic_image  # noqa: E402

# issue 4, "Speed": hashing throughput for 512x512 JPEGs incl. decode >= 100 images/s on 2 cores.
TARGET_PER_S = 100.0

# Filled before the pool forks, so workers inherit the images instead of receiving them.
IMAGES: list[bytes] = []


def ours(index: int) -> str:
    signal = hash_media(IMAGES[index]).signals[0]
    return signal.value


def in_process(index: int) -> str:
    """hash_media's work before issue 8: the same checks and steps, decoded in this process."""
    data = IMAGES[index]
    found, _ = precheck(data)
    picture = hash_picture(data, str(found.pil_format), max_pixels=40_000_000, max_side=MAX_SIDE)
    digests_of(data)
    return picture.pdq


def threatexchange(index: int) -> str:
    return pdq_from_bytes(IMAGES[index])[0]


METHODS: dict[str, Callable[[int], str]] = {
    "flagdesk hash_media": ours,
    "in-process (before issue 8)": in_process,
    "threatexchange pdq_from_bytes": threatexchange,
}


@dataclass
class Row:
    method: str
    processes: int
    rates: list[float]

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)


def measure(method: Callable[[int], str], processes: int, count: int, runs: int) -> list[float]:
    rates = []
    if processes == 1:
        for index in range(min(count, 20)):
            method(index)  # warm-up: first-call imports and caches
        for _ in range(runs):
            start = time.perf_counter()
            for index in range(count):
                method(index)
            rates.append(count / (time.perf_counter() - start))
        return rates
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        pool.map(method, range(min(count, 40)), chunksize=4)  # warm-up in every worker
        chunk = max(1, count // (processes * 16))
        for _ in range(runs):
            start = time.perf_counter()
            pool.map(method, range(count), chunksize=chunk)
            rates.append(count / (time.perf_counter() - start))
    return rates


def machine() -> str:
    return machine_line(
        f"Pillow {PIL.__version__}", f"numpy {numpy.__version__}", f"pdqhash {pdqhash.__version__}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    options = parser.parse_args()

    started = time.perf_counter()
    size = (options.size, options.size)
    IMAGES.extend(jpeg_bytes(synthetic_image(seed, size), 90) for seed in range(options.images))
    mean_kb = sum(map(len, IMAGES)) / len(IMAGES) / 1024
    print(
        f"{len(IMAGES)} synthetic {size[0]}x{size[1]} JPEGs (q90, mean {mean_kb:.0f} KB), "
        f"made in {time.perf_counter() - started:.1f} s"
    )

    same = sum(ours(i) == threatexchange(i) for i in range(len(IMAGES)))
    print(f"PDQ identical to threatexchange: {same}/{len(IMAGES)}")

    rows = [
        Row(name, processes, measure(method, processes, len(IMAGES), options.runs))
        for processes in (1, 2)
        for name, method in METHODS.items()
    ]
    baseline = {r.processes: r.rate for r in rows if r.method.startswith("threatexchange")}
    before = {r.processes: r.rate for r in rows if r.method.startswith("in-process")}

    print()
    header = f"{'method':<32}{'procs':>6}{'images/s':>10}{'min-max':>15}{'target/s':>10}"
    print(f"{header}{'ratio':>8}{'vs TE':>8}{'vs before':>11}")
    for row in rows:
        spread = f"{min(row.rates):.0f}-{max(row.rates):.0f}"
        print(
            f"{row.method:<32}{row.processes:>6}{row.rate:>10.0f}{spread:>15}"
            f"{TARGET_PER_S:>10.0f}{row.rate / TARGET_PER_S:>7.2f}x"
            f"{row.rate / baseline[row.processes]:>7.2f}x"
            f"{row.rate / before[row.processes]:>10.2f}x"
        )
    print()
    print(f"runs {options.runs} (median shown) · {machine()}")
    two = next(r for r in rows if r.processes == 2 and r.method.startswith("flagdesk"))
    verdict = "meets" if two.rate >= TARGET_PER_S else "MISSES"
    print(
        f"hash_media on 2 processes: {two.rate:.0f} images/s, {verdict} the target of "
        f"{TARGET_PER_S:.0f} ({two.rate / TARGET_PER_S:.2f}x)"
    )
    return 0 if same == len(IMAGES) and two.rate >= TARGET_PER_S else 1


if __name__ == "__main__":
    sys.exit(main())
