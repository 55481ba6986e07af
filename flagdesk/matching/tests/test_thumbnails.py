"""Thumbnails for analysts: small, greyscale, and blurred unless someone chooses otherwise."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from flagdesk.matching.thumbnails import MAX_SIDE, blurred, greyscale_thumbnail

from .media_samples import png_bytes, synthetic_image


def opened(jpeg: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG"
    return img


def sharpness(img: Image.Image) -> float:
    """How steep the steepest edges are: the 99th percentile of neighbouring-pixel steps."""
    pixels = np.asarray(img, dtype=np.float32)
    steps = np.concatenate(
        [np.abs(np.diff(pixels, axis=1)).ravel(), np.abs(np.diff(pixels, axis=0)).ravel()]
    )
    return float(np.percentile(steps, 99))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((512, 512), (160, 160)),
        ((1000, 250), (160, 40)),
        ((90, 400), (36, 160)),
        ((50, 30), (50, 30)),
    ],
)
def test_thumbnails_are_greyscale_jpegs_of_at_most_160_pixels(size, expected) -> None:
    thumb = opened(greyscale_thumbnail(synthetic_image(1, size=size)))
    assert (thumb.mode, thumb.size) == ("L", expected)
    assert max(thumb.size) <= MAX_SIDE


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "1", "CMYK", "I;16"])
def test_every_image_mode_gets_a_thumbnail_that_is_not_blank(mode: str) -> None:
    source = synthetic_image(2)
    if mode == "I;16":
        img = Image.fromarray(np.asarray(source.convert("L")).astype(np.uint16) * 257)
    else:
        img = source.convert(mode)
    thumb = np.asarray(opened(greyscale_thumbnail(img)))
    assert 20 < thumb.mean() < 235 and thumb.std() > 10  # a picture, not white or black


def test_the_thumbnail_is_not_blurred_and_blurred_is() -> None:
    thumb = greyscale_thumbnail(synthetic_image(3))
    soft = blurred(thumb)
    assert opened(soft).size == opened(thumb).size and opened(soft).mode == "L"
    assert sharpness(opened(soft)) < sharpness(opened(thumb)) / 4
    assert sharpness(opened(blurred(thumb, radius=16))) < sharpness(opened(soft))


@pytest.mark.parametrize("radius", [0, -3])
def test_a_blur_that_would_show_the_picture_is_refused(radius: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        blurred(greyscale_thumbnail(synthetic_image(4)), radius=radius)


def test_blurred_accepts_only_small_jpegs() -> None:
    with pytest.raises(ValueError, match="not a JPEG"):
        blurred(png_bytes(synthetic_image(5, size=(64, 64))))
    with pytest.raises(ValueError, match="not a JPEG"):
        blurred(b"\xff\xd8\xff\xe0garbage")
    big = io.BytesIO()
    synthetic_image(5, size=(2048, 64)).save(big, "JPEG")
    with pytest.raises(ValueError, match="at most 1024 px"):
        blurred(big.getvalue())
