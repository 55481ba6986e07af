"""Crash-safe directories of ``.npy`` files, for indexes that workers memory-map.

A saved index is a directory: one ``.npy`` per array plus ``meta.json``. It is written next to
its destination under a temporary name, flushed, and then swapped in with one rename, so a
reader (or a crash) sees either the old index or the new one, never half of each. Readers that
still map the old files keep valid pages: Linux frees unlinked files only when unmapped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from flagdesk.core.durable import fsync_dir

META = "meta.json"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def write_directory(
    directory: Path, arrays: Mapping[str, npt.NDArray[Any]], meta: Mapping[str, Any]
) -> None:
    """Write ``arrays`` (as ``<name>.npy``) and ``meta`` into ``directory``, all or nothing.

    An existing ``directory`` must be empty or an earlier save (it has ``meta.json``): anything
    else is refused rather than deleted.
    """
    directory = Path(directory)
    if directory.exists() and not _replaceable(directory):
        raise ValueError(f"{directory} exists and is not a saved index; refusing to replace it")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        for name, array in arrays.items():
            with open(staging / f"{name}.npy", "wb") as handle:
                np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
                handle.flush()
                os.fsync(handle.fileno())
        with open(staging / META, "w", encoding="utf-8") as handle:
            json.dump(dict(meta), handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        fsync_dir(staging)
        _swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_meta(directory: Path) -> dict[str, Any]:
    path = Path(directory) / META
    try:
        with open(path, encoding="utf-8") as handle:
            meta = json.load(handle)
    except FileNotFoundError:
        raise ValueError(f"{directory} is not a saved index (no {META})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return meta


def read_array(
    directory: Path, name: str, *, mmap_mode: Literal["r", "c"] | None
) -> npt.NDArray[Any]:
    """Load ``<name>.npy``, memory-mapped when asked (empty arrays cannot be mapped)."""
    path = Path(directory) / f"{name}.npy"
    if not path.exists():
        raise ValueError(f"{directory} is missing {path.name}")
    array = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    if mmap_mode is not None and isinstance(array, np.memmap):
        # numba types np.memmap as a plain array only through a base-class view.
        array = array.view(np.ndarray)
    return array


def _replaceable(directory: Path) -> bool:
    return directory.is_dir() and ((directory / META).exists() or not any(directory.iterdir()))


def _swap_in(staging: Path, directory: Path) -> None:
    if not directory.exists():
        os.rename(staging, directory)
    elif _exchange(staging, directory):
        shutil.rmtree(staging)  # now holds the previous index
    else:
        # No atomic exchange on this platform: the gap between the renames is two syscalls.
        previous = directory.parent / f".{directory.name}.old-{uuid.uuid4().hex}"
        os.rename(directory, previous)
        os.rename(staging, directory)
        shutil.rmtree(previous)
    fsync_dir(directory.parent)


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two directories atomically (Linux >= 3.15)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)
