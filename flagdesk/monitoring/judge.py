"""Whether fetched content looks gone (reads only).

Three signs, from the strongest: the server says so (404, 410, 451); the platform answered
with its own "content unavailable" page, which many platforms serve with 200 and which only
its patterns recognise (``Platform.unavailable_patterns``); or the content is no longer what
the first check saw (a different SHA-256). Each only *looks* gone: an analyst confirms before
an item is called removed, since a login wall, a maintenance page or a changed layout looks
the same to a machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fetcher import Fetched
from .models import Check

# A page larger than this is searched only in its first part (patterns sit near the top).
SEARCHED_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Patterns:
    texts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: str) -> Patterns:
        """One pattern per line; ``url:`` lines match the final URL; case is ignored."""
        texts, urls = [], []
        for line in (raw or "").splitlines():
            line = line.strip().lower()
            if not line or line.startswith("#"):
                continue
            if line.startswith("url:"):
                if value := line[4:].strip():
                    urls.append(value)
            else:
                texts.append(line)
        return cls(tuple(texts), tuple(urls))


@dataclass(frozen=True)
class Verdict:
    looks_gone: bool
    signal: str = ""  # a Check.GoneSignal value
    outcome: str = ""  # the check's outcome: the fetch's, or "gone" for a pattern


def _text(fetched: Fetched) -> str:
    return fetched.body[:SEARCHED_BYTES].decode("utf-8", "replace").lower()


def judge(fetched: Fetched, patterns: Patterns, baseline_sha256: str = "") -> Verdict:
    if fetched.outcome == "gone":
        return Verdict(True, Check.GoneSignal.STATUS, "gone")
    if fetched.outcome != "online":
        return Verdict(False, "", fetched.outcome)
    final = fetched.final_url.lower()
    if any(p in final for p in patterns.urls):
        return Verdict(True, Check.GoneSignal.PATTERN, "gone")
    if patterns.texts:
        text = _text(fetched)
        if any(p in text for p in patterns.texts):
            return Verdict(True, Check.GoneSignal.PATTERN, "gone")
    # A cut-off page's hash says nothing about the content (where it was cut varies).
    comparable = bool(fetched.content_sha256) and not fetched.truncated
    if baseline_sha256 and comparable and fetched.content_sha256 != baseline_sha256:
        return Verdict(True, Check.GoneSignal.CHANGED, "online")
    return Verdict(False, "", "online")
