"""MediaUploadHandler fed chunk by chunk, as Django's multipart parser feeds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadhandler import SkipFile

from flagdesk.matching.media.uploads import MediaUploadHandler

from .media_samples import jpeg_bytes, synthetic_image

CHUNK = 64 * 1024


@pytest.fixture
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = CHUNK  # from the second chunk on, on disk
    settings.MATCHING_MAX_IMAGE_BYTES = 8 * CHUNK
    return tmp_path


def on_disk(directory: Path) -> list[int]:
    return [p.stat().st_size for p in directory.iterdir()]


def test_a_picture_over_its_limit_is_cut_off_at_the_limit_and_deleted(upload_dir: Path) -> None:
    handler = MediaUploadHandler(field="media")
    handler.new_file("media", "photo.jpg", "image/jpeg", None)
    picture = b"\xff\xd8\xff\xe0" + bytes(20 * CHUNK)
    chunks = [picture[i : i + CHUNK] for i in range(0, len(picture), CHUNK)]
    for number, chunk in enumerate(chunks[:8], start=1):
        handler.receive_data_chunk(chunk, (number - 1) * CHUNK)
        assert on_disk(upload_dir) == ([] if number == 1 else [number * CHUNK])
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(chunks[8], 8 * CHUNK)  # the first byte over the limit
    assert on_disk(upload_dir) == []  # what was written is gone, and nothing more came
    refusal = handler.refusal("media")
    assert refusal is not None and str(refusal.message) == "The file is too large (at most 0.5 MB)."


def test_a_picture_within_its_limit_is_kept_whole(upload_dir: Path) -> None:
    data = jpeg_bytes(synthetic_image(1, (1200, 1200)), 95)
    assert CHUNK < len(data) <= 8 * CHUNK
    handler = MediaUploadHandler(field="media")
    handler.new_file("media", "photo.jpg", "image/jpeg", None)
    for start in range(0, len(data), CHUNK):
        handler.receive_data_chunk(data[start : start + CHUNK], start)
    upload = handler.file_complete(len(data))
    assert upload is not None and upload.read() == data and upload.size == len(data)
    assert handler.refusal("media") is None
    upload.close()
    assert on_disk(upload_dir) == []


def test_a_small_file_stays_in_memory_and_another_field_is_skipped(upload_dir: Path) -> None:
    handler = MediaUploadHandler(field="media")
    with pytest.raises(SkipFile):
        handler.new_file("attachment", "x.jpg", "image/jpeg", None)
    handler.new_file("media", "tiny.jpg", "image/jpeg", None)
    handler.receive_data_chunk(b"\xff\xd8\xff", 0)
    upload = handler.file_complete(3)
    assert upload is not None and upload.read() == b"\xff\xd8\xff"
    assert on_disk(upload_dir) == []
    with pytest.raises(SkipFile):
        handler.new_file("media", "second.jpg", "image/jpeg", None)  # one file per report
