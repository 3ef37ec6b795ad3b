"""Voice on audio with known truth: tones, generated dialogues (espeak-ng voices and synthetic
infant sounds, room noise at a known SNR), hand-built turn sequences, and the whole CLI path."""
import json

import numpy as np
import pytest

from vigvision.coding.agreement import diarization_error, frame_f1
from vigvision.config import Config, TurnsConfig
from vigvision.io.audio import Audio
from vigvision.time import Intervals
from vigvision.voice import vad as vad_module
from vigvision.voice.build import find_speech, run_pass
from vigvision.voice.features import HOP_S, extract
from vigvision.voice.turns import turn_taking
from vigvision.voice.vad import vocal_frames

from conftest import require_tool

RATE = 16000


def _voices(voices) -> dict[str, Intervals]:
    return {f"V{v + 1}": Intervals([(s.start, s.end) for s in voices.segments if s.voice == v])
            for v in range(voices.count)}


@pytest.fixture(scope="module")
def dialogues():
    require_tool("espeak-ng")
    from vigvision.testing.dialogue import make_dialogue

    return {pair: make_dialogue(pair, seed=5) for pair in ("man-child", "woman-child", "woman-infant")}


# -- features -------------------------------------------------------------------

@pytest.mark.parametrize("f0", [85.0, 160.0, 290.0, 450.0, 900.0])
def test_pitch_of_a_harmonic_tone(f0):
    t = np.arange(2 * RATE) / RATE
    x = sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 6)).astype(np.float32)
    feats = extract(x, RATE)
    inner = feats.f0_hz[20:-20]
    assert np.isfinite(inner).all()
    assert np.median(inner) == pytest.approx(f0, rel=0.01)
    assert np.median(feats.aperiodicity[20:-20]) < 0.1


def test_noise_has_no_pitch_and_silence_no_level():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.zeros(RATE), 0.1 * rng.standard_normal(RATE)]).astype(np.float32)
    feats = extract(x, RATE)
    assert len(feats) == 200
    assert np.all(feats.level_db[:90] < -100)                  # digital silence
    noisy = feats.aperiodicity[110:190]
    assert np.mean(noisy > 0.3) > 0.95                          # white noise is not periodic


# -- vocal activity ---------------------------------------------------------------

def _vad(d, snr):
    audio = Audio(d.noisy(snr), RATE)
    vp = run_pass(audio)
    vocal, silero, voiced = vocal_frames(vp.features, vp.silero, Config().voice)
    t = vp.features.times
    return (Intervals.from_mask(vocal, step=HOP_S), Intervals.from_mask(silero, step=HOP_S),
            Intervals.from_mask(voiced, step=HOP_S), t)


def test_vad_finds_speech_at_10_db(dialogues):
    d = dialogues["man-child"]
    vocal, _, _, _ = _vad(d, 10)
    assert frame_f1(d.vocal(), vocal, end=d.duration_s)["f1"] >= 0.9
    assert frame_f1(d.vocal(1), vocal, end=d.duration_s)["recall"] >= 0.95   # the child's voice


def test_voiced_detector_hears_the_infant_that_silero_misses(dialogues):
    d = dialogues["woman-infant"]
    vocal, silero, _, _ = _vad(d, 20)
    infant = d.vocal(1)
    assert frame_f1(infant, silero, end=d.duration_s)["recall"] < 0.5     # the known weakness
    assert frame_f1(infant, vocal, end=d.duration_s)["recall"] >= 0.9
    assert frame_f1(d.vocal(), vocal, end=d.duration_s)["f1"] >= 0.9


def test_no_speech_in_room_noise_alone():
    from vigvision.testing.dialogue import room_noise

    x = 0.01 * room_noise(10 * RATE, RATE, seed=3)
    vp = run_pass(Audio(x, RATE))
    vocal, _, _ = vocal_frames(vp.features, vp.silero, Config().voice)
    assert vocal.mean() < 0.02


