"""MultiIndexHashing answers exactly what a brute-force scan answers, through every update path.

The reference is a numpy scan over a plain ``{id: code}`` dict, so a test fails on any hit the
index misses or invents, on a wrong distance, and on stale entries after replace or remove.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagdesk.matching.index.base import SearchResult
from flagdesk.matching.index.mih import Method, MultiIndexHashing

RADII = [0, 1, 15, 31, 32, 64, 200]
# 13 tables cut 19-20 bit chunks across 64-bit word boundaries; 16 and 32 align with them.
TABLES = [13, 16, 32]


Answers = list[list[tuple[int, int]]]  # per query: sorted (distance, id)


def brute_force(model: dict[int, np.ndarray], queries: np.ndarray, radius: int) -> Answers:
    """Per query, sorted (distance, id) of every stored code within radius."""
    if not model:
        return [[] for _ in queries]
    ids = np.fromiter(model, dtype=np.int64, count=len(model))
    codes = np.stack(list(model.values())).view(np.uint64)
    out = []
    for query in queries.view(np.uint64):
        dist = np.bitwise_count(codes ^ query).sum(axis=1)
        hit = np.flatnonzero(dist <= radius)
        out.append(sorted((int(dist[i]), int(ids[i])) for i in hit))
    return out


def answers(result: SearchResult, n_queries: int) -> Answers:
    assert result.lims.shape == (n_queries + 1,)
    return [[(d, i) for i, d in result.hits(q)] for q in range(n_queries)]


def assert_exact(
    index: MultiIndexHashing,
    model: dict[int, np.ndarray],
    queries: np.ndarray,
    radius: int,
    methods: tuple[Method, ...] = ("auto", "mih", "scan"),
) -> None:
    expected = brute_force(model, queries, radius)
    for method in methods:
        result = index.search(queries, radius, method=method)
        assert result.ids.dtype == np.int64 and result.distances.dtype == np.int32
        assert answers(result, len(queries)) == expected, (method, radius)
    assert len(index) == len(model)


def flip(code: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = code.copy()
    for bit in bits:
        out[bit >> 3] ^= np.uint8(1 << (bit & 7))
    return out


def clustered_bank(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random codes plus clusters of ten within 20 bits of a centre, as PDQ re-uploads are."""
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    for start in range(0, n // 2, 10):
        centre = codes[start].copy()
        for j in range(start, min(start + 10, n)):
            codes[j] = flip(centre, rng.choice(256, rng.integers(0, 21), replace=False))
    ids = (rng.permutation(n).astype(np.int64) << 20) | rng.integers(0, 1 << 20, n)
    return ids, codes


def near_queries(rng: np.random.Generator, codes: np.ndarray, n: int) -> np.ndarray:
    """Half near-duplicates (0..40 bits off a stored code), half random codes."""
    picks = codes[rng.integers(0, len(codes), n // 2)]
    near = [flip(c, rng.choice(256, rng.integers(0, 41), replace=False)) for c in picks]
    far = rng.integers(0, 256, (n - n // 2, 32), dtype=np.uint8)
    return np.concatenate([np.array(near, dtype=np.uint8).reshape(-1, 32), far])


@pytest.mark.parametrize("tables", TABLES)
def test_matches_brute_force_at_every_radius(tables: int) -> None:
    rng = np.random.default_rng(tables)
    ids, codes = clustered_bank(rng, 3000)
    index = MultiIndexHashing(tables=tables, delta_limit=0)
    index.add(ids, codes)
    assert index.tables == tables
    queries = near_queries(rng, codes, 40)
    model = dict(zip(ids.tolist(), codes, strict=True))
    for radius in RADII:
        # Forcing the probe at radius 200 is exact but walks ~2**20 keys per table unless the
        # chunks are narrow; "auto" scans there, as it should.
        forced: tuple[Method, ...] = ("mih",) if radius <= 64 or tables == 32 else ()
        assert_exact(index, model, queries, radius, ("auto", "scan", *forced))


def test_same_code_under_many_ids_overflows_the_first_buffer() -> None:
    # 100 ids share one code: more hits than the kernels' first per-query buffer (32) holds.
    rng = np.random.default_rng(1)
    code = rng.integers(0, 256, 32, dtype=np.uint8)
    codes = np.concatenate([np.repeat(code[None], 100, axis=0), rng.integers(0, 256, (50, 32))])
    codes = codes.astype(np.uint8)
    ids = np.arange(150, dtype=np.int64) * 7 - 500  # negative ids are ids too
    index = MultiIndexHashing(delta_limit=0)
    index.add(ids, codes)
    model = dict(zip(ids.tolist(), codes, strict=True))
    queries = np.stack([code, flip(code, np.arange(31)), codes[120]])
    for radius in (0, 31, 32):
        assert_exact(index, model, queries, radius)
    assert index.search(code[None], 0).hits(0)[:2] == [(-500, 0), (-493, 0)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["add", "remove", "compact"]), st.integers(0, 2**32)),
        min_size=1,
        max_size=12,
    ),
    delta_limit=st.sampled_from([0, 5, 10_000]),
)
def test_updates_in_any_order_stay_exact(steps: list[tuple[str, int]], delta_limit: int) -> None:
    index = MultiIndexHashing(tables=16, delta_limit=delta_limit)
    model: dict[int, np.ndarray] = {}
    for action, seed in steps:
        rng = np.random.default_rng(seed)
        ids = rng.choice(60, rng.integers(0, 12), replace=False).astype(np.int64)
        if action == "add":
            codes = rng.integers(0, 256, (len(ids), 32), dtype=np.uint8)
            codes[: len(ids) // 2] = flip(codes[0], np.arange(5)) if len(ids) else codes[:0]
            index.add(ids, codes)
            model.update(zip(ids.tolist(), codes, strict=True))
        elif action == "remove":
            index.remove(ids)
            for key in ids.tolist():
                model.pop(key, None)
        else:
            index.compact()
    queries = np.stack([*list(model.values())[:3], np.zeros(32, np.uint8)])
    for radius in (0, 31, 128):
        assert_exact(index, model, queries, radius)


def test_add_replace_remove_readd_compact() -> None:
    rng = np.random.default_rng(2)
    ids, codes = clustered_bank(rng, 2000)
    index = MultiIndexHashing(delta_limit=500)
    index.add(ids, codes)  # larger than the delta limit: built straight into the base
    model = dict(zip(ids.tolist(), codes, strict=True))
    new_codes = rng.integers(0, 256, (100, 32), dtype=np.uint8)
    index.add(ids[:100], new_codes)  # replace: old codes must stop matching
    model.update(zip(ids[:100].tolist(), new_codes, strict=True))
    index.remove(ids[100:300])
    index.remove(np.array([10**15], dtype=np.int64))  # unknown: ignored
    for key in ids[100:300].tolist():
        del model[key]
    index.add(ids[150:160], codes[150:160])  # re-add removed ids
    model.update(zip(ids[150:160].tolist(), codes[150:160], strict=True))
    queries = np.concatenate([codes[:5], codes[100:105], codes[150:155], new_codes[:5]])
    for radius in (0, 31):
        assert_exact(index, model, queries, radius)
    index.compact()
    for radius in (0, 31):
        assert_exact(index, model, queries, radius)


def test_delta_and_tombstones_past_the_limit_compact_automatically() -> None:
    rng = np.random.default_rng(3)
    ids, codes = clustered_bank(rng, 400)
    index = MultiIndexHashing(delta_limit=50)
    for start in range(0, 400, 40):
        index.add(ids[start : start + 40], codes[start : start + 40])
    assert index.tables > 0  # the base exists: a compaction happened
    model = dict(zip(ids.tolist(), codes, strict=True))
    assert_exact(index, model, codes[::37], 31)
    before = index.nbytes
    index.remove(ids[:60])  # 60 tombstones > 50: rebuilt without them
    for key in ids[:60].tolist():
        del model[key]
    assert index.nbytes < before
    assert_exact(index, model, codes[::37], 31)


def test_threads_may_share_an_index() -> None:
    rng = np.random.default_rng(5)
    ids, codes = clustered_bank(rng, 2000)
    index = MultiIndexHashing(delta_limit=300)
    index.add(ids[:1000], codes[:1000])
    errors: list[BaseException] = []

    def search_often() -> None:
        try:
            for _ in range(30):
                result = index.search(codes[:20], 31)
                assert all(result.hits(i) for i in range(20))  # each finds itself at least
        except BaseException as error:  # reported by the main thread below
            errors.append(error)

    readers = [threading.Thread(target=search_often) for _ in range(3)]
    for reader in readers:
        reader.start()
    for start in range(1000, 2000, 100):  # crosses the delta limit: rebuilds under the readers
        index.add(ids[start : start + 100], codes[start : start + 100])
    for reader in readers:
        reader.join()
    assert errors == []
    assert_exact(index, dict(zip(ids.tolist(), codes, strict=True)), codes[::97], 31)


def test_updates_during_a_rebuild_are_replayed_onto_the_new_base() -> None:
    rng = np.random.default_rng(6)
    ids = np.arange(200_000, dtype=np.int64) * 3
    codes = rng.integers(0, 256, (len(ids), 32), dtype=np.uint8)
    index = MultiIndexHashing(delta_limit=100_000)
    index.add(ids[:1000], codes[:1000])  # into the delta
    index.add(ids[1000:], codes[1000:])  # overflows it: one rebuild with both
    index.add(ids[:50], codes[:50])  # replaces, in the delta
    model = dict(zip(ids.tolist(), codes, strict=True))
    rebuild = threading.Thread(target=index.compact)
    rebuild.start()
    updates_while_rebuilding = 0
    for step in range(2000):
        if not rebuild.is_alive() and step > 20:
            break
        key, code = 1 + 3 * step, codes[step + 100]  # new ids
        index.add(np.array([key]), code[None])
        model[key] = code
        index.remove(ids[200 + step : 201 + step])
        model.pop(int(ids[200 + step]), None)
        updates_while_rebuilding += index._journal is not None
    rebuild.join()
    assert updates_while_rebuilding > 0  # the replay path really ran
    assert index._journal is None
    queries = np.concatenate([codes[90:130], codes[190:230]])
    assert_exact(index, model, queries, 31, ("auto", "mih"))


@pytest.mark.parametrize("pending", [False, True])
def test_save_load_roundtrip(tmp_path: Path, pending: bool) -> None:
    rng = np.random.default_rng(4)
    ids, codes = clustered_bank(rng, 1500)
    index = MultiIndexHashing(delta_limit=1000)
    index.add(ids[:1200], codes[:1200])
    model = dict(zip(ids[:1200].tolist(), codes[:1200], strict=True))
    if pending:  # tombstones and a delta must survive the save, not only the base
        index.add(ids[1200:], codes[1200:])
        index.remove(ids[:50])
        model.update(zip(ids[1200:].tolist(), codes[1200:], strict=True))
        for key in ids[:50].tolist():
            del model[key]
    index.save(tmp_path / "pdq")
    index.save(tmp_path / "pdq")  # saving over an earlier save swaps it in whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pdq"]
    for mmap in (True, False):
        loaded = MultiIndexHashing.load(tmp_path / "pdq", mmap=mmap)
        assert_exact(loaded, model, codes[::100], 31)
    loaded.remove(ids[300:310])  # a loaded index stays writable
    loaded.add(ids[:1], codes[:1])
    for key in ids[300:310].tolist():
        del model[key]
    model[int(ids[0])] = codes[0]
    assert_exact(loaded, model, codes[::100], 31)
    mapped = MultiIndexHashing.load(tmp_path / "pdq")
    mapped.remove(ids[300:310])  # tombstones of a mapped index never reach its files
    assert len(MultiIndexHashing.load(tmp_path / "pdq")) == len(mapped) + 10
    mapped.save(tmp_path / "pdq")  # over the files it maps: they stay readable until unmapped
    assert len(MultiIndexHashing.load(tmp_path / "pdq")) == len(mapped)
    assert (int(ids[310]), 0) in mapped.search(codes[310:311], 0).hits(0)


def test_save_refuses_to_replace_other_directories(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a saved index"):
        MultiIndexHashing().save(tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


def test_load_refuses_foreign_or_damaged_directories(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no meta\.json"):
        MultiIndexHashing.load(tmp_path)
    index = MultiIndexHashing(delta_limit=0)
    index.add(np.arange(10), np.zeros((10, 32), np.uint8))
    index.save(tmp_path / "pdq")
    np.save(tmp_path / "pdq" / "positions.npy", np.zeros((3, 3), np.uint32))
    with pytest.raises(ValueError, match=r"positions\.npy has shape"):
        MultiIndexHashing.load(tmp_path / "pdq")
    (tmp_path / "pdq" / "meta.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match=r"holds no flagdesk\.mih index"):
        MultiIndexHashing.load(tmp_path / "pdq")
    (tmp_path / "pdq" / "meta.json").write_text(
        json.dumps({"format": "flagdesk.mih", "version": 1})
    )
    with pytest.raises(ValueError, match="damaged"):
        MultiIndexHashing.load(tmp_path / "pdq")


def test_empty_index_and_empty_batches(tmp_path: Path) -> None:
    index = MultiIndexHashing()
    result = index.search(np.zeros((3, 32), np.uint8), 31)
    assert result.lims.tolist() == [0, 0, 0, 0] and result.ids.size == 0
    index.add(np.zeros(0, np.int64), np.zeros((0, 32), np.uint8))
    index.remove(np.zeros(0, np.int64))
    index.compact()
    assert len(index) == 0
    index.save(tmp_path / "empty")
    loaded = MultiIndexHashing.load(tmp_path / "empty")
    assert len(loaded) == 0
    loaded.add(np.array([5]), np.ones((1, 32), np.uint8))
    assert loaded.search(np.ones((1, 32), np.uint8), 0).hits(0) == [(5, 0)]
    none = loaded.search(np.zeros((0, 32), np.uint8), 31)
    assert none.lims.tolist() == [0] and none.ids.size == 0 and none.distances.size == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ix: ix.add(np.arange(2), np.zeros((2, 16), np.uint8)), r"shape \(n, 32\)"),
        (lambda ix: ix.add(np.arange(2), np.zeros((2, 32), np.int64)), "uint8"),
        (lambda ix: ix.add(np.arange(3), np.zeros((2, 32), np.uint8)), "2 rows for 3 ids"),
        (lambda ix: ix.add(np.zeros(2), np.zeros((2, 32), np.uint8)), "integer array"),
        (lambda ix: ix.add(np.zeros((2, 1), int), np.zeros((2, 32), np.uint8)), "1-D"),
        (lambda ix: ix.add(np.array([1, 1]), np.zeros((2, 32), np.uint8)), "unique"),
        (lambda ix: ix.add(np.array([2**64 - 1], np.uint64), np.zeros((1, 32), np.uint8)), "int64"),
        (lambda ix: ix.remove(np.array(["a"])), "integer array"),
        (lambda ix: ix.search(np.zeros(32, np.uint8), 31), r"shape \(n, 32\)"),
        (lambda ix: ix.search(np.zeros((1, 32), np.uint8), -1), "between 0 and 256"),
        (lambda ix: ix.search(np.zeros((1, 32), np.uint8), 257), "between 0 and 256"),
        (lambda ix: ix.search(np.zeros((1, 32), np.uint8), 3.5), "integer"),
        (lambda ix: ix.search(np.zeros((1, 32), np.uint8), 3, method="x"), "method"),
        (lambda ix: MultiIndexHashing(tables=5), "wider than 24 bits"),
    ],
)
def test_bad_input_is_a_clear_value_error(call: object, message: str) -> None:
    index = MultiIndexHashing()
    with pytest.raises(ValueError, match=message):
        call(index)  # type: ignore[operator]
