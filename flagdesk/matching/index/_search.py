"""Running the kernels for ``MultiIndexHashing``: the base, buffers, threads, result merge.

Parallelism is plain threads over contiguous slices of the query batch: the kernels release the
GIL, a single query runs in the caller's thread with no hand-off at all, and a busy second core
only slows the slice it was given (see ``_kernels`` for why not numba's OpenMP ``prange``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _kernels, _layout
from ._delta import Words, readonly
from .base import Ids, SearchResult

INITIAL_CAP = 32  # hits per query before a query is re-run with an exact buffer
MIN_QUERIES_PER_THREAD = 4  # below this a thread hand-off costs more than it saves
SLICES_PER_THREAD = 4  # smaller slices balance the load when a core is shared

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def default_threads() -> int:
    """CPUs this process may run on (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _forget_pool() -> None:
    global _pool
    _pool = None  # a pool inherited through fork() has no threads in the child


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def run_all(fn: Callable[..., None], jobs: Iterable[tuple[Any, ...]], threads: int) -> None:
    """``fn(*job)`` for every job, on up to ``threads`` threads (this one included).

    Threads take the next job when they finish one, so a thread slowed by another process on
    its core does less of the work instead of holding everyone up at the end.
    """
    global _pool
    pending = iter(list(jobs))
    take = threading.Lock()

    def drain() -> None:
        while True:
            with take:
                job = next(pending, None)
            if job is None:
                return
            fn(*job)

    helpers: list[Future[None]] = []
    if threads > 1:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(default_threads(), thread_name_prefix="mih")
            helpers = [_pool.submit(drain) for _ in range(threads - 1)]
    try:
        drain()
    finally:  # never return while a helper may still write into the caller's buffers
        for helper in helpers:
            helper.result()


@dataclass(frozen=True)
class Base:
    """The immutable bulk of the index: codes sorted by id, plus one table per chunk."""

    ids: Ids
    words: Words
    offsets: npt.NDArray[np.uint32]
    positions: npt.NDArray[np.uint32]
    layout: _layout.Layout

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.ids, self.words, self.offsets, self.positions))

    @classmethod
    def build(cls, ids: Ids, words: Words, tables: int, threads: int) -> Base:
        """A counting sort per table, tables in parallel; ``ids`` must be sorted and unique."""
        layout = _layout.Layout.for_lengths(_layout.chunk_lengths(tables))
        offsets = np.empty(layout.offsets_size, dtype=np.uint32)
        positions = np.empty((tables, ids.shape[0]), dtype=np.uint32)
        sizes = 2**layout.lengths + 1

        def build_one(t: int) -> None:
            start = int(layout.table_base[t])
            table = offsets[start : start + int(sizes[t])]
            _kernels.build_table(
                words, int(layout.starts[t]), int(layout.lengths[t]), table, positions[t]
            )

        run_all(build_one, ((t,) for t in range(tables)), threads)
        return cls(readonly(ids), readonly(words), readonly(offsets), readonly(positions), layout)


KernelCall = Callable[[Words, int, npt.NDArray[np.int64], npt.NDArray[np.int32], Ids], None]
Hits = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int32]]


def mih_call(base: Base, dead: npt.NDArray[np.bool_], radius: int) -> KernelCall:
    layout = base.layout
    plan = layout.plan(radius)
    flips, max_ball = plan.flips, plan.max_ball

    def call(queries: Words, cap: int, out_pos: Ids, out_dist: Any, counts: Ids) -> None:
        _kernels.mih_search(
            base.words, dead, base.offsets, base.positions, layout.starts, layout.lengths,
            layout.table_base, flips, max_ball, queries, radius, cap, out_pos, out_dist, counts,
        )  # fmt: skip

    return call


def scan_call(words: Words, dead: npt.NDArray[np.bool_], radius: int) -> KernelCall:
    def call(queries: Words, cap: int, out_pos: Ids, out_dist: Any, counts: Ids) -> None:
        _kernels.scan_search(words, dead, queries, radius, cap, out_pos, out_dist, counts)

    return call


def collect(call: KernelCall, queries: Words, threads: int) -> Hits:
    """Run a kernel; queries with more than ``_INITIAL_CAP`` hits run again with room for all.

    Returns flat (query, row, distance) triples in no particular order (``merge`` sorts).
    """
    q, rows, dist, over, over_counts = _run(
        call, queries, INITIAL_CAP, np.arange(len(queries)), threads
    )
    if over.size:
        q2, rows2, dist2, _, _ = _run(
            call, readonly(queries[over]), int(over_counts.max()), over, threads
        )
        q, rows, dist = (
            np.concatenate((q, q2)),
            np.concatenate((rows, rows2)),
            np.concatenate((dist, dist2)),
        )
    return q, rows, dist


def _run(
    call: KernelCall, queries: Words, cap: int, query_numbers: Ids, threads: int
) -> tuple[Ids, Ids, npt.NDArray[np.int32], Ids, Ids]:
    """One kernel run with ``cap`` slots per query; also returns the queries that overflowed."""
    n = queries.shape[0]
    counts = np.zeros(n, np.int64)
    out_pos = np.empty(n * cap, np.int64)
    out_dist = np.empty(n * cap, np.int32)
    # Contiguous slices of the queries and of the output buffers: threads never share a byte.
    slices = min(SLICES_PER_THREAD * threads, n // MIN_QUERIES_PER_THREAD)
    if slices < 2 or threads < 2:
        call(queries, cap, out_pos, out_dist, counts)
    else:
        bounds = np.linspace(0, n, slices + 1).astype(int)
        run_all(
            lambda a, b: call(
                queries[a:b], cap, out_pos[a * cap : b * cap], out_dist[a * cap : b * cap],
                counts[a:b],
            ),
            zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True),
            threads,
        )  # fmt: skip
    fits = counts <= cap
    keep = (np.arange(cap)[None, :] < counts[:, None]) & fits[:, None]
    q = np.broadcast_to(query_numbers[:, None], (n, cap))[keep]
    pos, dist = out_pos.reshape(n, cap)[keep], out_dist.reshape(n, cap)[keep]
    return q, pos, dist, query_numbers[~fits], counts[~fits]


def merge(found: list[Hits], n_queries: int) -> SearchResult:
    """One SearchResult, hits of each query sorted by (distance, id) for stable output."""
    if found:
        q = np.concatenate([f[0] for f in found])
        ids = np.concatenate([f[1] for f in found])
        dist = np.concatenate([f[2] for f in found]).astype(np.int32, copy=False)
    else:
        q, ids, dist = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
    order = np.lexsort((ids, dist, q))
    lims = np.zeros(n_queries + 1, dtype=np.int64)
    np.cumsum(np.bincount(q, minlength=n_queries), out=lims[1:])
    return SearchResult(lims, ids[order], dist[order])
