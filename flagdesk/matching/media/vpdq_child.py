"""Run vpdq on one file in a process of its own.

    python -I -B vpdq_child.py PATH SECONDS_PER_HASH MEMORY_BYTES

libav parses hostile containers and codecs here. If it crashes, hangs or balloons, only this
process dies: the parent (a web or intake worker) sees an exit status and rejects the video.
It imports nothing but the standard library, vpdq and ``matching.child_limits``, so it starts
fast and, started with an empty environment, holds no secrets. Output on stdout is one JSON object:
``{"frames": [[pdq_hex, quality, seconds, frame_number], ...]}`` or ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __name__ == "__main__":  # run by path with -I: make the project importable, installed or not
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from flagdesk.matching.child_limits import limit_resources

EXIT_UNDECODABLE = 3


def main(argv: list[str]) -> int:
    path, seconds_per_hash, memory_bytes = argv[1], float(argv[2]), int(argv[3])
    limit_resources(memory_bytes)
    import vpdq  # after the limits, so its libav initialisation runs under them too

    try:
        features = vpdq.computeHash(path, seconds_per_hash=seconds_per_hash)
    except Exception as exc:  # vpdq raises a bare Exception on failure; MemoryError under RLIMIT_AS
        json.dump({"error": type(exc).__name__}, sys.stdout)
        return EXIT_UNDECODABLE
    frames = [[f.hex, f.quality, f.timestamp, f.frame_number] for f in features]
    json.dump({"frames": frames}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
