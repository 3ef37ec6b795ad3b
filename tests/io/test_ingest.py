"""Footage ingest on generated files with known truth: every frame's index and time,
rotation, variable frame rate, audio alignment, missing audio, truncation."""
import numpy as np
import pytest

from conftest import missing

from vigvision.errors import MediaError
from vigvision.io.audio import load_audio
from vigvision.io.frames import scan_frames
from vigvision.io.video import VideoReader, probe
from vigvision.testing.synth import is_upright, make_video, read_index, truncate
from vigvision.time import Intervals

CASES = [
    # (file name, make_video kwargs, expected codec)
    ("h264.mp4", {}, "h264"),
    ("h264.mov", {}, "h264"),
    ("hevc.mkv", {"codec": "libx265"}, "hevc"),
    ("hevc.mp4", {"codec": "libx265"}, "hevc"),
    ("mpeg4.avi", {}, "mpeg4"),
    ("mpeg4.mkv", {"codec": "mpeg4"}, "mpeg4"),
    ("vp9.webm", {}, "vp9"),
]


def decode_all(path, **kw):
    with VideoReader(path, **kw) as reader:
        frames = list(reader)
    return reader, frames


@pytest.mark.parametrize("name, kwargs, codec", CASES)
def test_each_container_and_codec(tmp_path, name, kwargs, codec):
    truth = make_video(tmp_path / name, duration_s=2.0, fps=25, **kwargs)
    info = probe(truth.path)
    assert info.codec == codec
    assert (info.width, info.height) == (320, 240)
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.fps == pytest.approx(25.0, rel=0.01)
    reader, frames = decode_all(truth.path)
    assert [read_index(f.image) for f in frames] == list(range(50))
    times = np.array([f.time_s for f in frames])
    assert np.allclose(times, truth.times_s, atol=1e-3)
    assert not reader.stopped_early
    audio = load_audio(truth.path)
    onset = np.flatnonzero(np.abs(audio.samples) > 0.1)[0] / audio.sample_rate
    assert onset == pytest.approx(0.5, abs=0.005)  # first tone burst starts at 0.5 s


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_is_applied(tmp_path, rotation):
    # A phone records sideways and stores the display rotation; frames must come out upright.
    import av

    if not hasattr(av.video.stream.VideoStream, "set_display_rotation"):
        missing(f"PyAV {av.__version__} cannot write rotation metadata (needs 18+, CPython 3.11+)")
    truth = make_video(tmp_path / f"rot{rotation}.mp4", duration_s=0.4, rotation=rotation)
    info = probe(truth.path)
    assert info.rotation == rotation
    assert (info.width, info.height) == (320, 240)
    _, frames = decode_all(truth.path)
    assert all(is_upright(f.image) and f.image.shape == (240, 320, 3) for f in frames)
    assert [read_index(f.image) for f in frames] == list(range(10))


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_variable_frame_rate_times_come_from_pts(tmp_path, suffix):
    rng = np.random.default_rng(3)
    steps = rng.choice([1 / 30, 1 / 15, 0.05, 0.1], size=80)
    times = np.round(np.concatenate(([0.0], np.cumsum(steps))), 3)
    truth = make_video(tmp_path / f"vfr{suffix}", times_s=times, fps=30)
    _, frames = decode_all(truth.path)
    idx = [read_index(f.image) for f in frames]
    assert idx == list(range(len(times)))
    assert np.abs(np.array([f.time_s for f in frames]) - times).max() < 1e-3
    # frame_index / nominal fps would be wrong by seconds by the end:
    assert abs(len(times) / 30 - times[-1]) > 1.0


def test_analysis_rate_keeps_exact_timestamps(tmp_path):
    truth = make_video(tmp_path / "30fps.mp4", duration_s=3.0, fps=30)
    _, frames = decode_all(truth.path, fps=10)
    idx = [read_index(f.image) for f in frames]
    assert idx == list(range(0, 90, 3))  # every third frame
    assert np.allclose([f.time_s for f in frames], truth.times_s[idx], atol=1e-4)
    assert [f.source_index for f in frames] == idx


def test_analysis_rate_above_source_rate_keeps_every_frame(tmp_path):
    truth = make_video(tmp_path / "slow.mkv", duration_s=2.0, fps=8)
    _, frames = decode_all(truth.path, fps=10)
    assert [read_index(f.image) for f in frames] == list(range(16))


def test_downscale_and_window(tmp_path):
    truth = make_video(tmp_path / "big.mp4", duration_s=2.0, fps=25, width=640, height=480)
    _, frames = decode_all(truth.path, max_side=320, start_s=1.0, end_s=1.5)
    assert frames[0].image.shape == (240, 320, 3)
    assert [read_index(f.image) for f in frames] == list(range(25, 38))


def test_video_without_audio(tmp_path):
    truth = make_video(tmp_path / "silent.mp4", audio_rate=None)
    assert probe(truth.path).has_audio is False
    assert load_audio(truth.path) is None


