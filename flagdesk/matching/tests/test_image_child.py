"""Pictures are decoded in limited, long-lived children, a few at a time per machine.

No test here depends on timing: the memory limit is set just above what an idle child needs,
so a large synthetic picture cannot fit; the time limit is met by a child that was stopped
(SIGSTOP), so it cannot answer; the concurrency cap by slots that the test itself holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from flagdesk.matching.media import HashingBusy, MediaRejected, hash_media
from flagdesk.matching.media.image_pool import POOL, ImageChild
from flagdesk.matching.media.slots import hashing_slot

from .media_samples import flat_image, jpeg_bytes, png_bytes, synthetic_image

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _own_slots_and_children(settings: Any, tmp_path: Path) -> Any:
    settings.MATCHING_HASHING_SLOT_DIR = tmp_path / "slots"
    POOL.clear()  # each test starts children with its own settings
    yield
    POOL.clear()


def idle_address_space() -> int:
    """What a child that has started and hashed nothing occupies, in bytes."""
    child = ImageChild(memory_bytes=0)
    try:
        child.wait_ready(time.monotonic() + 60)
        return child.start_memory["address_space"]
    finally:
        child.close()


def big_picture() -> bytes:
    """12 megapixels of one grey: a 40 KB PNG that needs ~300 MB to decode and hash."""
    return png_bytes(flat_image((4000, 3000)))


def test_a_picture_needing_more_memory_than_allowed_is_refused_naming_the_limit(
    settings: Any,
) -> None:
    cap = idle_address_space() + 64 * MB
    settings.MATCHING_IMAGE_MEMORY_BYTES = cap
    small = jpeg_bytes(synthetic_image(1))
    assert hash_media(small).signal("pdq") is not None  # the cap leaves room for a photo
    with pytest.raises(MediaRejected) as refused:
        hash_media(big_picture())
    message = str(refused.value.message)
    assert "more memory" in message and f"at most {cap / MB:.0f} MB" in message
    assert refused.value.code == "invalid_media"
    assert hash_media(small).signal("pdq") is not None  # a fresh child took over


def test_a_picture_over_the_time_limit_is_refused_and_its_child_killed(settings: Any) -> None:
    settings.MATCHING_IMAGE_TIMEOUT_SECONDS = 1
    data = jpeg_bytes(synthetic_image(2))
    expected = hash_media(data)
    [stuck] = POOL.idle_pids()
    os.kill(stuck, signal.SIGSTOP)  # a decoder that hangs: it will never answer
    with pytest.raises(MediaRejected) as refused:
        hash_media(data)
    assert str(refused.value.message).startswith(
        "The image took too long to process (more than 1 seconds)."
    )
    assert not Path(f"/proc/{stuck}").exists()  # killed and reaped, not left stopped
    assert hash_media(data) == expected


def test_one_child_serves_picture_after_picture() -> None:
    hash_media(jpeg_bytes(synthetic_image(3)))
    [child] = POOL.idle_pids()
    for seed in range(4, 8):
        hash_media(jpeg_bytes(synthetic_image(seed)))
    assert POOL.idle_pids() == [child]


def test_a_child_that_died_is_replaced(settings: Any) -> None:
    data = jpeg_bytes(synthetic_image(4))
    expected = hash_media(data)
    [child] = POOL.idle_pids()
    os.kill(child, signal.SIGKILL)
    while Path(f"/proc/{child}/stat").read_text().split(") ")[1][0] != "Z":
        os.sched_yield()  # until the kernel has torn it down (a zombie we have not reaped)
    assert hash_media(data) == expected
    assert POOL.idle_pids() != [child]


def test_the_child_has_no_environment_and_its_limits(settings: Any) -> None:
    settings.MATCHING_IMAGE_MEMORY_BYTES = 900 * MB
    hash_media(jpeg_bytes(synthetic_image(5)))
    [child] = POOL.idle_pids()
    environment = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
    names = sorted(entry.split(b"=")[0].decode() for entry in environment if entry)
    assert names == [
        "LC_ALL",
        "MALLOC_ARENA_MAX",
        "MALLOC_MMAP_THRESHOLD_",
        "MALLOC_TRIM_THRESHOLD_",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "PATH",
    ]  # no secret key, no field keys, no database URL
    limits = {
        line[:26].strip(): line[26:].split()[0]
        for line in Path(f"/proc/{child}/limits").read_text().splitlines()[1:]
    }
    assert limits["Max address space"] == str(900 * MB)
    assert limits["Max file size"] == "0"
    assert limits["Max core file size"] == "0"


def test_this_process_does_not_grow_with_the_picture() -> None:
    """Decoding 24 megapixels takes ~750 MB in the child; this process grows by the file."""
    script = textwrap.dedent(
        """
        import resource, django
        django.setup()
        from flagdesk.matching.media import hash_media
        from flagdesk.matching.tests.media_samples import flat_image, png_bytes
        picture = png_bytes(flat_image((6000, 4000)))
        small = png_bytes(flat_image((64, 64)))
        hash_media(small)  # the child is started, imports are done
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        hashed = hash_media(picture)
        assert (hashed.width, hashed.height) == (6000, 4000)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
        """
    )
    # flat_image(6000 x 4000) itself takes 72 MB to draw: made and encoded before "before".
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flagdesk.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    grown_kb = int(done.stdout.strip().splitlines()[-1])
    assert grown_kb < 30 * 1024


# ---- at most MATCHING_HASHING_SLOTS pictures at once, machine-wide ------------------------


def test_with_every_slot_taken_hashing_waits_then_says_busy(settings: Any) -> None:
    settings.MATCHING_HASHING_SLOTS = 2
    settings.MATCHING_HASHING_WAIT_SECONDS = 0
    data = jpeg_bytes(synthetic_image(6))
    with hashing_slot(), hashing_slot():  # this thread holds both slots
        with pytest.raises(HashingBusy) as busy:
            hash_media(data)
    assert busy.value.status == 503 and busy.value.code == "busy"
    assert "try again in a minute" in str(busy.value.message)
    assert hash_media(data).signal("pdq") is not None  # free again


def test_a_slot_held_by_another_process_counts(settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_HASHING_SLOTS = 1
    settings.MATCHING_HASHING_WAIT_SECONDS = 0
    slots = tmp_path / "slots"
    slots.mkdir(exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(slots / 'slot-0.lock')!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(HashingBusy):
            hash_media(png_bytes(flat_image()))
    finally:
        holder.communicate(input="")  # its stdin closes, it exits, the kernel frees the lock
    assert hash_media(png_bytes(flat_image())).signal("pdq") is not None
