"""The human-decisions stage and exports: the store keeps every click, undo puts it back,
re-analysis carries decisions over, the workspace keeps paths inside, and exported clips
cut on the exact frames with their sound."""
from __future__ import annotations

import os
import sqlite3

import av
import numpy as np
import pytest

from vigvision import export
from vigvision.errors import InputError
from vigvision.io.video import VideoReader
from vigvision.review import ReviewStore, Workspace, safe_name
from vigvision.review.store import DB_FILE
from vigvision.testing.synth import make_video, read_index


def candidates(*spans):
    return [{"id": f"M{i}", "rank": i, "score": 3.0 - i * 0.1, "start": a, "end": b, "explanation": f"m{i}",
             "principles": ["being attentive"], "thumbnail": None} for i, (a, b) in enumerate(spans, start=1)]


@pytest.fixture()
def store(tmp_path):
    s = ReviewStore(tmp_path / DB_FILE)
    s.add_case("c1", "family.mp4", "footage/family.mp4", "cases/c1/analysis")
    s.sync_candidates("c1", candidates((2.0, 12.0), (20.0, 28.0), (40.0, 45.0)))
    yield s
    s.close()


def test_every_change_is_on_disk_at_once(store, tmp_path):
    store.decide("c1", "M1", "accepted")
    store.adjust("c1", "M1", 2.5, 11.9)
    store.tag("c1", "M1", ["shared joy", " being attentive ", ""])
    store.note("c1", "M1", "mum waits for her")
    store.decide("c1", "M2", "rejected")
    # another connection (a restarted server) sees all of it, without this one closing
    other = ReviewStore(tmp_path / DB_FILE)
    m1 = other.moment("c1", "M1")
    assert (m1.status, m1.start, m1.end, m1.tags, m1.note) == \
        ("accepted", 2.5, 11.9, ["being attentive", "shared joy"], "mum waits for her")
    assert m1.adjusted and (m1.proposed_start, m1.proposed_end) == (2.0, 12.0)
    assert [m.key for m in other.moments("c1", status="rejected")] == ["M2"]
    assert sqlite3.connect(tmp_path / DB_FILE).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_undo_steps_back_one_change_at_a_time(store):
    store.decide("c1", "M1", "accepted")
    store.adjust("c1", "M1", 3.0, 12.0)
    own = store.add_own("c1", 50.0, 55.0)
    assert own.status == "accepted" and own.source == "own"
    # what Undo says reads as the guider would say it ("Undone: accepting M1", not "accepted of M1")
    assert store.undo("c1") == f"adding {own.key}"
    assert [m.key for m in store.moments("c1")] == ["M1", "M2", "M3"]
    assert store.undo("c1") == "moving M1 to 0:03.0-0:12.0"
    assert store.moment("c1", "M1").start == 2.0 and store.moment("c1", "M1").status == "accepted"
    assert store.undo("c1") == "accepting M1"
    assert store.moment("c1", "M1").status == "proposed"
    assert store.undo("c1") is None and not store.can_undo("c1")


def test_an_adjusted_moment_is_described_for_the_guiders_span(store):
    # The card, the CSV and the review sheet read the stored explanation: after a move it must speak of
    # the new span, made by the describe function (the analysis's evidence of that span).
    seen = []

    def describe(m):
        seen.append((m.key, m.source, m.start, m.end))
        return {"explanation": f"From {m.start:g} to {m.end:g}: measured.", "principles": ["being attentive"]}

    m = store.adjust("c1", "M1", 2.0, 14.5, describe=describe)
    assert seen == [("M1", "candidate", 2.0, 14.5)]
    assert m.explanation == "From 2 to 14.5: measured." and store.moment("c1", "M1").principles == ["being attentive"]
    row = export.decisions_table("c1", store.moments("c1"))[0]
    assert (row["start_s"], row["end_s"], row["explanation"]) == (2.0, 14.5, "From 2 to 14.5: measured.")
    own = store.add_own("c1", 50.0, 56.0, describe=describe)
    assert own.explanation == "Added by the guider. From 50 to 56: measured."
    # a re-analysis that carries the guider's span to a new candidate describes it again
    store.sync_candidates("c1", candidates((2.5, 12.0), (20.0, 28.0)), describe=describe)
    assert store.moment("c1", "M1").explanation == "From 2 to 14.5: measured." and seen[-1] == ("M1", "candidate", 2.0, 14.5)
    # without a describe function (a store used on its own) the times still change
    assert store.adjust("c1", "M2", 21.0, 27.0).start == 21.0


