"""The manifest of a set of evidence files, in ``sha256sum``'s own format.

Why this format: anyone can check it with standard tools (``sha256sum -c manifest.sha256``)
without flagdesk, and its bytes are what an RFC 3161 timestamp covers, so
``openssl ts -verify -data manifest.sha256`` proves when every listed file existed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

# A name in a manifest: no directory escape, no spaces or newlines that would break a line.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_safe_name(name: str) -> bool:
    return bool(_NAME.match(name)) and ".." not in name.split("/")


def manifest_text(entries: Iterable[tuple[str, str]]) -> str:
    """``sha256sum`` lines (``<hex>  <name>``) for ``(name, sha256)`` pairs, sorted by name."""
    lines = []
    for name, digest in sorted(entries):
        if not is_safe_name(name):
            raise ValueError(f"unsafe name in a manifest: {name!r}")
        lines.append(f"{digest}  {name}\n")
    return "".join(lines)


def parse_manifest(text: str) -> list[tuple[str, str]]:
    """``(name, sha256)`` pairs of a manifest; ``ValueError`` on any malformed line."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest) or not is_safe_name(name):
            raise ValueError(f"line {number} of the manifest is malformed")
        entries.append((name, digest))
    return entries
