"""Hashing an untrusted image in a limited child process, with a PDQ identical to the reference.

A picture is decoded and hashed by ``image_child.py`` (see there): under a memory cap
(``MATCHING_IMAGE_MEMORY_BYTES``) and a deadline (``MATCHING_IMAGE_TIMEOUT_SECONDS``), in one
of the machine's few hashing slots (``slots.py``). This process only streams the file to the
child, computing MD5 and SHA-256 on the way, and turns the child's answer into a HashedMedia
or a MediaRejected in the sender's language; its memory does not grow with the picture.

The PDQ hash must equal what python-threatexchange's ``pdq_hasher`` (and so HMA and our
partners) computes: pixels go to ``pdqhash.compute`` converted exactly as its
``_convert_image_to_correct_array_dimension`` does, for every mode where that conversion
gives the picture's own colours (RGB, RGBA, L, LA: every JPEG, WebP and almost every PNG).
Where it does not, we deliberately differ, and say so in the tests: ThreatExchange hashes a
palette image's *indices* (every GIF), clips 16-bit pixels to white, reads CMYK as RGB, and
crashes on 1-bit, 32-bit and float images. A hash of those is useless for matching (a GIF and
its JPEG copy land ~130 bits apart), so such images are first converted to RGB, which gives
the hash the reference computes for the same picture saved as RGB. EXIF orientation is ignored,
as in ThreatExchange.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from flagdesk.core.uploads import megabytes
from flagdesk.matching.signal_types import ComputedSignal, InvalidSignal, Md5, Pdq, Sha256

from .errors import MediaRejected
from .hashed import HashedMedia
from .image_child import pdq_of_pixels, pdq_pixels
from .image_pool import POOL, ChildFailed, ChildGone, ChildTimeout
from .slots import hashing_slot
from .sniff import FileType
from .source import OpenedSource

# The defaults of settings.py, chosen from bench/image_memory.py (see bench/README.md).
DEFAULT_MAX_PIXELS = 25_000_000
DEFAULT_MEMORY_BYTES = 1024**3
DEFAULT_TIMEOUT_SECONDS = 20
MAX_SIDE = 16384
log = logging.getLogger(__name__)


def hash_image(opened: OpenedSource, found: FileType, *, limit: int) -> HashedMedia:
    """PDQ, MD5, SHA-256, size and thumbnail of a sniffed image, hashed in a child process.

    Raises MediaRejected for a picture that is too large, damaged, or over the memory or time
    limit, and HashingBusy when no hashing slot frees up in time.
    """
    memory = int(getattr(settings, "MATCHING_IMAGE_MEMORY_BYTES", DEFAULT_MEMORY_BYTES))
    timeout = float(getattr(settings, "MATCHING_IMAGE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    job = {
        "format": found.pil_format,
        "max_pixels": _max_pixels(),
        "max_side": MAX_SIDE,
        "max_bytes": limit,
    }
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        for chunk in opened.chunks(limit):
            md5.update(chunk)
            sha256.update(chunk)
            yield chunk

    with hashing_slot():
        deadline = time.monotonic() + timeout
        child = POOL.take(memory)
        try:
            try:
                answer = child.run(job, chunks(), deadline=deadline)
            except ChildGone:  # died while idle, before it saw this picture: once more
                child = POOL.take(memory)
                answer = child.run(job, chunks(), deadline=deadline)
        except ChildTimeout:
            log.warning("media.image_timeout", extra={"timeout_seconds": timeout})
            raise _too_slow(timeout) from None
        except ChildFailed as e:
            raise _crashed(memory, str(e)) from None
        POOL.give_back(child)
    reply = answer.reply
    if not reply.get("ok"):
        raise _refusal(reply, found, memory)
    try:  # the child's answer is checked like any input
        pdq = ComputedSignal(Pdq.name, Pdq.validate(str(reply["pdq"])), int(reply["quality"]))
        width, height = int(reply["width"]), int(reply["height"])
    except (KeyError, ValueError, TypeError, InvalidSignal):
        raise _crashed(memory, "bad answer") from None
    return HashedMedia(
        kind="image",
        signals=[
            pdq,
            ComputedSignal(Md5.name, md5.hexdigest()),
            ComputedSignal(Sha256.name, sha256.hexdigest()),
        ],
        mime=found.mime,
        size=opened.size,
        width=width,
        height=height,
        duration=None,
        frame_count=None,
        thumbnail=answer.thumbnail or None,
    )


def pdq_of_image(img: Image.Image) -> ComputedSignal:
    """The PDQ hash and quality of an already decoded (trusted) image, in this process."""
    value, quality = pdq_of_pixels(pdq_pixels(img))
    return ComputedSignal(Pdq.name, value, quality)


def _max_pixels() -> int:
    return int(getattr(settings, "MATCHING_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))


def _refusal(reply: dict[str, Any], found: FileType, memory: int) -> MediaRejected:
    """The sender's sentence for the child's reason."""
    reason = reply.get("reason")
    limit = _max_pixels()
    if reason == "too_large":
        return MediaRejected(
            _(
                "The image is too large (%(width)d × %(height)d pixels; at most %(limit)s "  # noqa: RUF001
                "megapixels and %(side)d pixels on a side)."
            )
            % {
                "width": int(reply["width"]),
                "height": int(reply["height"]),
                "limit": f"{limit / 1e6:g}",
                "side": MAX_SIDE,
            }
        )
    if reason == "bomb":  # Pillow's own limit fired on a lying header: say ours
        return MediaRejected(
            _("The image is too large (more than %(limit)s megapixels).")
            % {"limit": f"{limit / 1e6:g}"}
        )
    if reason == "memory":
        return _needs_too_much(memory)
    if reason == "no_pixels":
        return MediaRejected(_("The file is damaged (the image has no pixels)."))
    problems = {
        "not_valid": _("not a valid %(type)s image") % {"type": found.label},
        "unreadable_header": _("unreadable header"),
        "truncated": _("truncated image"),
    }
    problem = problems.get(str(reply.get("problem")), _("corrupt image data"))
    return MediaRejected(_("The file is damaged (%(problem)s).") % {"problem": problem})


def _crashed(memory: int, failure: str) -> MediaRejected:
    """The child died or answered nonsense: the decoder met something it could not handle.

    Under the memory cap that is most often an allocation that failed where the C code does
    not check; nothing about the picture is logged, only what kind of failure it was.
    """
    log.warning("media.image_child_failed", extra={"failure": failure})
    return MediaRejected(
        _(
            "The image could not be processed: it may be damaged, or need more memory than "
            "we allow (at most %(megabytes)s MB)."
        )
        % {"megabytes": megabytes(memory)}
    )


def _needs_too_much(memory: int) -> MediaRejected:
    return MediaRejected(
        _(
            "The image needs more memory to process than we allow (at most %(megabytes)s MB). "
            "Send a smaller version of it."
        )
        % {"megabytes": megabytes(memory)}
    )


def _too_slow(seconds: float) -> MediaRejected:
    return MediaRejected(
        _(
            "The image took too long to process (more than %(seconds)s seconds). "
            "Send a smaller version of it."
        )
        % {"seconds": f"{seconds:g}"}
    )
