"""Config: TOML round trip, defaults, and errors that name the bad setting."""
import pytest

from vigvision.cli import to_toml
from vigvision.config import Config
from vigvision.errors import ConfigError


def test_toml_round_trip(tmp_path):
    cfg = Config.from_dict({"ingest": {"analysis_fps": 7.5, "max_side": 960}})
    path = tmp_path / "c.toml"
    path.write_text(to_toml(cfg.to_dict()))
    again = Config.from_toml(path)
    assert again == cfg and again.hash() == cfg.hash()
    assert again.hash() != Config().hash()


def test_int_accepted_for_float_and_defaults_kept():
    cfg = Config.from_dict({"ingest": {"analysis_fps": 5}})
    assert cfg.ingest.analysis_fps == 5.0 and isinstance(cfg.ingest.analysis_fps, float)
    assert cfg.ingest.sample_rate == 16000


@pytest.mark.parametrize("data, words", [
    ({"ingset": {}}, "unknown section [ingset]"),
    ({"ingest": {"fps": 3}}, "unknown setting 'fps'"),
    ({"ingest": {"analysis_fps": "fast"}}, "expected float"),
    ({"ingest": {"analysis_fps": True}}, "expected float"),
    ({"ingest": {"analysis_fps": 0}}, "analysis_fps must be"),
    ({"ingest": {"max_side": 10}}, "max_side must be"),
    ({"ingest": []}, "expected a table"),
])
def test_bad_values_are_named(data, words):
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("]", r"\]")):
        Config.from_dict(data)


def test_bad_toml_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[ingest\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_toml(p)
    with pytest.raises(ConfigError, match="not found"):
        Config.from_toml(tmp_path / "none.toml")


def test_a_config_changed_in_one_section_keeps_the_others_whatever_their_types():
    # with_settings on a config holding a list setting ([persons] cast) refused it ("expected tuple, got ()"),
    # so the app could not re-rank a case analysed with a cast.
    config = Config.from_dict({"persons": {"cast": ["adult", "child"]}})
    changed = config.with_settings("moments", {"w_mutual_gaze": 5.0})
    assert changed.persons.cast == ("adult", "child") and changed.moments.w_mutual_gaze == 5.0
    assert Config().with_settings("persons", {"cast": ("adult",)}).persons.cast == ("adult",)
