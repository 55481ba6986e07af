"""The errors media hashing raises: a file it refuses, and (rarely) no capacity to hash now."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from flagdesk.core.errors import ValidationFailed


class MediaRejected(ValidationFailed):
    """The file cannot be hashed; ``message`` is a translated sentence naming the problem.

    A 422 like any other validation error, with its own code so the API and the intake form can
    tell "your file is unusable" apart from a missing field.
    """

    code = "invalid_media"


class HashingBusy(MediaRejected):
    """Every hashing slot of this machine stayed taken: try again shortly (503).

    Nothing is wrong with the file. A MediaRejected all the same, so every caller that shows a
    refused file's message shows this one too; intake defers the picture to the worker instead.
    """

    code = "busy"
    status = 503

    def __init__(self, message: Any = "", **kwargs: Any) -> None:
        super().__init__(
            message
            or _("We are processing many pictures right now. Please try again in a minute."),
            **kwargs,
        )
