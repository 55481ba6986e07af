"""MD5 and SHA-256: exact copies only, matched by equality (a database index lookup)."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from .base import IndexKind, SignalType, hex_digest


class Md5(SignalType):
    name = "md5"
    label = "MD5"
    content_types = ("image", "video", "file")
    index_kind: ClassVar[IndexKind] = "exact"

    @classmethod
    def validate(cls, value: str) -> str:
        return hex_digest(value, length=32, what="An MD5 hash")

    @staticmethod
    def of(data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Sha256(SignalType):
    name = "sha256"
    label = "SHA-256"
    content_types = ("image", "video", "file")
    index_kind: ClassVar[IndexKind] = "exact"

    @classmethod
    def validate(cls, value: str) -> str:
        return hex_digest(value, length=64, what="A SHA-256 hash")

    @staticmethod
    def of(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()
