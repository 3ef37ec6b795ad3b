"""Tidy metrics tables: known answers from hand-built analyses, missing stays missing, atomic files."""
import csv
from pathlib import Path


from vigvision.cli import main
from vigvision.result import Analysis
from vigvision.coding.tables import minute_rows, person_rows, video_row, write_csv


def analysis(with_faces=True, with_voice=True) -> Analysis:
    persons = [{"id": "P1", "role": "adult", "seen_s": 120.0}, {"id": "P2", "role": "child", "seen_s": 120.0}]
    data = {
        "software": {"version": "9.9.9"}, "config_hash": "abc", "config": {"moments": {"preset": "infant"}},
        "video": {"path": "/x/family.mp4", "sha256": "f00", "duration_s": 130.0},
        "availability": {"voice": {"available": with_voice}},
        "persons": persons if with_faces else [],
        "mutual_gaze": [{"start": 10.0, "end": 12.0, "persons": ["P1", "P2"]},
                        {"start": 59.0, "end": 61.0, "persons": ["P1", "P2"]}] if with_faces else [],
        "speech": [{"start": 1.0, "end": 2.0, "person": "P1"}, {"start": 70.0, "end": 71.5, "person": "P2"}]
        if with_voice else [],
        "turns": [{"start": 1.0, "end": 2.0, "speaker": "P1", "kind": "turn"},
                  {"start": 3.0, "end": 4.0, "speaker": "P2", "kind": "turn"},
                  {"start": 70.0, "end": 71.5, "speaker": "P1", "kind": "turn"},
                  {"start": 70.5, "end": 70.8, "speaker": "P2", "kind": "backchannel"}] if with_voice else [],
        "moments": [{"id": "M1"}],
        "metrics": {},
    }
    if with_faces:
        data["metrics"]["eye_contact"] = {"episodes": 2, "episodes_per_minute": 0.923, "total_s": 4.0, "mean_s": 2.0,
                                          "fraction": 0.0308, "partner_gaze_fraction": {"P1": 0.5, "P2": 0.25}}
        data["metrics"]["shared_joy"] = {"score": 0.12, "bursts": 0, "per_child": {"P2": {"laughing_s": 1.5}}}
    if with_voice:
        data["metrics"]["turn_taking"] = {"turns": 3, "switches": 2, "response_latency_s": {"median": 1.0,
                                          "iqr": [0.5, 1.5], "n": 2}, "talk_share": {"P1": 0.6, "P2": 0.4},
                                          "initiatives": [{"start": 3.0, "by": "P2", "response_by": None},
                                                          {"start": 70.0, "by": "P1", "response_by": "P2"}],
                                          "by_role": {"child_to_adult": {"initiatives": 1, "answered": 0,
                                                                         "answered_share": 0.0},
                                                      "adult_to_child": {"initiatives": 1, "answered": 1,
                                                                         "answer_latency_median_s": 0.5}}}
    return Analysis(Path("/x/family.vigvision"), data)


def test_one_row_per_video_names_its_video_version_and_config():
    row = video_row(analysis())
    assert (row["video"], row["video_sha256"], row["software_version"], row["config_hash"], row["preset"]) == \
        ("family.mp4", "f00", "9.9.9", "abc", "infant")
    assert row["eye_contact_episodes"] == 2 and row["child_partner_gaze_fraction"] == 0.25
    assert (row["adult_id"], row["child_id"]) == ("P1", "P2") and row["child_seen_s"] == 120.0
    assert row["turn_taking_switches"] == 2 and row["response_latency_q3_s"] == 1.5 and row["adult_talk_share"] == 0.6
    # no face seen: eye contact is missing, not zero
    blind = video_row(analysis(with_faces=False))
    assert blind["eye_contact_episodes"] is None and blind["turn_taking_turns"] == 3
    assert row["shared_joy_score"] == 0.12 and row["child_laughing_s"] == 1.5 and blind["shared_joy_score"] is None
    assert (row["child_initiatives"], row["child_to_adult_answered"], row["adult_to_child_answered"],
            row["adult_to_child_answer_latency_median_s"]) == (1, 0, 1, 0.5)
    assert blind["child_initiatives"] == 1 and video_row(analysis(with_voice=False))["child_initiatives"] is None
    # columns are named by role, never by this video's ids, so a study's rows line up
    assert not [c for c in row if "_P1" in c or "_P2" in c or "_V1" in c]


