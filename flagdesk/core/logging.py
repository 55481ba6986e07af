"""Structured log lines: an event name plus ids in ``extra`` (S17), key=value or JSON.

Tracebacks are printed without the exception's message: messages quote values (an email in a
failed query, a description in a ValueError), and logs are copied and kept longer than cases.
The exception's type and every frame (file, line, function, source line) locate the bug.
"""

from __future__ import annotations

import json
import logging
import traceback
from types import TracebackType
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def safe_traceback(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None],
) -> str:
    """A traceback that names the exception types but leaves out their messages (and causes'
    messages), so no value from the failed operation reaches the log."""
    lines: list[str] = []
    exc: BaseException | None = exc_info[1]
    seen: set[int] = set()
    chain: list[BaseException] = []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    for position, error in enumerate(reversed(chain)):
        if position:
            lines.append("During handling of the above exception, another was raised:")
        lines.append("Traceback (most recent call last):")
        lines.extend(
            line.rstrip("\n")
            for line in traceback.format_list(traceback.extract_tb(error.__traceback__))
        )
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)")
    return "\n".join(lines)


class _SafeExceptions(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return safe_traceback(ei)


class KeyValueFormatter(_SafeExceptions):
    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return f"{line} {pairs}".rstrip()


class JsonFormatter(_SafeExceptions):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str)
