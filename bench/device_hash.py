"""Hashing a 12-megapixel photo in the reporter's browser, beside the server's own hashing.

    .venv/bin/python bench/device_hash.py [--runs 7] [--width 4000] [--height 3000]

The device hasher (flagdesk/intake/static/intake/hasher/, docs/device-hashing.md) must hash a
12-megapixel photo in at most a second in headless Chromium, end to end: read the file,
decode it, PDQ, MD5 and SHA-256. The pictures are synthetic (``photo_like``: gradients,
shapes, text and sensor-like noise, so the PNG is as large as a real photo's), saved as PNG
and as JPEG (quality 90), and written to a temporary directory served with the hasher by a
small http.server on 127.0.0.1 under a strict Content-Security-Policy.

Rows, for each format:
- ``decode+PDQ+MD5+SHA-256``: Python as the server does it (Pillow decodes, ``pdq_pixels``,
  ``pdqhash.compute``, hashlib) against the browser's ``FlagdeskHasher.hashFile(file)``
  (workers already started: one warm-up call is not counted);
- ``PDQ alone``: ``pdqhash.compute`` on the decoded pixels against the browser's
  ``FlagdeskPdq.pdqFromRGBA`` on the same pixels (RGBA, fetched once), on the page's thread.

Before timing, the browser's hashes are checked against the server's: PDQ identical on PNG,
within 10 bits on JPEG, MD5 and SHA-256 equal. Each row is the median of ``--runs`` runs
(min-max beside it); ``ratio`` is browser over Python. The exit status is non-zero if a hash
differs or an end-to-end median is over the target (1 s). The machine is shared with other
work; its load average is printed with the table.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from machine_info import machine_line  # noqa: E402

from flagdesk.intake.tests.device_pictures import encoded, photo_like  # noqa: E402
from flagdesk.matching.media.image_child import decode, pdq_of_pixels, pdq_pixels  # noqa: E402

STATIC = ROOT / "flagdesk" / "intake" / "static" / "intake" / "hasher"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
TARGET_MS = 1000.0
LIMITS = {"max_pixels": 25_000_000, "max_side": 16384}
PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>device hashing benchmark</title></head><body></body></html>"""


class Handler(http.server.SimpleHTTPRequestHandler):
    """The hasher's files under /hasher/, the pictures under /pictures/, a blank page at /."""

    pictures: Path

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/hasher/"):
            return str(STATIC / Path(path).name)
        return str(self.pictures / Path(path).name)

    def do_GET(self) -> None:
        if self.path == "/":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(PAGE)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", "default-src 'self'; script-src 'self'")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def timed(function: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def python_end_to_end(data: bytes, fmt: str) -> tuple[str, int, str, str]:
    img = decode(data, fmt, **LIMITS)
    pixels = pdq_pixels(img)
    img.close()
    pdq, quality = pdq_of_pixels(pixels)
    return pdq, quality, hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()  # noqa: S324


def browser_end_to_end(page: Any, name: str, runs: int) -> tuple[dict[str, Any], list[float]]:
    return page.evaluate(
        """async ([name, runs]) => {
            const blob = await (await fetch("/pictures/" + name)).blob();
            const file = new File([blob], name, {type: blob.type});
            const result = await FlagdeskHasher.hashFile(file);  // warm-up: starts the workers
            const times = [];
            for (let i = 0; i < runs; i++) {
                const started = performance.now();
                await FlagdeskHasher.hashFile(file);
                times.push(performance.now() - started);
            }
            return [result, times];
        }""",
        [name, runs],
    )


def browser_pdq_alone(page: Any, name: str, width: int, height: int, runs: int) -> list[float]:
    return page.evaluate(
        """async ([name, width, height, runs]) => {
            const pixels = new Uint8Array(await (await fetch("/pictures/" + name)).arrayBuffer());
            FlagdeskPdq.pdqFromRGBA(pixels, width, height, 4);  // warm-up
            const times = [];
            for (let i = 0; i < runs; i++) {
                const started = performance.now();
                FlagdeskPdq.pdqFromRGBA(pixels, width, height, 4);
                times.push(performance.now() - started);
            }
            return times;
        }""",
        [name, width, height, runs],
    )


