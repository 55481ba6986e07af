"""Decoding an untrusted image with bounded memory, and its PDQ hash, identical to the reference.

The pixel limit is checked from the header, before anything is decoded; Pillow's own bomb
warning is an error too. The PDQ hash must equal what python-threatexchange's ``pdq_hasher``
(and so HMA and our partners) computes: pixels go to ``pdqhash.compute`` converted exactly as
its ``_convert_image_to_correct_array_dimension`` does, for every mode where that conversion
gives the picture's own colours (RGB, RGBA, L, LA: every JPEG, WebP and almost every PNG).

Where it does not, we deliberately differ, and say so in the tests: ThreatExchange hashes a
palette image's *indices* (every GIF), clips 16-bit pixels to white, reads CMYK as RGB, and
crashes on 1-bit, 32-bit and float images. A hash of those is useless for matching (a GIF and
its JPEG copy land ~130 bits apart), so such images are first converted to RGB, which gives
the hash the reference computes for the same picture saved as RGB. EXIF orientation is ignored,
as in ThreatExchange.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
import numpy.typing as npt
import pdqhash
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from flagdesk.matching.signal_types import ComputedSignal, Pdq

from .errors import MediaRejected
from .sniff import FileType

DEFAULT_MAX_PIXELS = 40_000_000
MAX_SIDE = 16384

# Pillow's plugins raise any of these on malformed input. They are caught only around the
# decoder calls, where they mean "this file is damaged", never around our own code.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    MemoryError,
)
_AS_IS = frozenset({"RGB", "RGBA", "RGBX"})  # ThreatExchange passes these arrays unchanged
_GREY = frozenset({"L", "LA"})  # it spreads these over three channels


def decode(data: bytes, found: FileType) -> Image.Image:
    """The first frame of ``data``, fully decoded, or MediaRejected saying what is wrong."""
    # catch_warnings is process-wide; under threads another request may briefly see the filter
    # too, which only makes its bomb warning an error as well. The explicit pixel limit below
    # is stricter than Pillow's, so it is the check that counts.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[str(found.pil_format)])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb() from None
        except UnidentifiedImageError:
            raise _damaged(_("not a valid %(type)s image") % {"type": found.label}) from None
        except _DECODE_ERRORS:
            raise _damaged(_("unreadable header")) from None
        check_dimensions(*img.size)
        try:
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb() from None
        except _DECODE_ERRORS as exc:
            problem = _("truncated image") if "truncated" in str(exc) else _("corrupt image data")
            raise _damaged(problem) from None
    return img


def check_dimensions(width: int, height: int) -> None:
    """Refuse pictures whose decoded pixels alone would take hundreds of megabytes."""
    limit = int(getattr(settings, "MATCHING_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))
    if width <= 0 or height <= 0:
        raise MediaRejected(_("The file is damaged (the image has no pixels)."))
    if width > MAX_SIDE or height > MAX_SIDE or width * height > limit:
        raise MediaRejected(
            _(
                "The image is too large (%(width)d × %(height)d pixels; at most %(limit)s "  # noqa: RUF001
                "megapixels and %(side)d pixels on a side)."
            )
            % {
                "width": width,
                "height": height,
                "limit": f"{limit / 1e6:g}",
                "side": MAX_SIDE,
            }
        )


def pdq_of_image(img: Image.Image) -> ComputedSignal:
    """The PDQ hash and quality of a decoded image, as 64 lower-case hex digits."""
    vector, quality = pdqhash.compute(pdq_pixels(img))
    # The vector is the hash's bits, most significant first: packbits reads it the same way.
    value = np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()
    return ComputedSignal(Pdq.name, value, int(quality))


def pdq_pixels(img: Image.Image) -> npt.NDArray[np.uint8]:
    """An (h, w, >=3) uint8 array whose first three channels pdqhash reads as R, G, B."""
    mode = img.mode
    if mode in _AS_IS:
        return np.asarray(img)
    if mode == "LA":
        img, mode = img.convert("L"), "L"  # what ThreatExchange's convert("RGB") amounts to
    if mode.startswith("I;16"):
        wide = np.asarray(img).astype(np.uint32)
        grey = ((wide + 128) // 257).astype(np.uint8)
    elif mode in _GREY:
        grey = np.asarray(img)
    elif mode in ("P", "PA"):
        return np.asarray(img.convert("RGBA"))  # RGBA: Pillow warns on some transparent palettes
    else:
        return np.asarray(img.convert("RGB"))
    return np.repeat(grey[..., np.newaxis], 3, axis=2)


def _bomb() -> MediaRejected:
    """Pillow's own limit (~89 megapixels) fired: it is above ours, so say ours."""
    limit = int(getattr(settings, "MATCHING_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))
    return MediaRejected(
        _("The image is too large (more than %(limit)s megapixels).")
        % {"limit": f"{limit / 1e6:g}"}
    )


def _damaged(problem: str) -> MediaRejected:
    return MediaRejected(_("The file is damaged (%(problem)s).") % {"problem": problem})
