"""The device hasher (static/intake/hasher/) in headless Chromium, against the server's hashing.

A reporter's browser computes PDQ, MD5 and SHA-256 of their picture so that only the hashes
are sent; they are worth something only if they equal what the server computes from the same
file. Each test opens a public page of the live server under its real Content-Security-Policy,
adds the hasher's script, feeds it synthetic pictures and compares with
``image_child.hash_picture`` (what the hashing child runs) and ``hashlib``: PNG identical to
the bit (the library decodes PNG itself), other formats within a few bits (the browser's
decoder rounds its own way).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.templatetags.static import static
from PIL import Image
from playwright.sync_api import Page

from flagdesk.intake.tests.device_pictures import encoded, photo_like, png_file, with_orientation
from flagdesk.matching.media.image import DEFAULT_MAX_PIXELS, MAX_SIDE
from flagdesk.matching.media.image_child import hash_picture, pdq_of_pixels
from flagdesk.matching.tests.media_samples import make_video, png_header_bomb

HASHER_DIR = Path(__file__).resolve().parents[1] / "static" / "intake" / "hasher"
SCRIPT = static("intake/hasher/hasher.js")
TIMEOUT_MS = 60_000  # an upper bound for one picture, never a speed requirement (S24)


@dataclass
class Hasher:
    """The page with FlagdeskHasher loaded; ``errors`` collects the console's errors."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def hash(self, data: bytes, *, name: str = "picture", mime: str = "") -> dict[str, Any]:
        """``hashFile`` of a File with these bytes: the result, or ``{"error": code}``."""
        return self.page.evaluate(
            """async ([b64, name, mime]) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const file = new File([bytes], name, {type: mime});
                try {
                    return await FlagdeskHasher.hashFile(file);
                } catch (error) {
                    return {error: error.code, detail: error.message};
                }
            }""",
            [base64.b64encode(data).decode(), name, mime],
        )


def load_hasher(page: Page, url: str, **data: int | str) -> None:
    """Adds hasher.js to the page as a page would (a ``<script src>`` with data-* limits)."""
    page.evaluate(
        """([src, data]) => new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = src;
            script.defer = true;
            for (const [key, value] of Object.entries(data)) script.dataset[key] = value;
            script.onload = resolve;
            script.onerror = () => reject(new Error("hasher.js did not load"));
            document.head.appendChild(script);
        })""",
        [url, {key: str(value) for key, value in data.items()}],
    )


@pytest.fixture
def hasher(browser_page: Page, live_url: Callable[..., str]) -> Iterator[Hasher]:
    page = browser_page
    page.set_default_timeout(TIMEOUT_MS)
    result = Hasher(page)
    page.on("console", lambda m: result.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: result.errors.append(str(e)))
    page.goto(live_url("intake:report"))
    load_hasher(page, live_url(SCRIPT))
    yield result
    assert result.errors == []  # no CSP violation, no script error


