"""Writes on notices: queueing (freezing) them and recording the platforms' responses."""

from .queueing import QUEUE_ROLES, queue_notices
from .rendering import NoticeTemplateError
from .responses import RESPONSE_ROLES, record_response

__all__ = [
    "QUEUE_ROLES",
    "RESPONSE_ROLES",
    "NoticeTemplateError",
    "queue_notices",
    "record_response",
]