def test_statuses_read_the_same_in_the_csv_as_in_the_app(store):
    store.decide("c1", "M2", "rejected")
    assert [r["status"] for r in export.decisions_table("c1", store.moments("c1", include_stale=True))] == \
        ["to decide", "rejected", "to decide"]


def test_bad_edits_are_refused_with_one_line(store):
    with pytest.raises(InputError, match="at least 0.1 s"):
        store.adjust("c1", "M1", 5.0, 5.05)
    with pytest.raises(InputError, match="no moment 'M9'"):
        store.decide("c1", "M9", "accepted")
    with pytest.raises(InputError, match="one of proposed, accepted, rejected"):
        store.decide("c1", "M1", "maybe")
    # adjusting clamps to the video: not before 0, not past its end
    m = store.adjust("c1", "M3", -1.0, 99.0, duration_s=46.0)
    assert (m.start, m.end) == (0.0, 46.0)


def test_reanalysis_keeps_decisions_on_overlapping_moments(store):
    store.decide("c1", "M1", "accepted")
    store.note("c1", "M1", "keep this")
    store.adjust("c1", "M1", 2.5, 12.0)
    store.decide("c1", "M3", "rejected")
    store.add_own("c1", 60.0, 65.0)
    # new settings: M1 moved a little (now ranked second), M2 gone, M3's span no longer proposed
    counts = store.sync_candidates("c1", candidates((30.0, 38.0), (3.0, 13.0)))
    assert counts == {"candidates": 2, "carried": 1, "kept_stale": 1}
    by_key = {m.key: m for m in store.moments("c1")}
    carried = by_key["M2"]
    assert (carried.status, carried.note, carried.start, carried.end) == ("accepted", "keep this", 2.5, 12.0)
    assert (carried.proposed_start, carried.proposed_end) == (3.0, 13.0)
    stale = [m for m in by_key.values() if m.stale]
    assert len(stale) == 1 and stale[0].status == "rejected" and (stale[0].start, stale[0].end) == (40.0, 45.0)
    assert by_key["M1"].status == "proposed" and by_key["own-1"].status == "accepted"


def test_workspace_paths_stay_inside(tmp_path):
    ws = Workspace(tmp_path / "ws")
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"x")
    (ws.footage / "link.mp4").symlink_to(outside)
    for bad, why in [("../secret.mp4", "'..'"), (str(outside), "absolute"), ("footage/link.mp4", "outside")]:
        with pytest.raises(InputError, match=why):
            ws.inside(bad)
    assert "footage/link.mp4" not in ws.footage_files()
    with pytest.raises(InputError, match="outside"):
        ws.add_case("footage/link.mp4")
    # a link inside the workspace to a file in it: the file is offered once (it was listed twice)
    (ws.footage / "film.mp4").write_bytes(b"y")
    (ws.footage / "shortcut").mkdir()
    (ws.footage / "shortcut" / "same film.mp4").symlink_to(ws.footage / "film.mp4")
    assert ws.footage_files() == ["footage/film.mp4"]


def test_uploads_are_sanitised_and_never_half_written(tmp_path):
    ws = Workspace(tmp_path / "ws")
    assert safe_name("../../etc/Zoë's video (1).MP4") == "Zoe_s_video_1_.MP4"
    assert safe_name("..") == "video"
    rel = ws.save_upload("../../evil name.mp4", [b"abc", b"def"])
    assert rel == "footage/evil_name.mp4" and (ws.root / rel).read_bytes() == b"abcdef"
    assert ws.save_upload("evil name.mp4", [b"2"]) == "footage/evil_name-2.mp4"

    def broken():
        yield b"abc"
        raise OSError("connection lost")
    with pytest.raises(OSError):
        ws.save_upload("lost.mp4", broken())
    assert sorted(p.name for p in ws.footage.iterdir()) == ["evil_name-2.mp4", "evil_name.mp4"]
    with pytest.raises(InputError, match="not a video file"):
        ws.save_upload("notes.txt", [b"x"])
    with pytest.raises(InputError, match=r"over the \d+ MB upload limit; copy bigger files into .*footage.*--add"):
        ws.save_upload("huge.mp4", [b"x"], size=10**13)


