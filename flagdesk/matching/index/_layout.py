"""How ``MultiIndexHashing`` cuts 256 bits into tables, and how far it probes each one.

Pigeonhole bound (Norouzi et al., "Fast Exact Search in Hamming Space with Multi-Index
Hashing", 2014): write the radius as ``r = s*m + a`` with ``0 <= a < m``. If two codes are
within ``r`` then one of the first ``a + 1`` chunks differs in at most ``s`` bits, or one of the
others in at most ``s - 1`` bits; otherwise the distance would be at least
``(a+1)(s+1) + (m-a-1)s = r + 1``. Probing exactly those balls finds every hit, so the index is
exact for every radius; only the cost changes, which is what ``choose_tables`` weighs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import comb

import numpy as np
import numpy.typing as npt

BITS = 256
MAX_CHUNK_BITS = 24  # a direct-address table of 2**24 uint32 offsets is 64 MiB
# Measured on the 2-core bench machine (bench/matching.py): one probe costs about as much as
# 1.5 candidate verifications (both are cache misses), a scanned code about 1/10 of one.
PROBE_COST = 1.5
SCAN_COST = 1 / 10
# Table memory allowed per entry (plus a fixed 8 MiB, so small banks can have 16 tables): with
# codes, ids and tombstones that caps an index near 107 bytes per entry.
TABLE_BYTES_PER_ENTRY = 66
TABLE_FIXED_BYTES = 8 << 20

Int64s = npt.NDArray[np.int64]


def chunk_lengths(tables: int) -> Int64s:
    """Near-equal chunk widths summing to 256 bits (the wider chunks first)."""
    if not 1 <= tables <= BITS:
        raise ValueError(f"tables must be between 1 and {BITS}, got {tables}")
    narrow, extra = divmod(BITS, tables)
    lengths = np.full(tables, narrow, dtype=np.int64)
    lengths[:extra] += 1
    if lengths.max() > MAX_CHUNK_BITS:
        raise ValueError(f"{tables} tables make chunks wider than {MAX_CHUNK_BITS} bits")
    return lengths


def probe_flips(lengths: Int64s, radius: int) -> Int64s:
    """Bits to flip per table for an exact search at ``radius``; -1 means "skip this table"."""
    tables = len(lengths)
    s, a = divmod(radius, tables)
    flips = np.full(tables, s - 1, dtype=np.int64)
    flips[: a + 1] = s
    return np.minimum(flips, lengths)


def ball_size(length: int, flips: int) -> int:
    """Number of ``length``-bit keys within ``flips`` bits of a key: the probes of one table."""
    return sum(comb(length, k) for k in range(flips + 1))


@dataclass(frozen=True)
class ProbePlan:
    """What a search at one radius does to one layout: flips per table and expected work."""

    flips: Int64s  # read-only; handed to the kernel as is
    max_ball: int  # most probes in one table: the size of the kernel's key buffers
    probes: int
    density: float  # expected candidates per stored code, for uniform codes

    def cost(self, n: int) -> float:
        """Expected work per query in candidate verifications (a probe is a cache miss too)."""
        return PROBE_COST * self.probes + self.density * n


@lru_cache(maxsize=512)
def probe_plan(lengths: tuple[int, ...], radius: int) -> ProbePlan:
    """Cached: a single-query search should not redo this arithmetic each time."""
    flips = probe_flips(np.asarray(lengths, dtype=np.int64), radius)
    balls = [ball_size(n, f) for n, f in zip(lengths, flips.tolist(), strict=True)]
    density = sum(ball / 2**length for ball, length in zip(balls, lengths, strict=True))
    flips.flags.writeable = False
    return ProbePlan(flips, max(balls), sum(balls), density)


def estimated_cost(lengths: Int64s, radius: int, n: int) -> float:
    """Expected work per query of the table probe, in candidate verifications."""
    return probe_plan(tuple(lengths.tolist()), radius).cost(n)


def scan_cost(n: int) -> float:
    """Expected work per query of a brute-force scan, in the same unit as ``estimated_cost``."""
    return SCAN_COST * n


def table_bytes(lengths: Int64s, n: int) -> int:
    """Memory of the offsets (uint32 per bucket) and positions (uint32 per entry and table)."""
    return int(4 * (np.sum(2**lengths + 1) + len(lengths) * n))


def choose_tables(n: int, radius: int) -> int:
    """The cheapest table count for ``n`` codes at ``radius`` that fits the memory budget.

    Wider chunks (fewer tables) mean fewer candidates per probe and fewer positions per entry,
    but each table's offsets grow as 2**bits; at 10M codes 12 tables of 21-22 bits win, at 1M
    the offsets would outweigh the entries and 16 tables of 16 bits win.
    """
    budget = TABLE_BYTES_PER_ENTRY * n + TABLE_FIXED_BYTES
    best, best_cost = 16, float("inf")
    for tables in range(BITS // MAX_CHUNK_BITS + 1, 33):
        lengths = chunk_lengths(tables)
        if table_bytes(lengths, n) > budget:
            continue
        cost = estimated_cost(lengths, radius, n)
        if cost < best_cost:
            best, best_cost = tables, cost
    return best


@dataclass(frozen=True)
class Layout:
    """Where each table's chunk sits in the code and its offsets in the flat offsets array."""

    lengths: Int64s
    starts: Int64s
    table_base: Int64s
    offsets_size: int

    @classmethod
    def for_lengths(cls, lengths: Int64s) -> Layout:
        lengths = np.asarray(lengths, dtype=np.int64)
        if int(lengths.sum()) != BITS or lengths.min() < 1 or lengths.max() > MAX_CHUNK_BITS:
            raise ValueError(f"chunk lengths must be 1..{MAX_CHUNK_BITS} bits summing to {BITS}")
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        sizes = 2**lengths + 1
        table_base = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        return cls(lengths, starts, table_base, int(sizes.sum()))

    def plan(self, radius: int) -> ProbePlan:
        return probe_plan(tuple(self.lengths.tolist()), radius)
