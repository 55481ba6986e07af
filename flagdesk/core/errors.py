"""Domain errors shared by every app.

Each carries a snake_case ``code`` (the API contract in docs/api.md), a translated ``message``
and optional per-field messages. The API handler maps them to ``{"error": {...}}`` with
``status``; views show ``message`` next to the form.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FlagdeskError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(self, message: Any = "", *, fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {
                k: [str(m) for m in v] if isinstance(v, list) else str(v)
                for k, v in self.fields.items()
            }
        return body


class ValidationFailed(FlagdeskError):
    code = "invalid"
    status = 422


class NotFound(FlagdeskError):
    code = "not_found"
    status = 404


class PermissionDenied(FlagdeskError):
    code = "forbidden"
    status = 403


class Conflict(FlagdeskError):
    code = "conflict"
    status = 409


class TooLarge(FlagdeskError):
    """A body or file over a limit (413); the message says the limit and what to do."""

    code = "too_large"
    status = 413


class RateLimited(FlagdeskError):
    code = "rate_limited"
    status = 429


class TransientError(FlagdeskError):
    """Timeout, SMTP 4xx, HTTP 429/503: try again later.

    ``retry_after``: seconds the other side asked us to wait (HTTP ``Retry-After``), which a
    retry schedule honours instead of its own backoff when it is longer.
    """

    code = "transient"
    status = 503

    def __init__(
        self,
        message: Any = "",
        *,
        fields: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, fields=fields)
        self.retry_after = retry_after


class PermanentError(FlagdeskError):
    """SMTP 5xx, HTTP 400: retrying cannot help, a person must look."""

    code = "permanent"
    status = 502
