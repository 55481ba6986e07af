"""PDQ radius-31 search: our MultiIndexHashing vs python-threatexchange, faiss and numpy.

    .venv/bin/python bench/matching.py [--sizes 1000000,10000000] [--queries 1000]

For each bank size: synthetic PDQ codes (random, plus 10% in clusters of ten within 20 bits of a
centre) and queries (half a stored code with 0-31 bits flipped, half random), generated once
into a cache directory. Every (index, size) runs in a fresh subprocess, so its memory is the
RSS growth of that process alone: baseline after imports and JIT warm-up, measured after the
build (input arrays dropped, freed heap returned with malloc_trim) and again after the queries,
the larger counting (a memory-mapped index becomes resident only as queries touch it). What the
index keeps counts, e.g. threatexchange's list of (hex, id) entries and its id dict. Recall is
checked against exact ground truth (numpy brute force; where that would take too long, faiss
IndexBinaryFlat, itself checked against numpy on the first ``--scan-queries`` queries) and must
read 100.0% with zero wrong hits. Prints one table plus the DESIGN.md ratio rows (S24).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
RADIUS = 31
# DESIGN.md "Performance targets": >= 2x threatexchange's q/s at 10M, at <= 1/5 of its memory.
TARGET_SPEEDUP, TARGET_MEMORY_SHARE = 2.0, 0.2
ID_SHIFT = 20  # our ids are packed like vPDQ frame ids: row << 20 | 7
INDEXES = {
    "ours": "flagdesk MultiIndexHashing, batch",
    "ours-single": "flagdesk MultiIndexHashing, 1 query/call",
    "ours-mmap": "flagdesk MIH loaded (mmap), batch",
    "te": "threatexchange PDQIndex, 1 query/call",
    "faiss-mih": "faiss IndexBinaryMultiHash, batch",
    "faiss-flat": "faiss IndexBinaryFlat, batch",
    "numpy": "numpy brute force, 1 query/call",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def flip_bits(codes: np.ndarray, rows: np.ndarray, bits: np.ndarray) -> None:
    """XOR bit ``bits[i]`` of ``codes[rows[i]]`` in place (repeats cancel, as XOR does)."""
    np.bitwise_xor.at(codes, (rows, bits >> 3), (1 << (bits & 7)).astype(np.uint8))


def make_data(n: int, n_queries: int, cache: Path) -> tuple[Path, Path]:
    codes_path = cache / f"codes-{n}.npy"
    queries_path = cache / f"queries-{n}-{n_queries}.npy"
    if codes_path.exists() and queries_path.exists():
        return codes_path, queries_path
    log(f"generating {n:,} codes and {n_queries} queries into {cache}")
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    members = n // 10 // 10 * 10  # 10% of the bank, in clusters of ten
    if members:
        centres = np.repeat(codes[0:members:10], 10, axis=0)
        codes[:members] = centres
        flips = rng.integers(0, 21, members)  # up to 20 bits from the centre
        positions = rng.integers(0, 256, (members, 20))
        take = np.arange(20)[None, :] < flips[:, None]
        rows = np.broadcast_to(np.arange(members)[:, None], take.shape)[take]
        flip_bits(codes, rows, positions[take])
        codes[:members] = codes[rng.permutation(members)]  # clusters spread over the ids
    near = n_queries // 2
    queries = rng.integers(0, 256, (n_queries, 32), dtype=np.uint8)
    queries[:near] = codes[rng.integers(0, n, near)]
    for i in range(near):
        bits = rng.choice(256, int(rng.integers(0, RADIUS + 1)), replace=False)
        flip_bits(queries, np.full(len(bits), i), bits)
    np.save(codes_path, codes)
    np.save(queries_path, queries)
    return codes_path, queries_path


def rss() -> int:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # return freed heap, for every index alike
    except OSError:
        pass
    return int(psutil.Process().memory_info().rss)


def worker(
    kind: str, codes_path: Path, queries_path: Path, n_queries: int, repeats: int, out: Path
) -> None:
    """Build one index, measure it, write its hits (rows, distances) and print its stats."""
    queries = np.load(queries_path)[:n_queries]
    prepare, build, search = WORKERS[kind]()
    baseline = rss()
    prepared = prepare(np.load(codes_path))  # untimed: e.g. the hex strings HMA would hold
    rss()
    peak_rss(reset=True)  # not ru_maxrss: Linux carries that over from the parent via exec
    started = time.perf_counter()
    index = build(prepared)
    build_s = time.perf_counter() - started
    del prepared
    after_build = rss() - baseline
    seconds = []
    for _ in range(repeats):  # the median resists a neighbour's burst on a shared machine
        started = time.perf_counter()
        lims, rows, dist = search(index, queries)
        seconds.append(time.perf_counter() - started)
    query_s = sorted(seconds)[len(seconds) // 2]
    # A memory-mapped index only becomes resident as queries touch it: count the larger.
    memory = max(after_build, rss() - baseline)
    np.savez(out, lims=np.asarray(lims, np.int64), rows=rows, dist=dist)
    stats = {"build_s": build_s, "memory": memory, "peak": peak_rss() - baseline}
    print(json.dumps({**stats, "query_s": query_s}))


def peak_rss(reset: bool = False) -> int:
    """VmHWM, this process's peak RSS; writing 5 to clear_refs restarts it from the current."""
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
    return int(status.split()[0]) * 1024