def family_of_three() -> Analysis:
    """A film where the first proximity pair (P1-P3, two faces 0.13 face-widths apart, seen together 1.9 s) is not
    the adult-child pair the guider cares about (P2 adult with P3 child, 22.3 s together)."""
    a = analysis()
    a.data["persons"] = [{"id": "P1", "role": "child", "seen_s": 3.0}, {"id": "P2", "role": "adult", "seen_s": 30.0},
                         {"id": "P3", "role": "child", "seen_s": 25.0}]
    a.data["metrics"]["proximity"] = {"pairs": [
        {"persons": ["P1", "P2"], "both_seen_s": 1.2, "median_distance_faces": 9.0, "close_s": 0.0},
        {"persons": ["P1", "P3"], "both_seen_s": 1.9, "median_distance_faces": 0.13, "close_s": 1.9},
        {"persons": ["P2", "P3"], "both_seen_s": 22.3, "median_distance_faces": 2.1, "close_s": 12.0}]}
    a.data["metrics"]["eye_contact"]["partner_gaze_fraction"] = {"P1": 0.1, "P2": 0.5, "P3": 0.3}
    a.data["metrics"]["eye_contact"]["partner_gaze_seen_s"] = {"P1": 3.0, "P2": 30.0, "P3": 25.0}
    a.data["metrics"]["turn_taking"]["talk_share"] = {"P2": 0.5, "P3": 0.2, "V3": 0.3}
    return a


def test_proximity_and_role_columns_are_the_adult_child_pair_seen_together_longest():
    row = video_row(family_of_three())
    assert (row["adult_id"], row["child_id"]) == ("P2", "P3")
    assert row["proximity_both_seen_s"] == 22.3 and row["proximity_median_distance_faces"] == 2.1
    assert row["adult_partner_gaze_fraction"] == 0.5 and row["child_partner_gaze_fraction"] == 0.3
    assert row["child_seen_s"] == 25.0 and row["adult_talk_share"] == 0.5 and row["child_talk_share"] == 0.2
    assert row["unmatched_voice_talk_share"] == 0.3     # a voice given to nobody seen


def test_person_rows_are_long_format_with_every_person():
    rows = person_rows(family_of_three())
    assert [(r["person"], r["role"], r["in_main_pair"]) for r in rows] == \
        [("P1", "child", False), ("P2", "adult", True), ("P3", "child", True)]
    assert [r["partner_gaze_fraction"] for r in rows] == [0.1, 0.5, 0.3]
    assert [r["talk_share"] for r in rows] == [0.0, 0.5, 0.2] and rows[0]["video"] == "family.mp4"


def test_minute_rows_count_what_starts_in_each_minute():
    rows = minute_rows(analysis())
    assert [r["minute"] for r in rows] == [1, 2, 3] and rows[-1]["end_s"] == 130.0
    assert [r["mutual_gaze_episodes"] for r in rows] == [2, 0, 0]
    assert [r["mutual_gaze_s"] for r in rows] == [3.0, 1.0, 0.0]          # 59-61 s is split at the minute
    assert [r["turns"] for r in rows] == [2, 1, 0]                        # back-channels are not turns
    assert [r["switches"] for r in rows] == [1, 1, 0]
    assert [r["adult_initiatives_answered_by_child"] for r in rows] == [0, 1, 0]
    assert [r["child_initiatives"] for r in rows] == [1, 0, 0]
    silent = minute_rows(analysis(with_voice=False))
    assert all(r["turns"] is None and r["vocal_s"] is None for r in silent)


def test_csv_is_the_union_of_columns_with_empty_cells_for_missing(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, [video_row(analysis()), video_row(analysis(with_faces=False))])
    rows = list(csv.DictReader(open(path)))
    assert rows[0]["eye_contact_episodes"] == "2" and rows[1]["eye_contact_episodes"] == ""
    assert not [p for p in tmp_path.iterdir() if p.name != "m.csv"]       # no temporary file left


def test_a_bad_folder_writes_nothing_and_says_one_line(tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert main(["metrics", str(tmp_path / "missing"), "--csv", str(out)]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_a_note_never_runs_as_a_spreadsheet_formula(tmp_path):
    path = tmp_path / "d.csv"
    write_csv(path, [{"note": '=HYPERLINK("http://x.example","click")', "latency": -0.5, "other": "@SUM(A1)"},
                     {"note": "she smiles", "latency": None, "other": "-1+1"}])
    rows = list(csv.DictReader(open(path)))
    assert rows[0]["note"] == "'=HYPERLINK(\"http://x.example\",\"click\")" and rows[0]["other"] == "'@SUM(A1)"
    assert rows[0]["latency"] == "-0.5" and rows[1]["note"] == "she smiles" and rows[1]["other"] == "'-1+1"