def test_the_same_video_added_again_is_recognised_by_its_content(tmp_path):
    ws = Workspace(tmp_path / "ws")
    first = ws.save_upload("film_2UWdXP.mp4", [b"family footage"])
    case = ws.add_case(first)
    again = ws.save_upload("film_2UWdXP.mp4", [b"family footage"])       # uploaded again: another name
    assert again != first and ws.case_with_content(again).id == case.id
    assert ws.case_for(again).id == case.id and len(ws.store.cases()) == 1
    other = ws.save_upload("another.mp4", [b"other footage!"])           # same size, other content
    assert ws.case_with_content(other) is None


def _frames(path):
    with VideoReader(path) as r:
        return [(f.time_s, read_index(f.image)) for f in r]


def test_clip_export_cuts_on_the_exact_frames_with_sound(tmp_path):
    src = make_video(tmp_path / "src.mp4", duration_s=4.0, fps=25.0, bursts_s=[(1.2, 1.5)])
    out = export.export_clip(src.path, 1.0, 2.0, tmp_path / "clip.mp4")
    frames = _frames(tmp_path / "clip.mp4")
    assert [i for _, i in frames] == list(range(25, 50))       # frames 1.00 s .. 1.96 s, no more, no fewer
    assert frames[0][0] == pytest.approx(0.0, abs=1e-3)
    with av.open(str(tmp_path / "clip.mp4")) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        assert c.streams.audio[0].codec_context.name == "aac"
        duration = float(c.duration) / av.time_base
    assert abs(duration - 1.0) <= 1 / 25 + 0.03 and out["audio"] and out["frames"] == 25
    from vigvision.io.audio import load_audio
    sound = load_audio(tmp_path / "clip.mp4", sample_rate=16000).samples
    loud = np.flatnonzero(np.abs(sound) > 0.1) / 16000
    assert loud.min() == pytest.approx(0.2, abs=0.03) and loud.max() == pytest.approx(0.5, abs=0.03)

    slow = export.export_clip(src.path, 1.0, 2.0, tmp_path / "slow.mp4", slow=2.0)
    frames = _frames(tmp_path / "slow.mp4")
    assert [i for _, i in frames] == list(range(25, 50)) and frames[-1][0] == pytest.approx(24 * 0.08, abs=2e-3)
    assert not slow["audio"]


def test_failed_export_leaves_no_file(tmp_path):
    src = make_video(tmp_path / "src.mp4", duration_s=1.0)
    with pytest.raises(InputError, match="no frame between"):
        export.export_clip(src.path, 5.0, 6.0, tmp_path / "clip.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mp4"]


def test_review_sheet_is_self_contained(tmp_path, store):
    src = make_video(tmp_path / "src.mp4", duration_s=3.0)
    store.decide("c1", "M1", "accepted")
    store.note("c1", "M1", "<b>she smiles</b>")
    m = store.adjust("c1", "M1", 0.5, 2.5)
    page = export.review_sheet("Family A", src.path, [m], tmp_path / "sheet.html",
                               stills_at={"M1": [1.0, 2.0]}).read_text()
    assert page.count("data:image/jpeg;base64,") == 2
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "&lt;b&gt;she smiles&lt;/b&gt;" in page and "0:00.5 &ndash; 0:02.5" in page
    rows = export.decisions_table("c1", store.moments("c1"))
    from vigvision.coding.tables import write_csv

    write_csv(tmp_path / "moments.csv", rows)
    assert (tmp_path / "moments.csv").read_text().splitlines()[0].split(",") == list(export.DECISION_COLUMNS)
    assert rows[0]["status"] == "accepted" and rows[0]["duration_s"] == 2.0


def test_browser_playable(tmp_path):
    mp4 = make_video(tmp_path / "a.mp4", duration_s=0.5)
    avi = make_video(tmp_path / "a.avi", duration_s=0.5)
    assert export.browser_playable(mp4.path) and not export.browser_playable(avi.path)


