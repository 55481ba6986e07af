"""Reading API requests that may carry anything: JSON of any shape, a file, or too much.

Partners' scripts send what they send; each problem must become a 4xx ``{"error": {...}}``
with a translated message, never a 500 (docs/api.md).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.requests import json_body as core_json_body
from flagdesk.core.requests import multipart

TRUE_WORDS = {"1", "true", "yes", "on"}


def body_doc(json_schema: dict[str, Any] | None, form_fields: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for a body read by hand: JSON (if any), or a form with ``file``."""
    form_schema = {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}, **form_fields},
    }
    content: dict[str, Any] = {"multipart/form-data": {"schema": form_schema}}
    if json_schema is not None:
        content["application/json"] = {"schema": json_schema}
    return {"requestBody": {"required": True, "content": content}}


def user_of(request: HttpRequest) -> User:
    """The token's user: every route here has ``auth=TokenAuth()``, which sets it."""
    return cast(User, request.user)


def _too_large() -> str:
    return _("The request body is too large; send the hashes as a file instead.")


def json_body(request: HttpRequest) -> Any:
    return core_json_body(request, too_large=_too_large())


def form(request: HttpRequest) -> tuple[dict[str, str], UploadedFile]:
    """The form fields and the uploaded ``file`` of a multipart request."""
    fields, files = multipart(request, too_large=_too_large())
    upload = files.get("file")
    if upload is None:
        raise ValidationFailed(
            _('Attach the file as the form field "file".'),
            fields={"file": [_("This field is required.")]},
        )
    return fields, upload


def flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (*TRUE_WORDS, "0", "false", "no", ""):
        return value.strip().lower() in TRUE_WORDS
    raise ValidationFailed(
        _("The request is not valid."), fields={name: [_("This must be true or false.")]}
    )
