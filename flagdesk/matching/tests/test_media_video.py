"""Video hashing: vPDQ like ThreatExchange's, re-encoded copies found, bad videos refused.

Videos are generated with ffmpeg's test sources once per session. A note on sizes: PDQ of a
very small frame is unstable for busy patterns (testsrc at 160 x 120 lands 30-50 bits from
the same frame at 320 x 240), so the re-encoding test halves a 640 x 480 video instead.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from threatexchange.extensions.vpdq.vpdq_util import hash_file_compact

from flagdesk.matching.media import HashedMedia, MediaRejected, hash_media
from flagdesk.matching.signal_types import Vpdq
from flagdesk.matching.signal_types.vpdq import frame_share

from .media_samples import jpeg_bytes, make_video, synthetic_image, transcode


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    made = {
        "mp4": make_video(folder / "testsrc.mp4", seconds=4),
        "webm": make_video(folder / "testsrc.webm", seconds=3, size=(160, 120)),
        "avi": make_video(folder / "testsrc.avi", seconds=3, size=(160, 120)),
        "large": make_video(folder / "large.mp4", seconds=4, size=(640, 480)),
    }
    made["copy"] = transcode(made["large"], folder / "copy.mp4", scale=(320, 240), crf=35)
    made["truncated"] = folder / "truncated.mp4"
    data = made["mp4"].read_bytes()
    made["truncated"].write_bytes(data[: len(data) // 2])  # the moov box is at the end
    made["corrupt"] = folder / "corrupt.mp4"
    made["corrupt"].write_bytes(data[:32] + bytes(range(256)) * 40)
    return made


def frames_of(hashed: HashedMedia) -> list:
    signal = hashed.signal("vpdq")
    assert signal is not None
    return Vpdq.frames(signal.value)


def rejected(source: bytes | Path, **claims: str) -> str:
    with pytest.raises(MediaRejected) as caught:
        hash_media(source, **claims)
    return str(caught.value.message)


def test_a_video_gets_a_valid_vpdq_with_a_frame_per_second(videos: dict[str, Path]) -> None:
    hashed = hash_media(videos["mp4"])
    assert [s.signal_type for s in hashed.signals] == ["vpdq", "md5", "sha256"]
    vpdq = hashed.signals[0]
    assert Vpdq.validate(vpdq.value) == vpdq.value
    frames = Vpdq.frames(vpdq.value)
    assert len(frames) == 4 and [f.timestamp for f in frames] == [0.0, 1.0, 2.0, 3.0]
    assert vpdq.quality == round(sum(f.quality for f in frames) / len(frames))
    assert (hashed.kind, hashed.mime, hashed.width, hashed.height) == (
        "video",
        "video/mp4",
        320,
        240,
    )
    assert hashed.duration == pytest.approx(4.0, abs=0.1)
    assert hashed.frame_count == 4 and hashed.thumbnail is None
    data = videos["mp4"].read_bytes()
    assert hashed.size == len(data)
    assert hashed.signal("sha256").value == hashlib.sha256(data).hexdigest()  # type: ignore[union-attr]


def test_vpdq_frames_are_those_threatexchange_computes(videos: dict[str, Path]) -> None:
    ours = frames_of(hash_media(videos["mp4"]))
    theirs = hash_file_compact(str(videos["mp4"]))
    assert [(f.pdq, f.quality, f.timestamp) for f in ours] == [
        (f.pdq_hex, f.quality, f.timestamp) for f in theirs
    ]


def test_a_reencoded_half_size_copy_shares_most_frames(videos: dict[str, Path]) -> None:
    original = frames_of(hash_media(videos["large"]))
    copy = frames_of(hash_media(videos["copy"]))
    assert frame_share(copy, original) >= 80.0


def test_bytes_and_uploads_of_a_video_use_a_private_temporary_file(videos: dict[str, Path]):
    data = videos["mp4"].read_bytes()
    before = set(Path(tempfile.gettempdir()).glob("flagdesk-media-*"))
    from_path = hash_media(videos["mp4"])
    upload = SimpleUploadedFile("clip.mp4", data, content_type="video/mp4")
    assert hash_media(data) == from_path == hash_media(upload)
    assert set(Path(tempfile.gettempdir()).glob("flagdesk-media-*")) == before


@pytest.mark.parametrize(
    ("name", "mime", "size"),
    [("webm", "video/webm", (160, 120)), ("avi", "video/x-msvideo", (160, 120))],
)
def test_webm_and_avi_headers_are_read(videos: dict[str, Path], name, mime, size) -> None:
    hashed = hash_media(videos[name])
    assert (hashed.mime, (hashed.width, hashed.height)) == (mime, size)
    assert hashed.duration == pytest.approx(3.0, abs=0.1)
    assert len(frames_of(hashed)) == 3


@pytest.mark.parametrize("name", ["truncated", "corrupt"])
def test_damaged_videos_are_rejected(videos: dict[str, Path], name: str) -> None:
    assert rejected(videos[name]).startswith("The video could not be decoded")


@pytest.mark.parametrize(
    ("name", "length"), [("mp4", "0:00:04"), ("webm", "0:00:03"), ("avi", "0:00:03")]
)
def test_a_video_longer_than_the_limit_is_refused_from_its_header(
    videos: dict[str, Path], settings, name: str, length: str
) -> None:
    settings.MATCHING_MAX_VIDEO_SECONDS = 2
    # A timeout of zero would reject anything that reached the decoder: the header decided.
    settings.MATCHING_VIDEO_TIMEOUT_SECONDS = 0
    assert rejected(videos[name]) == f"The video is too long ({length}; at most 0:00:02)."


def test_a_video_without_a_duration_in_its_header_is_checked_by_its_frames(
    tmp_path: Path, settings
) -> None:
    source = make_video(tmp_path / "source.mp4", seconds=4)
    # A fragmented MP4 (as live recorders write) has no duration in its header.
    live = transcode(
        source,
        tmp_path / "live.mp4",
        scale=(320, 240),
        crf=23,
        extra=("-movflags", "frag_keyframe+empty_moov"),
    )
    assert hash_media(live).duration is None
    settings.MATCHING_MAX_VIDEO_SECONDS = 2
    assert rejected(live) == "The video is too long (0:00:03; at most 0:00:02)."


def test_frame_size_and_byte_limits_come_from_settings(videos: dict[str, Path], settings) -> None:
    settings.MATCHING_MAX_VIDEO_PIXELS = 10_000
    assert "320 × 240 pixels" in rejected(videos["mp4"])  # noqa: RUF001
    settings.MATCHING_MAX_VIDEO_PIXELS = 40_000_000
    settings.MATCHING_MAX_VIDEO_BYTES = 1000
    assert rejected(videos["mp4"]).startswith("The file is too large")


def test_a_slow_decode_times_out(videos: dict[str, Path], settings) -> None:
    settings.MATCHING_VIDEO_TIMEOUT_SECONDS = 0
    assert rejected(videos["mp4"]).startswith("The video took too long to process")


def test_a_decoder_out_of_memory_is_a_rejection_not_a_crash(videos, settings) -> None:
    settings.MATCHING_VIDEO_MEMORY_BYTES = 32 * 1024 * 1024
    assert rejected(videos["mp4"]).startswith("The video could not be decoded")


def test_an_image_named_as_a_video_and_a_video_named_as_an_image_are_rejected(videos) -> None:
    assert "name ends in .mp4" in rejected(jpeg_bytes(synthetic_image(1)), filename="x.mp4")
    message = rejected(videos["mp4"].read_bytes(), filename="x.gif", declared_mime="image/gif")
    assert "the file is a video (MP4)" in message
