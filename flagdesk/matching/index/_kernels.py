"""Numba kernels behind ``MultiIndexHashing``: table build, MIH probe, brute-force scan.

Codes arrive as ``(n, 4) uint64`` views of the 32-byte hashes, so a distance is four XORs and
four hardware popcounts. A chunk is any run of bit positions in that view: Hamming distance does
not care which bits form a chunk, only that the chunks partition the 256 bits.

Search kernels write at most ``cap`` hits per query into flat buffers and still count past it;
the caller re-runs the few overflowing queries with an exact capacity, which keeps the hot path
free of allocation. Kernels are serial and ``nogil``: the caller spreads a batch over threads.
numba's own ``parallel=True`` (OpenMP) was tried and dropped: each call pays a fork/join
barrier that cost ~1 ms per single query once another process kept the second core busy, and
the cold compile took ~10 s instead of ~1.5 s (``cache=True`` makes later starts instant).
"""

# mypy: ignore-errors
# (numba compiles these functions from their runtime types; annotations would only mislead)

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _popcount(typingctx, value):
    """LLVM's ctpop: numba has no popcount of its own, and this compiles to one instruction."""
    if not isinstance(value, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def _prefetch(typingctx, array, row, col):
    """``llvm.prefetch`` of ``array[row, col]`` (read, keep in all cache levels)."""
    if not (isinstance(array, types.Array) and array.ndim == 2):
        return None

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, args[1:])
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        fn_type = ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32])
        fn = cgutils.get_or_insert_function(builder.module, fn_type, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(pointer, byte_pointer), int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return types.void(array, types.intp, types.intp), codegen


@njit(inline="always")
def _distance(codes, p, queries, q):
    return np.int64(
        _popcount(codes[p, 0] ^ queries[q, 0])
        + _popcount(codes[p, 1] ^ queries[q, 1])
        + _popcount(codes[p, 2] ^ queries[q, 2])
        + _popcount(codes[p, 3] ^ queries[q, 3])
    )


@njit(inline="always")
def _chunk(codes, i, start, length):
    """Bits ``start .. start+length`` (length <= 32) of code ``i`` as an integer key."""
    word = start >> 6
    shift = start & 63
    value = codes[i, word] >> np.uint64(shift)
    if shift + length > 64:
        value |= codes[i, word + 1] << np.uint64(64 - shift)
    return value & ((np.uint64(1) << np.uint64(length)) - np.uint64(1))


@njit(cache=True, nogil=True)
def build_table(codes, start, length, offsets, positions):
    """Counting sort of all rows by the chunk at ``start``: one table, two passes over codes.

    ``offsets[key] .. offsets[key + 1]`` delimits the bucket of ``key`` in ``positions``. Rows
    stay ascending within a bucket (stable scatter), so verifying a bucket reads forwards.
    """
    n = codes.shape[0]
    size = 1 << length
    counts = np.zeros(size + 1, np.int64)
    keys = np.empty(n, np.uint32)
    for i in range(n):
        key = _chunk(codes, i, start, length)
        keys[i] = np.uint32(key)
        counts[np.int64(key) + 1] += 1
    for k in range(size):
        counts[k + 1] += counts[k]
    for k in range(size + 1):
        offsets[k] = np.uint32(counts[k])
    for i in range(n):
        k = np.int64(keys[i])
        positions[counts[k]] = np.uint32(i)
        counts[k] += 1


@njit(inline="always")
def _reported_earlier(codes, p, qkeys, starts, lengths, flips, table):
    """True if an earlier table also probes code ``p``: that table reports it, not this one.

    This replaces a per-query "seen" set: only actual hits pay for it, and it is exact because
    table ``u`` probes every code whose chunk ``u`` is within ``flips[u]`` of the query's.
    """
    for u in range(table):
        if flips[u] >= 0:
            diff = _chunk(codes, p, starts[u], lengths[u]) ^ qkeys[u]
            if np.int64(_popcount(diff)) <= flips[u]:
                return True
    return False


# How far ahead to prefetch; tuned at 10M codes on the bench machine (16/8 beat 4..64).
_CODE_AHEAD = 16
_BUCKET_AHEAD = 8


@njit(cache=True, nogil=True)
def mih_search(
    codes,
    dead,
    offsets,
    positions,
    starts,
    lengths,
    table_base,
    flips,
    max_ball,
    queries,
    radius,
    cap,
    out_pos,
    out_dist,
    counts,
):
    """Multi-index hashing: probe each table's buckets within ``flips[t]`` bits, verify fully.

    Exact when ``flips`` satisfies the pigeonhole bound (``_layout.probe_flips``). Each table
    goes in passes (bucket keys, bucket bounds, candidate rows, verification) so that the loads
    within a pass do not depend on each other and overlap in the memory system, helped by
    explicit prefetches; one fused loop waited on one cache miss after another and was 3x
    slower at 10M codes. ``max_ball`` bounds the probes of one table.
    """
    n_tables = starts.shape[0]
    qkeys = np.empty(n_tables, np.uint64)
    keys = np.empty(max_ball, np.int64)
    lo = np.empty(max_ball, np.int64)
    hi = np.empty(max_ball, np.int64)
    cand = np.empty(4096, np.int64)  # grows to the largest candidate list of one table
    for q in range(queries.shape[0]):
        for t in range(n_tables):
            qkeys[t] = _chunk(queries, q, starts[t], lengths[t])
        found = 0
        row = q * cap
        for t in range(n_tables):
            n_keys = _ball_keys(qkeys[t], lengths[t], flips[t], table_base[t], keys)
            total = 0
            for i in range(n_keys):
                lo[i] = np.int64(offsets[keys[i]])
                hi[i] = np.int64(offsets[keys[i] + 1])
                total += hi[i] - lo[i]
            if total > cand.shape[0]:
                cand = np.empty(2 * total, np.int64)
            n_cand = 0
            for i in range(n_keys):
                if i + _BUCKET_AHEAD < n_keys:
                    _prefetch(positions, t, lo[i + _BUCKET_AHEAD])
                for j in range(lo[i], hi[i]):
                    cand[n_cand] = np.int64(positions[t, j])
                    n_cand += 1
            for i in range(n_cand):
                if i + _CODE_AHEAD < n_cand:
                    _prefetch(codes, cand[i + _CODE_AHEAD], 0)
                p = cand[i]
                d = _distance(codes, p, queries, q)
                if d <= radius and not (dead.shape[0] > 0 and dead[p]):
                    if not _reported_earlier(codes, p, qkeys, starts, lengths, flips, t):
                        if found < cap:
                            out_pos[row + found] = p
                            out_dist[row + found] = d
                        found += 1
        counts[q] = found


@njit(inline="always")
def _ball_keys(center, length, flips, base, keys):
    """Write ``base + key`` for every key within ``flips`` bits of ``center``; return the count.

    Gosper's hack walks every ``length``-bit mask with exactly k bits set, in increasing order.
    """
    limit = np.uint64(1) << np.uint64(length)
    n_keys = 0
    for k in range(flips + 1):
        mask = (np.uint64(1) << np.uint64(k)) - np.uint64(1)
        while mask < limit:
            keys[n_keys] = base + np.int64(center ^ mask)
            n_keys += 1
            if k == 0:
                break
            low = mask & (~mask + np.uint64(1))
            ripple = mask + low
            mask = (((ripple ^ mask) >> np.uint64(2)) // low) | ripple
    return n_keys


_SCAN_BLOCK = 8  # queries compared against each code while it is in registers


@njit(cache=True, nogil=True)
def scan_search(codes, dead, queries, radius, cap, out_pos, out_dist, counts):
    """Brute force for large radii and the delta: every code against a block of queries.

    Blocking queries means each code is read from memory once per block instead of once per
    query, which is what bounds a scan over a 10M-code base.
    """
    nq = queries.shape[0]
    n_blocks = (nq + _SCAN_BLOCK - 1) // _SCAN_BLOCK
    for b in range(n_blocks):
        first = b * _SCAN_BLOCK
        last = min(first + _SCAN_BLOCK, nq)
        found = np.zeros(_SCAN_BLOCK, np.int64)
        for p in range(codes.shape[0]):
            if dead.shape[0] > 0 and dead[p]:
                continue
            for q in range(first, last):
                d = _distance(codes, p, queries, q)
                if d <= radius:
                    slot = found[q - first]
                    if slot < cap:
                        out_pos[q * cap + slot] = p
                        out_dist[q * cap + slot] = d
                    found[q - first] = slot + 1
        for q in range(first, last):
            counts[q] = found[q - first]