def test_quiet_recording_is_levelled_before_silero(dialogues):
    d = dialogues["woman-child"]
    quiet = d.noisy(20) * 10 ** (-30 / 20)   # a -40 dBFS home recording
    vp = run_pass(Audio(quiet.astype(np.float32), RATE))
    assert 20 * np.log10(vp.gain) == pytest.approx(min(30.0, -22 - np.percentile(vp.features.level_db, 95)), abs=0.5)
    vocal, _, _ = vocal_frames(vp.features, vp.silero, Config().voice)
    assert frame_f1(d.vocal(), Intervals.from_mask(vocal, step=HOP_S), end=d.duration_s)["f1"] >= 0.9


def test_missing_silero_model_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(vad_module, "SILERO_FILE", "gone.onnx")
    with pytest.raises(vad_module.ModelMissing, match="gone.onnx: the silero VAD model is missing; reinstall"):
        vad_module.silero_path()


def test_the_shipped_silero_model_is_the_wheels_file():
    import hashlib

    from conftest import ROOT

    digest = hashlib.sha256(vad_module.silero_path().read_bytes()).hexdigest()
    assert digest in (ROOT / "models" / "silero_vad.md").read_text()


# -- voices -------------------------------------------------------------------------

@pytest.mark.parametrize("pair", ["man-child", "woman-child"])
def test_two_voices_are_told_apart_at_10_db(dialogues, pair):
    d = dialogues[pair]
    audio = Audio(d.noisy(10), RATE)
    voices = find_speech(run_pass(audio), 2, Config())
    assert voices.count == 2
    assert voices.f0_median_hz[0] < voices.f0_median_hz[1]      # V1 = the lower voice = the adult here
    der = diarization_error({"0": d.vocal(0), "1": d.vocal(1)}, _voices(voices))
    assert der["mapping"] == {"V1": "0", "V2": "1"}
    assert der["confusion"] <= 0.1


@pytest.mark.slow
def test_one_person_talking_alone_is_given_all_the_speech(tmp_path):
    """Audio alone splits one voice in two (it looks for at least as many voices as faces);
    the mouths give both halves to the one person who talks, and there is no switch."""
    require_tool("espeak-ng")
    from vigvision import analyze
    from vigvision.testing.dialogue import Dialogue, make_dialogue, write_dialogue_video

    d = make_dialogue("woman-child", seed=5)
    alone = d.audio.copy()
    for seg in d.segments:            # silence the child: only the woman (left face) remains
        if seg.speaker == 1:
            alone[int(seg.start * RATE):int(seg.end * RATE)] = 0
    solo = Dialogue(alone, [seg for seg in d.segments if seg.speaker == 0], d.voices, d.seed)
    result = analyze(write_dialogue_video(solo, tmp_path / "solo.mp4", snr_db=20), tmp_path / "out")
    said = {p: sum(g["end"] - g["start"] for g in result.speech if g["person"] == p) for p in ("P1", "P2", None)}
    assert said["P2"] == 0 and said[None] == 0          # every voice found goes to her
    # and it covers her speech (less the pauses between words that the truth's utterance extents keep)
    assert said["P1"] >= 0.75 * solo.vocal().total
    assert result.metrics["turn_taking"]["switches"] == 0


def test_frame_embeddings_average_the_windows_over_each_frame():
    from vigvision.voice.embedding import DIM, WINDOW, frame_embeddings

    a, b = np.zeros(DIM, np.float16), np.zeros(DIM, np.float16)
    a[0], b[1] = 1, 1
    # window 0 covers frames 0..99, window 1 frames 50..149
    out = frame_embeddings(np.array([0, 50]), np.stack([a, b]), 200)
    assert out.shape == (200, DIM)
    np.testing.assert_allclose(out[10, :2], [1, 0], atol=1e-6)
    np.testing.assert_allclose(out[70, :2], [2 ** -0.5, 2 ** -0.5], atol=1e-6)   # both: their mean, normalised
    np.testing.assert_allclose(out[120, :2], [0, 1], atol=1e-6)
    assert not out[50 + WINDOW:].any()                                           # no window: zeros