def server_hashes(data: bytes, pil_format: str) -> tuple[str, int, int, int]:
    """(pdq, quality, width, height) as the hashing child computes them."""
    picture = hash_picture(data, pil_format, max_pixels=DEFAULT_MAX_PIXELS, max_side=MAX_SIDE)
    return picture.pdq, picture.quality, picture.width, picture.height


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def signals(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert [s["type"] for s in result["signals"]] == ["pdq", "md5", "sha256"]
    return {s["type"]: s for s in result["signals"]}


def check_digests(result: dict[str, Any], data: bytes) -> None:
    found = signals(result)
    assert found["md5"]["value"] == hashlib.md5(data).hexdigest()  # noqa: S324
    assert found["sha256"]["value"] == hashlib.sha256(data).hexdigest()
    assert result["size"] == len(data)


# ---- PNG: identical to the server, bit for bit -----------------------------------------------


def _photo(width: int = 120, height: int = 90, seed: int = 3) -> np.ndarray:
    return np.asarray(photo_like(width, height, seed))


def _grey(width: int = 120, height: int = 90, seed: int = 3) -> np.ndarray:
    return np.asarray(photo_like(width, height, seed).convert("L"))


def _alpha(height: int, width: int, wide: bool = False) -> np.ndarray:
    """An alpha channel that is fully transparent on the left third (the colour stays there)."""
    alpha = np.tile(np.linspace(0, 255 if not wide else 65535, width), (height, 1))
    alpha[:, : width // 3] = 0
    return alpha.astype(np.uint16 if wide else np.uint8)


def _wide(pixels: np.ndarray, seed: int = 5) -> np.ndarray:
    """16-bit samples whose low byte is noise: decoders must take the right byte."""
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, pixels.shape)
    return (pixels.astype(np.uint16) * 256 + low).astype(np.uint16)


def _palette(colours: int, seed: int = 7) -> tuple[np.ndarray, bytes]:
    """Indices and a palette from quantising a photo to ``colours`` colours."""
    quantised = photo_like(120, 90, seed).quantize(colours)
    palette = bytes(quantised.getpalette()[: 3 * colours])  # type: ignore[index]
    return np.asarray(quantised), palette


def _packed_grey(depth: int) -> np.ndarray:
    return (_grey().astype(np.uint16) >> (8 - depth)).astype(np.uint8)


def png_cases() -> dict[str, bytes]:
    """Every colour type and bit depth, interlaced or not, and the odd sizes."""
    photo, grey = _photo(), _grey()
    indices, palette = _palette(200)
    small_indices, small_palette = _palette(12)
    h, w = grey.shape
    rgba = np.dstack([photo, _alpha(h, w)])
    cases = {
        "rgb, written by Pillow": encoded(photo_like(300, 200, 1), "PNG"),
        "rgb 8": png_file(photo, depth=8, colour_type=2),
        "rgb 8 with tRNS": png_file(photo, depth=8, colour_type=2, transparency=b"\0\1\0\2\0\3"),
        "rgba 8, transparent pixels keep their colour": png_file(rgba, depth=8, colour_type=6),
        "rgb 16": png_file(_wide(photo), depth=16, colour_type=2),
        "rgba 16": png_file(
            np.dstack([_wide(photo), _alpha(h, w, wide=True)]), depth=16, colour_type=6
        ),
        "grey 8": png_file(grey, depth=8, colour_type=0),
        "grey 8 with tRNS": png_file(grey, depth=8, colour_type=0, transparency=b"\0\x80"),
        "grey 16": png_file(_wide(grey), depth=16, colour_type=0),
        "grey 16, all values": png_file(
            np.arange(65536, dtype=np.uint16).reshape(256, 256), depth=16, colour_type=0
        ),
        "grey 4": png_file(_packed_grey(4), depth=4, colour_type=0),
        "grey 2": png_file(_packed_grey(2), depth=2, colour_type=0),
        "grey 1": png_file(_packed_grey(1), depth=1, colour_type=0),
        "grey+alpha 8": png_file(np.dstack([grey, _alpha(h, w)]), depth=8, colour_type=4),
        "grey+alpha 16": png_file(
            np.dstack([_wide(grey), _alpha(h, w, wide=True)]), depth=16, colour_type=4
        ),
        "palette 8 with tRNS": png_file(
            indices, depth=8, colour_type=3, palette=palette, transparency=bytes(range(0, 250, 5))
        ),
        "palette 4": png_file(small_indices, depth=4, colour_type=3, palette=small_palette),
        "palette 2": png_file(
            np.minimum(small_indices, 3), depth=2, colour_type=3, palette=small_palette[:12]
        ),
        "palette 1": png_file(small_indices & 1, depth=1, colour_type=3, palette=small_palette[:6]),
        "palette, indices past its end are black": png_file(
            indices, depth=8, colour_type=3, palette=palette[:300]
        ),
        "interlaced rgb 8": png_file(photo, depth=8, colour_type=2, interlace=True),
        "interlaced rgba 16": png_file(
            np.dstack([_wide(photo), _alpha(h, w, wide=True)]),
            depth=16,
            colour_type=6,
            interlace=True,
        ),
        "interlaced palette 4": png_file(
            small_indices, depth=4, colour_type=3, palette=small_palette, interlace=True
        ),
        "interlaced grey 1, 13 x 11": png_file(
            _packed_grey(1)[:11, :13], depth=1, colour_type=0, interlace=True
        ),
        "interlaced 3 x 3 (empty passes)": png_file(
            _photo(3, 3), depth=8, colour_type=2, interlace=True
        ),
        "1 x 1": png_file(_photo(1, 1), depth=8, colour_type=2),
        "7 x 3": png_file(_photo(7, 3), depth=8, colour_type=2),
        "4000 x 1": png_file(_photo(4000, 1), depth=8, colour_type=2),
        "5 x 5 (the smallest PDQ hashes)": png_file(_photo(5, 5), depth=8, colour_type=2),
        "64 x 64 (PDQ skips the blur)": png_file(_photo(64, 64), depth=8, colour_type=2),
        "65 x 63": png_file(_photo(65, 63), depth=8, colour_type=2),
        "131 x 77": png_file(_photo(131, 77), depth=8, colour_type=2),
        "1 x 300, grey": png_file(_grey(1, 300), depth=8, colour_type=0),
        "1021 x 771, Pillow": encoded(photo_like(1021, 771, 9), "PNG"),
        # 9 MB of pixel data: the inflating worker gets ahead and waits for the reader.
        "2000 x 1500, Pillow": encoded(photo_like(2000, 1500, 10), "PNG"),
        "flat (low quality)": encoded(Image.new("RGB", (200, 100), (120, 130, 140)), "PNG"),
        "nearly flat": encoded(photo_like(200, 100, 4).point(lambda v: 100 + v // 64), "PNG"),
    }
    return cases


def test_png_pdq_equals_the_servers_bit_for_bit(hasher: Hasher) -> None:
    differences = {}
    for name, data in png_cases().items():
        result = hasher.hash(data, name="picture.png", mime="image/png")
        assert "error" not in result, (name, result)
        pdq = signals(result)["pdq"]
        expected = server_hashes(data, "PNG")
        found = (pdq["value"], pdq["quality"], result["width"], result["height"])
        if found != expected:
            differences[name] = (found, expected)
        check_digests(result, data)
        assert result["kind"] == "image" and result["mime"] == "image/png"
    assert differences == {}


@pytest.mark.parametrize("inflate_worker", ["yes", "no"])
def test_png_is_the_same_whichever_thread_inflates(
    browser_page: Page, live_url: Callable[..., str], inflate_worker: str
) -> None:
    """A device with cores to spare inflates PNG data in a third worker (two cores: not)."""
    page = browser_page
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_url("intake:report"))
    load_hasher(page, live_url(SCRIPT), inflateWorker=inflate_worker)
    assert page.evaluate("FlagdeskHasher.inflateInWorker") is (inflate_worker == "yes")
    hasher = Hasher(page)
    wanted = ("2000 x 1500, Pillow", "interlaced rgba 16", "palette 8 with tRNS", "grey 1")
    for name, data in png_cases().items():
        if name in wanted:
            pdq = signals(hasher.hash(data))["pdq"]
            assert (pdq["value"], pdq["quality"]) == server_hashes(data, "PNG")[:2], name
    assert hasher.hash(_truncated_png())["error"] == "undecodable"
    assert hasher.hash(_broken_header_png())["error"] == "undecodable"


def test_a_flat_picture_has_a_low_quality(hasher: Hasher) -> None:
    flat = encoded(Image.new("L", (300, 300), 90), "PNG")
    pdq = signals(hasher.hash(flat))["pdq"]
    assert pdq["quality"] == server_hashes(flat, "PNG")[1] == 0
    photo = encoded(photo_like(300, 300, 2), "PNG")
    assert signals(hasher.hash(photo))["pdq"]["quality"] >= 50


# ---- JPEG and the other formats the browser decodes -------------------------------------------


def jpeg_cases() -> dict[str, bytes]:
    photo = photo_like(640, 480, 11)
    plain = encoded(photo, "JPEG", quality=85)
    return {
        "quality 40": encoded(photo, "JPEG", quality=40),
        "quality 75": encoded(photo, "JPEG", quality=75),
        "quality 95, 4:4:4": encoded(photo, "JPEG", quality=95, subsampling=0),
        "progressive": encoded(photo, "JPEG", quality=80, progressive=True),
        "grey": encoded(photo.convert("L"), "JPEG", quality=85),
        "odd size": encoded(photo_like(333, 257, 12), "JPEG", quality=90),
        "EXIF: turn 90 degrees": with_orientation(plain, 6),
        "EXIF: turn 180 degrees": with_orientation(plain, 3),
        "EXIF: mirror and turn": with_orientation(plain, 5),
        "2 megapixels": encoded(photo_like(1600, 1200, 13), "JPEG", quality=90),
    }


def test_jpeg_pdq_is_within_a_few_bits_of_the_servers(hasher: Hasher) -> None:
    """Browsers decode JPEG with their own rounding; the server ignores EXIF orientation and
    so must the browser (which would otherwise hash the turned picture, ~128 bits away)."""
    for name, data in jpeg_cases().items():
        result = hasher.hash(data, name="photo.jpg", mime="image/jpeg")
        assert "error" not in result, (name, result)
        pdq = signals(result)["pdq"]
        value, quality, width, height = server_hashes(data, "JPEG")
        assert distance(pdq["value"], value) <= 10, name
        assert abs(pdq["quality"] - quality) <= 5, name
        assert (result["width"], result["height"]) == (width, height), name
        assert result["mime"] == "image/jpeg"
        check_digests(result, data)


def test_the_orientation_tag_is_ignored_as_on_the_server(hasher: Hasher) -> None:
    plain = encoded(photo_like(400, 300, 14), "JPEG", quality=90)
    upright = signals(hasher.hash(plain))["pdq"]["value"]
    for orientation in (3, 6, 8):
        turned = signals(hasher.hash(with_orientation(plain, orientation)))["pdq"]["value"]
        assert distance(turned, upright) <= 2


@pytest.mark.parametrize(
    ("fmt", "options", "mime", "pil_format"),
    [
        ("WEBP", {"lossless": True}, "image/webp", "WEBP"),
        ("WEBP", {"quality": 80}, "image/webp", "WEBP"),
        ("GIF", {}, "image/gif", "GIF"),
        ("BMP", {}, "image/bmp", "BMP"),
    ],
    ids=["webp-lossless", "webp-lossy", "gif", "bmp"],
)
def test_other_formats_are_within_a_few_bits(
    hasher: Hasher, fmt: str, options: dict[str, Any], mime: str, pil_format: str
) -> None:
    data = encoded(photo_like(320, 240, 15), fmt, **options)
    result = hasher.hash(data)
    assert "error" not in result, result
    pdq = signals(result)["pdq"]
    value, quality, width, height = server_hashes(data, pil_format)
    assert distance(pdq["value"], value) <= 10
    assert abs(pdq["quality"] - quality) <= 5
    assert (result["width"], result["height"], result["mime"]) == (width, height, mime)
    check_digests(result, data)


# ---- what is refused, and with which code -----------------------------------------------------


def _truncated_png() -> bytes:
    data = encoded(photo_like(200, 150, 16), "PNG")
    return data[: len(data) // 2]


def _broken_header_png() -> bytes:
    data = bytearray(encoded(photo_like(20, 20, 16), "PNG"))
    data[20] ^= 0xFF  # a byte of IHDR: its CRC no longer matches
    return bytes(data)


def _garbled_jpeg() -> bytes:
    data = bytearray(encoded(photo_like(64, 64, 17), "JPEG"))
    start = data.index(b"\xff\xda")  # the scan: keep the headers, ruin the picture
    return bytes(data[:start]) + b"\xff\xda\x00\x02" + bytes(range(256)) * 4


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims another size."""
    data = bytearray(encoded(photo_like(16, 16, 18), "JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "name", "mime", "code"),
    [
        (
            lambda: b"Photos of me were posted here: https://example.test/p/1",
            "a.txt",
            "",
            "undecodable",
        ),
        (lambda: bytes(range(256)) * 64, "picture.jpg", "image/jpeg", "undecodable"),
        (_truncated_png, "cut.png", "image/png", "undecodable"),
        (_broken_header_png, "broken.png", "image/png", "undecodable"),
        (_garbled_jpeg, "garbled.jpg", "image/jpeg", "undecodable"),
        (lambda: b"II*\x00" + bytes(100), "scan.tif", "image/tiff", "undecodable"),
        (lambda: b"\x1a\x45\xdf\xa3" + b"\x00" * 20 + b"webm" + bytes(100), "c.webm", "", "video"),
        (lambda: bytes(4096), "holiday.mov", "", "video"),
        (lambda: bytes(4096), "clip", "video/mp4", "video"),
        (png_header_bomb, "bomb.png", "image/png", "too_large"),
        (lambda: png_header_bomb(MAX_SIDE + 1, 1), "wide.png", "image/png", "too_large"),
        (lambda: _jpeg_declaring(20000, 20000), "huge.jpg", "image/jpeg", "too_large"),
    ],
    ids=[
        "text",
        "noise named jpg",
        "truncated png",
        "png with a broken header",
        "garbled jpeg",
        "tiff the browser cannot read",
        "webm",
        "named as a video",
        "declared as a video",
        "png over the pixel limit",
        "png over the side limit",
        "jpeg over the pixel limit",
    ],
)
def test_refusals_carry_a_code(
    hasher: Hasher, make: Callable[[], bytes], name: str, mime: str, code: str
) -> None:
    result = hasher.hash(make(), name=name, mime=mime)
    assert result.get("error") == code, result


def test_a_real_video_is_refused_as_video(hasher: Hasher, tmp_path: Path) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=1, size=(64, 48))
    assert hasher.hash(clip.read_bytes(), name="upload")["error"] == "video"


def test_the_page_passes_the_instance_limits(
    browser_page: Page, live_url: Callable[..., str]
) -> None:
    page = browser_page
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_url("intake:report"))
    load_hasher(page, live_url(SCRIPT), maxPixels=10_000, maxBytes=200_000)
    hasher = Hasher(page)
    assert hasher.hash(encoded(photo_like(200, 100, 19), "PNG"))["error"] == "too_large"
    assert "error" not in hasher.hash(encoded(photo_like(100, 100, 19), "PNG"))
    padded = encoded(photo_like(90, 90, 19), "BMP") + bytes(200_000)  # a BMP of 224 KB
    assert hasher.hash(padded)["error"] == "too_large"
    assert page.evaluate("FlagdeskHasher.limits") == {
        "maxPixels": 10_000,
        "maxSide": MAX_SIDE,
        "maxBytes": 200_000,
    }


def test_without_workers_the_code_is_unsupported(hasher: Hasher) -> None:
    hasher.page.evaluate("window.Worker = undefined")
    png = encoded(photo_like(50, 50, 20), "PNG")
    assert hasher.hash(png)["error"] == "unsupported"


# ---- privacy: nothing leaves the page, nothing stays ------------------------------------------


def test_hashing_sends_nothing_and_keeps_nothing(
    browser_page: Page, live_url: Callable[..., str]
) -> None:
    page = browser_page
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_url("intake:report"))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))  # the workers' too
    load_hasher(page, live_url(SCRIPT))
    hasher = Hasher(page)
    for data in (
        encoded(photo_like(300, 200, 21), "PNG"),
        encoded(photo_like(300, 200, 21), "JPEG"),
    ):
        assert "error" not in hasher.hash(data)
    scripts = {live_url(static(f"intake/hasher/{name}")) for name in HASHER_FILES}
    assert requests and set(requests) <= scripts, requests
    stored = page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            databases: (await indexedDB.databases()).length,
            caches: (await caches.keys()).length,
        })"""
    )
    assert stored == {"local": 0, "session": 0, "databases": 0, "caches": 0}


HASHER_FILES = (
    "hasher.js",
    "worker.js",
    "pdq.js",
    "md5.js",
    "sha256.js",
    "png.js",
    "inflate.js",
)


# ---- the pieces on their own ------------------------------------------------------------------


def test_pdq_of_rgba_pixels_equals_the_servers(hasher: Hasher) -> None:
    photo = np.asarray(photo_like(257, 181, 22))
    rgba = np.dstack([photo, _alpha(181, 257)])
    found = hasher.page.evaluate(
        """async ([b64, width, height]) => {
            const pixels = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            return await FlagdeskHasher.pdqFromRGBA(pixels, width, height);
        }""",
        [base64.b64encode(rgba.tobytes()).decode(), 257, 181],
    )
    assert (found["value"], found["quality"]) == pdq_of_pixels(rgba)


@pytest.mark.parametrize("length", [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 1_048_579])
def test_md5_and_the_plain_javascript_sha256_equal_hashlib(
    browser_page: Page, live_url: Callable[..., str], length: int
) -> None:
    """The SHA-256 fallback serves pages outside a secure context; both take pieces."""
    page = browser_page
    page.goto(live_url("intake:report"))
    for name in ("md5.js", "sha256.js"):
        page.add_script_tag(url=live_url(static(f"intake/hasher/{name}")))
    data = bytes((i * 131 + i // 7) & 0xFF for i in range(length))
    found = page.evaluate(
        """([b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const md5 = new FlagdeskMd5.Md5();
            const sha = new FlagdeskSha256.Sha256();
            for (let at = 0; at < bytes.length; at += 37) {  // pieces that straddle blocks
                md5.update(bytes.subarray(at, at + 37));
                sha.update(bytes.subarray(at, at + 37));
            }
            return [FlagdeskMd5.hex(bytes), md5.hex(), FlagdeskSha256.pureHex(bytes), sha.hex()];
        }""",
        [base64.b64encode(data).decode()],
    )
    md5, sha256 = hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()  # noqa: S324
    assert found == [md5, md5, sha256, sha256]


def dct_table_words() -> list[int]:
    """The float bit patterns of the C++'s 16 x 64 DCT matrix, computed as it does."""
    scale = float(np.float32(math.sqrt(2.0 / 64)))
    return [
        int(
            np.float32(scale * math.cos((math.pi / 2.0 / 64) * (i + 1) * (2 * j + 1))).view(
                np.uint32
            )
        )
        for i in range(16)
        for j in range(64)
    ]


def test_the_shipped_dct_table_is_the_cpp_one() -> None:
    source = (HASHER_DIR / "pdq.js").read_text()
    table = source[source.index("var DCT_BITS") : source.index("]);", source.index("var DCT_BITS"))]
    shipped = [int(word, 16) for word in re.findall(r"0x([0-9a-f]{8})", table)]
    assert shipped == dct_table_words()


def test_the_library_holds_no_text_for_users() -> None:
    """Messages are the page's, in the reporter's language: the library only has codes."""
    for name in HASHER_FILES:
        source = (HASHER_DIR / name).read_text()
        assert "gettext" not in source and "textContent" not in source and "alert(" not in source


def test_the_library_has_no_way_to_send_or_store() -> None:
    """The request test above sees the page's and its workers' requests, but a browser does
    not report those of a worker started by a worker (the PNG inflater): so the sources are
    checked too. Workers load only the library's own files."""
    forbidden = (
        "fetch(",
        "XMLHttpRequest",
        "sendBeacon",
        "WebSocket",
        "EventSource",
        "RTCPeerConnection",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "caches",
        "document.cookie",
        "new Image",
    )
    for name in HASHER_FILES:
        source = (HASHER_DIR / name).read_text()
        found = [word for word in forbidden if word in source]
        assert found == [], (name, found)
        for loaded in re.findall(r"(?:importScripts|new Worker)\(([^)]*)\)", source):
            scripts = set(re.findall(r'"([^"]+\.js)"', loaded))
            assert scripts and scripts <= set(HASHER_FILES), (name, loaded)
