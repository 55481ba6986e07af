"""Image hashing: PDQ identical to ThreatExchange, near-copies close, every sender input safe.

The reference is python-threatexchange's ``pdq_hasher`` (what HMA and our partners run).
Where it hashes something other than the picture (palette indices, clipped 16-bit pixels) we
match what it computes for the same picture in RGB instead; those tests say so.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

from flagdesk.matching.media import HashedMedia, MediaRejected, hash_media, pdq_of_image
from flagdesk.matching.signal_types import Pdq

from .media_samples import (
    encode,
    flat_image,
    jpeg_bytes,
    png_bytes,
    png_header_bomb,
    synthetic_image,
)

ROOT = Path(__file__).resolve().parents[3]


def pdq(data: bytes, **claims: str) -> str:
    signal = hash_media(data, **claims).signal("pdq")
    assert signal is not None
    return signal.value


def reference(data: bytes) -> str:
    return pdq_from_bytes(data)[0]


def rgb_reference(img: Image.Image) -> str:
    """What ThreatExchange computes for the same picture saved as an RGB PNG."""
    return reference(png_bytes(img.convert("RGB")))


def with_alpha(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    ramp = np.tile(np.linspace(0, 255, img.width, dtype=np.uint8), (img.height, 1))
    rgba.putalpha(Image.fromarray(ramp, "L"))
    return rgba


IDENTICAL = {
    "jpeg": lambda img: jpeg_bytes(img),
    "jpeg-q60": lambda img: jpeg_bytes(img, quality=60),
    "png": png_bytes,
    "png-rgba": lambda img: png_bytes(with_alpha(img)),
    "png-grey": lambda img: png_bytes(img.convert("L")),
    "png-grey-alpha": lambda img: png_bytes(img.convert("LA")),
    "jpeg-grey": lambda img: jpeg_bytes(img.convert("L")),
    "webp": lambda img: encode(img, "WEBP", quality=90),
    "webp-lossless-rgba": lambda img: encode(with_alpha(img), "WEBP", lossless=True),
    "bmp": lambda img: encode(img, "BMP"),
    "tiff": lambda img: encode(img, "TIFF"),
}


@pytest.mark.parametrize("variant", sorted(IDENTICAL))
@pytest.mark.parametrize("seed", [1, 7])
def test_pdq_is_identical_to_threatexchange(variant: str, seed: int) -> None:
    data = IDENTICAL[variant](synthetic_image(seed))
    assert pdq(data) == reference(data)


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_images_hash_their_colours_not_their_indices(fmt: str) -> None:
    palette = synthetic_image(3).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    data = encode(palette, fmt)
    ours = pdq(data)
    assert ours == rgb_reference(Image.open(io.BytesIO(data)))
    # ThreatExchange hashes palette indices: far from the picture, so we differ on purpose.
    assert Pdq.distance(reference(data), ours) > Pdq.threshold


def test_16_bit_greyscale_is_scaled_not_clipped_to_white() -> None:
    grey = synthetic_image(4).convert("L")
    wide = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    assert wide.mode.startswith("I;16")
    assert pdq(png_bytes(wide)) == reference(png_bytes(grey))


@pytest.mark.parametrize("mode", ["CMYK", "1"])
def test_other_modes_are_hashed_as_their_rgb_picture(mode: str) -> None:
    img = synthetic_image(5).convert(mode)
    data = encode(img, "TIFF")
    assert pdq(data) == rgb_reference(img)


def test_pdq_of_image_gives_64_lower_case_hex_digits_and_quality() -> None:
    img = synthetic_image(2)
    signal = pdq_of_image(img)
    assert signal.signal_type == "pdq"
    assert Pdq.validate(signal.value) == signal.value
    assert (signal.value, signal.quality) == pdq_from_bytes(png_bytes(img))


def test_a_flat_image_is_hashed_but_not_trusted() -> None:
    signal = hash_media(png_bytes(flat_image())).signal("pdq")
    assert signal is not None and signal.quality is not None
    assert signal.quality < Pdq.min_quality
    assert not Pdq.is_trusted(signal.quality)


@pytest.mark.parametrize("seed", range(6))
def test_a_reencoded_half_size_copy_matches_and_another_image_does_not(seed: int) -> None:
    original = synthetic_image(seed)
    copy = original.resize((256, 256), Image.Resampling.LANCZOS)
    known = pdq(jpeg_bytes(original))
    assert Pdq.distance(known, pdq(jpeg_bytes(copy, quality=60))) <= Pdq.threshold
    assert Pdq.distance(known, pdq(jpeg_bytes(synthetic_image(seed + 100)))) > 3 * Pdq.threshold


def test_unrelated_images_are_far_apart() -> None:
    hashes = [pdq(jpeg_bytes(synthetic_image(seed))) for seed in range(10)]
    assert min(Pdq.distance(a, b) for a, b in itertools.combinations(hashes, 2)) > 80


def test_animated_gif_is_hashed_by_its_first_frame() -> None:
    first, second = synthetic_image(8), synthetic_image(9)
    out = io.BytesIO()
    first.save(out, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    animated = Image.open(io.BytesIO(out.getvalue()))
    assert animated.n_frames == 2
    ours = pdq(out.getvalue())
    assert ours == rgb_reference(animated)
    animated.seek(1)
    assert Pdq.distance(ours, rgb_reference(animated)) > Pdq.threshold


def test_exif_orientation_is_ignored_for_pdq_like_threatexchange_but_not_for_the_thumbnail():
    img = synthetic_image(10, size=(512, 256))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encode(img, "JPEG", quality=90, exif=exif)
    hashed = hash_media(data)
    assert hashed.signals[0].value == reference(data)
    assert (hashed.width, hashed.height) == (512, 256)
    assert hashed.thumbnail is not None
    assert Image.open(io.BytesIO(hashed.thumbnail)).size == (80, 160)


def test_result_describes_the_image() -> None:
    data = jpeg_bytes(synthetic_image(11, size=(640, 400)))
    hashed = hash_media(data)
    assert isinstance(hashed, HashedMedia)
    assert [s.signal_type for s in hashed.signals] == ["pdq", "md5", "sha256"]
    assert hashed.signal("md5").value == hashlib.md5(data, usedforsecurity=False).hexdigest()  # type: ignore[union-attr]
    assert hashed.signal("sha256").value == hashlib.sha256(data).hexdigest()  # type: ignore[union-attr]
    assert (hashed.kind, hashed.mime, hashed.size) == ("image", "image/jpeg", len(data))
    assert (hashed.width, hashed.height, hashed.duration, hashed.frame_count) == (
        640,
        400,
        None,
        None,
    )
    assert hashed.thumbnail is not None
    thumb = Image.open(io.BytesIO(hashed.thumbnail))
    assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "L", (160, 100))


def test_bytes_paths_and_uploads_give_the_same_result(tmp_path: Path) -> None:
    data = jpeg_bytes(synthetic_image(12))
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    in_memory = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    on_disk = TemporaryUploadedFile("photo.jpg", "image/jpeg", len(data), None)
    on_disk.write(data)
    on_disk.seek(0)
    results = [hash_media(s) for s in (data, path, in_memory, on_disk)]
    assert all(r == results[0] for r in results)
    # Uploads are rewound, so a caller whose evidence policy keeps the file can still save it.
    assert in_memory.read() == data and on_disk.read() == data


# ---- bad input: each a clear, translated MediaRejected; never a crash --------------------


def rejected(source: bytes | Path, **claims: str) -> str:
    with pytest.raises(MediaRejected) as caught:
        hash_media(source, **claims)
    assert caught.value.code == "invalid_media" and caught.value.status == 422
    return str(caught.value.message)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


def with_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """``data`` with its SOF0 header claiming another size (the scan data stays small)."""
    patched = bytearray(data)
    at = data.index(b"\xff\xc0")
    patched[at + 5 : at + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(patched)


def test_empty_files_are_rejected(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.touch()
    assert rejected(b"") == rejected(empty) == "The file is empty."


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "TIFF", "BMP"])
def test_truncated_images_are_rejected(fmt: str) -> None:
    data = encode(synthetic_image(13).convert("P") if fmt == "GIF" else synthetic_image(13), fmt)
    assert "damaged" in rejected(data[: len(data) // 2])


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    assert "too large" in rejected(png_header_bomb(30_000, 30_000))


def test_refusing_a_bomb_allocates_nothing_like_its_pixels() -> None:
    script = textwrap.dedent(
        """
        import resource, django
        django.setup()
        from flagdesk.matching.media import MediaRejected, hash_media
        from flagdesk.matching.tests.media_samples import png_header_bomb
        bomb = png_header_bomb(30_000, 30_000)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            hash_media(bomb)
        except MediaRejected:
            pass
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flagdesk.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    grown_kb = int(done.stdout.strip().splitlines()[-1])
    assert grown_kb < 50 * 1024  # decoding would need 30000 * 30000 * 3 bytes = 2.7 GB


