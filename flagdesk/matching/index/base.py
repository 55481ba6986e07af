"""The one small interface every PDQ-style index implements.

An index stores 256-bit codes under int64 ids and answers *exact* radius queries: every stored
code within Hamming distance ``radius`` (inclusive) of a query, nothing missed compared with a
brute-force scan. The database stays the source of truth (``matching.index.store``); an index is
a fast, rebuildable cache of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

CODE_BYTES = 32  # 256 bits

Codes = npt.NDArray[np.uint8]  # shape (n, 32)
Ids = npt.NDArray[np.int64]  # shape (n,)


@dataclass(frozen=True)
class SearchResult:
    """Results for a batch of queries, laid out like faiss' range_search.

    The hits of query ``i`` are ``ids[lims[i]:lims[i+1]]`` with ``distances`` alongside.
    """

    lims: npt.NDArray[np.int64]
    ids: Ids
    distances: npt.NDArray[np.int32]

    def hits(self, i: int) -> list[tuple[int, int]]:
        start, end = int(self.lims[i]), int(self.lims[i + 1])
        return [(int(self.ids[j]), int(self.distances[j])) for j in range(start, end)]


class HashIndex(ABC):
    """Exact Hamming radius search over 256-bit codes, with incremental add and remove."""

    @abstractmethod
    def add(self, ids: Ids, codes: Codes) -> None:
        """Add codes under the given ids (ids unique; adding an existing id replaces it)."""

    @abstractmethod
    def remove(self, ids: Ids) -> None:
        """Forget these ids (unknown ids are ignored)."""

    @abstractmethod
    def search(self, queries: Codes, radius: int) -> SearchResult:
        """Every stored (id, distance) with distance <= radius, for each query."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of live (not removed) codes."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write the index into ``directory`` (created; written so a crash leaves no half)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path) -> HashIndex:
        """Open an index saved by ``save`` (memory-mapped where possible: fast, shared)."""


def codes_from_hex(values: list[str]) -> Codes:
    """Hex strings (64 digits) to an (n, 32) uint8 array."""
    if not values:
        return np.zeros((0, CODE_BYTES), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, CODE_BYTES)
