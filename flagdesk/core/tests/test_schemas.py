"""The schema guard: no API input reaches a service with text or numbers a database refuses."""

from __future__ import annotations

import datetime as dt
import enum
import typing
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from ninja.files import UploadedFile
from pydantic import BaseModel, ValidationError

from flagdesk.core.schemas import INT64_MAX, INT64_MIN, Schema, error_fields


class Inner(Schema):
    label: str = ""


class Outer(Schema):
    name: str = ""
    count: int = 0
    tags: list[str] = []
    extra: dict[str, Any] = {}
    inner: list[Inner] = []


def refusal(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        Outer.model_validate(data)
    return error_fields([dict(e) for e in exc.value.errors()])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"tags": ["ok", "no\x00"]}, "tags.1"),
        ({"extra": {"deep": [{"deeper": "x\x00"}]}}, "extra.deep.0.deeper"),
        ({"extra": {"a\x00": "key"}}, "extra"),
        ({"inner": [{"label": "fine"}, {"label": "\x00"}]}, "inner.1.label"),
        ({"count": INT64_MAX + 1}, "count"),
        ({"count": INT64_MIN - 1}, "count"),
        ({"extra": {"n": [10**30]}}, "extra.n.0"),
    ],
)
def test_unstorable_values_are_refused_anywhere_naming_the_field(data, field):
    fields = refusal(data)
    assert list(fields) == [field]


def test_the_edges_of_the_64_bit_range_and_ordinary_values_pass():
    ok = Outer.model_validate(
        {"name": "é ✓", "count": INT64_MAX, "extra": {"n": INT64_MIN, "b": True}, "tags": ["x"]}
    )
    assert ok.count == INT64_MAX


def test_refusals_speak_the_request_language():
    with translation.override("fr"):
        message = refusal({"count": 10**20})["count"][0]
    with translation.override("en"):
        assert refusal({"count": 10**20})["count"] == ["This number is too large."]
    assert isinstance(message, str) and message


def test_a_hostile_body_gets_a_bounded_answer():
    fields = refusal({"tags": ["\x00"] * 500})
    assert sum(len(v) for v in fields.values()) <= 20


def test_deeply_nested_input_is_walked_without_recursion():
    value: Any = "\x00"
    for _ in range(3000):
        value = [value]
    assert "extra.x" in next(iter(refusal({"extra": {"x": value}})))


def test_pydantic_messages_are_translated_and_keep_their_limits():
    from pydantic import Field

    class Bounded(Schema):
        limit: int = Field(0, le=500)

    with pytest.raises(ValidationError) as exc:
        Bounded.model_validate({"limit": 501})
    with translation.override("en"):
        assert error_fields([dict(e) for e in exc.value.errors()]) == {
            "limit": ["This must be at most 500."]
        }


# --- every request schema of the assembled API derives from the guard -----------------------

# Types that cannot carry unstorable text or a huge number once parsed. ``str`` and ``int``
# are not among them: a path or query parameter of those types must sit in a guarded Schema.
SAFE_TYPES: tuple[type, ...] = (uuid.UUID, bool, dt.date, dt.datetime, UploadedFile, type(None))


def _unguarded(annotation: Any, where: str, *, inside_guard: bool) -> Iterator[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _unguarded(typing.get_args(annotation)[0], where, inside_guard=inside_guard)
        return
    if origin is typing.Literal:
        return
    if origin is not None:  # list[X], dict[K, V], X | None, Union[...]
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from _unguarded(arg, where, inside_guard=inside_guard)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not issubclass(annotation, Schema):
            yield f"{where}: {annotation.__qualname__} does not derive from core.schemas.Schema"
            return
        for name, field in annotation.model_fields.items():
            yield from _unguarded(field.annotation, f"{where}.{name}", inside_guard=True)
        return
    if inside_guard:
        return  # the guard walks whatever value this turns out to be
    if isinstance(annotation, type) and issubclass(annotation, (*SAFE_TYPES, enum.Enum)):
        return
    yield f"{where}: {annotation!r} is read outside a guarded Schema"


def _request_parameters() -> Iterator[tuple[str, str, Any]]:
    from flagdesk.site.api import api

    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                name = f"{'/'.join(operation.methods)} {path}"
                for model in operation.models:
                    for param, field in model.model_fields.items():
                        yield f"{name} ({model.__ninja_param_source__})", param, field.annotation


def test_every_request_parameter_of_the_api_goes_through_the_guard():
    parameters = list(_request_parameters())
    assert len({where for where, _, _ in parameters}) > 10  # the walk sees the real API
    problems = [
        problem
        for where, param, annotation in parameters
        for problem in _unguarded(annotation, f"{where} {param}", inside_guard=False)
    ]
    assert not problems, "\n".join(problems)


def test_the_walk_notices_an_unguarded_schema_and_a_bare_scalar():
    import ninja

    class Plain(ninja.Schema):
        text: str

    assert list(_unguarded(Plain, "x", inside_guard=False))
    assert list(_unguarded(str, "x", inside_guard=False))
    assert list(_unguarded(int | None, "x", inside_guard=False))
    assert list(_unguarded(list[Outer], "x", inside_guard=False)) == []
    assert list(_unguarded(uuid.UUID, "x", inside_guard=False)) == []