@pytest.mark.parametrize(
    ("width", "height"), [(20_000, 600), (600, 20_000), (8_000, 6_000), (20_000, 20_000)]
)
def test_oversized_images_are_rejected_before_decoding(width: int, height: int) -> None:
    message = rejected(png_header_bomb(width, height))
    assert message.startswith("The image is too large")


def test_a_jpeg_claiming_20000_by_20000_pixels_is_rejected() -> None:
    bomb = with_jpeg_size(jpeg_bytes(synthetic_image(14)), 20_000, 20_000)
    assert rejected(bomb).startswith("The image is too large")


def test_the_pixel_and_byte_limits_come_from_settings(settings) -> None:
    data = jpeg_bytes(synthetic_image(15))
    settings.MATCHING_MAX_IMAGE_PIXELS = 100_000
    assert "512 × 512 pixels; at most 0.1 megapixels" in rejected(data)  # noqa: RUF001
    settings.MATCHING_MAX_IMAGE_PIXELS = 40_000_000
    settings.MATCHING_MAX_IMAGE_BYTES = len(data) - 1
    assert rejected(data).startswith("The file is too large")


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"filename": "clip.mp4"}, "the name ends in .mp4 but the file is an image (JPEG)"),
        ({"filename": "page.html"}, "the name ends in .html"),
        ({"declared_mime": "text/html"}, "it was sent as text/html but the file is an image"),
        ({"declared_mime": "video/mp4"}, "it was sent as video/mp4"),
    ],
)
def test_a_declared_type_that_contradicts_the_content_is_rejected(claims, expected) -> None:
    message = rejected(jpeg_bytes(synthetic_image(16)), **claims)
    assert message.startswith("The file type does not match its content")
    assert expected in message


