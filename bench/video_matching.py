"""vPDQ at scale: find re-encoded, trimmed copies among 100,000 known videos (issue 4, item 4).

    .venv/bin/python bench/video_matching.py [--videos 100000] [--frames 30] [--queries 200]

Our path is the product's own: known videos are rows of a real (temporary SQLite) database,
the frame index is built by ``matching.index.store`` (every trusted frame of every video in one
exact PDQ index) and each query goes through ``services.matching.find``, database look-ups
included. The baseline is python-threatexchange's ``VPDQIndex`` (the HMA video index), fed the
same vPDQ strings (our canonical value is its JSON format): it scans every known frame with a
faiss IndexBinaryFlat for each query frame.

Known videos have ``--frames`` random frame hashes each. Half of the queries are copies of a
random known video, trimmed to its middle half, every frame re-encoded (8 bits flipped) and
re-timed from 0; the other half are unrelated videos. A copy is found when its source video
is among the hits; an unrelated video must find nothing. Prints one table (S24).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def random_pdq(rng: random.Random) -> str:
    return rng.getrandbits(256).to_bytes(32, "big").hex()


def flip(value: str, bits: int, rng: random.Random) -> str:
    number = int(value, 16)
    for position in rng.sample(range(256), bits):
        number ^= 1 << position
    return number.to_bytes(32, "big").hex()


def setup_django(var_dir: str) -> None:
    os.environ["FLAGDESK_VAR_DIR"] = var_dir
    os.environ["FLAGDESK_KEY_DIR"] = var_dir.rstrip("/") + "-keys"  # never the checkout's keys/
    os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
    os.environ.setdefault("FLAGDESK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-queries", type=int, default=40)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="flagdesk-bench-video-")
    setup_django(var_dir)

    from flagdesk.matching.index.store import store
    from flagdesk.matching.models import BankEntry, HashBank
    from flagdesk.matching.services.banks import value_key
    from flagdesk.matching.services.matching import find
    from flagdesk.matching.signal_types import ComputedSignal, Vpdq
    from flagdesk.matching.signal_types.vpdq import Frame

    rng = random.Random(2026)
    print(f"generating {args.videos:,} videos x {args.frames} frames", file=sys.stderr)
    videos = [
        [Frame(random_pdq(rng), 90, float(t)) for t in range(args.frames)]
        for _ in range(args.videos)
    ]
    values = [Vpdq.serialise(v) for v in videos]

    bank = HashBank.objects.create(name="Known videos", slug="known-videos")
    t0 = time.perf_counter()
    for start in range(0, len(values), 5000):
        BankEntry.objects.bulk_create(
            BankEntry(
                bank=bank,
                signal_type="vpdq",
                value=value,
                value_key=value_key("vpdq", value),
                frame_count=args.frames,
            )
            for value in values[start : start + 5000]
        )
    insert_s = time.perf_counter() - t0
    ids = list(BankEntry.objects.order_by("id").values_list("id", flat=True))
    print(f"inserted in {insert_s:.1f} s; building our frame index", file=sys.stderr)

    # Compile the index kernels first, so the memory reading is the index's, not the JIT's.
    import numpy as np

    from flagdesk.matching.index.store import index_class

    warm = index_class()()
    warm.add(np.arange(64, dtype=np.int64), np.zeros((64, 32), dtype=np.uint8))
    warm.search(np.zeros((1, 32), dtype=np.uint8), 31)
    before = rss_mb()
    t0 = time.perf_counter()
    frames_indexed = store("vpdq").rebuild()
    ours_build = time.perf_counter() - t0
    ours_mem = rss_mb() - before

    queries: list[tuple[int | None, str]] = []
    lo, hi = args.frames // 4, args.frames * 3 // 4
    for n in range(args.queries):
        if n % 2 == 0:
            source = rng.randrange(args.videos)
            copy = [
                Frame(flip(f.pdq, 8, rng), 80, float(i))
                for i, f in enumerate(videos[source][lo:hi])
            ]
            queries.append((ids[source], Vpdq.serialise(copy)))
        else:
            other = [Frame(random_pdq(rng), 90, float(t)) for t in range(args.frames // 2)]
            queries.append((None, Vpdq.serialise(other)))

    find([ComputedSignal("vpdq", queries[0][1])])  # warm-up: numba compile, index open
    found = false_hits = 0
    t0 = time.perf_counter()
    for source, value in queries:
        hits = {h.entry.pk for h in find([ComputedSignal("vpdq", value)])[0].hits}
        if source is None:
            false_hits += len(hits)
        elif source in hits:
            found += 1
    ours_s = time.perf_counter() - t0
    copies = sum(1 for s, _ in queries if s is not None)

    print("building threatexchange's VPDQIndex", file=sys.stderr)
    from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex

    before = rss_mb()
    t0 = time.perf_counter()
    te = VPDQIndex.build((value, ids[n]) for n, value in enumerate(values))
    te_build = time.perf_counter() - t0
    te_mem = rss_mb() - before
    te_queries = queries[: args.baseline_queries]
    te_found = te_false = 0
    t0 = time.perf_counter()
    for source, value in te_queries:
        hits = {m.metadata for m in te.query(value)}
        if source is None:
            te_false += len(hits)
        elif source in hits:
            te_found += 1
    te_s = time.perf_counter() - t0
    te_copies = sum(1 for s, _ in te_queries if s is not None)

    ours_qps = len(queries) / ours_s
    te_qps = len(te_queries) / te_s
    print()
    print(
        f"{args.videos:,} known videos x {args.frames} frames = {frames_indexed:,} indexed "
        f"frames; queries: copies trimmed to {hi - lo} frames with 8 bits flipped per frame, "
        "and unrelated videos"
    )
    header = (
        f"{'index':<32}{'build s':>9}{'memory MB':>11}{'queries':>9}{'videos/s':>10}"
        f"{'ms/video':>10}{'copies found':>14}{'false hits':>12}"
    )
    print(header)
    for name, build, mem, n, qps, hit, total, false in (
        (
            "flagdesk frame index (find)",
            ours_build,
            ours_mem,
            len(queries),
            ours_qps,
            found,
            copies,
            false_hits,
        ),
        (
            "threatexchange VPDQIndex",
            te_build,
            te_mem,
            len(te_queries),
            te_qps,
            te_found,
            te_copies,
            te_false,
        ),
    ):
        print(
            f"{name:<32}{build:>9.1f}{mem:>11.0f}{n:>9}{qps:>10.1f}{1000 / qps:>10.1f}"
            f"{f'{hit}/{total}':>14}{false:>12}"
        )
    print(f"ratio videos/s flagdesk / threatexchange: {ours_qps / te_qps:.1f}x")
    return 0 if found == copies and false_hits == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
