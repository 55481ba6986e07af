"""Structured log lines: an event name plus ids in ``extra`` (S17), key=value or JSON.

Tracebacks are printed without the exception's message: messages quote values (an email in a
failed query, a description in a ValueError), and logs are copied and kept longer than cases.
The exception's type and every frame (file, line, function, source line) locate the bug.

``RedactSecrets``, on the handler every record goes through, is the net under code we do not
write (Django, libraries): credentials named in a message or an ``extra`` are blanked, request
bodies are never written, a request is written as its method and path alone, and control
characters are escaped, so a value cannot start a forged line of its own (a path with ``%0A``).
"""

from __future__ import annotations

import json
import logging
import re
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


REDACTED = "[redacted]"
WITHHELD = "[withheld]"
# Extras whose value is a credential, or could be a request's body or uploaded content. A
# token's prefix (what `flagdesk token list` shows) or a count may be logged.
_SECRET_KEY = re.compile(
    r"(authorization|receipt|password|passwd|token|secret|cookie|session|csrf|api_?key)"
    r"(?!\w*_(prefix|count)$)",
    re.I,
)
_BODY_KEY = re.compile(r"^(body|post|files|payload|content|raw)$", re.I)
# In message text: "Authorization: Bearer x", "password=x", "'X-Receipt-Code': 'x'",
# "sessionid=x; csrftoken=y"... the name and separator stay, the value goes.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?ix)
    (authorization|receipt[_-]?code|password|passwd|\w*token|secret|api[_-]?key|
     cookie|sessionid|csrftoken)
    (["']?\s*[:=]\s*["']?)
    (?:(?:bearer|basic|token)\s+)?
    [^\s"',;&}]+
    """
)
_SCHEME_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
# Whatever a log reader or shipper could take for the end of a line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def redact_text(text: str) -> str:
    """``text`` on one line, with the value after every credential name, and every bearer
    token, blanked."""
    text = _SECRET_ASSIGNMENT.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    text = _SCHEME_CREDENTIAL.sub(lambda m: f"{m[1]} {REDACTED}", text)
    return _CONTROL.sub(lambda m: json.dumps(m[0])[1:-1], text)


def _request_line(request: Any) -> str:
    """A request as its method and path: no query string, header, cookie or body."""
    return f"{getattr(request, 'method', '?')} {getattr(request, 'path', '?')}"


class RedactSecrets(logging.Filter):
    """Blank credentials, withhold request bodies and escape line breaks in every record
    before any handler after it writes the record (it is changed in place)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.http import HttpRequest

        try:
            message = record.getMessage()
        except Exception:  # a malformed call elsewhere; the formatter will report it
            return True
        cleaned = redact_text(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        for key, value in _extras(record).items():
            if isinstance(value, HttpRequest):
                setattr(record, key, _request_line(value))
            elif _SECRET_KEY.search(key):
                setattr(record, key, REDACTED)
            elif _BODY_KEY.match(key) or isinstance(value, bytes | bytearray | memoryview):
                setattr(record, key, WITHHELD)
            elif isinstance(value, str):
                setattr(record, key, redact_text(value))
        return True
