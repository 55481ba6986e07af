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