def test_speaker_encoder_tells_apart_two_real_voices(footage):
    """The two speakers of the real telephone dialogue (RTTM turns): 1 s windows inside one
    speaker's turn cluster by speaker, and the voices found follow the reference."""
    from vigvision.io.audio import load_audio
    from vigvision.voice.embedding import WINDOW
    from vigvision.voice.speakers import _spectral

    ref: dict[str, list] = {}
    for line in open(footage / "speech" / "sample.rttm"):
        p = line.split()
        ref.setdefault(p[7], []).append((float(p[3]), float(p[3]) + float(p[4])))
    vp = run_pass(load_audio(footage / "speech" / "sample.wav"))
    truth, emb = [], []
    for start, e in zip(vp.embed_starts, vp.embeddings):
        a, b = start * HOP_S, (start + WINDOW) * HOP_S
        inside = [k for k, spans in ref.items() if any(s <= a and b <= t for s, t in spans)]
        others = [k for k, spans in ref.items() if k not in inside and any(s < b and a < t for s, t in spans)]
        if len(inside) == 1 and not others:
            truth.append(inside[0])
            emb.append(e.astype(np.float64) / np.linalg.norm(e.astype(np.float64)))
    truth = np.array(truth)
    assert len(truth) >= 20 and len(set(truth)) == 2
    labels, separation = _spectral(np.array(emb), 2)
    agree = np.mean((labels == 0) == (truth == truth[0]))
    assert max(agree, 1 - agree) >= 0.9
    assert separation >= 0.07
    voices = find_speech(vp, 2, Config())
    der = diarization_error({k: Intervals(v) for k, v in ref.items()}, _voices(voices))
    assert der["confusion"] <= 0.15


def test_mouth_scores_against_silence_give_both_halves_of_one_voice_to_its_speaker():
    from vigvision.voice.attribution import attribute_voices
    from vigvision.voice.speakers import VoiceSegment, Voices, mouth_scores

    def assign(scores, persons):   # roles unknown: the mouths decide
        return [a.person for a in attribute_voices([220.0, 600.0][:len(scores)], scores, ["unknown"] * 2, persons)]

    # one person speaks 1-3 s in a low voice and 5-7 s in a high one; the other's mouth is still
    voices = Voices([VoiceSegment(1.0, 3.0, 0), VoiceSegment(5.0, 7.0, 1)], [220.0, 600.0])
    t = np.arange(0, 9, 0.1)
    rng = np.random.default_rng(0)
    talking = voices.activity(0, t) | voices.activity(1, t)
    speaker = np.where(talking, 0.3 + 0.2 * np.sin(t * 25), 0.05) + 0.005 * rng.standard_normal(len(t))
    listener = 0.05 + 0.005 * rng.standard_normal(len(t))
    scores = mouth_scores(voices, {"P1": (t, listener), "P2": (t, speaker)})
    assert (scores[:, 1] > 1).all() and (np.abs(scores[:, 0]) < 0.5).all()
    assert assign(scores, ["P1", "P2"]) == ["P2", "P2"]
    # two voices, two moving mouths: each to its own
    scores = np.array([[2.0, 0.4], [0.3, 1.2]])
    assert assign(scores, ["P1", "P2"]) == ["P1", "P2"]
    # one voice, and the only mouth seen moving clearly moves with it
    assert assign(np.array([[1.5, np.nan]]), ["P1", "P2"]) == ["P1"]


def _tone(f0: float, seconds: float, vibrato: float = 0.03) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + vibrato * np.sin(2 * np.pi * 5 * t))) / RATE
    return sum(0.2 / k * np.sin(k * phase) for k in range(1, 8))


@pytest.mark.parametrize("snr", [None, 10])
def test_two_periods_explain_a_mixture_that_one_cannot(snr):
    from vigvision.voice.features import PITCH_RATE, _frames, _pitch_signal
    from vigvision.voice.overlap import WINDOW_S, two_periods, two_voice_frames

    rng = np.random.default_rng(1)
    cases = {"one": _tone(150, 2), "mixture": _tone(150, 2) + 0.6 * _tone(330, 2)}
    flagged = {}
    for name, x in cases.items():
        if snr is not None:
            x = x + rng.standard_normal(len(x)) * np.sqrt(np.mean(x ** 2) / 10 ** (snr / 10))
        xp = _pitch_signal(x.astype(np.float32), RATE)
        one, two, pair = two_periods(_frames(xp, np.arange(20, 180) * 80, int(WINDOW_S * PITCH_RATE)), PITCH_RATE)
        flagged[name] = two_voice_frames(one, two, 0.2, 0.5)
        if name == "mixture":   # the pair found is the two tones' pitches
            hit = flagged[name]
            assert np.median(np.sort(pair[hit], axis=1), axis=0) == pytest.approx([150, 330], rel=0.05)
    assert flagged["mixture"].mean() >= 0.9
    assert flagged["one"].mean() <= 0.02


