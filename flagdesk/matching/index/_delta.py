"""Input checks and the small mutable *delta* of recent additions, for ``MultiIndexHashing``.

Codes travel as ``(n, 4) uint64`` "words" (the same 32 bytes, viewed so a distance is four
popcounts). Arrays handed to the numba kernels are read-only views: numba compiles one
specialisation per (dtype, layout, writeable) combination, and a memory-mapped base is
read-only anyway, so making everything read-only keeps it to one compile per kernel.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .base import CODE_BYTES, Ids

Words = npt.NDArray[np.uint64]  # shape (n, 4): one 256-bit code per row
WORDS = CODE_BYTES // 8
_INT64_MAX = np.iinfo(np.int64).max

A = TypeVar("A", bound=np.ndarray[Any, Any])


def readonly(array: A) -> A:
    """A read-only view (the data stays shared; see the module docstring for why)."""
    view = array.view()
    view.flags.writeable = False
    return view


def check_ids(ids: Any) -> Ids:
    """Ids as a 1-D int64 array, or ValueError saying what is wrong."""
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValueError(f"ids must be a 1-D array, got shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise ValueError(f"ids must be an integer array, got dtype {array.dtype}")
    if array.dtype == np.uint64 and array.size and int(array.max()) > _INT64_MAX:
        raise ValueError("ids must fit in int64")
    return array.astype(np.int64, copy=False)


def check_codes(codes: Any, what: str, *, count: int | None = None) -> Words:
    """Codes as read-only aligned (n, 4) uint64 words, or ValueError saying what is wrong."""
    array = np.asarray(codes)
    if array.dtype != np.uint8:
        raise ValueError(f"{what} must be a uint8 array, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[1] != CODE_BYTES:
        raise ValueError(f"{what} must have shape (n, {CODE_BYTES}), got {array.shape}")
    if count is not None and array.shape[0] != count:
        raise ValueError(f"{what} has {array.shape[0]} rows for {count} ids")
    array = np.ascontiguousarray(array)
    if array.ctypes.data % 8:
        array = array.copy()  # numpy allocations are aligned; an offset buffer may not be
    return readonly(array.view(np.uint64))


class Delta:
    """Recent additions: append-only arrays plus an id -> row dict, scanned by brute force.

    Removal moves the last row into the hole, so the live rows stay a prefix. Small by design
    (``delta_limit``), so a dict is affordable here and nowhere else.
    """

    def __init__(self) -> None:
        self._ids = np.zeros(0, dtype=np.int64)
        self._words = np.zeros((0, WORDS), dtype=np.uint64)
        self._count = 0
        self._row: dict[int, int] = {}

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return self._ids.nbytes + self._words.nbytes

    def view(self) -> tuple[Ids, Words]:
        return readonly(self._ids[: self._count]), readonly(self._words[: self._count])

    def put(self, ids: Ids, words: Words) -> None:
        """Add rows; an id already here gets its code replaced."""
        id_list = ids.tolist()
        rows = np.fromiter((self._row.get(i, -1) for i in id_list), np.int64, len(id_list))
        known = rows >= 0
        self._words[rows[known]] = words[known]
        fresh = ~known
        n_fresh = int(np.count_nonzero(fresh))
        self._reserve(self._count + n_fresh)
        start, stop = self._count, self._count + n_fresh
        self._ids[start:stop] = ids[fresh]
        self._words[start:stop] = words[fresh]
        self._row.update(zip(self._ids[start:stop].tolist(), range(start, stop), strict=True))
        self._count = stop

    def discard(self, ids: Ids) -> None:
        """Forget these ids if present."""
        for item in ids.tolist():
            row = self._row.pop(item, None)
            if row is None:
                continue
            last = self._count - 1
            if row != last:
                moved = int(self._ids[last])
                self._ids[row] = moved
                self._words[row] = self._words[last]
                self._row[moved] = row
            self._count = last

    def _reserve(self, needed: int) -> None:
        if needed <= self._ids.shape[0]:
            return
        capacity = max(1024, 2 * needed)
        ids = np.zeros(capacity, dtype=np.int64)
        words = np.zeros((capacity, WORDS), dtype=np.uint64)
        ids[: self._count] = self._ids[: self._count]
        words[: self._count] = self._words[: self._count]
        self._ids, self._words = ids, words
