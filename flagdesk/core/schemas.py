"""The one base class of every API schema, and the API's translated validation messages.

Whatever a client sends passes through a Schema before any service sees it, so this is the one
place that refuses what no database can store: text with NUL or a lone surrogate (PostgreSQL
refuses both with a 500, see ``text.is_storable``) and integers outside the signed 64-bit range
(SQLite and PostgreSQL overflow, e.g. ``?offset=99999999999999999999``). The check walks the
whole validated input, nested lists and dicts included, so a ``list[str]`` or ``dict[str, Any]``
field cannot smuggle one through. ``tests/test_api_schemas.py`` fails on any request schema
of ``flagdesk.site.api.api`` that does not derive from this class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Self

import ninja
from django.utils.translation import gettext, gettext_noop
from pydantic import BaseModel, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .text import is_storable

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_PROBLEMS = 20  # enough to fix a request; a hostile one cannot make the answer huge

Loc = tuple[str | int, ...]


def _problems(root: BaseModel) -> Iterator[tuple[Loc, str, Any]]:
    """(location, error type, value) of each unstorable value under ``root``'s fields.

    Iterative rather than recursive: JSON nested nearly as deep as the parser allows must not
    turn into a RecursionError (a 500) here. Nested guarded schemas are skipped: their own
    validator has already checked them, and reports their location with the right prefix.
    """
    stack: list[tuple[Loc, Any]] = [
        ((name,), getattr(root, name, None)) for name in reversed(type(root).model_fields)
    ]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, str):
            if not is_storable(value):
                yield loc, "unstorable_text", value
        elif isinstance(value, int):
            if value > INT64_MAX:
                yield loc, "number_too_large", value
            elif value < INT64_MIN:
                yield loc, "number_too_small", value
        elif isinstance(value, Schema):
            continue
        elif isinstance(value, BaseModel):
            fields = type(value).model_fields
            stack.extend(((*loc, name), getattr(value, name, None)) for name in reversed(fields))
        elif isinstance(value, Mapping):
            for key, item in reversed(list(value.items())):
                if isinstance(key, str) and not is_storable(key):
                    yield loc, "unstorable_text", key  # the key itself cannot name the place
                    continue
                stack.append(((*loc, str(key)), item))
        elif isinstance(value, list | tuple | set | frozenset):
            stack.extend(((*loc, i), item) for i, item in reversed(list(enumerate(value))))


_GUARD_MESSAGES = {
    "unstorable_text": gettext_noop("This text contains characters that are not allowed."),
    "number_too_large": gettext_noop("This number is too large."),
    "number_too_small": gettext_noop("This number is too small."),
}


class Schema(ninja.Schema):
    """django-ninja's Schema, refusing unstorable text and out-of-range integers anywhere in
    the input with a 422 ``invalid`` naming the field, in the request's language."""

    @model_validator(mode="after")
    def _refuse_unstorable_values(self, info: ValidationInfo) -> Self:
        # Responses are built from stored rows: checking them again would only cost time.
        if isinstance(info.context, dict) and "response_status" in info.context:
            return self
        problems = []
        for loc, kind, value in _problems(self):
            problems.append(
                InitErrorDetails(
                    type=PydanticCustomError(kind, gettext(_GUARD_MESSAGES[kind])),
                    loc=loc,
                    input=value,
                )
            )
            if len(problems) == MAX_PROBLEMS:
                break
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self


# pydantic's messages are English only; these are the ones our schemas can produce. Anything
# else keeps pydantic's text rather than saying nothing.
_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("This field is required."),
    "string_type": gettext_noop("This must be text."),
    "bool_type": gettext_noop("This must be true or false."),
    "bool_parsing": gettext_noop("This must be true or false."),
    "int_type": gettext_noop("This must be a whole number."),
    "int_parsing": gettext_noop("This must be a whole number."),
    "int_from_float": gettext_noop("This must be a whole number."),
    "uuid_type": gettext_noop("This must be an id (a UUID)."),
    "uuid_parsing": gettext_noop("This must be an id (a UUID)."),
    "list_type": gettext_noop("This must be a list."),
    "dict_type": gettext_noop("This must be an object."),
    "model_type": gettext_noop("This must be an object."),
    "model_attributes_type": gettext_noop("This must be an object."),
    "date_type": gettext_noop("This must be a date (YYYY-MM-DD)."),
    "date_parsing": gettext_noop("This must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_noop("This must be a date (YYYY-MM-DD)."),
    "datetime_type": gettext_noop("This must be a date and time (ISO 8601)."),
    "datetime_parsing": gettext_noop("This must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": gettext_noop("This must be a date and time (ISO 8601)."),
    "literal_error": gettext_noop("This must be one of: %(choices)s."),
    "string_too_short": gettext_noop("This text must have at least %(limit)s characters."),
    "string_too_long": gettext_noop("This text can have at most %(limit)s characters."),
    "too_short": gettext_noop("This list must have at least %(limit)s entries."),
    "too_long": gettext_noop("This list can have at most %(limit)s entries."),
    "greater_than_equal": gettext_noop("This must be at least %(limit)s."),
    "greater_than": gettext_noop("This must be more than %(limit)s."),
    "less_than_equal": gettext_noop("This must be at most %(limit)s."),
    "less_than": gettext_noop("This must be less than %(limit)s."),
}
_LIMIT_KEYS = ("ge", "gt", "le", "lt", "min_length", "max_length")
# Where ninja puts a parameter, and the name our handlers give the body: not part of a field.
_SOURCES = {"body", "query", "path", "form", "header", "cookie", "file"}


def _message(err: Mapping[str, Any]) -> str:
    template = _MESSAGES.get(str(err.get("type", "")))
    if template is None:
        return str(err.get("msg") or gettext("This value is not valid."))
    ctx = err.get("ctx") or {}
    limit = next((ctx[k] for k in _LIMIT_KEYS if k in ctx), "")
    return gettext(template) % {"limit": limit, "choices": ctx.get("expected", "")}


def error_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Field path (``designations.0.authority``) -> translated messages, for ``error.fields``.

    ``errors`` are ninja's: each location starts with the parameter's source (``body``,
    ``query``...) and, for a body, the handler's argument name (``payload``); neither is part
    of what the client sent.
    """
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in _SOURCES:
            if loc[0] == "body" and len(loc) > 1 and loc[1] == "payload":
                loc = loc[1:]
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "body", []).append(_message(err))
    return fields
