"""The one error media hashing raises for bad input, whatever the file's problem is."""

from __future__ import annotations

from flagdesk.core.errors import ValidationFailed


class MediaRejected(ValidationFailed):
    """The file cannot be hashed; ``message`` is a translated sentence naming the problem.

    A 422 like any other validation error, with its own code so the API and the intake form can
    tell "your file is unusable" apart from a missing field.
    """

    code = "invalid_media"