Triple = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]


def _ours(single: bool = False, mmap: bool = False) -> Triple:
    from flagdesk.matching.index.mih import MultiIndexHashing

    warm = MultiIndexHashing(delta_limit=0)  # compile (or load the cached) kernels first
    warm.add(np.arange(64), np.zeros((64, 32), np.uint8))
    for method in ("mih", "scan"):
        warm.search(np.zeros((2, 32), np.uint8), RADIUS, method=method)
    saved = Path(os.environ["BENCH_MATCHING_CACHE"]) / f"mih-{os.getpid()}"

    def prepare(codes: np.ndarray) -> Any:
        ids = (np.arange(len(codes), dtype=np.int64) << ID_SHIFT) | 7
        if not mmap:
            return ids, codes
        index = MultiIndexHashing()
        index.add(ids, codes)
        index.save(saved / "index")  # the build is the "ours" row; this row times opening
        return None

    def build(prepared: Any) -> MultiIndexHashing:
        if mmap:
            index = MultiIndexHashing.load(saved / "index")
            shutil.rmtree(saved)  # mapped files stay readable until unmapped (as after a swap)
            return index
        index = MultiIndexHashing()
        index.add(*prepared)
        log(f"  arrays held: {index.nbytes / len(index):.1f} bytes per entry")
        return index

    def search(index: MultiIndexHashing, queries: np.ndarray) -> tuple[Any, ...]:
        if single:
            parts = [index.search(queries[i : i + 1], RADIUS) for i in range(len(queries))]
            lims = np.concatenate(([0], np.cumsum([len(p.ids) for p in parts])))
            ids = np.concatenate([p.ids for p in parts])
            dist = np.concatenate([p.distances for p in parts])
        else:
            result = index.search(queries, RADIUS)
            lims, ids, dist = result.lims, result.ids, result.distances
        return lims, ids >> ID_SHIFT, dist

    return prepare, build, search


def _te() -> Triple:
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    def prepare(codes: np.ndarray) -> list[tuple[str, int]]:
        text = codes.tobytes().hex()  # HMA keeps (hex, id) entries; PDQIndex keeps this list
        return [(text[i * 64 : (i + 1) * 64], i) for i in range(len(codes))]

    def search(index: PDQIndex[int], queries: np.ndarray) -> tuple[Any, ...]:
        lims, rows, dist = [0], [], []
        for query in queries:
            for match in index.query(query.tobytes().hex()):
                rows.append(match.metadata)
                dist.append(int(match.similarity_info.distance))
            lims.append(len(rows))
        return np.array(lims), np.array(rows, np.int64), np.array(dist, np.int32)

    return prepare, PDQIndex, search


def _faiss(flat: bool) -> Triple:
    import faiss

    def build(codes: np.ndarray) -> Any:
        if flat:
            index: Any = faiss.IndexBinaryFlat(256)
        else:  # what PDQIndex wraps, without its Python layer and one-by-one queries
            index = faiss.IndexBinaryMultiHash(256, 16, 16)
            index.nflip = RADIUS // 16
        index.add(codes)
        return index

    def search(index: Any, queries: np.ndarray) -> tuple[Any, ...]:
        lims, dist, rows = index.range_search(queries, RADIUS + 1)  # faiss: distance < radius
        return lims, rows, dist

    return lambda codes: codes, build, search