@pytest.mark.parametrize(
    "claims",
    [
        {"filename": "photo.png", "declared_mime": "image/png"},  # phones mislabel images
        {"filename": "photo", "declared_mime": "application/octet-stream"},
        {"filename": "IMG_0001.JPG", "declared_mime": "image/jpeg; charset=binary"},
    ],
)
def test_a_mislabelled_image_format_is_accepted(claims: dict[str, str]) -> None:
    hashed = hash_media(jpeg_bytes(synthetic_image(16)), **claims)
    assert hashed.mime == "image/jpeg"


def test_the_declared_type_of_an_upload_is_checked() -> None:
    upload = SimpleUploadedFile("x.jpg", jpeg_bytes(synthetic_image(17)), content_type="text/html")
    assert "sent as text/html" in rejected(upload)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "web page"),
        (b"  <html><body>hello</body></html>", "web page"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF document"),
        (zip_bytes(), "ZIP archive"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), "HEIC photo"),
    ],
)
def test_other_file_types_named_as_images_are_rejected_saying_what_they_are(data, what) -> None:
    message = rejected(data, filename="photo.png", declared_mime="image/png")
    assert message.startswith("The file is not an image or a video we can read: it is")
    assert what in message


def test_random_bytes_are_rejected() -> None:
    noise = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert rejected(noise) == "The file is not an image or a video we can read."


def test_a_jpeg_with_a_zip_appended_is_a_polyglot_and_rejected() -> None:
    message = rejected(jpeg_bytes(synthetic_image(18)) + zip_bytes())
    assert message.startswith("The file hides another file type inside it (a ZIP archive)")


def test_a_jpeg_with_a_pdf_header_inside_is_rejected() -> None:
    data = jpeg_bytes(synthetic_image(18))
    comment = b"\xff\xfe\x00\x12%PDF-1.4 obj <<>>"
    assert "PDF document" in rejected(data[:2] + comment + data[2:])


def test_harmless_trailing_data_is_accepted_and_hashed_by_the_picture() -> None:
    # Motion photos append a video after the JPEG's end; the picture is still the picture.
    data = jpeg_bytes(synthetic_image(19))
    trailer = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)
    hashed = hash_media(data + trailer)
    assert hashed.signals[0].value == reference(data)
    assert (
        hashed.signal("md5").value == hashlib.md5(data + trailer, usedforsecurity=False).hexdigest()
    )  # type: ignore[union-attr]


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    assert rejected(tmp_path) == "The file is not a regular file."