def test_overlapping_voices_are_two_segments():
    """A low voice 0-3 s, a high one 2-5 s: 2-3 s is covered by both voices' segments."""
    x = np.zeros(6 * RATE)
    x[:3 * RATE] += _tone(140, 3)
    x[2 * RATE:5 * RATE] += 0.7 * _tone(320, 3)
    x += 0.003 * np.random.default_rng(2).standard_normal(len(x))
    voices = find_speech(run_pass(Audio(x.astype(np.float32), RATE)), 2, Config())
    assert voices.count == 2
    low, high = (Intervals([(g.start, g.end) for g in voices.segments if g.voice == v]) for v in (0, 1))
    both = low & high
    assert frame_f1(Intervals([(2.0, 3.0)]), both, end=6.0)["f1"] >= 0.7
    assert frame_f1(Intervals([(0.0, 3.0)]), low, end=6.0)["f1"] >= 0.9
    assert frame_f1(Intervals([(2.0, 5.0)]), high, end=6.0)["f1"] >= 0.9
    # and off by the setting
    cfg = Config.from_dict({"voice": {"split_overlaps": False}})
    plain = find_speech(run_pass(Audio(x.astype(np.float32), RATE)), 2, cfg)
    assert not (Intervals([(g.start, g.end) for g in plain.segments if g.voice == 0])
                & Intervals([(g.start, g.end) for g in plain.segments if g.voice == 1])).total


# -- turns ----------------------------------------------------------------------------

def _segs(*spec):
    return [{"speaker": w, "start": a, "end": b} for w, a, b in spec]


def test_turns_switches_latencies_and_backchannels():
    # P1 |----------|  |-----|           |----|
    # P2         |--|  |-|     |------|
    #    0        4.5 5 6 6.8 7 8      10  12  13.5
    segs = _segs(("P1", 0.0, 3.0), ("P1", 3.3, 5.0),      # one turn: the pause is short
                 ("P2", 4.5, 6.0),                        # starts 0.5 s before P1 ends: negative latency
                 ("P1", 5.2, 5.6),                        # "mm" while P2 holds the turn: back-channel
                 ("P1", 7.0, 8.0),                        # answers after 1.0 s
                 ("P2", 10.5, 12.0),                      # after 2.5 s of silence: an initiative...
                 ("P1", 12.8, 13.5))                      # ...answered after 0.8 s
    turns, m = turn_taking(segs, 60.0, TurnsConfig(pause_s=0.7, backchannel_max_s=1.0,
                                                   initiative_silence_s=2.0, response_window_s=2.0))
    kinds = [(t["speaker"], t["start"], t["kind"]) for t in turns]
    assert kinds == [("P1", 0.0, "turn"), ("P2", 4.5, "turn"), ("P1", 5.2, "backchannel"), ("P1", 7.0, "turn"),
                     ("P2", 10.5, "turn"), ("P1", 12.8, "turn")]
    assert m["turns"] == 5 and m["switches"] == 4 and m["turns_per_minute"] == 5.0
    assert m["response_latency_s"]["n"] == 4
    assert m["response_latency_s"]["median"] == pytest.approx(np.median([-0.5, 1.0, 2.5, 0.8]))
    assert m["backchannels"] == {"P1": 1, "P2": 0}
    starts = [(p["start"], p["by"], p["response_by"], p["response_latency_s"]) for p in m["initiatives"]]
    assert starts == [(0.0, "P1", "P2", -0.5), (10.5, "P2", "P1", 0.8)]
    # overlap: P2 with P1 4.5-5.0 and 5.2-5.6 -> 0.9 s of 12.2 s vocal
    assert m["vocal_s"] == pytest.approx(6.0 + 1.0 + 1.5 + 0.7 - 0.3 + 0.0, abs=1e-6)
    assert m["overlap_fraction"] == pytest.approx(0.9 / m["vocal_s"], abs=1e-3)
    assert sum(m["talk_share"].values()) == pytest.approx(1.0, abs=1e-3)


