"""The machine line that every benchmark table starts with (run from bench/'s scripts)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line(*libraries: str) -> str:
    """``<CPU>, nproc N, Python X.Y.Z`` followed by the given ``name version`` pairs."""
    return ", ".join(
        [cpu_model(), f"nproc {os.cpu_count()}", f"Python {platform.python_version()}", *libraries]
    )
