"""The long-lived ``image_child.py`` processes of this process, and talking to them in time.

Each web, worker or command process keeps a few idle children, started on first use with the
memory cap of the settings and an empty environment. A job takes an idle child (or starts
one), streams the file to it and waits for its answer until a deadline that covers the whole
exchange (a child that stops reading blocks a write as surely as one that never answers). A
child that misses the deadline is killed; one that dies, or says it will exit, is reaped; any
such child is replaced on the next job. Children never outlive this process: they exit when
their stdin closes.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .image_child import FRAME

log = logging.getLogger(__name__)

CHILD = Path(__file__).with_name("image_child.py")
MAX_IDLE = 2  # per process; the machine-wide cap on busy children is ``slots``
MAX_REPLY_BYTES = 1024 * 1024  # a JSON answer or a thumbnail of at most 160 px
WRITE_BYTES = 1024 * 1024


class ChildTimeout(Exception):
    """The child did not answer before the deadline; it has been killed."""


class ChildFailed(Exception):
    """The child died, or sent something that is not an answer; it has been killed."""


class ChildGone(ChildFailed):
    """The child had died before it got the job (while idle): another child may take it."""


@dataclass(frozen=True)
class Answer:
    reply: dict[str, Any]
    thumbnail: bytes


def _environment() -> dict[str, str]:
    # Nothing inherited: the child parses hostile data and needs no secrets. One BLAS thread
    # (numpy needs none here) keeps its address space small. malloc serves buffers under 32 MiB
    # from its heap and keeps up to 64 MiB of it free: with glibc's starting thresholds every
    # 2 MB float array of a 512 x 512 picture was mapped and unmapped again, ~1,500 page
    # faults per picture, which made hashing in the child 60% dearer than in-process. Bigger
    # buffers still go back to the system when freed; a child left larger than that exits
    # (image_child.RECYCLE_GROWTH_BYTES).
    return {
        "PATH": os.defpath,
        "LC_ALL": "C",
        "MALLOC_ARENA_MAX": "1",
        "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
        "MALLOC_TRIM_THRESHOLD_": str(64 * 1024 * 1024),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }


class ImageChild:
    """One ``image_child.py`` process under a memory cap."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self.is_ready = False
        self.start_memory: dict[str, int] = {}
        self.process = subprocess.Popen(  # noqa: S603 (our own script, no shell)
            [sys.executable, "-I", "-B", str(CHILD), str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_environment(),
            close_fds=True,
        )
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:  # pragma: no cover (both are pipes, asked above)
            raise RuntimeError("image child started without pipes")
        self._to_child = stdin.fileno()
        self._from_child = stdout.fileno()
        os.set_blocking(self._to_child, False)
        os.set_blocking(self._from_child, False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def run(self, job: dict[str, Any], chunks: Iterable[bytes], *, deadline: float) -> Answer:
        """Send one job and its file, return the answer; ChildTimeout/ChildFailed otherwise.

        On any failure (including an exception raised by ``chunks``) the child is killed: it
        is mid-job and cannot serve another.
        """
        has_job = False  # until the child has the job, its death is not this picture's doing
        try:
            self.wait_ready(deadline)
            # Frames are gathered into writes of about a chunk: a small picture goes over in
            # one write, and the child wakes once to read it, not once per frame.
            pending = bytearray(_frame(json.dumps(job).encode()))
            for chunk in chunks:
                pending += _frame(chunk)
                if len(pending) >= WRITE_BYTES:
                    self._write_all(pending, deadline)
                    pending, has_job = bytearray(), True
            self._write_all(pending + _frame(b""), deadline)
            has_job = True
            reply = json.loads(self._read_frame(deadline))
            thumbnail = self._read_frame(deadline)
        except ChildTimeout:
            self.kill()
            raise
        except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            self.kill()
            failure = ChildFailed if has_job else ChildGone
            raise failure(type(exc).__name__) from None
        except BaseException:
            self.kill()
            raise
        if not isinstance(reply, dict):
            self.kill()
            raise ChildFailed("reply is not an object")
        if reply.get("exits"):
            self.close()
        return Answer(reply, thumbnail)

    def wait_ready(self, deadline: float) -> None:
        """Until the child has started (imports done); it then reports its idle memory."""
        if not self.is_ready:
            ready = json.loads(self._read_frame(deadline))
            self.start_memory = dict(ready["memory"])
            self.is_ready = True

    def close(self) -> None:
        """Let the child exit (stdin closed) and reap it; kill it if it lingers."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def _write_all(self, data: bytes | bytearray, deadline: float) -> None:
        view = memoryview(data)
        while view:
            _wait(self._to_child, select.POLLOUT, deadline)
            try:
                view = view[os.write(self._to_child, view) :]
            except BlockingIOError:
                continue

    def _read_frame(self, deadline: float) -> bytes:
        (length,) = FRAME.unpack(self._read_exact(FRAME.size, deadline))
        if length > MAX_REPLY_BYTES:
            raise ValueError("frame too long")
        return self._read_exact(length, deadline)

    def _read_exact(self, count: int, deadline: float) -> bytes:
        parts, missing = [], count
        while missing:
            _wait(self._from_child, select.POLLIN, deadline)
            try:
                part = os.read(self._from_child, missing)
            except BlockingIOError:
                continue
            if not part:
                raise EOFError
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)


def _frame(body: bytes) -> bytes:
    return FRAME.pack(len(body)) + body


def _wait(descriptor: int, event: int, deadline: float) -> None:
    """Until ``descriptor`` is ready (or hung up: the next read or write says so)."""
    poller = select.poll()  # poll, not select: a busy process may hold descriptors over 1024
    poller.register(descriptor, event)
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not poller.poll(remaining * 1000):
        raise ChildTimeout


class ImagePool:
    """This process's idle children, safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[ImageChild] = []

    def take(self, memory_bytes: int) -> ImageChild:
        """An idle child started with this memory cap, or a new one."""
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.memory_bytes == memory_bytes and child.is_alive():
                    return child
                child.close()
        return ImageChild(memory_bytes)

    def give_back(self, child: ImageChild) -> None:
        """Keep ``child`` for the next job; one that has exited is replaced at once, so the
        next job does not wait for Python, numpy and Pillow to start."""
        if child.process.poll() is not None:
            child = ImageChild(child.memory_bytes)
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(child)
                return
        child.close()

    def idle_pids(self) -> list[int]:
        """Process ids of the idle children (for tests and the benchmark)."""
        with self._lock:
            return [c.pid for c in self._idle]

    def clear(self) -> None:
        """Let every idle child exit; the next job starts a fresh one."""
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.close()

    def forget(self) -> None:
        """After a fork: the idle children belong to the parent process, not to this one."""
        for child in self._idle:
            for stream in (child.process.stdin, child.process.stdout):
                if stream is not None:
                    stream.close()  # our copies only; the parent keeps talking to them
            child.process.returncode = 0  # not ours to wait for (and no "still running" warning)
        self._lock = threading.Lock()
        self._idle = []


POOL = ImagePool()
os.register_at_fork(after_in_child=POOL.forget)
