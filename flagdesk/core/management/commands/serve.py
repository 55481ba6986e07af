"""``flagdesk serve``: the production-style server, gunicorn plus the task workers.

Both run as child processes that live and die together: SIGINT/SIGTERM sent to ``serve`` is
forwarded to both, and if either exits on its own the other is stopped and ``serve`` fails, so
a supervisor (systemd, a container runtime) restarts the pair instead of leaving half a
service running.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# A worker in the middle of a task finishes it on SIGTERM; give it that long before SIGKILL.
STOP_TIMEOUT_SECONDS = 30


class Command(BaseCommand):
    help = "Serve flagdesk on 127.0.0.1 with gunicorn and task workers; stopping one stops all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument(
            "--mail-sink",
            action="store_true",
            help="also run `flagdesk mailsink` (demo: notices are filed under var/mail/)",
        )

    def handle(
        self, *args: Any, port: int, workers: int, mail_sink: bool = False, **options: Any
    ) -> None:
        children: dict[str, subprocess.Popen[bytes]] = {}
        stop_requested = False

        def forward(signum: int, frame: FrameType | None) -> None:
            nonlocal stop_requested
            stop_requested = True
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signum)

        # Installed before the children start, so a signal can never miss one of them.
        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        commands = self.commands(port, workers)
        if mail_sink:
            commands["mail sink"] = [sys.executable, "-m", "flagdesk.site.cli", "mailsink"]
        for name, argv in commands.items():
            # Own process group: a Ctrl-C in the terminal reaches the children once, through
            # `forward`, not twice (a second SIGINT makes the worker abandon its current task).
            children[name] = subprocess.Popen(argv, process_group=0)  # noqa: S603
        self.stdout.write(
            f"flagdesk: serving http://127.0.0.1:{port}/ with {workers} web processes "
            "and task workers (Ctrl-C stops all)"
        )
        self.stdout.flush()

        while not stop_requested and all(c.poll() is None for c in children.values()):
            time.sleep(0.2)
        exited = {name: c.returncode for name, c in children.items() if c.poll() is not None}
        if not stop_requested:  # on a stop request the children already got the signal
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if not stop_requested:
            died = ", ".join(f"{name} (exit code {code})" for name, code in exited.items())
            raise CommandError(f"{died} stopped unexpectedly; stopped the rest too")

    @staticmethod
    def commands(port: int, workers: int) -> dict[str, list[str]]:
        return {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "flagdesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--no-control-socket",  # unused, and two servers would fight over its path
            ],
            "worker": [sys.executable, "-m", "flagdesk.site.cli", "worker", "--queues", "default"],
            # Video hashing can take minutes: on its own worker, it never delays a notice.
            "media worker": [
                sys.executable,
                "-m",
                "flagdesk.site.cli",
                "worker",
                "--queues",
                "media",
            ],
            # Re-checks and evidence captures wait on other people's websites: on their own
            # worker, they never delay a notice either.
            "monitoring worker": [
                sys.executable,
                "-m",
                "flagdesk.site.cli",
                "worker",
                "--queues",
                "monitoring",
            ],
        }
