"""``flagdesk worker`` as a real process: it stops cleanly on SIGTERM."""

from __future__ import annotations

import signal

from django.core.management import call_command

from conftest import ProcessOutput
from flagdesk.core import shutdown


def test_worker_exits_cleanly_on_sigterm(fresh_instance):
    worker = fresh_instance.popen("worker")
    output = ProcessOutput(worker)
    try:
        output.wait_for("worker.started")  # its readiness line: signals are handled from here
        assert worker.poll() is None  # without --burst it keeps looping
        worker.send_signal(signal.SIGTERM)
        printed = output.rest()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, printed
    assert "worker.stopped" in printed


def test_a_stop_requested_while_starting_ends_the_worker_before_its_first_task(db, caplog):
    """`flagdesk` installs the handlers before Django starts; a SIGTERM that arrives during
    start-up is remembered, and the worker leaves its loop at once instead of dying mid-start."""
    shutdown.install()
    try:
        signal.raise_signal(signal.SIGTERM)
        assert shutdown.requested()
        call_command("worker")  # no --burst: only the stop request can end it
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        shutdown.reset()
    assert [r.getMessage() for r in caplog.records if r.name.endswith("worker")] == [
        "worker.started",
        "worker.stopped",
    ]


def test_a_stop_signal_wakes_an_idle_wait_without_taking_a_lock():
    """The handler only sets a flag and writes to a pipe: a signal landing while the main
    thread is inside ``wait()`` (once a deadlock on the Event's own lock) wakes it at once."""
    import os
    import threading

    shutdown.install()
    try:
        threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGTERM)).start()
        assert shutdown.wait(60) is True
        assert shutdown.requested()
        assert shutdown.wait(60) is True  # a request stays until reset
        shutdown.reset()
        assert shutdown.wait(0) is False
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        shutdown.reset()
