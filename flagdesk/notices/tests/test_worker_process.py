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
        signal.set_wakeup_fd(-1)
        shutdown.reset()
    assert [r.getMessage() for r in caplog.records if r.name.endswith("worker")] == [
        "worker.started",
        "worker.stopped",
    ]


def test_a_stop_signal_received_by_another_thread_wakes_an_idle_wait():
    """The kernel may hand the signal to any thread (the mail sink's SMTP thread); the main
    thread asleep in ``wait()`` must wake at once, not at the end of its idle period."""
    import threading
    import time
    from pathlib import Path

    main = threading.main_thread().native_id

    def signal_this_thread_once_main_sleeps() -> None:
        # Readiness: the main thread is asleep (state S) in wait()'s select, so only the
        # wake-up can bring it back before its 600 s are over.
        state = Path(f"/proc/self/task/{main}/stat")
        while state.read_text().rsplit(")", 1)[1].split()[0] != "S":
            time.sleep(0)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    shutdown.install()
    try:
        threading.Thread(target=signal_this_thread_once_main_sleeps).start()
        started = time.monotonic()
        assert shutdown.wait(600) is True
        # A hang guard, not a timing test: without the wake-up it sleeps the whole 600 s.
        assert time.monotonic() - started < 300
        assert shutdown.requested()
        assert shutdown.wait(60) is True  # a request stays until reset
        shutdown.reset()
        assert shutdown.wait(0) is False
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        shutdown.reset()