def _numpy() -> Triple:
    def search(words: np.ndarray, queries: np.ndarray) -> tuple[Any, ...]:
        lims, rows, dist = [0], [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
        block = 1 << 20  # bounded temporaries
        for query in queries.view(np.uint64):
            for start in range(0, len(words), block):
                d = np.bitwise_count(words[start : start + block] ^ query).sum(1, np.int32)
                hit = np.flatnonzero(d <= RADIUS)
                rows.append(hit + start)
                dist.append(d[hit])
            lims.append(sum(map(len, rows)))
        return np.array(lims), np.concatenate(rows), np.concatenate(dist)

    return lambda codes: codes, lambda codes: codes.view(np.uint64), search


WORKERS: dict[str, Callable[[], Triple]] = {
    "ours": _ours,
    "ours-single": lambda: _ours(single=True),
    "ours-mmap": lambda: _ours(mmap=True),
    "te": _te,
    "faiss-mih": lambda: _faiss(flat=False),
    "faiss-flat": lambda: _faiss(flat=True),
    "numpy": _numpy,
}


def run_worker(
    kind: str, n: int, paths: tuple[Path, Path], n_queries: int, args: argparse.Namespace
) -> dict[str, Any]:
    cache, timeout = args.cache, args.timeout
    out = cache / f"hits-{kind}-{n}.npz"
    command = [sys.executable, __file__, "--worker", kind, "--queries", str(n_queries)]
    command += ["--repeats", str(args.repeats)]
    command += ["--out", str(out), "--paths", str(paths[0]), str(paths[1])]
    env = {**os.environ, "BENCH_MATCHING_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    log(f"{INDEXES[kind]} at {n:,}: {n_queries} queries")
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        log(f"  timed out after {timeout} s")
        return {"error": "timeout"}
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}"}
    stats: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(out) as hits:
        stats["hits"] = {k: hits[k] for k in ("lims", "rows", "dist")}
    out.unlink()
    stats["queries"] = n_queries
    log(f"  build {stats['build_s']:.1f} s, {n_queries / stats['query_s']:,.0f} q/s")
    return stats


Hits = list[list[tuple[int, int]]]  # per query: (row, distance) pairs


def hit_sets(hits: dict[str, np.ndarray], n_queries: int) -> Hits:
    lims, pairs = hits["lims"], list(zip(hits["rows"].tolist(), hits["dist"].tolist(), strict=True))
    return [pairs[lims[i] : lims[i + 1]] for i in range(n_queries)]


def score(found: Hits, truth: Hits) -> tuple[float, int]:
    """(recall, wrong): share of true (row, distance) pairs found; extra or duplicate pairs."""
    expected = matched = wrong = 0
    for got, want in zip(found, truth, strict=False):
        want_set = set(want)
        matched += len(set(got) & want_set)
        expected += len(want_set)
        wrong += len(got) - len(set(got) & want_set)
    return (matched / expected if expected else 1.0), wrong


def ground_truth(results: dict[str, dict[str, Any]], n_queries: int) -> tuple[Hits | None, str]:
    """Numpy brute force when it ran every query, else faiss flat checked against it."""
    numpy_run, flat_run = results.get("numpy", {}), results.get("faiss-flat", {})
    if "hits" in numpy_run and numpy_run["queries"] == n_queries:
        return hit_sets(numpy_run["hits"], n_queries), "numpy"
    if "hits" in flat_run:
        flat = hit_sets(flat_run["hits"], n_queries)
        if "hits" in numpy_run:
            brute = hit_sets(numpy_run["hits"], numpy_run["queries"])
            if score(flat, brute) != (1.0, 0) or score(brute, flat[: len(brute)]) != (1.0, 0):
                return None, "faiss flat disagrees with numpy: no ground truth"
            return flat, f"faiss flat (= numpy on {len(brute)} queries)"
        return flat, "faiss flat (unchecked)"
    return None, "none"


def machine() -> str:
    """CPU, cores, RAM, load average and library versions, for the header (S24)."""
    from importlib.metadata import version

    info = Path("/proc/cpuinfo")
    models = [x.split(":")[1].strip() for x in info.read_text().splitlines() if "model name" in x]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    libraries = ", ".join(
        f"{n} {version(n)}" for n in ("numpy", "numba", "faiss-cpu", "threatexchange")
    )
    return (
        f"{models[0] if models else platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, load {load}; "
        f"Python {platform.python_version()}, {libraries}"
    )


def print_table(lines: list[list[str]]) -> None:
    """First column left-aligned, the rest right-aligned, a rule under the header."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for k, line in enumerate(lines):
        rest = [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]
        print("  ".join([line[0].ljust(widths[0]), *rest]))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def report(table: list[dict[str, Any]]) -> None:
    lines = [["index", "size", "queries", "build s", "memory MB", "B/entry", "peak MB", "q/s"]]
    lines[0] += ["recall", "wrong"]
    for row in table:
        s = row["stats"]
        if "error" in s:
            lines.append([INDEXES[row["kind"]], f"{row['n']:,}", "-", s["error"]] + [""] * 6)
            continue
        recall = "n/a" if row["recall"] is None else f"{100 * row['recall']:.1f}%"
        lines.append([
            INDEXES[row["kind"]], f"{row['n']:,}", str(s["queries"]), f"{s['build_s']:.1f}",
            f"{s['memory'] / 2**20:,.0f}", f"{s['memory'] / row['n']:.0f}",
            f"{s['peak'] / 2**20:,.0f}", f"{s['queries'] / s['query_s']:,.0f}", recall,
            str(row["wrong"]),
        ])  # fmt: skip
    print_table(lines)
    print()
    print(f"DESIGN.md target: >= {TARGET_SPEEDUP:.0f}x threatexchange's q/s at 10M, with <= 1/5")
    print("of its memory (exact). Ratios against the threatexchange row of the same size:")
    lines = [["ours", "size", "q/s", "x TE", "target", "memory", "of TE", "target"]]
    by = {(row["kind"], row["n"]): row["stats"] for row in table if "error" not in row["stats"]}
    for n in sorted({row["n"] for row in table}):
        te = by.get(("te", n))
        for kind in ("ours", "ours-single"):
            if not (te and (ours := by.get((kind, n)))):
                continue
            rate = ours["queries"] / ours["query_s"]
            speed = rate / (te["queries"] / te["query_s"])
            share = ours["memory"] / te["memory"]
            lines.append([
                INDEXES[kind], f"{n:,}", f"{rate:,.0f}", f"{speed:.1f}x",
                f">= {TARGET_SPEEDUP:.0f}x {verdict(speed >= TARGET_SPEEDUP)}",
                f"{ours['memory'] / 2**20:,.0f} MB", f"1/{1 / share:.1f}",
                f"<= 1/5 {verdict(share <= TARGET_MEMORY_SHARE)}",
            ])  # fmt: skip
    print_table(lines)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--scan-queries", type=int, default=100, help="numpy's, above 2M codes")
    parser.add_argument("--indexes", default=",".join(INDEXES), help=", ".join(INDEXES))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "flagdesk-bench-matching"
    )
    parser.add_argument("--repeats", type=int, default=3, help="query runs; the median counts")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per (index, size)")
    parser.add_argument("--worker", choices=list(INDEXES), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--paths", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.paths[0], args.paths[1], args.queries, args.repeats, args.out)
        return 0
    kinds = [k for k in args.indexes.split(",") if k]
    if unknown := set(kinds) - set(INDEXES):
        parser.error(f"unknown indexes: {', '.join(sorted(unknown))}")
    args.cache.mkdir(parents=True, exist_ok=True)
    table, notes = [], []
    started, machine_before = time.perf_counter(), machine()
    for n in [int(x) for x in args.sizes.split(",")]:
        paths = make_data(n, args.queries, args.cache)
        results = {}
        for kind in kinds:
            slow = kind == "numpy" and n > 2_000_000
            n_queries = min(args.queries, args.scan_queries) if slow else args.queries
            results[kind] = run_worker(kind, n, paths, n_queries, args)
        truth, source = ground_truth(results, args.queries)
        notes.append(f"ground truth at {n:,}: {source}")
        for kind in kinds:
            stats = results[kind]
            recall = wrong = None
            if truth is not None and "hits" in stats:
                recall, wrong = score(hit_sets(stats["hits"], stats["queries"]), truth)
            table.append({"kind": kind, "n": n, "stats": stats, "recall": recall, "wrong": wrong})
    print(f"PDQ search, radius {RADIUS}, {args.queries} queries (half near-duplicates)")
    print(f"machine at start: {machine_before}\nmachine at end:   {machine()}")
    print(
        f"runs: 1 build per (index, size), each in a fresh process; q/s: median of {args.repeats}"
    )
    print("runs of the query batch; recall and wrong: first run, against exact ground truth\n")
    report(table)
    print("\n" + "\n".join(notes) + f"\ntotal {time.perf_counter() - started:.0f} s")
    bad = [r for r in table if r["recall"] is not None and (r["recall"] < 1 or r["wrong"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
