"""Fail when a Python module under flagdesk/ exceeds the size limit of STYLE.md S18.

Counts non-blank lines, migrations excluded, and prints the median so the trend is visible
long before the limit is hit: ``python scripts/check_module_size.py [--limit 800] [ROOT]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

LIMIT = 800
SPLIT_HINT = 400


def non_blank_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def module_sizes(root: Path) -> dict[Path, int]:
    return {
        path: non_blank_lines(path)
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.relative_to(root).parts
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="flagdesk", type=Path)
    parser.add_argument("--limit", type=int, default=LIMIT)
    args = parser.parse_args(argv)

    sizes = module_sizes(args.root)
    if not sizes:
        sys.stderr.write(f"module size: no .py files under {args.root}\n")
        return 1
    too_big = {path: n for path, n in sizes.items() if n > args.limit}
    to_split = {path: n for path, n in sizes.items() if SPLIT_HINT < n <= args.limit}
    # Empty __init__.py files would drag the median towards zero without being read by anyone.
    counted = [n for n in sizes.values() if n] or [0]
    out = sys.stdout
    out.write(
        f"module size: {len(counted)} non-empty modules, median {statistics.median(counted):g} "
        f"non-blank lines, largest {max(counted)} (limit {args.limit})\n"
    )
    for path, n in sorted(to_split.items(), key=lambda kv: -kv[1]):
        out.write(f"  consider splitting {path}: {n} lines (S18: split at about {SPLIT_HINT})\n")
    for path, n in sorted(too_big.items(), key=lambda kv: -kv[1]):
        out.write(f"  TOO BIG {path}: {n} non-blank lines > {args.limit}\n")
    return 1 if too_big else 0


if __name__ == "__main__":
    sys.exit(main())