def test_stopped_job_is_marked_failed(tmp_path):
    from vigvision.review import jobs

    ws = Workspace(tmp_path / "ws")
    ws.store.add_case("c1", "x.mp4", "footage/x.mp4", "cases/c1/analysis")
    (ws.root / "cases" / "c1").mkdir(parents=True)
    ws.store.set_state("c1", "analysing", pid=2 ** 22 + 12345)  # no such process
    jobs.check_stopped(ws)
    case = ws.store.case("c1")
    assert case.state == "failed" and "stopped before it finished" in case.error
    assert os.getpid() and jobs.alive(os.getpid())
    # a job that never reported its start: failed after the grace time, not "analysing" for ever
    ws.store.set_state("c1", "analysing", pid=None)
    jobs.check_stopped(ws)
    assert ws.store.case("c1").state == "analysing"
    ws.store._db.execute("UPDATE cases SET updated=updated-3600 WHERE id='c1'")
    jobs.check_stopped(ws)
    assert ws.store.case("c1").state == "failed"


def test_deleting_a_case_keeps_a_video_another_case_uses(tmp_path):
    ws = Workspace(tmp_path / "ws")
    rel = ws.save_upload("family.mp4", [b"not analysed here"])
    a, b = ws.add_case(rel), ws.add_case(rel)
    ws.store.sync_candidates(a.id, candidates((1.0, 5.0)))
    ws.store.decide(a.id, "M1", "accepted")
    assert ws.delete_case(a.id, footage=True) == [f"cases/{a.id}"]      # b still uses the video
    assert [c.id for c in ws.store.cases()] == [b.id] and not ws.store.moments(a.id)
    assert ws.delete_case(b.id, footage=True) == [f"cases/{b.id}", rel]
    assert not (ws.root / rel).exists() and not list((ws.root / "cases").iterdir())
    ws.store.add_case("c9", "x.mp4", "footage/x.mp4", "cases/c9/analysis")
    ws.store.set_state("c9", "analysing", pid=os.getpid())               # a live job: refused
    with pytest.raises(InputError, match="still running"):
        ws.delete_case("c9")


def test_footage_browsers_cannot_play_gets_a_preview(tmp_path):
    from vigvision.review import jobs

    ws = Workspace(tmp_path / "ws")
    make_video(ws.footage / "old camera.avi", duration_s=1.0)
    case = ws.add_case("footage/old camera.avi")
    jobs.run(ws, case.id)
    preview = ws.playable_path(ws.store.case(case.id))
    assert preview.name == "preview.mp4" and export.browser_playable(preview)
    assert [read_index(f.image) for f in VideoReader(preview)] == list(range(25))   # every frame, in order


@pytest.mark.parametrize("t", [-5.0, float("nan"), 1e308])
def test_a_still_outside_the_video_is_refused(tmp_path, t):
    src = make_video(tmp_path / "s.mp4", duration_s=1.0)
    with pytest.raises(InputError, match="outside the video"):
        export.export_still(src.path, t, tmp_path / "still.jpg")
    assert not list(tmp_path.glob("still*"))


