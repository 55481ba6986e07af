"""What a file really is, from its first bytes, and whether its name and declared type agree.

Decoders are chosen from the content, never from the name or the client's MIME type: a browser
or a phone can mislabel a file, and an attacker does so on purpose. Only the containers listed
here reach Pillow or libav at all, which keeps the parsers exposed to hostile input few.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import MediaRejected

Kind = Literal["image", "video", "other"]

# Enough for every signature below, an ISO-BMFF brand list and the head-polyglot check.
HEAD_BYTES = 4096
# PDF readers accept "%PDF-" anywhere in the first 1024 bytes; browsers sniff HTML as early.
POLYGLOT_HEAD_BYTES = 1024
# A ZIP's end-of-central-directory record sits within 22 + 65535 bytes of the end.
TAIL_BYTES = 22 + 65535


@dataclass(frozen=True)
class FileType:
    kind: Kind
    mime: str
    label: str  # the format's name in messages: "JPEG", "WebM"
    pil_format: str | None = None


JPEG = FileType("image", "image/jpeg", "JPEG", "JPEG")
PNG = FileType("image", "image/png", "PNG", "PNG")
GIF = FileType("image", "image/gif", "GIF", "GIF")
WEBP = FileType("image", "image/webp", "WebP", "WEBP")
BMP = FileType("image", "image/bmp", "BMP", "BMP")
TIFF = FileType("image", "image/tiff", "TIFF", "TIFF")
AVIF = FileType("image", "image/avif", "AVIF", "AVIF")
MP4 = FileType("video", "video/mp4", "MP4")
QUICKTIME = FileType("video", "video/quicktime", "QuickTime")
THREE_GP = FileType("video", "video/3gpp", "3GP")
WEBM = FileType("video", "video/webm", "WebM")
MATROSKA = FileType("video", "video/x-matroska", "Matroska")
AVI = FileType("video", "video/x-msvideo", "AVI")

# Recognised only to say what a rejected file is.
OTHER_LABELS = {
    "zip": gettext_lazy("a ZIP archive"),
    "pdf": gettext_lazy("a PDF document"),
    "html": gettext_lazy("a web page (HTML)"),
    "svg": gettext_lazy("an SVG drawing or XML document"),
    "heic": gettext_lazy("a HEIC photo, which we cannot read yet; please convert it to JPEG"),
    "audio": gettext_lazy("an audio file"),
    "archive": gettext_lazy("a compressed archive"),
    "program": gettext_lazy("a program"),
}

IMAGE_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .apng .gif .webp .bmp .dib .tif .tiff .avif".split()
)
VIDEO_EXTENSIONS = frozenset(".mp4 .m4v .mov .qt .3gp .3g2 .webm .mkv .avi".split())
OTHER_EXTENSIONS = frozenset(
    ".html .htm .xhtml .svg .xml .js .pdf .zip .rar .7z .gz .tgz .tar .exe .dll .apk .jar "
    ".doc .docx .txt .php .heic .heif".split()
)
# What clients send when they do not know; such a declaration contradicts nothing.
GENERIC_MIMES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
_HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
_BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)


def sniff(head: bytes) -> FileType:
    """The media type of a file starting with ``head``, or MediaRejected naming what it is."""
    image_or_video = _media_type(head)
    if image_or_video is not None:
        return image_or_video
    other = _other_type(head)
    if other is not None:
        raise MediaRejected(
            _("The file is not an image or a video we can read: it is %(what)s.")
            % {"what": OTHER_LABELS[other]}
        )
    raise MediaRejected(_("The file is not an image or a video we can read."))


def _media_type(head: bytes) -> FileType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return AVI
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return BMP
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if b"webm" in head[:64] else MATROSKA
    if head[4:8] == b"ftyp":
        return _iso_bmff_type(head)
    if head[4:8] in (b"moov", b"mdat", b"wide") and int.from_bytes(head[:4], "big") >= 8:
        return QUICKTIME  # old QuickTime files start without an ftyp box
    return None


def _iso_bmff_type(head: bytes) -> FileType | None:
    """MP4, MOV, 3GP and AVIF share one container; the ftyp brands say which it is."""
    box_size = int.from_bytes(head[:4], "big")
    brands = head[8:12] + head[16 : min(max(box_size, 16), len(head))]
    names = [brands[i : i + 4] for i in range(0, len(brands) - 3, 4)]
    if b"avif" in names or b"avis" in names:
        return AVIF
    if any(name in _HEIC_BRANDS for name in names):
        return None
    major = head[8:12]
    if major.startswith((b"M4A ", b"M4B ", b"M4P ")):
        return None
    if major == b"qt  ":
        return QUICKTIME
    if major.startswith(b"3g"):
        return THREE_GP
    return MP4


def _other_type(head: bytes) -> str | None:
    lowered = head[:POLYGLOT_HEAD_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[4:8] == b"ftyp":
        return "audio" if head[8:11] == b"M4A" or head[8:11] == b"M4B" else "heic"
    for prefix, name in (
        (b"PK\x03\x04", "zip"),
        (b"PK\x05\x06", "zip"),
        (b"%PDF-", "pdf"),
        (b"\x1f\x8b", "archive"),
        (b"Rar!", "archive"),
        (b"7z\xbc\xaf\x27\x1c", "archive"),
        (b"\x7fELF", "program"),
        (b"MZ", "program"),
        (b"ID3", "audio"),
        (b"OggS", "audio"),
        (b"fLaC", "audio"),
    ):
        if head.startswith(prefix):
            return name
    if lowered.startswith(_HTML_MARKERS):
        return "html"
    if lowered.startswith((b"<?xml", b"<svg")):
        return "svg"
    return None


def check_declared(found: FileType, *, filename: str, declared_mime: str) -> None:
    """Refuse a file whose name or declared MIME type claims another kind of content.

    A ``.jpg`` that is really a PNG or WebP is accepted (phones and browsers mislabel images
    all the time, and the content picks the decoder); a ``.jpg`` that is a video, or a video
    sent as ``text/html``, is a contradiction and is refused.
    """
    extension = _extension(filename)
    if _kind_of_extension(extension) not in (None, found.kind):
        raise MediaRejected(
            _(
                "The file type does not match its content: the name ends in %(extension)s "
                "but the file is %(actual)s."
            )
            % {"extension": extension, "actual": describe(found)}
        )
    mime = declared_mime.split(";", 1)[0].strip().lower()
    if _kind_of_mime(mime) not in (None, found.kind):
        raise MediaRejected(
            _(
                "The file type does not match its content: it was sent as %(mime)s "
                "but the file is %(actual)s."
            )
            % {"mime": mime[:100], "actual": describe(found)}
        )


def describe(found: FileType) -> str:
    """ "a JPEG image", "an MP4 video": the sniffed type for messages."""
    if found.kind == "image":
        return _("an image (%(format)s)") % {"format": found.label}
    return _("a video (%(format)s)") % {"format": found.label}


def check_polyglot(head: bytes, tail: bytes) -> None:
    """Refuse media that another program would open as a PDF, a web page or a ZIP archive.

    Such polyglots are a classic way to smuggle a document past an image check. Harmless
    trailing data (motion-photo videos after a JPEG, padding) is accepted; only what a PDF
    reader, a browser or an unzip tool would recognise is refused.
    """
    start = head[:POLYGLOT_HEAD_BYTES]
    lowered = start.lower()
    hidden = None
    if b"%PDF-" in start:
        hidden = "pdf"
    elif any(marker in lowered for marker in _HTML_MARKERS):
        hidden = "html"
    elif _has_zip_directory(tail):
        hidden = "zip"
    if hidden is not None:
        raise MediaRejected(
            _(
                "The file hides another file type inside it (%(what)s); send the picture or "
                "video on its own."
            )
            % {"what": OTHER_LABELS[hidden]}
        )


def _has_zip_directory(tail: bytes) -> bool:
    """Whether ``tail`` ends in a ZIP end-of-central-directory record, as unzip tools look.

    The record's comment length must reach exactly to the end of the file; four random bytes
    in compressed data match "PK\\x05\\x06" often enough, this extra check almost never does.
    """
    position = tail.rfind(b"PK\x05\x06")
    while position != -1:
        comment = int.from_bytes(tail[position + 20 : position + 22], "little")
        if position + 22 + comment == len(tail):
            return True
        position = tail.rfind(b"PK\x05\x06", 0, position)
    return False


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return name[name.rindex(".") :] if "." in name else ""


def _kind_of_extension(extension: str) -> Kind | None:
    if extension in IMAGE_EXTENSIONS:
        return "image"
    if extension in VIDEO_EXTENSIONS:
        return "video"
    if extension in OTHER_EXTENSIONS:
        return "other"
    return None


def _kind_of_mime(mime: str) -> Kind | None:
    if mime in GENERIC_MIMES:
        return None
    if mime in ("image/svg+xml", "image/heic", "image/heif"):
        return "other"
    if mime.startswith("image/"):
        return "image"
    if mime.startswith("video/") or mime == "application/mp4":
        return "video"
    return "other"
