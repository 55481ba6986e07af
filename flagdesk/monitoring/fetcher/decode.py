"""Undoing ``Content-Encoding`` within a size limit, so a gzip bomb costs us at most the limit.

Each piece of input is inflated with ``max_length`` set just above what the limit still
allows; output beyond it raises ``DecodedTooLarge`` before it is ever held in memory. Only the
codings the fetcher asks for (``Accept-Encoding: gzip, deflate``) are undone; anything else is
kept as received (``Decoder.is_decoding`` is then False).
"""

from __future__ import annotations

import zlib

GZIP_WBITS = 16 + zlib.MAX_WBITS
ZLIB_WBITS = zlib.MAX_WBITS
RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


class DecodedTooLarge(Exception):
    """The decoded body would exceed the limit: a decompression bomb, or simply too big."""


class BadEncoding(Exception):
    """The body is not valid data in its declared coding."""


def _is_zlib_header(head: bytes) -> bool:
    # RFC 1950: compression method 8, and the two header bytes a multiple of 31.
    return (head[0] & 0x0F) == 8 and (head[0] << 8 | head[1]) % 31 == 0


class Decoder:
    """Feed raw body bytes, get decoded bytes; never more than ``limit`` in all."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.coding = CODINGS.get(content_encoding.strip().lower(), "")
        self.is_decoding = bool(self.coding)
        self.limit = limit
        self.produced = 0
        self._pending = b""  # deflate: the first bytes, until the wrapper is known
        self._inflater: zlib._Decompress | None = None
        if self.coding == "gzip":
            self._inflater = zlib.decompressobj(GZIP_WBITS)

    def feed(self, data: bytes) -> bytes:
        if not self.is_decoding:
            return data  # kept as received; the raw limit already bounds it
        if self._inflater is None:
            # "deflate" is zlib-wrapped by the standard, raw deflate on some servers.
            self._pending += data
            if len(self._pending) < 2:
                return b""
            data, self._pending = self._pending, b""
            wbits = ZLIB_WBITS if _is_zlib_header(data) else RAW_DEFLATE_WBITS
            self._inflater = zlib.decompressobj(wbits)
        return self._inflate(self._inflater, data)

    def finish(self) -> bytes:
        """Whatever input is still held (a one-byte deflate body)."""
        if self.is_decoding and self._inflater is None and self._pending:
            self._inflater = zlib.decompressobj(RAW_DEFLATE_WBITS)
            data, self._pending = self._pending, b""
            return self._inflate(self._inflater, data)
        return b""

    def _inflate(self, inflater: zlib._Decompress, data: bytes) -> bytes:
        out: list[bytes] = []
        while data:
            # One byte above the room left: getting it means the limit is exceeded, and an
            # output shorter than max_length means zlib holds nothing back.
            try:
                piece = inflater.decompress(data, self.limit - self.produced + 1)
            except zlib.error as e:
                raise BadEncoding(str(e)) from None
            out.append(self._count(piece))
            data = inflater.unconsumed_tail
            if inflater.eof:
                rest = inflater.unused_data
                if self.coding != "gzip" or not rest.startswith(b"\x1f\x8b"):
                    break  # bytes after the stream that start no gzip member are ignored
                inflater = self._inflater = zlib.decompressobj(GZIP_WBITS)  # next gzip member
                data = rest
        return b"".join(out)

    def _count(self, piece: bytes) -> bytes:
        self.produced += len(piece)
        if self.produced > self.limit:
            raise DecodedTooLarge(self.limit)
        return piece