def test_concurrent_writers_each_keep_every_change(store):
    # One connection shared by the app's sessions interleaved their transactions: "cannot start a
    # transaction within a transaction", and the click was lost.
    import threading

    errors, barrier = [], threading.Barrier(6)

    def clicks(n: int) -> None:
        barrier.wait()
        try:
            for i in range(40):
                key = f"M{1 + (n + i) % 3}"
                if i % 3 == 0:
                    store.note("c1", key, f"page {n} note {i}", by=f"page{n}")
                elif i % 3 == 1:
                    store.tag("c1", key, [f"t{n}"], by=f"page{n}")
                else:
                    store.decide("c1", key, ("accepted", "rejected")[i % 2], by=f"page{n}")
        except Exception as exc:   # noqa: BLE001 - the test reports whatever a writer hit
            errors.append(repr(exc))

    threads = [threading.Thread(target=clicks, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 6 * 40
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sum(m.version for m in store.moments("c1")) == 6 * 40


def test_a_change_made_on_what_another_page_changed_is_refused_and_says_what_is_there(store):
    from vigvision.review.store import Conflict

    store.note("c1", "M1", "mum waits", expect={"note": ""}, by="A")
    with pytest.raises(Conflict, match="M1 was changed in another window.*mum waits"):
        store.note("c1", "M1", "dad laughs", expect={"note": ""}, by="B")       # B still showed no note
    assert store.moment("c1", "M1").note == "mum waits"                           # nothing overwritten
    store.decide("c1", "M1", "rejected", expect={"status": "proposed"}, by="B")   # another field: no conflict
    with pytest.raises(Conflict, match="now rejected"):
        store.decide("c1", "M1", "accepted", expect={"status": "proposed"}, by="A")
    with pytest.raises(Conflict, match="from 0:03.0 to 0:12.0"):
        store.adjust("c1", "M1", 3.0, 12.0, by="A")
        store.adjust("c1", "M1", 2.5, 12.0, expect={"start": 2.0, "end": 12.0}, by="B")
    m = store.note("c1", "M1", "mum waits; dad laughs", expect={"note": "mum waits"}, by="B")
    assert (m.note, m.status, m.start) == ("mum waits; dad laughs", "rejected", 3.0)


def test_undo_puts_back_only_the_pages_own_change(store):
    from vigvision.review.store import Conflict

    store.decide("c1", "M2", "accepted", by="A")
    store.decide("c1", "M3", "rejected", by="B")
    assert store.can_undo("c1", by="A") and not store.can_undo("c1", by="C")
    assert store.undo("c1", by="A") == "accepting M2"       # not B's later Reject of M3
    assert store.moment("c1", "M3").status == "rejected"
    assert store.moment("c1", "M2").status == "proposed"
    store.note("c1", "M1", "A's note", by="A")
    store.note("c1", "M1", "B's note", by="B")
    with pytest.raises(Conflict, match="cannot undo changing the note of M1: M1 was changed in another window"):
        store.undo("c1", by="A")
    assert store.moment("c1", "M1").note == "B's note"
    assert store.undo("c1", by="B") == "changing the note of M1"
    assert store.undo("c1", by="A") == "changing the note of M1"
    assert store.moment("c1", "M1").note == ""


def test_the_upload_limit_is_what_the_server_can_hold():
    # Streamlit keeps an upload in the server's memory (a 1 GB upload: +955 MB, +1.9 GB at the peak, kept
    # after the tab closed) and the limit was 4096 MB: bigger films go into footage/ instead.
    from vigvision.review.workspace import MAX_UPLOAD_MB

    ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert 64 <= MAX_UPLOAD_MB <= min(1024, ram_mb / 8)


def test_a_cases_export_from_the_command_line_is_the_apps(analysed_workspace, tmp_path):
    # The export of a case (file names, anonymising, ELAN, JSON) lived in the app only.
    import shutil
    import subprocess
    import sys

    root = tmp_path / "ws"
    shutil.copytree(analysed_workspace, root)
    ws = Workspace(root)
    case = ws.store.cases()[0]
    key = ws.store.moments(case.id)[0].key
    ws.store.decide(case.id, key, "accepted")

    def vigvision(*args):
        return subprocess.run([sys.executable, "-m", "vigvision.cli", *map(str, args)], capture_output=True,
                              text=True, timeout=300)

    done = vigvision("export", ws.analysis_path(case), "--clips", tmp_path / "a", "--slow", "--stills", "0:05.0",
                     "--with-elan")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    start = ws.store.moment(case.id, key).start
    from vigvision.time import clock

    clip = f"{case.id}_{key}_{clock(start).replace(':', 'm')}"
    assert names == sorted([f"{clip}.mp4", f"{clip}_slow.mp4", f"{case.id}_still_5.00s.jpg", f"{case.id}.eaf",
                            f"{case.id}_review_sheet.html", f"{case.id}_moments.csv", f"{case.id}_moments.json"])
    by_id = vigvision("export", case.id, "--workspace", root, "--clips", tmp_path / "b")
    assert by_id.returncode == 0 and (tmp_path / "b" / f"{clip}.mp4").is_file(), by_id.stderr
    for args, says in [(("export", tmp_path / "a", "--clips", tmp_path / "c"), "not a case of a review workspace"),
                       (("export", "nobody", "--workspace", root, "--clips", tmp_path / "c"), "no case 'nobody'"),
                       (("export", ws.analysis_path(case), "--clips", tmp_path / "c", "--stills", "9:00"),
                        "outside the video")]:
        bad = vigvision(*args)
        assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and says in bad.stderr, bad.stderr
        assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())
