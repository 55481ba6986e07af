"""Reading API request bodies by hand: JSON of any shape, multipart forms, or too much.

Partners' scripts send what they send; each problem becomes a 4xx ``{"error": {...}}`` with a
translated message, never a 500 (docs/api.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .errors import TooLarge, ValidationFailed


def json_body(request: HttpRequest, *, too_large: str = "") -> Any:
    """The parsed JSON body; ``TooLarge`` over DATA_UPLOAD_MAX_MEMORY_SIZE, else 422."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise TooLarge(too_large or _("The request body is too large.")) from None
    return json_text(raw)


def json_text(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON and bad UTF-8 are both ValueErrors
        raise ValidationFailed(_("The request body is not valid JSON.")) from None


def is_multipart(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data"


def multipart(
    request: HttpRequest, *, too_large: str = ""
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """The text fields and the files of a multipart request (first value of each)."""
    try:
        files, fields = request.FILES, request.POST
    except RequestDataTooBig:
        raise TooLarge(too_large or _("The request body is too large.")) from None
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        raise ValidationFailed(_("The uploaded form could not be read.")) from None
    return (
        {k: fields.get(k, "") for k in fields},
        {k: f for k in files if (f := files.get(k)) is not None},
    )
