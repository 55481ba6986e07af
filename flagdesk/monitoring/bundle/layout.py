"""Where each file goes inside a court bundle: one module that ``build`` writes by and
``verify`` reads by, so the two can never disagree.

::

    README.txt                      what the bundle is; the exact commands to check it
    SHA256SUMS                      SHA-256 of every other file (``sha256sum -c SHA256SUMS``)
    summary.pdf                     the case: items, notices and answers, re-checks, captures
    checks.csv                      every re-check of every item (spreadsheet-safe cells)
    timestamps/tsa-chain.pem        the timestamp authority's certificates
    items/<nn>-<platform>/captures/<capture id>/
        manifest.sha256             the capture's files and their SHA-256 (what was timestamped)
        manifest.tsr                the RFC 3161 timestamp of manifest.sha256 (DER)
        capture.json                when, where, HTTP status; the files' kinds and sizes
        screenshot.png, page.warc.gz, page.txt, page.html, headers.json
"""

from __future__ import annotations

import re

README = "README.txt"
SUMS = "SHA256SUMS"
SUMMARY = "summary.pdf"
CHECKS = "checks.csv"
CHAIN = "timestamps/tsa-chain.pem"
TOP_LEVEL = frozenset({README, SUMS, SUMMARY, CHECKS, CHAIN})

MANIFEST = "manifest.sha256"
TOKEN = "manifest.tsr"  # noqa: S105 - a file name, not a secret
CAPTURE_INFO = "capture.json"
# Our own files in a capture's folder: a captured file may never take one of these names.
CAPTURE_OWN = frozenset({MANIFEST, TOKEN, CAPTURE_INFO})

# items/<nn>-<platform>/captures/<capture id>/<file>
CAPTURE_PATH = re.compile(
    r"^(?P<dir>items/[0-9]+-[a-z0-9][a-z0-9_-]*/captures/[0-9a-f-]{36})/(?P<file>.+)$"
)


def item_dir(number: int, width: int, platform_slug: str) -> str:
    """``items/03-social``: numbered in the summary's order, named for a reader."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", platform_slug.lower()).strip("-_") or "unknown"
    return f"items/{number:0{width}d}-{slug[:40]}"


def capture_dir(item_path: str, capture_id: str) -> str:
    return f"{item_path}/captures/{capture_id}"
