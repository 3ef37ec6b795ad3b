"""The stage cache: an entry exists only once complete; a key changes with what the output depends on."""
import pytest

from vigvision.io.cache import StageCache, stage_key


def test_a_stage_entry_exists_only_once_complete(tmp_path):
    cache = StageCache(tmp_path / "cache")
    key = stage_key(video_sha256="v", stage="audio", version=1, config_hash="c", upstream={})
    assert cache.get("audio", key) is None
    with pytest.raises(RuntimeError):
        with cache.writing("audio", key) as folder:
            (folder / "samples.f32").write_bytes(b"half")
            raise RuntimeError("killed midway")
    assert cache.get("audio", key) is None and not list((tmp_path / "cache").iterdir())
    with cache.writing("audio", key) as folder:
        (folder / "samples.f32").write_bytes(b"whole")
    assert (cache.get("audio", key) / "samples.f32").read_bytes() == b"whole"
    (tmp_path / "cache" / ".vision-x.part").mkdir()          # left by a killed run
    cache.clean_partial()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache.folder("audio", key).name]


def test_a_stage_key_changes_with_whatever_its_output_depends_on():
    base = dict(video_sha256="v", stage="voice", version=1, config_hash="c", upstream={"audio": "a"})
    key = stage_key(**base)
    assert key == stage_key(**base)
    for change in ({"video_sha256": "w"}, {"version": 2}, {"config_hash": "d"}, {"upstream": {"audio": "b"}}):
        assert stage_key(**{**base, **change}) != key, change
