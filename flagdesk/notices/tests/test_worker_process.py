"""``flagdesk worker`` as a real process: it stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FLAGDESK = Path(sys.executable).with_name("flagdesk")


def test_worker_exits_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "FLAGDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}"}
    subprocess.run([FLAGDESK, "migrate", "-v0"], env=env, check=True, timeout=120)
    worker = subprocess.Popen(
        [FLAGDESK, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        time.sleep(1.5)
        assert worker.poll() is None  # without --burst it keeps looping
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert b"worker.stopped" in output
