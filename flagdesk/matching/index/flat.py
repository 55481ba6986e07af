"""A brute-force index: the reference every faster index is tested against, and tiny banks."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .base import CODE_BYTES, Codes, HashIndex, Ids, SearchResult


def check_codes(codes: Codes) -> Codes:
    array = np.asarray(codes)
    if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != CODE_BYTES:
        raise ValueError(f"codes must be a uint8 array of shape (n, {CODE_BYTES})")
    return np.ascontiguousarray(array)


def hamming(queries: Codes, codes: Codes) -> np.ndarray:
    """(q, n) Hamming distances, by XOR and popcount over 64-bit words."""
    q = queries.view(np.uint64)
    c = codes.view(np.uint64)
    out = np.zeros((len(q), len(c)), dtype=np.int32)
    for word in range(CODE_BYTES // 8):
        out += np.bitwise_count(q[:, word, None] ^ c[None, :, word]).astype(np.int32)
    return out


class FlatIndex(HashIndex):
    """Compares each query with every stored code. Exact by construction, O(n) per query."""

    def __init__(self) -> None:
        self._ids = np.zeros(0, dtype=np.int64)
        self._codes = np.zeros((0, CODE_BYTES), dtype=np.uint8)

    def add(self, ids: Ids, codes: Codes) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        codes = check_codes(codes)
        if len(ids) != len(codes):
            raise ValueError("ids and codes must have the same length")
        self.remove(ids)
        self._ids = np.concatenate([self._ids, ids])
        self._codes = np.concatenate([self._codes, codes])

    def remove(self, ids: Ids) -> None:
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        self._ids, self._codes = self._ids[keep], self._codes[keep]

    def search(self, queries: Codes, radius: int) -> SearchResult:
        queries = check_codes(queries)
        lims = [0]
        found_ids: list[np.ndarray] = []
        found_d: list[np.ndarray] = []
        for start in range(0, len(queries), 256):
            distances = hamming(queries[start : start + 256], self._codes)
            for row in distances:
                hit = np.nonzero(row <= radius)[0]
                found_ids.append(self._ids[hit])
                found_d.append(row[hit])
                lims.append(lims[-1] + len(hit))
        return SearchResult(
            lims=np.asarray(lims, dtype=np.int64),
            ids=np.concatenate(found_ids) if found_ids else np.zeros(0, dtype=np.int64),
            distances=(
                np.concatenate(found_d).astype(np.int32) if found_d else np.zeros(0, np.int32)
            ),
        )

    def __len__(self) -> int:
        return len(self._ids)

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".tmp-"))
        np.save(tmp / "ids.npy", self._ids)
        np.save(tmp / "codes.npy", self._codes)
        (tmp / "meta.json").write_text(json.dumps({"kind": "flat", "count": len(self)}))
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(tmp, directory)

    @classmethod
    def load(cls, directory: Path) -> FlatIndex:
        index = cls()
        index._ids = np.load(Path(directory) / "ids.npy")
        index._codes = np.load(Path(directory) / "codes.npy")
        return index
