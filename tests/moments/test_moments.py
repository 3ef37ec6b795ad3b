"""Moments: each cue on hand-built signals with known answers (ASCII timelines, one character =
0.5 s), ranking properties (suppression, spread, ties, co-occurrence), explanations, presets and
the config round trip, re-ranking an analysis without decoding."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from vigvision.config import Config, MomentsConfig
from vigvision.moments import Interaction, find_moments
from vigvision.moments import cues as C
from vigvision.moments.metrics import eye_contact
from vigvision.moments.rank import Window, choose, score_windows
from vigvision.moments.registry import CUES
from vigvision.records import Moment, moment_id
from vigvision.time import Intervals

CHAR_S = 0.5
FPS = 10.0
CFG = MomentsConfig()


def tl(text: str) -> Intervals:
    """'..###..' -> the intervals of the '#' characters, 0.5 s each."""
    mask = np.array([c == "#" for c in text])
    return Intervals.from_mask(mask, step=CHAR_S)


def spans(iv: Intervals) -> list[tuple[float, float]]:
    return [(round(s.start, 2), round(s.end, 2)) for s in iv]


def frames_where(text: str, n: int) -> np.ndarray:
    """Per analysed frame (10 fps), whether its time falls on a '#'."""
    t = np.arange(n) / FPS
    return tl(text).to_mask(t + 1e-9)


def signals(duration: float, **per_person) -> pd.DataFrame:
    """Per-frame rows for persons given as dicts of column -> value or (timeline, on, off)."""
    n = int(duration * FPS)
    rows = []
    for pid, cols in per_person.items():
        df = pd.DataFrame({"time_s": np.arange(n) / FPS, "frame": np.arange(n), "person": pid,
                           "face_x": 100.0, "face_y": 100.0, "face_w": 80.0, "face_h": 90.0, "yaw_deg": 0.0,
                           "smile": 0.0, "mouth_open": 0.0})
        for col, value in cols.items():
            if isinstance(value, tuple):
                text, on, off = value
                df[col] = np.where(frames_where(text, n), on, off)
            else:
                df[col] = value
        rows.append(df)
    return pd.concat(rows, ignore_index=True)


def interaction(duration: float = 10.0, **kw) -> Interaction:
    persons = [{"id": "P1", "role": "adult", "seen_s": duration}, {"id": "P2", "role": "child", "seen_s": duration}]
    return Interaction(duration_s=duration, persons=persons, analysis_fps=FPS, **kw)


def turn(who: str, a: float, b: float, kind: str = "turn") -> dict:
    return {"start": a, "end": b, "speaker": who, "person": who, "kind": kind}


# -- cues ---------------------------------------------------------------------------

def test_mutual_and_partner_gaze_come_from_the_episodes():
    ix = interaction(mutual_gaze=[{"start": 1.0, "end": 2.5, "persons": ["P1", "P2"]},
                                  {"start": 4.0, "end": 5.0, "persons": ["P1", "P3"]}],
                     gaze=[{"start": 0.5, "end": 3.0, "person": "P1", "target": "P2"},
                           {"start": 3.0, "end": 4.0, "person": "P1", "target": "camera"}])
    assert spans(C.mutual_gaze(ix, "P1", "P2").intervals) == [(1.0, 2.5)]      # not the P1-P3 episode
    assert spans(C.partner_gaze(ix, "P1", "P2").intervals) == [(0.5, 3.0)]


def test_face_to_face_needs_both_heads_turned_towards_the_other():
    # P1 on the left (x=100) turns right (+yaw) for 1-4 s; P2 on the right (x=500) turns left (-yaw) 2-6 s
    sig = signals(8, P1={"yaw_deg": ("..######........", 35.0, 0.0)},
                  P2={"face_x": 500.0, "yaw_deg": ("....########....", -35.0, 0.0)})
    assert spans(C.face_to_face(interaction(8, signals=sig), "P1", "P2", CFG).intervals) == [(2.0, 4.0)]
    # turned the other way (both looking away from each other): nothing
    away = signals(8, P1={"yaw_deg": -35.0}, P2={"face_x": 500.0, "yaw_deg": 35.0})
    assert not C.face_to_face(interaction(8, signals=away), "P1", "P2", CFG).intervals


def test_closeness_in_face_widths_and_leaning_in():
    # faces 5 widths apart (x 100 vs 500, width 80), then 2 widths apart from 5 s: close from 5 s,
    # and the lean-in (the distance falling by 20 % within 2 s) from the 2 s before it
    sig = signals(10, P1={}, P2={"face_x": ("..........##########", 260.0, 500.0)})
    cue = C.closeness(interaction(10, signals=sig), "P1", "P2", CFG)
    assert spans(cue.intervals) == [(3.0, 10.0)]
    assert cue.events and all(e["kind"] == "leaning in" and e["to_faces"] < e["from_faces"] for e in cue.events)
    assert 3.0 <= cue.events[0]["at"] < 5.0


def test_vocal_exchange_needs_enough_switches_within_the_window():
    turns = [turn("P1", 0.0, 1.0), turn("P2", 1.5, 2.0), turn("P1", 2.5, 3.5),   # 2 switches in 1.0 s
             turn("P2", 12.0, 13.0), turn("P1", 20.0, 21.0)]                        # 2 switches 8 s apart
    cue = C.vocal_exchange(interaction(25, turns=turns), "P1", "P2", CFG)
    assert spans(cue.intervals) == [(0.0, 3.5)]
    assert cue.events[0]["latencies"] == [0.5, 0.5]
    # back-channels are not turns: no switch
    bc = [turn("P1", 0.0, 3.0), turn("P2", 1.0, 1.3, "backchannel"), turn("P1", 3.5, 5.0)]
    assert not C.vocal_exchange(interaction(10, turns=bc), "P1", "P2", CFG).intervals


def test_initiative_received_by_voice_look_or_smile_within_the_latency():
    speech = [{"start": 1.0, "end": 1.8, "person": "P2", "voice": "V2"},     # child vocalises at 1.0
              {"start": 1.6, "end": 3.0, "person": "P1", "voice": "V1"},     # adult answers after 0.6 s
              {"start": 6.0, "end": 6.5, "person": "P2", "voice": "V2"}]     # child at 6.0: no answer
    gaze = [{"start": 9.0, "end": 10.0, "person": "P2", "target": "P1"}]     # child looks at 9.0 ...
    sig = signals(14, P1={"smile": ("....................#######", 0.8, 0.0)}, P2={})   # adult smiles at 10.0
    cue = C.initiatives_received(interaction(14, speech=speech, gaze=gaze, signals=sig), "P1", "P2", CFG)
    got = [(e["at"], e["initiative"], e["response"], e["latency_s"]) for e in cue.events]
    assert got == [(1.0, "vocalised", "spoke", 0.6), (9.0, "looked at the adult", "smiled", 1.0)]
    assert spans(cue.intervals) == [(1.0, 2.6), (9.0, 11.0)]
    # a longer latency than the setting: not received
    strict = MomentsConfig(response_latency_s=0.5)
    assert not C.initiatives_received(interaction(14, speech=speech, gaze=gaze, signals=sig), "P1", "P2",
                                      strict).events


def test_shared_smile_needs_both_at_once():
    sig = signals(6, P1={"smile": ("..######....", 0.9, 0.1)}, P2={"smile": ("....######..", 0.7, 0.0)})
    assert spans(C.shared_smile(interaction(6, signals=sig), "P1", "P2", CFG).intervals) == [(2.0, 4.0)]


# -- ranking ------------------------------------------------------------------------

def cue_set(**timelines) -> dict:
    out = {k.name: C.Cue(k.name, Intervals()) for k in CUES}
    for name, text in timelines.items():
        out[name] = C.Cue(name, tl(text))
    return out


def test_co_occurring_cues_outrank_any_cue_alone():
    #                 0    5    10   15   20   25   30   35   40   45
    cues = cue_set(mutual_gaze="......##########..................................................",
                   vocal_exchange="..................................######......................",
                   shared_smile="................................................................##",
                   initiative_received="....................................######....................")
    cues["initiative_received"].events = [{"at": 18.0}]
    windows = score_windows(cues, 34.0, CFG, ("P1", "P2"))
    best = choose(windows, CFG)[0]
    assert best.start <= 18.0 < best.end                    # the exchange with the initiative in it ...
    gaze_only = max(w.score for w in windows if w.end <= 9.0)
    assert best.score > gaze_only                           # ... beats 5 s of mutual gaze alone


def test_chosen_moments_do_not_overlap_and_keep_apart():
    cues = cue_set(mutual_gaze="##########################################################")  # 29 s of gaze
    cfg = MomentsConfig(min_gap_s=3.0, count=10)
    chosen = choose(score_windows(cues, 29.0, cfg, ("P1", "P2")), cfg)
    assert len(chosen) >= 2
    for a in chosen:
        for b in chosen:
            if a is not b:
                assert a.end + cfg.min_gap_s <= b.start or b.end + cfg.min_gap_s <= a.start
    assert all(cfg.min_s <= w.end - w.start <= cfg.max_s for w in chosen)
    assert [w.score for w in chosen] == sorted((w.score for w in chosen), reverse=True)


def test_ties_go_to_the_shorter_then_the_earlier_window():
    ws = [Window(5.0, 9.0, 1.0, ("P1", "P2")), Window(0.0, 3.0, 1.0, ("P1", "P2")),
          Window(20.0, 23.0, 1.0, ("P1", "P2"))]
    assert [w.start for w in choose(ws, MomentsConfig())] == [0.0, 20.0, 5.0]


def test_count_and_no_moment_without_cues():
    cues = cue_set(partner_gaze="#" * 120)
    assert len(choose(score_windows(cues, 60.0, MomentsConfig(count=3), ("P1", "P2")), MomentsConfig(count=3))) == 3
    assert score_windows(cue_set(), 60.0, CFG, ("P1", "P2")) == []


def test_a_moment_explains_itself_with_measured_values_and_principles():
    ix = interaction(20, mutual_gaze=[{"start": 2.0, "end": 4.4, "persons": ["P1", "P2"]}],
                     turns=[turn("P2", 1.0, 1.8), turn("P1", 2.4, 3.5), turn("P2", 4.0, 4.5), turn("P1", 5.1, 6.0)],
                     speech=[{"start": 1.0, "end": 1.8, "person": "P2", "voice": "V2"},
                             {"start": 2.4, "end": 3.5, "person": "P1", "voice": "V1"}],
                     signals=signals(20, P1={}, P2={"face_x": 500.0}))
    moments = find_moments(ix, CFG)
    m = moments[0]
    assert m.start <= 1.0 and m.end >= 6.0 and m.id == moment_id(m.start) and m.rank == 1
    texts = {c.cue: c.values for c in m.cues}
    assert texts["mutual_gaze"]["seconds"] == 2.4
    assert "look at each other for 2.4 s" in m.explanation
    assert texts["initiative_received"]["latency_s"] == 1.4        # the child at 1.0, the adult at 2.4
    assert texts["vocal_exchange"]["switches"] == 3
    assert m.principles == ["encouraging initiatives", "receiving initiatives", "attuned interaction"]
    assert "the child (P2) vocalised and the adult (P1) spoke after 1.4 s" in m.explanation
    # the JSON form round-trips, the evidence's values beside its cue and text
    assert Moment.from_dict(m.to_dict()) == m and m.to_dict()["cues"][0]["cue"] == m.cues[0].cue


def test_eye_contact_metrics():
    ix = interaction(60, mutual_gaze=[{"start": 0.0, "end": 2.0, "persons": ["P1", "P2"]},
                                      {"start": 10.0, "end": 14.0, "persons": ["P1", "P2"]}],
                     gaze=[{"start": 0.0, "end": 6.0, "person": "P1", "target": "P2"},
                           {"start": 6.0, "end": 9.0, "person": "P1", "target": "camera"}],
                     signals=signals(60, P1={}, P2={}))
    m = eye_contact(ix)
    assert (m["episodes"], m["episodes_per_minute"], m["total_s"], m["mean_s"]) == (2, 2.0, 6.0, 3.0)
    assert m["fraction"] == 0.1
    assert m["partner_gaze_fraction"] == {"P1": 0.1, "P2": 0.0}
    assert m["partner_gaze_seen_s"] == {"P1": 60.0, "P2": 60.0}


def test_partner_gaze_is_a_share_of_the_time_the_face_was_seen():
    # P1's face is seen for 6 s (0-3 s and 5-8 s); the gaze episode at P2 bridges the unseen 3-5 s and runs
    # on to 9 s. Before, the fraction was 9 s / 6 s = 1.5; only the 6 s seen count, of the 6 s seen.
    sig = signals(10, P1={}, P2={})
    sig = sig[(sig.person == "P2") | sig.time_s.between(0, 2.95) | sig.time_s.between(5.0, 7.95)]
    ix = interaction(10, gaze=[{"start": 0.0, "end": 9.0, "person": "P1", "target": "P2"}], signals=sig)
    m = eye_contact(ix)
    assert m["partner_gaze_seen_s"]["P1"] == pytest.approx(6.0)
    assert m["partner_gaze_fraction"]["P1"] == 1.0
    ix = dataclasses.replace(ix, gaze=[{"start": 2.0, "end": 6.0, "person": "P1", "target": "P2"}])  # 1 s seen before the gap, 1 s after
    assert eye_contact(ix)["partner_gaze_fraction"]["P1"] == pytest.approx(2 / 6, abs=1e-4)


# -- settings -------------------------------------------------------------------------

def test_presets_and_config_round_trip(tmp_path):
    from vigvision.cli import to_toml

    infant = Config.preset("infant")
    assert infant.moments.preset == "infant" and infant.moments.w_shared_smile > Config().moments.w_shared_smile
    path = tmp_path / "my.toml"
    path.write_text(to_toml(infant.to_dict()))
    assert Config.from_toml(path) == infant
    with pytest.raises(Exception, match="moments.preset"):
        Config.from_dict({"moments": {"preset": "teenager"}})
    with pytest.raises(Exception, match="min_s"):
        Config.from_dict({"moments": {"min_s": 12.0, "max_s": 10.0}})


def test_planted_attuned_episodes_are_found_first():
    from vigvision.testing.interaction import synthetic_interaction

    ix, truth = synthetic_interaction(300.0, n_moments=4, seed=3)
    moments = find_moments(ix, CFG)
    for m in moments[:4]:        # the four best each lie mostly inside a planted episode
        assert any(min(m.end, b) - max(m.start, a) >= 0.5 * m.duration for a, b in truth), m
    assert {"mutual_gaze", "vocal_exchange", "initiative_received", "shared_smile"} <= {c.cue for c in moments[0].cues}


# -- laughter and shared joy ----------------------------------------------------------

def test_bursts_need_three_short_segments_close_together():
    from vigvision.moments.joy import bursts
    laugh = [{"start": 1.0 + 0.5 * i, "end": 1.3 + 0.5 * i, "person": None, "voice": "V1"} for i in range(4)]
    speech = [{"start": 5.0, "end": 7.0, "person": None, "voice": "V1"},          # one long utterance
              {"start": 8.0, "end": 8.3, "person": None, "voice": "V1"},          # two short ones only
              {"start": 8.6, "end": 8.9, "person": None, "voice": "V1"}]
    assert spans(bursts(interaction(speech=laugh + speech))) == [(1.0, 2.8)]


def test_laughter_is_an_open_smile_heard_and_the_score_is_the_share_of_time_seen():
    from vigvision.moments.joy import laughter, shared_joy
    #                    0    1    2    3    4    5    6    7    8    9
    smile_child = tl("....######..........")
    open_child = tl("....########........")
    sig = signals(10.0, P1={"smile": ("......####..........", 0.9, 0.0)},
                  P2={"smile": ("....######..........", 0.9, 0.0),
                      "mouth_open": ("....########........", 0.08, 0.01)})
    heard = [{"start": 2.5, "end": 3.5, "person": None, "voice": "V2"}]    # sound (padded 0.3 s) over 2.2..3.8
    ix = interaction(signals=sig, speech=heard)
    assert smile_child.total == 3.0 and open_child.total == 4.0
    # smiling with the mouth open 2.0..5.0, heard 2.2..3.8 -> laughing 2.2..3.8
    assert spans(laughter(ix, "P2", CFG)) == [(2.2, 3.8)]
    joy = shared_joy(ix, CFG)["per_child"]["P2"]
    assert joy["laughing_s"] == pytest.approx(1.6) and joy["open_smile_s"] == pytest.approx(3.0)
    assert joy["shared_s"] == pytest.approx(0.8)          # the adult smiles 3.0..5.0
    assert shared_joy(ix, CFG)["score"] == pytest.approx(0.16) and shared_joy(ix, CFG)["bursts"] == 0
    silent = interaction(signals=sig, speech=[])
    assert shared_joy(silent, CFG)["score"] == 0.0         # a silent smile is not laughter
    closed = interaction(signals=signals(10.0, P1={}, P2={"smile": 0.9, "mouth_open": 0.02}), speech=heard)
    assert shared_joy(closed, CFG)["score"] == 0.0         # nor a smile that never opens the mouth


# -- the app's timeline and spans the guider sets -------------------------------------

def test_timeline_distance_breaks_where_a_face_was_not_seen():
    from vigvision.moments import timeline

    sig = signals(10, P1={}, P2={"face_x": 400.0})
    sig = sig[(sig.person == "P1") | ~sig.time_s.between(3.0, 6.95)]     # P2 unseen 3-7 s
    tl = timeline.build(interaction(10, signals=sig), CFG)
    runs = tl.distance.groupby("segment").time_s.agg(["min", "max"]).sort_values("min")
    assert runs.to_numpy().round(2).tolist() == [[0.0, 2.9], [7.0, 9.9]]   # two lines, nothing drawn across 3-7 s
    assert np.isfinite(tl.distance.faces_apart).all()


def test_describe_a_span_the_guider_set():
    from vigvision.moments import describe

    ix = interaction(60, mutual_gaze=[{"start": 41.0, "end": 43.0, "persons": ["P1", "P2"]}],
                     gaze=[{"start": 40.5, "end": 44.0, "person": "P1", "target": "P2"}],
                     signals=signals(60, P1={}, P2={"face_x": 400.0}))
    d = describe(ix, CFG, 40.0, 44.5)
    assert d["persons"] == ["P1", "P2"] and d["explanation"].startswith("From 0:40.0 to 0:44.5:")
    texts = {c["cue"]: c for c in d["cues"]}
    assert texts["mutual_gaze"]["seconds"] == 2.0 and texts["partner_gaze"]["seconds"] == 3.5
    assert "for 3.5 s of 4.5 s" in d["explanation"] and "being attentive" in d["principles"]
    # nothing measured in a span: said so, not an empty sentence
    quiet = describe(ix, CFG, 10.0, 15.0)
    assert quiet["explanation"] == "From 0:10.0 to 0:15.0: no cue of attuned interaction was measured in this span."


def test_every_cue_is_one_entry_with_its_weight_principles_and_words():
    # One cue was wired in four places (pair_cues, explain.PRINCIPLES, the w_* settings, getattr in rank.py).
    from dataclasses import fields

    from vigvision.moments import WEIGHT_WORDS
    from vigvision.moments.explain import PRINCIPLE_NAMES

    weights = {f.name for f in fields(MomentsConfig) if f.name.startswith("w_")}
    assert {k.weight for k in CUES} | {"w_cooccurrence"} == weights == set(WEIGHT_WORDS)
    assert all(k.principles and set(k.principles) <= set(PRINCIPLE_NAMES) for k in CUES)
    assert sorted(k.told for k in CUES) == list(range(len(CUES)))
