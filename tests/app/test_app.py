"""The review app, driven through Streamlit's AppTest: each flow a guider uses, asserted on what
the store keeps (not on what the page happens to show)."""
from __future__ import annotations

import shutil
import time

import pytest

from vigvision.review import Workspace

from conftest import ROOT

APP = str(ROOT / "app" / "app.py")


@pytest.fixture()
def app(analysed_workspace, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    root = tmp_path / "ws"
    shutil.copytree(analysed_workspace, root)
    monkeypatch.setenv("VIGVISION_WORKSPACE", str(root))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    ws = Workspace(root)
    case = ws.store.cases()[0]
    yield at, ws, case.id
    ws.store.close()


def click(at, key, *, tab=None):
    if tab:  # AppTest does not send the open tab back with each run as a browser does: say it
        at.session_state["tab"] = tab
    at.button(key=key).click().run()
    assert not at.exception, at.exception


def test_opens_on_the_analysed_case_with_its_candidates(app):
    at, ws, case_id = app
    moments = ws.store.moments(case_id)
    assert moments and all(m.status == "proposed" for m in moments)
    assert at.session_state["case"] == case_id and at.session_state["moment"] == moments[0].key
    assert [b.key for b in at.button if b.key and b.key.startswith("open-")] == [f"open-{m.key}" for m in moments]
    assert any("you decide" in c.value for c in at.caption)


def test_accept_reject_undo(app):
    at, ws, case_id = app
    first, second = [m.key for m in ws.store.moments(case_id)][:2]
    click(at, f"accept-{first}")
    assert ws.store.moment(case_id, first).status == "accepted"
    click(at, f"open-{second}")
    click(at, f"reject-{second}")
    assert ws.store.moment(case_id, second).status == "rejected"
    # the rejected one is listed apart, still there to reopen
    assert any(e.label.startswith("Rejected (1)") for e in at.expander)
    click(at, "undo")
    assert ws.store.moment(case_id, second).status == "proposed"
    assert ws.store.moment(case_id, first).status == "accepted"


def test_next_goes_round_the_candidates(app):
    at, ws, case_id = app
    keys = [m.key for m in ws.store.moments(case_id)]
    seen = [at.session_state["moment"]]
    for _ in keys:
        click(at, "next")
        seen.append(at.session_state["moment"])
    assert seen == keys + keys[:1]


def test_adjust_in_fine_steps(app):
    at, ws, case_id = app
    m = ws.store.moments(case_id)[0]
    click(at, f"start+0.1 s-{m.key}")
    click(at, f"end-1 frame-{m.key}")
    after = ws.store.moment(case_id, m.key)
    assert after.start == pytest.approx(m.start + 0.1) and after.end == pytest.approx(m.end - 1 / 25)
    assert after.adjusted and after.proposed_start == m.start


def test_tag_and_note(app):
    at, ws, case_id = app
    key = ws.store.moments(case_id)[0].key
    at.multiselect(key=f"tags-{key}").select("shared joy").run()
    at.text_area(key=f"note-{key}").input("She looks up and mum answers").run()
    assert not at.exception
    m = ws.store.moment(case_id, key)
    assert m.tags == ["shared joy"] and m.note == "She looks up and mum answers"


def test_add_own_moment(app):
    at, ws, case_id = app
    # times typed as the player shows them (m:ss.s), like everywhere else in the app
    at.text_input(key="own_start").input("0:30.0")
    at.text_input(key="own_end").input("0:34.5")
    at.text_input(key="own_note").input("the goodbye")
    next(b for b in at.button if b.label == "Add moment").click().run()
    assert not at.exception
    own = [m for m in ws.store.moments(case_id) if m.source == "own"]
    assert [(m.start, m.end, m.status, m.note) for m in own] == [(30.0, 34.5, "accepted", "the goodbye")]
    assert at.session_state["moment"] == own[0].key
    # its card says what was measured in it, for the guider's span
    assert own[0].explanation.startswith("Added by the guider. From 0:30.0 to 0:34.5:")


@pytest.mark.parametrize("start, end, says", [("0:30", "soon", "'soon' is not a time"),
                                               ("0:30", "0:20", "must come after the start"),
                                               ("0:30", "9:00.0", "after the end of the video")])
def test_a_bad_own_moment_time_is_one_line(app, start, end, says):
    at, ws, case_id = app
    at.text_input(key="own_start").input(start)
    at.text_input(key="own_end").input(end)
    next(b for b in at.button if b.label == "Add moment").click().run()
    assert not at.exception and [m for m in ws.store.moments(case_id) if m.source == "own"] == []
    assert len(at.error) == 1 and says in at.error[0].value


def test_whole_second_steps_and_the_card_speaks_of_the_new_span(app):
    at, ws, case_id = app
    m = ws.store.moments(case_id)[0]
    click(at, f"end+1 s-{m.key}")
    click(at, f"end+1 s-{m.key}")
    click(at, f"start-1 s-{m.key}")
    after = ws.store.moment(case_id, m.key)
    assert (after.start, after.end) == (pytest.approx(max(m.start - 1, 0)), pytest.approx(m.end + 2))
    from vigvision.time import clock

    # the explanation (card, CSV, review sheet) is made again for the guider's span
    assert after.explanation.startswith(f"From {clock(after.start)} to {clock(after.end)}:")
    assert any(after.explanation in c.value for c in at.caption)
    click(at, "undo")
    assert any(f"Undone: moving {m.key} to" in i.value for i in at.info)


def open_tab(at, name):
    at.session_state["tab"] = name
    at.run()
    assert not at.exception, at.exception


def test_export_accepted(app):
    at, ws, case_id = app
    key = ws.store.moments(case_id)[0].key
    click(at, f"accept-{key}")
    open_tab(at, "Export")
    at.checkbox(key="slow").check()
    at.checkbox(key="anonymised").check()
    at.checkbox(key="elan").check()
    at.text_input(key="stills_at").input("5.0")
    click(at, "export", tab="Export")
    folder = ws.root / "cases" / case_id / "export"
    names = sorted(p.name for p in folder.iterdir())
    clip = [n for n in names if n.endswith(".mp4") and f"_{key}_" in n and "_slow" not in n and "anonymised" not in n]
    assert len(clip) == 1 and any(n.endswith("_slow.mp4") for n in names), names
    assert f"{case_id}_review_sheet.html" in names and f"{case_id}_moments.csv" in names
    assert f"{case_id}_moments.json" in names and f"{case_id}_still_5.00s.jpg" in names
    # the copy to share says nothing of the family in its name (the case id comes from the film's name)
    assert [n for n in names if "anonymised" in n] == [f"anonymised_{key}_{clip[0].split('_')[-1]}"], names
    from vigvision.coding.elan import read_eaf

    accepted = read_eaf(folder / f"{case_id}.eaf").stream("accepted")
    assert [s.label for s in accepted] == [key]
    assert not [n for n in names if ".part" in n]


def test_a_bad_still_time_is_one_line_and_nothing_is_written(app):
    at, ws, case_id = app
    click(at, f"accept-{ws.store.moments(case_id)[0].key}")
    open_tab(at, "Export")
    at.text_input(key="stills_at").input("5.0, soon")
    click(at, "export", tab="Export")
    assert [e.value for e in at.error] == ["stills: 'soon' is not a time in seconds"]
    folder = ws.root / "cases" / case_id / "export"
    assert not folder.exists() or not list(folder.iterdir())


@pytest.mark.parametrize("typed, says", [("1e308", "after the end of the video"), ("-5", "'-5' is not a time"),
                                         ("nan", "'nan' is not a time")])
def test_a_still_outside_the_video_is_refused_in_one_line(app, typed, says):
    at, ws, case_id = app
    click(at, f"accept-{ws.store.moments(case_id)[0].key}")
    open_tab(at, "Export")
    at.text_input(key="stills_at").input(typed)
    click(at, "export", tab="Export")
    assert len(at.error) == 1 and says in at.error[0].value and not at.exception
    folder = ws.root / "cases" / case_id / "export"
    assert not folder.exists() or not list(folder.iterdir())


def test_add_footage_analyses_in_the_background_and_survives_a_reload(app, tmp_path):
    from streamlit.testing.v1 import AppTest

    from vigvision.testing.synth import make_video

    at, ws, _ = app
    make_video(ws.footage / "new clip.mp4", duration_s=3.0)
    at.run()
    at.selectbox(key="choose_file").select("footage/new clip.mp4")
    at.selectbox(key="new_preset").select("infant")
    assert (at.number_input(key="new_adults").value, at.number_input(key="new_children").value) == (1, 1)
    click(at, "add_case")
    case = next(c for c in ws.store.cases() if c.name == "new clip.mp4")
    assert case.state in ("analysing", "ready") and at.session_state["case"] == case.id
    assert at.selectbox(key="choose_file").value == "(none)"   # not added twice by a second click
    # a reload (a new session) finds the same case; the job goes on without the page
    for _ in range(240):
        if ws.store.case(case.id).state != "analysing":
            break
        time.sleep(0.25)
    case = ws.store.case(case.id)
    assert case.state == "ready", case.error
    reloaded = AppTest.from_file(APP, default_timeout=120)
    reloaded.session_state["case"] = case.id
    reloaded.run()
    assert not reloaded.exception
    assert any("No candidate moments" in i.value for i in reloaded.info)   # no faces in this clip
    import vigvision

    config = vigvision.load(ws.analysis_path(case)).config
    assert config["moments"]["preset"] == "infant" and config["persons"]["cast"] == ["adult", "child"]  # the default cast


def test_the_same_video_added_again_opens_its_case(app):
    at, ws, case_id = app
    case = ws.store.case(case_id)
    import shutil

    shutil.copy(ws.root / case.video, ws.footage / "copy of the film.mp4")   # the same file under another name
    at.run()
    at.selectbox(key="choose_file").select("footage/copy of the film.mp4")
    click(at, "add_case")
    assert [c.id for c in ws.store.cases()] == [case_id] and at.session_state["case"] == case_id
    assert any(f"already in the workspace as {case.name}" in i.value for i in at.info)


def test_delete_a_case_for_good(app):
    at, ws, case_id = app
    case = ws.store.case(case_id)
    ws.store.decide(case_id, ws.store.moments(case_id)[0].key, "accepted")
    open_tab(at, "Settings")
    assert at.button(key="delete_case").disabled          # not before the name is typed
    at.text_input(key="delete_confirm").input(case.name)
    at.checkbox(key="delete_video").check()
    click(at, "delete_case", tab="Settings")
    assert ws.store.cases() == [] and not ws.store.moments(case_id)
    assert not (ws.root / "cases" / case_id).exists() and not (ws.root / case.video).exists()
    assert any("Deleted" in s.value for s in at.success)


def test_two_pages_on_one_case_see_each_others_changes_and_lose_no_note(app):
    # Last write won, each page kept showing its own stale state, Undo in one page undid the other's
    # change and one page's note overwrote the other's.
    from streamlit.testing.v1 import AppTest

    a, ws, case_id = app
    b = AppTest.from_file(APP, default_timeout=120)
    b.run()
    assert not b.exception and b.session_state["case"] == case_id
    key = ws.store.moments(case_id)[0].key
    click(a, f"reject-{key}")                              # A rejects; B still shows it as to decide
    click(b, f"accept-{key}")
    assert ws.store.moment(case_id, key).status == "rejected"
    assert any("Not saved" in w.value and "now rejected" in w.value for w in b.warning)
    assert b.button(key=f"reject-{key}").disabled           # and B now shows what is so
    assert b.button(key="undo").disabled                    # B changed nothing: nothing of B's to undo
    click(b, f"start+1 s-{key}")                            # a change of B's own, then A's Undo
    click(a, "undo")                                        # A's own last change: the Reject...
    assert any("cannot undo rejecting" in w.value for w in a.warning)   # ...refused: B moved it since
    assert ws.store.moment(case_id, key).status == "rejected"
    click(b, "undo")
    click(a, "undo")
    m = ws.store.moment(case_id, key)
    assert (m.status, m.start) == ("proposed", m.proposed_start)

    a.text_area(key=f"note-{key}").input("she waits for him").run()
    b.text_area(key=f"note-{key}").input("he laughs first").run()     # B's box had no note when B typed
    assert ws.store.moment(case_id, key).note == "she waits for him"   # A's note is kept...
    assert any("she waits for him" in w.value for w in b.warning)      # ...and shown to B,
    assert b.text_area(key=f"note-{key}").value == "he laughs first"   # whose text stays in the box
    b.text_area(key=f"note-{key}").input("she waits for him; he laughs first").run()
    assert ws.store.moment(case_id, key).note == "she waits for him; he laughs first"
    a.run()                                                            # A's page follows
    assert a.text_area(key=f"note-{key}").value == "she waits for him; he laughs first"


def test_moment_settings_re_rank_at_once_without_a_new_analysis(app):
    # The app re-ran the whole analysis in the background to change a preset, and offered nothing else.
    import vigvision

    at, ws, case_id = app
    key = ws.store.moments(case_id)[0].key
    click(at, f"accept-{key}")
    open_tab(at, "Settings")
    at.selectbox(key="rank_preset").select("infant")
    click(at, "rank_with_preset", tab="Settings")
    case = ws.store.case(case_id)
    assert case.state == "ready" and case.pid is None                 # no background analysis
    analysis = vigvision.load(ws.analysis_path(case))
    assert analysis.config["moments"]["preset"] == "infant", [e.value for e in at.error] + [w.value for w in at.warning]
    assert analysis.config["moments"]["w_shared_smile"] == 3.0
    assert any(s.value.startswith("Re-ranked in") and "1 of your decisions carried over" in s.value
               for s in at.success)
    assert [m.status for m in ws.store.moments(case_id)].count("accepted") == 1
    at.number_input(key="weight-w_mutual_gaze").set_value(0.0)
    at.number_input(key="weight-count").set_value(2)
    at.session_state["tab"] = "Settings"
    next(b for b in at.button if b.label == "Re-rank with these weights").click().run()
    assert not at.exception
    moments = vigvision.load(ws.analysis_path(case)).config["moments"]
    assert (moments["w_mutual_gaze"], moments["count"], moments["preset"]) == (0.0, 2, "infant")
    assert len([m for m in ws.store.moments(case_id) if m.source == "candidate" and not m.stale]) <= 2


def test_people_are_named_given_roles_merged_and_unmerged_in_seconds(app):
    # The guider could not correct who is who: two ids for one person split every metric.
    import vigvision

    at, ws, case_id = app
    case = ws.store.case(case_id)
    before = vigvision.load(ws.analysis_path(case))
    assert [p["id"] for p in before.persons] == ["P1", "P2"]
    open_tab(at, "People")
    at.text_input(key="name-P1").input("Mum")
    at.session_state["tab"] = "People"
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, at.exception
    named = vigvision.load(ws.analysis_path(case))
    assert named.persons[0]["name"] == "Mum" and case.pid is None
    assert all("(P1)" not in m["explanation"] for m in named.moments)
    assert any("Mum" in m["explanation"] for m in named.moments)             # explanations use the name
    at.selectbox(key="merge-a").select("P1")
    at.selectbox(key="merge-b").select("P2")
    at.session_state["tab"] = "People"
    next(b for b in at.button if b.label == "Merge them").click().run()
    assert not at.exception, at.exception
    merged = vigvision.load(ws.analysis_path(case))
    assert [p["id"] for p in merged.persons] == ["P1"] and merged.persons[0]["name"] == "Mum"
    assert any(s.value.startswith("Done in") for s in at.success)
    click(at, "undo-correction", tab="People")
    again = vigvision.load(ws.analysis_path(case))
    assert [(p["id"], p["name"]) for p in again.persons] == [("P1", "Mum"), ("P2", None)]
    assert again.data["overrides"]["corrections"][0]["op"] == "name"