def test_audio_starting_late_is_padded(tmp_path):
    # Audio placed on the video clock: a burst at 0.5 s must be at sample 8000.
    truth = make_video(tmp_path / "a.mkv", bursts_s=[(0.5, 0.6), (1.0, 1.3)])
    audio = load_audio(truth.path)
    loud = Intervals.from_mask(np.abs(audio.samples) > 0.1, step=1 / 16000).support(collar=0.01)
    assert len(loud) == 2
    assert loud[0].start == pytest.approx(0.5, abs=0.003) and loud[1].start == pytest.approx(1.0, abs=0.003)
    assert loud[1].end == pytest.approx(1.3, abs=0.003)
    assert audio.duration_s == pytest.approx(2.0, abs=0.06)


def test_truncated_file_decodes_what_it_can(tmp_path):
    truth = make_video(tmp_path / "full.mkv", duration_s=4.0, fps=25)
    cut = truncate(truth.path, tmp_path / "cut.mkv", 0.5)
    info = probe(cut)
    table = scan_frames(info, fps=None)
    assert table.stopped_early
    assert 0.5 < table.stop_time_s < 3.5
    assert len(table) > 10


def test_truncated_mp4_without_index_is_a_clear_error(tmp_path):
    truth = make_video(tmp_path / "full.mp4", duration_s=2.0, faststart=False)  # index (moov) at the end
    cut = truncate(truth.path, tmp_path / "cut.mp4", 0.6)
    with pytest.raises(MediaError, match="truncated or corrupt"):
        probe(cut)


def write(path, content: bytes):
    path.write_bytes(content)
    return path


def link(path, to):
    path.symlink_to(to)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nope.mp4", "file not found"),
    (lambda d: write(d / "empty.mp4", b""), "empty"),
    (lambda d: write(d / "notes.mp4", b"not a video\n" * 50), "not a readable video"),
    (lambda d: d, "is a folder"),
    # a loop of links was "file not found"
    (lambda d: link(d / "a.mp4", link(d / "b.mp4", d / "a.mp4")), "a loop of symbolic links"),
    (lambda d: link(d / "moved.mp4", d / "gone.mp4"), "is a link to .*gone.mp4, which is not there"),
])
def test_bad_files_raise_clear_errors(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(MediaError, match=message) as exc:
        probe(path)
    assert str(path) in str(exc.value)


def _ffmpeg(*args) -> None:
    import subprocess

    from conftest import require_tool

    subprocess.run([require_tool("ffmpeg"), "-v", "error", "-y", *map(str, args)], check=True, timeout=120)


def test_damage_inside_a_file_is_skipped_and_said_where(tmp_path):
    # Decoding stopped at the first corrupt packet (a 200 KB hole at 3.4 s of a 10 s file): the rest was
    # dropped although ffmpeg decodes 235 of its 250 frames. Audio and video now go on past the damage.
    import av

    import vigvision

    full = tmp_path / "full.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:"
            "sample_rate=16000", "-t", 10, "-c:v", "libx264", "-preset", "ultrafast", "-g", 25, "-b:v", "3M",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", full)
    with av.open(str(full)) as c:
        offset = next(p.pos for p in c.demux(c.streams.video[0]) if p.pts and p.pts * p.time_base >= 3.4)
    hole = tmp_path / "hole.mp4"
    data = bytearray(full.read_bytes())
    data[offset:offset + 200_000] = np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    hole.write_bytes(bytes(data))
    reader, frames = decode_all(hole)
    assert 230 <= len(frames) <= 249 and frames[-1].time_s > 9.9 and not reader.stopped_early
    assert len(reader.damaged) == 1 and 3.3 <= reader.damaged[0][0] <= reader.damaged[0][1] <= 4.5
    audio = load_audio(hole)
    assert abs(audio.duration_s - load_audio(full).duration_s) < 0.01     # still on the video clock
    assert "damaged at 3." in audio.error
    result = vigvision.analyze(hole, tmp_path / "out")
    assert result.data["frames"]["last_s"] > 9.8
    said = [w for w in result.warnings if "damaged" in w]
    assert len(said) == 2 and said[0].startswith("the video is damaged at 3.")


def test_a_picture_size_change_midway_keeps_one_frame_size_and_is_said(tmp_path):
    # After a mid-stream change (1280x720 -> 640x360) frames came out at the new size: face boxes were at
    # half scale with no warning.
    import vigvision

    a, b, both = tmp_path / "a.ts", tmp_path / "b.ts", tmp_path / "sizes.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", 2, "-c:v", "libx264", "-preset",
            "ultrafast", "-f", "mpegts", a)
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", 2, "-c:v", "libx264", "-preset",
            "ultrafast", "-output_ts_offset", 2, "-f", "mpegts", b)
    both.write_bytes(a.read_bytes() + b.read_bytes())
    reader, frames = decode_all(both, fps=5)
    assert len(frames) == 20 and {f.image.shape for f in frames} == {(720, 1280, 3)}
    assert reader.size_changes == [(2.0, 640, 360)]
    result = vigvision.analyze(both, tmp_path / "out")
    assert any("picture size changes at 2.00 s (to 640x360)" in w and "scaled to 1280x720" in w
               for w in result.warnings), result.warnings