def spread(times: list[float]) -> str:
    return f"{min(times):.0f}-{max(times):.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    width, height, runs = options.width, options.height, options.runs
    photo = photo_like(width, height, seed=1)
    files = {"PNG": encoded(photo, "PNG"), "JPEG": encoded(photo, "JPEG", quality=90)}
    names = {"PNG": "photo.png", "JPEG": "photo.jpg"}
    problems: list[str] = []
    rows: list[tuple[str, str, list[float], list[float]]] = []
    with tempfile.TemporaryDirectory() as directory:
        pictures = Path(directory)
        for fmt, data in files.items():
            (pictures / names[fmt]).write_bytes(data)
        handler = type("Bound", (Handler,), {"pictures": pictures})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page()
            page.goto(base + "/")
            page.add_script_tag(url=base + "/hasher/hasher.js")
            page.add_script_tag(url=base + "/hasher/pdq.js")
            for fmt, data in files.items():
                expected = python_end_to_end(data, fmt)
                python_times = timed(lambda d=data, f=fmt: python_end_to_end(d, f), runs)
                result, browser_times = browser_end_to_end(page, names[fmt], runs)
                found = {s["type"]: s for s in result["signals"]}
                bits = (int(found["pdq"]["value"], 16) ^ int(expected[0], 16)).bit_count()
                if bits > (0 if fmt == "PNG" else 10):
                    problems.append(f"{fmt}: PDQ {bits} bits from the server's")
                if (found["md5"]["value"], found["sha256"]["value"]) != expected[2:]:
                    problems.append(f"{fmt}: MD5 or SHA-256 differs")
                rows.append((fmt, "decode+PDQ+MD5+SHA-256", python_times, browser_times))

                img = decode(data, fmt, **LIMITS)
                pixels = pdq_pixels(img)
                rgba = np.asarray(img.convert("RGBA"))
                img.close()
                (pictures / "pixels.rgba").write_bytes(rgba.tobytes())
                python_pdq = timed(lambda p=pixels: pdq_of_pixels(p), runs)
                browser_pdq = browser_pdq_alone(page, "pixels.rgba", width, height, runs)
                rows.append((fmt, "PDQ alone", python_pdq, browser_pdq))
            version = browser.version
            browser.close()
        server.shutdown()

    megapixels = width * height / 1e6
    print(f"{megapixels:g}-megapixel synthetic photo ({width} x {height})")
    print(
        f"{'picture':<8}{'file MB':>8}  {'step':<24}{'python ms':>10}{'min-max':>11}"
        f"{'browser ms':>11}{'min-max':>11}{'ratio':>7}{'target ms':>10}"
    )
    over = []
    for fmt, step, python_times, browser_times in rows:
        python_ms, browser_ms = statistics.median(python_times), statistics.median(browser_times)
        end_to_end = step.startswith("decode")
        target = f"{TARGET_MS:.0f}" if end_to_end else "-"
        if end_to_end and browser_ms > TARGET_MS:
            over.append(f"{fmt}: {browser_ms:.0f} ms")
        print(
            f"{fmt:<8}{len(files[fmt]) / 1e6:>8.1f}  {step:<24}{python_ms:>10.0f}"
            f"{spread(python_times):>11}{browser_ms:>11.0f}{spread(browser_times):>11}"
            f"{browser_ms / python_ms:>6.2f}x{target:>10}"
        )
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"runs {runs} (median shown) · load average {load}")
    print(
        machine_line(f"Chromium {version}", f"Pillow {PIL.__version__}", f"numpy {np.__version__}")
    )
    for problem in problems:
        print(f"HASH DIFFERS: {problem}")
    for slow in over:
        print(f"OVER TARGET: {slow}")
    return 1 if problems or over else 0


if __name__ == "__main__":
    sys.exit(main())
