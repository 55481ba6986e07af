"""Synthetic pictures for the demo, tests and benchmarks: never real photos (S23).

Drawn with numpy and Pillow from a seed (a gradient, a sine pattern, a few filled shapes): plenty
of low-frequency structure, so PDQ hashes are high quality and two seeds give unrelated hashes.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw


def synthetic_image(seed: int, size: tuple[int, int] = (512, 512)) -> Image.Image:
    """An RGB picture that is the same for the same seed and size on every machine.

    Shapes are placed in coordinates relative to the size, so ``synthetic_image(s, (256, 256))``
    is (up to resampling) a half-size copy of ``synthetic_image(s, (512, 512))``.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xs / max(width - 1, 1), ys / max(height - 1, 1)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * u + np.sin(angle) * v + 1.5) / 3.0
    start, end = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    pixels = start + (end - start) * ramp[..., None]
    freq_x, freq_y = rng.uniform(1.0, 4.0, 2)
    wave = 60.0 * np.sin(2 * np.pi * (freq_x * u + freq_y * v + rng.uniform()))
    pixels += wave[..., None] * rng.uniform(-1, 1, 3)
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(10, 16))):
        x0, y0 = rng.uniform(-0.1, 0.8, 2)
        w, h = rng.uniform(0.1, 0.45, 2)
        box = (x0 * width, y0 * height, (x0 + w) * width, (y0 + h) * height)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            draw.rectangle(box, fill=colour)
        elif shape == 1:
            draw.ellipse(box, fill=colour)
        else:
            points = [(box[0], box[3]), ((box[0] + box[2]) / 2, box[1]), (box[2], box[3])]
            draw.polygon(points, fill=colour)
    return img
