"""Writes on notices: the pre-flight, queueing (freezing), recording platforms' responses."""

from .preflight import CheckLine, Preflight, PreflightFailed, Problem, preflight
from .queueing import QUEUE_ROLES, queue_notices
from .rendering import NoticeTemplateError
from .responses import RESPONSE_ROLES, record_response

__all__ = [
    "QUEUE_ROLES",
    "RESPONSE_ROLES",
    "CheckLine",
    "NoticeTemplateError",
    "Preflight",
    "PreflightFailed",
    "Problem",
    "preflight",
    "queue_notices",
    "record_response",
]
