"""Writing a file so that a crash or a power cut leaves the old file or the new one, whole.

The new content goes to a temporary file in the same directory (so the rename cannot cross
file systems), is synced, and replaces the target with one ``os.replace``; the directory is
then synced too, or a power cut could undo the rename. Key rings, re-encrypted evidence and
kept evidence files all need this; settings.py imports the key ring, so nothing here may read
Django's settings.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a rename or a link in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, content: bytes | str, *, prefix: str = ".tmp-") -> None:
    """Replace ``path`` with ``content`` (text is written as UTF-8), all or nothing.

    ``prefix`` names the temporary file, so a sweep can recognise one a crash left behind.
    """
    data = content.encode() if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
