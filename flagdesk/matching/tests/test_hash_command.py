"""``flagdesk hash FILE...`` (docs/cli.md): tab-separated hashes, clear errors, exit codes."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

from flagdesk.matching.signal_types import Vpdq

from .media_samples import jpeg_bytes, make_video, synthetic_image

FLAGDESK = Path(sys.executable).with_name("flagdesk")


def run(*files: Path | str) -> tuple[list[list[str]], str]:
    """stdout split into tab-separated fields, and stderr, of an in-process call."""
    out, err = io.StringIO(), io.StringIO()
    call_command("hash", *map(str, files), stdout=out, stderr=err)
    return [line.split("\t") for line in out.getvalue().splitlines()], err.getvalue()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_bytes(synthetic_image(21)))
    return path


def test_an_image_gives_pdq_md5_and_sha256_lines(photo: Path) -> None:
    data = photo.read_bytes()
    rows, err = run(photo)
    pdq, quality = pdq_from_bytes(data)
    assert rows == [
        ["pdq", pdq, str(quality), str(photo)],
        ["md5", hashlib.md5(data, usedforsecurity=False).hexdigest(), "-", str(photo)],
        ["sha256", hashlib.sha256(data).hexdigest(), "-", str(photo)],
    ]
    assert err == ""


def test_a_video_gives_a_vpdq_line_with_the_canonical_value(tmp_path: Path) -> None:
    video = make_video(tmp_path / "clip.mp4", seconds=3)
    rows, _ = run(video)
    assert [row[0] for row in rows] == ["vpdq", "md5", "sha256"]
    _algorithm, value, quality, name = rows[0]
    frames = Vpdq.frames(value)
    assert Vpdq.validate(value) == value and len(frames) == 3
    assert int(quality) == round(sum(f.quality for f in frames) / len(frames))
    assert name == str(video)


def test_bad_files_are_reported_and_the_others_still_hashed(photo: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.touch()
    page = tmp_path / "page.png"
    page.write_bytes(b"<html><body>not a picture</body></html>")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "hash",
            str(empty),
            str(photo),
            str(page),
            str(tmp_path / "missing.jpg"),
            stdout=out,
            stderr=err,
        )
    assert caught.value.returncode == 1
    assert [line.split("\t")[0] for line in out.getvalue().splitlines()] == ["pdq", "md5", "sha256"]
    assert err.getvalue().splitlines() == [
        f"flagdesk hash: {empty}: The file is empty.",
        f"flagdesk hash: {page}: The file is not an image or a video we can read: it is a web "
        "page (HTML).",
        f"flagdesk hash: {tmp_path / 'missing.jpg'}: No such file.",
    ]


def test_names_with_tabs_cannot_break_the_format(tmp_path: Path) -> None:
    odd = tmp_path / "a\tb.jpg"
    odd.write_bytes(jpeg_bytes(synthetic_image(22)))
    rows, _ = run(odd)
    assert all(len(row) == 4 and row[3].endswith("a\\tb.jpg") for row in rows)


def console(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flagdesk.settings"}
    return subprocess.run(
        [str(FLAGDESK), "hash", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_console_script_exits_2_without_files() -> None:
    done = console()
    assert done.returncode == 2
    assert "the following arguments are required: FILE" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_console_script_exits_1_on_bad_input_without_a_traceback(
    photo: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypisom" + os.urandom(4096))
    done = console(str(photo), str(junk), str(tmp_path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"flagdesk hash: {junk}: The video could not be decoded" in done.stderr
    assert f"flagdesk hash: {tmp_path}: The file is not a regular file." in done.stderr
    assert done.stdout.count(str(photo)) == 3
