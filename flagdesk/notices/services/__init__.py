"""Writes on notices: the pre-flight, queueing (freezing), recording platforms' responses."""

from .manual import confirm_submitted, copy_sheet
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
    "confirm_submitted",
    "copy_sheet",
    "preflight",
    "queue_notices",
    "record_response",
]