def test_a_silence_without_answer_is_an_unanswered_initiative():
    _, m = turn_taking(_segs(("P2", 1.0, 2.0), ("P2", 6.0, 7.0)), 10.0, TurnsConfig())
    assert [(p["by"], p["response_by"]) for p in m["initiatives"]] == [("P2", None), ("P2", None)]
    assert m["switches"] == 0 and m["response_latency_s"]["median"] is None and m["initiatives_responded"] == 0


def test_no_speech_gives_empty_metrics_not_zeros():
    turns, m = turn_taking([], 30.0, TurnsConfig())
    assert turns == [] and m["turns"] == 0 and m["overlap_fraction"] is None and m["talk_share"] == {}


def test_diarization_error_known_answers():
    a, b = Intervals([(0, 2)]), Intervals([(2, 4)])
    assert diarization_error({"x": a, "y": b}, {"1": b, "2": a})["der"] == 0.0     # names do not matter
    half = diarization_error({"x": Intervals([(0, 4)])}, {"1": Intervals([(0, 2)])})
    assert half["missed"] == pytest.approx(0.5) and half["der"] == pytest.approx(0.5)
    swapped = diarization_error({"x": Intervals([(0, 4)])}, {"1": Intervals([(0, 1)]), "2": Intervals([(1, 4)])})
    assert swapped["confusion"] == pytest.approx(0.25)


# -- the whole path ----------------------------------------------------------------------

@pytest.mark.slow
def test_cli_attributes_a_dialogue_to_the_faces_whose_mouths_move(dialogues, tmp_path):
    from vigvision.cli import main
    from vigvision.testing.dialogue import write_dialogue_video

    d = dialogues["woman-child"]
    video = write_dialogue_video(d, tmp_path / "dialogue.mp4", snr_db=10)
    assert main(["analyze", str(video), "-o", str(tmp_path / "out"), "-q"]) == 0
    data = json.loads((tmp_path / "out" / "analysis.json").read_text())
    roles = {p["id"]: p["role"] for p in data["persons"]}
    assert roles == {"P1": "adult", "P2": "child"}
    # speaker 0 is the left face (P1), speaker 1 the right one (P2)
    hyp = {p: Intervals([(s["start"], s["end"]) for s in data["speech"] if s["person"] == p])
           for p in ("P1", "P2")}
    t = np.arange(int(d.duration_s / HOP_S)) * HOP_S + HOP_S / 2
    t0, t1 = d.vocal(0).to_mask(t), d.vocal(1).to_mask(t)
    single = t0 ^ t1
    said = single & (hyp["P1"].to_mask(t) | hyp["P2"].to_mask(t))
    right = said & ((hyp["P1"].to_mask(t) & t0) | (hyp["P2"].to_mask(t) & t1))
    assert right.sum() / said.sum() >= 0.9
    truth_turns = turn_taking([{"speaker": str(s.speaker), "start": s.start, "end": s.end} for s in d.segments],
                              d.duration_s, TurnsConfig())[1]
    m = data["metrics"]["turn_taking"]
    # one dialogue, one noise draw; the benchmark measures the error over the set. Overlap is
    # given to one voice, so a run of back-channels spoken over a turn can split it (here 9 -> 12
    # switches at most): the known gap, reported in benchmarks/results/voice_accuracy.md
    assert abs(m["switches"] - truth_turns["switches"]) <= max(3, 0.35 * truth_turns["switches"])
    assert set(m["talk_share"]) == {"P1", "P2"}


def test_8_khz_audio_setting_still_finds_the_voices(dialogues):
    d = dialogues["man-child"]
    from scipy.signal import resample_poly

    audio = Audio(resample_poly(d.noisy(20), 1, 2).astype(np.float32), 8000)
    voices = find_speech(run_pass(audio), 2, Config())
    assert voices.count == 2
    found = Intervals([(s.start, s.end) for s in voices.segments])
    assert frame_f1(d.vocal(), found, end=d.duration_s)["f1"] >= 0.88
