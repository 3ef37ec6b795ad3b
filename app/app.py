"""vigvision review app: from raw footage to a few accepted, exported moments. The guider decides.

Started by ``vigvision app`` (which sets VIGVISION_WORKSPACE and binds to 127.0.0.1). It uses
vigvision's public pieces only: the workspace and decision store (vigvision.review), the
background analysis and re-ranking (vigvision.review.jobs), the timeline view
(vigvision.moments.timeline), the export of a case (vigvision.review.handout, as `vigvision export
CASE --clips`) and stills (vigvision.export). Every click is saved at once in the workspace's SQLite file.
"""
from __future__ import annotations

import json
import os
import uuid

import altair as alt
import pandas as pd
import streamlit as st

import vigvision
from vigvision import export
from vigvision.config import PRESET_WORDS, Config
from vigvision.errors import VigvisionError
from vigvision.moments import PRINCIPLE_NAMES, WEIGHT_WORDS, timeline
from vigvision.review import (DEFAULT_WORKSPACE, MAX_UPLOAD_MB, STATUS_WORDS, VIDEO_EXTENSIONS, Workspace, handout,
                              jobs)
from vigvision.review.evidence import describer
from vigvision.review.store import Conflict
from vigvision.time import clock, parse_clock

STATE_WORDS = {"new": "not analysed", "analysing": "analysing...", "ready": "ready", "failed": "failed"}
FINE_STEP_S = 0.1
OWN_MOMENT_S = 6.0

# Buttons that read the player's position in the page (Streamlit's player does not report it).
# Runs in this page only; no script is fetched from anywhere.
_PLAYER_MARKS = st.components.v2.component(
    "vigvision_player_marks",
    html="""<div class="marks">
      <button data-act="start">Start here</button><button data-act="end">End here</button>
      <button data-act="new">New moment from here</button></div>""",
    css=""".marks { display: flex; gap: .5rem; flex-wrap: wrap; }
      .marks button { padding: .35rem .8rem; border: 1px solid var(--st-border-color); background: transparent;
        color: var(--st-text-color); border-radius: var(--st-button-radius); font-family: var(--st-font);
        cursor: pointer; }
      .marks button:hover { border-color: var(--st-primary-color); color: var(--st-primary-color); }""",
    js="""export default function(component) {
      const { setTriggerValue, parentElement } = component;
      parentElement.querySelectorAll('button').forEach((b) => {
        b.onclick = () => {
          const v = document.querySelector('[data-testid="stVideo"] video, video');
          if (v) setTriggerValue('mark', { act: b.dataset.act, t: v.currentTime });
        };
      });
    }""",
)


# -- workspace and state --------------------------------------------------------------------------
@st.cache_resource
def workspace(root: str) -> Workspace:
    return Workspace(root)


def ws() -> Workspace:
    return workspace(os.environ.get("VIGVISION_WORKSPACE", str(DEFAULT_WORKSPACE)))


@st.cache_data(show_spinner=False)
def analysis_of(folder: str, stamp: float):
    """The analysis, cached until analysis.json changes (stamp: its modification time)."""
    return vigvision.load(folder)


def current_analysis(case):
    folder = ws().analysis_path(case)
    f = folder / "analysis.json"
    return analysis_of(str(folder), f.stat().st_mtime) if f.is_file() else None


@st.cache_resource(show_spinner=False, max_entries=4)
def _describer(folder: str, stamp: float):
    return describer(analysis_of(folder, stamp))


def describe_for(case_id: str):
    """What was measured in a span the guider sets, for this case's analysis (None: no analysis)."""
    folder = ws().analysis_path(ws().store.case(case_id))
    f = folder / "analysis.json"
    return _describer(str(folder), f.stat().st_mtime) if f.is_file() else None


@st.cache_data(show_spinner=False, max_entries=64)
def still_jpeg(video: str, t: float) -> bytes | None:
    return export.still_jpeg(video, t, max_side=360, quality=80)


@st.cache_data(show_spinner=False, max_entries=64)
def portrait(video: str, t: float, box: tuple[float, float, float, float]) -> bytes | None:
    return export.portrait_jpeg(video, t, box)


def flash(kind: str, text: str) -> None:
    st.session_state["flash"] = (kind, text)


def show_flash() -> None:
    if "flash" in st.session_state:
        kind, text = st.session_state.pop("flash")
        getattr(st, kind)(text)


def page() -> str:
    """This page (browser session): whose changes Undo puts back, and who made each change."""
    return st.session_state.setdefault("page", uuid.uuid4().hex[:12])


def guarded(fn, *args, **kw):
    """Run a store change; a user mistake becomes a one-line message, never a traceback; a change another
    page made first is shown, not overwritten."""
    try:
        return fn(*args, **kw)
    except Conflict as exc:
        flash("warning", f"Not saved: {exc}.")
        return None
    except VigvisionError as exc:
        flash("error", str(exc))
        return None


@st.fragment(run_every=3.0)
def watch_other_pages(case_id: str) -> None:
    """Redraw the page when another page (or person) changes this case's moments, so no page shows
    decisions that are no longer so."""
    stamp = ws().store.changed_since(case_id)
    if st.session_state.get("drawn") != (case_id, stamp):
        if st.session_state.get("drawn", (None,))[0] == case_id:
            flash("info", "Changes made in another window are shown.")
        st.rerun(scope="app")


# -- sidebar: cases and new footage ---------------------------------------------------------------
def sidebar() -> str | None:
    w = ws()
    jobs.check_stopped(w)
    st.sidebar.title("vigvision")
    st.sidebar.caption(f"Workspace: `{w.root}`  \nEverything stays on this computer.")
    cases = w.store.cases()
    selected = None
    if cases:
        ids = [c.id for c in cases]
        if "goto_case" in st.session_state:  # a case just added: show it
            st.session_state["case_pick"] = st.session_state.pop("goto_case")
        if st.session_state.get("case_pick") not in ids:
            st.session_state["case_pick"] = st.session_state.get("case") if st.session_state.get("case") in ids \
                else ids[-1]
        # Labels stay the same while a case's state changes (a changing label resets the radio).
        names = {c.id: c.name for c in cases}
        selected = st.sidebar.radio("Cases", ids, format_func=names.get, key="case_pick")
        st.session_state["case"] = selected
        busy = [f"{c.name}: {STATE_WORDS[c.state]}" for c in cases if c.state != "ready"]
        if busy:
            st.sidebar.caption("  \n".join(busy))
    else:
        st.sidebar.info("No cases yet: add footage below.")
    with st.sidebar.expander("Add footage", expanded=not cases):
        add_footage(w)
    return selected


def add_footage(w: Workspace) -> None:
    st.selectbox("Who is filmed", list(PRESET_WORDS), format_func=PRESET_WORDS.get, index=1, key="new_preset")
    adults, children = st.columns(2)
    adults.number_input("Adults filmed", 0, 6, 1, key="new_adults")
    children.number_input("Children filmed", 0, 12, 1, key="new_children")
    st.caption("The usual VIG film: one adult, one child. vigvision then reports exactly those people; "
               "0 and 0 if you do not know.")
    # a new key after each case added empties the uploader, so the same file is not added twice
    upload_key = f"upload-{st.session_state.get('uploads', 0)}"
    up = st.file_uploader(f"Upload a video (up to {MAX_UPLOAD_MB} MB)", type=[s.strip(".") for s in VIDEO_EXTENSIONS],
                          key=upload_key)
    choice = st.selectbox("...or choose a video in the workspace's footage folder", ["(none)"] + w.footage_files(),
                          key="choose_file")
    st.button("Add and analyse", key="add_case", type="primary", disabled=up is None and choice == "(none)",
              on_click=_add_case, args=(upload_key,))
    st.caption(f"Videos copied into `{w.footage}` appear in the list: the way for films over {MAX_UPLOAD_MB} MB "
               "(or start the app with `vigvision app --add FILE`).")


def _new_cast() -> list[str]:
    """The cast the guider gave for the footage being added (one adult, one child unless changed)."""
    return (["adult"] * int(st.session_state.get("new_adults", 1))
            + ["child"] * int(st.session_state.get("new_children", 1)))


def _add_case(upload_key: str) -> None:
    """Runs before the page is drawn again, so it may reset the choices it used."""
    w = ws()
    up, choice = st.session_state.get(upload_key), st.session_state.get("choose_file", "(none)")
    try:
        if up is not None:
            rel = w.save_upload(up.name, iter(lambda: up.read(1 << 20), b""), size=up.size)
        else:
            w.inside(choice)
            rel = choice
        same = w.case_with_content(rel)
        if same is None:
            case = w.add_case(rel)
            jobs.start(w, case.id, preset=st.session_state.get("new_preset", "child"), cast=_new_cast())
        elif up is not None and rel != same.video:
            (w.root / rel).unlink()  # a second copy of a family's footage is not kept
    except VigvisionError as exc:
        flash("error", str(exc))
        return
    st.session_state["goto_case"] = (same or case).id
    st.session_state["uploads"] = st.session_state.get("uploads", 0) + 1
    st.session_state["choose_file"] = "(none)"
    if same is not None:
        flash("info", f"This video is already in the workspace as {same.name} (the same file): opened it, with "
                      "your decisions. To analyse it with other settings, use its Settings tab.")
    else:
        flash("success", f"Added {case.name}; the analysis runs in the background.")


# -- a case -----------------------------------------------------------------------------------------
@st.fragment(run_every=1.0)
def progress(case_id: str) -> None:
    case = ws().store.case(case_id)
    if case.state != "analysing":
        st.rerun()  # finished: draw the review
    eta = f", about {case.eta_s:.0f} s left" if case.eta_s is not None else ""
    st.progress(min(max(case.overall or 0.0, 0.0), 1.0),
                text=f"Analysing: {case.stage or 'starting'} ({(case.overall or 0) * 100:.0f}%{eta}). "
                     "You can close this page; the analysis goes on.")


def case_page(case_id: str) -> None:
    w = ws()
    case = w.store.case(case_id)
    st.header(case.name)
    if case.state == "analysing":
        progress(case_id)
        return
    if case.state in ("failed", "new"):
        if case.state == "failed":
            st.error(f"The analysis did not finish: {case.error}")
        if st.button("Analyse", key="reanalyse"):
            jobs.start(w, case_id)
            st.rerun()
        delete_case_ui(case)
        return
    analysis = current_analysis(case)
    if analysis is None:
        st.error("The analysis files are missing; analyse again.")
        if st.button("Analyse again", key="reanalyse"):
            jobs.start(w, case_id)
            st.rerun()
        return
    v = analysis.video
    st.caption(f"{clock(v['duration_s'])} long, {v['width']}x{v['height']}; "
               f"persons: {', '.join(_who(p) for p in analysis.persons) or 'none seen'}. "
               "The moments below are suggestions from the measurements; you decide which to keep.")
    for warning in analysis.warnings:
        st.warning(warning)
    if "goto_tab" in st.session_state:  # e.g. a moment clicked on the timeline opens in Review
        st.session_state["tab"] = st.session_state.pop("goto_tab")
    stamp = w.store.changed_since(case_id)   # read before drawing: a change made meanwhile redraws again
    views = {"Review": review_tab, "Timeline": timeline_view, "People": people_view, "Export": export_view,
             "Settings": settings_view}
    # Stateful tabs: the open one survives reruns, can be switched to from code, and only it is drawn.
    for tab, view in zip(st.tabs(list(views), key="tab", on_change="rerun"), views.values()):
        if tab.open:
            with tab:
                view(case, analysis)
    st.session_state["drawn"] = (case_id, stamp)
    watch_other_pages(case_id)


def _who(p: dict) -> str:
    """A person as the page names them: "P1 Mum (adult)", "P2 child"."""
    return f"{p['id']} {p['name']} ({p['role']})" if p.get("name") else f"{p['id']} {p['role']}"


def select(key: str) -> None:
    st.session_state["moment"] = key


def review_tab(case, analysis) -> None:
    w = ws()
    moments = w.store.moments(case.id)
    live = [m for m in moments if m.status != "rejected"]
    rejected = [m for m in moments if m.status == "rejected"]
    keys = [m.key for m in moments]
    if st.session_state.get("moment") not in keys:
        st.session_state["moment"] = live[0].key if live else (keys[0] if keys else None)
    top = st.columns([1, 1, 4])
    if top[0].button("Undo", key="undo", disabled=not w.store.can_undo(case.id, by=page()), shortcut="U",
                     help="Undo your last change in this case (key U); changes made in another window stay"):
        what = guarded(w.store.undo, case.id, by=page())
        if what:
            flash("info", f"Undone: {what}")
        st.rerun()
    order = [m.key for m in live]
    if order and top[1].button("Next", key="next", shortcut="N", help="Open the next candidate (key N)"):
        here = st.session_state.get("moment")
        st.session_state["moment"] = order[(order.index(here) + 1) % len(order)] if here in order else order[0]
        st.rerun()
    accepted = sum(m.status == "accepted" for m in moments)
    top[2].markdown(f"**{accepted} accepted**, {sum(m.status == 'proposed' for m in moments)} to decide, "
                    f"{len(rejected)} rejected. A VIG review usually uses up to three clips of about 10 s.  \n"
                    "Keys: A accept, X reject, N next, U undo.")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("Candidates")
        if not live:
            st.info("No candidate moments in this video. Add your own on the right.")
        for m in live:
            moment_card(case, m)
        if rejected:
            with st.expander(f"Rejected ({len(rejected)})"):
                for m in rejected:
                    moment_card(case, m)
    with right:
        key = st.session_state.get("moment")
        if key:
            moment_detail(case, analysis, w.store.moment(case.id, key))
        own_moment_form(case, analysis)


def moment_card(case, m) -> None:
    w = ws()
    chosen = st.session_state.get("moment") == m.key
    with st.container(border=True):
        cols = st.columns([2, 3])
        thumb = w.analysis_path(case) / m.thumbnail if m.thumbnail else None
        if thumb is not None and thumb.is_file():
            cols[0].image(str(thumb), width="stretch")
        else:  # own moments (and candidates whose keyframe could not be read): the middle frame
            jpg = still_jpeg(str(w.playable_path(case)), round((m.start + m.end) / 2, 2))
            if jpg:
                cols[0].image(jpg, width="stretch")
        label = "your own moment" if m.source == "own" else f"#{m.rank}, score {m.score:.2f}"
        cols[1].markdown(f"**{clock(m.start)} - {clock(m.end)}** ({m.end - m.start:.1f} s)  \n{label}  \n"
                         f"*{STATUS_WORDS[m.status]}*" + (" (times adjusted)" if m.adjusted else "")
                         + (" - from an earlier analysis" if m.stale else ""))
        cols[1].button("Selected" if chosen else "Open", key=f"open-{m.key}", on_click=select, args=(m.key,),
                       disabled=chosen, width="stretch")
        st.caption(m.explanation)


def _set_status(case_id: str, key: str, status: str, shown: str) -> None:
    guarded(ws().store.decide, case_id, key, status, expect={"status": shown}, by=page())


def _move(case_id: str, key: str, which: str, delta: float, duration: float, shown: tuple[float, float]) -> None:
    start, end = (shown[0] + delta, shown[1]) if which == "start" else (shown[0], shown[1] + delta)
    guarded(ws().store.adjust, case_id, key, start, end, duration_s=duration, describe=describe_for(case_id),
            expect={"start": shown[0], "end": shown[1]}, by=page())


def _save_text(case_id: str, key: str, field: str) -> None:
    """Save the note or tags, unless another page changed them since this one showed them: then the
    guider's text stays in the box, and the message shows the other's, to merge and save again."""
    value, shown = st.session_state[f"{field}-{key}"], st.session_state.get(f"{field}-{key}-shown")
    save = ws().store.note if field == "note" else ws().store.tag
    try:
        m = save(case_id, key, value, expect={field: shown}, by=page())
    except Conflict as exc:
        now = exc.moment.note if field == "note" else exc.moment.tags
        st.session_state[f"{field}-{key}-shown"] = now   # seen now: saving again keeps the merged text
        flash("warning", f"Not saved yet: the {'note' if field == 'note' else 'tags'} of {key} were changed in "
                         f"another window; they now read: {now if field == 'note' else ', '.join(now) or '(none)'}. "
                         "What you typed is still in the box: merge the two, then click outside the box to save.")
        return
    except VigvisionError as exc:
        flash("error", str(exc))
        return
    st.session_state[f"{field}-{key}-shown"] = m.note if field == "note" else m.tags


def _text_widget_state(m, field: str) -> None:
    """Seed the note / tags box from the store, and follow changes made in another page as long as this
    page has nothing unsaved in the box (the box then keeps the guider's text; saving shows the other's)."""
    now, box, shown = getattr(m, field), f"{field}-{m.key}", f"{field}-{m.key}-shown"
    if box not in st.session_state or (st.session_state[box] == st.session_state.get(shown) and
                                       st.session_state.get(shown) != now):
        st.session_state[box] = now
        st.session_state[shown] = now


def moment_detail(case, analysis, m) -> None:
    w = ws()
    video = w.playable_path(case)
    duration = float(analysis.video["duration_s"])
    frame_s = 1.0 / analysis.video["fps"] if analysis.video.get("fps") else 0.04
    st.subheader(f"{'Your moment' if m.source == 'own' else 'Candidate'} {m.key}: {clock(m.start)} - {clock(m.end)}")
    loop = st.toggle("Loop this moment (off: play on through the whole video)", value=True, key="loop")
    if loop:
        st.video(str(video), start_time=float(m.start), end_time=float(m.end), loop=True)
    else:
        st.video(str(video), start_time=float(m.start))
    marks = _PLAYER_MARKS(key="player_marks", on_mark_change=lambda: None)
    if marks.mark:
        mark(case.id, m, marks.mark["act"], float(marks.mark["t"]), duration)
        st.rerun()
    st.caption("Pause the player anywhere, then set this moment's start or end there, or start a moment of your "
               "own there (turn looping off to go outside this moment).")
    st.write(m.explanation)
    if m.principles:
        st.markdown("**May show:** " + ", ".join(m.principles))
    b = st.columns(3)
    b[0].button("Accept", key=f"accept-{m.key}", type="primary" if m.status != "accepted" else "secondary",
                disabled=m.status == "accepted", on_click=_set_status, args=(case.id, m.key, "accepted", m.status),
                width="stretch", shortcut="A", help="Keep this moment (key A)")
    b[1].button("Reject", key=f"reject-{m.key}", disabled=m.status == "rejected",
                on_click=_set_status, args=(case.id, m.key, "rejected", m.status), width="stretch", shortcut="X",
                help="Set this moment aside (key X); it stays listed under Rejected")
    b[2].button("Back to undecided", key=f"reset-{m.key}", disabled=m.status == "proposed",
                on_click=_set_status, args=(case.id, m.key, "proposed", m.status), width="stretch")

    st.markdown("**Start and end** (steps of 1 s, 0.1 s or one frame)")
    steps = [("-1 s", -1.0), ("-0.1 s", -FINE_STEP_S), ("-1 frame", -frame_s), ("+1 frame", frame_s),
             ("+0.1 s", FINE_STEP_S), ("+1 s", 1.0)]
    for which in ("start", "end"):
        t = m.start if which == "start" else m.end
        cols = st.columns([1.4] + [1] * len(steps), vertical_alignment="center", gap="small")
        cols[0].markdown(f"{which.capitalize()} **{clock(t)}**")
        for col, (label, delta) in zip(cols[1:], steps):
            col.button(label, key=f"{which}{label}-{m.key}", on_click=_move,
                       args=(case.id, m.key, which, delta, duration, (m.start, m.end)), width="stretch")
    stills = st.columns(2)
    for col, (label, t) in zip(stills, [("first frame", m.start), ("last frame", max(m.start, m.end - frame_s))]):
        jpg = still_jpeg(str(video), round(t, 3))
        if jpg:
            col.image(jpg, caption=f"{label} at {clock(t)}", width="stretch")
    if m.adjusted:
        st.caption(f"Proposed as {clock(m.proposed_start)} - {clock(m.proposed_end)}.")

    _text_widget_state(m, "tags")
    options = list(dict.fromkeys(PRINCIPLE_NAMES + ["shared joy"] + m.tags + st.session_state[f"tags-{m.key}"]))
    st.multiselect("Tags (principles this moment shows)", options, key=f"tags-{m.key}",
                   on_change=_save_text, args=(case.id, m.key, "tags"), accept_new_options=True)
    _text_widget_state(m, "note")
    st.text_area("Note (saved when you click outside the box)", key=f"note-{m.key}", on_change=_save_text,
                 args=(case.id, m.key, "note"), placeholder="What you saw, what to say in the review...")


def mark(case_id: str, m, act: str, t: float, duration: float) -> None:
    """The player-position buttons: move the shown moment ``m``'s start or end to ``t``, or add an own
    moment there."""
    t = round(min(max(t, 0.0), duration), 3)
    describe, shown = describe_for(case_id), {"start": m.start, "end": m.end}
    if act == "start":
        guarded(ws().store.adjust, case_id, m.key, t, m.end, duration_s=duration, describe=describe, expect=shown,
                by=page())
    elif act == "end":
        guarded(ws().store.adjust, case_id, m.key, m.start, t, duration_s=duration, describe=describe, expect=shown,
                by=page())
    elif act == "new":
        own = guarded(ws().store.add_own, case_id, t, min(t + OWN_MOMENT_S, duration), duration_s=duration,
                      describe=describe, by=page())
        if own is not None:
            st.session_state["moment"] = own.key
            flash("success", f"Added {own.key} from {clock(own.start)} to {clock(own.end)}, accepted; adjust its end.")


def own_moment_form(case, analysis) -> None:
    duration = float(analysis.video["duration_s"])
    sel = st.session_state.get("moment")
    default = ws().store.moment(case.id, sel).start if sel else 0.0
    with st.expander("Add a moment of your own"):
        with st.form("own", clear_on_submit=False, border=False):
            c = st.columns(2)
            start = c[0].text_input("Start (m:ss.s)", clock(default), key="own_start")
            end = c[1].text_input("End (m:ss.s)", clock(min(default + OWN_MOMENT_S, duration)), key="own_end")
            note = st.text_input("Note", key="own_note")
            if st.form_submit_button("Add moment"):
                m = guarded(add_own_typed, case.id, start, end, duration, note)
                if m is not None:
                    st.session_state["moment"] = m.key
                    flash("success", f"Added {m.key} ({clock(m.start)} - {clock(m.end)}), accepted.")
                st.rerun()
        st.caption("Tip: play the video to the moment, read its time in the player (m:ss), and type it here.")


def add_own_typed(case_id: str, start: str, end: str, duration: float, note: str):
    """An own moment from typed times (m:ss.s, or seconds), refused when outside the video."""
    a, b = parse_clock(start), parse_clock(end)
    if b > duration + 0.05:
        raise VigvisionError(f"the end {clock(b)} is after the end of the video ({clock(duration)})")
    if b <= a:
        raise VigvisionError(f"the end ({clock(b)}) must come after the start ({clock(a)})")
    return ws().store.add_own(case_id, a, b, note=note, duration_s=duration, describe=describe_for(case_id),
                              by=page())


# -- timeline ---------------------------------------------------------------------------------------
STATUS_COLOURS = {"proposed": "#f0b429", "accepted": "#2f9e44", "rejected": "#adb5bd"}


def timeline_view(case, analysis) -> None:
    tl = timeline.from_analysis(analysis)
    moments = ws().store.moments(case.id)
    bands = pd.DataFrame([{"key": m.key, "start": m.start, "end": m.end, "status": STATUS_WORDS[m.status],
                           "when": f"{clock(m.start)} - {clock(m.end)}"} for m in moments])
    x = alt.X("start:Q", title="time (s)", scale=alt.Scale(domain=[0, tl.duration_s]))
    lanes = tl.lanes
    height = 22 * max(lanes.lane.nunique(), 1) + 40
    charts = []
    if len(bands):
        pick = alt.selection_point(name="moment", fields=["key"], on="click")
        charts.append(alt.Chart(bands).mark_rect(opacity=0.8, cornerRadius=2).encode(
            x=x, x2="end:Q", color=alt.Color("status:N", scale=alt.Scale(
                domain=list(STATUS_WORDS.values()), range=list(STATUS_COLOURS.values())), title="moments"),
            tooltip=["key", "when", "status"]).add_params(pick).properties(height=40, title="Moments (click one)"))
    if len(lanes):
        charts.append(alt.Chart(lanes).mark_rect().encode(
            x=x, x2="end:Q", y=alt.Y("lane:N", title=None, sort=list(dict.fromkeys(lanes.lane))),
            color=alt.Color("what:N", title="what"),
            tooltip=["lane", "what", "start", "end"]).properties(height=height))
    if len(tl.distance):
        charts.append(alt.Chart(tl.distance).mark_line().encode(
            x=alt.X("time_s:Q", title="time (s)", scale=alt.Scale(domain=[0, tl.duration_s])),
            # a fixed domain: Vega need not work out an extent (it warned of an infinite one)
            y=alt.Y("faces_apart:Q", title="apart (face widths)",
                    scale=alt.Scale(domain=[0, float(tl.distance.faces_apart.max()) * 1.1])), color="pair:N",
            detail="segment:N").properties(height=90))   # one line per run: unseen stretches stay blank
    if not charts:
        st.info("Nothing was measured to draw.")
        return
    chart = alt.vconcat(*charts).resolve_scale(color="independent")
    event = st.altair_chart(chart, key="timeline", on_select="rerun", selection_mode=["moment"] if len(bands) else None,
                            width="stretch")
    picked = (event.selection.get("moment") or [{}])[0].get("key") if event and len(bands) else None
    # The chart keeps its selection across reruns: act only when the click is new.
    if picked and picked != st.session_state.get("timeline_picked"):
        st.session_state["timeline_picked"] = picked
        st.session_state["moment"] = picked
        st.session_state["goto_tab"] = "Review"
        st.rerun()
    st.caption("Rows: each person's gaze target, voice and smiles, and mutual gaze; the line is how far apart the "
               "faces are. Click a moment band to select it in the Review tab.")


# -- export -------------------------------------------------------------------------------------------
def export_view(case, analysis) -> None:
    w = ws()
    accepted = w.store.moments(case.id, status="accepted")
    if not accepted:
        st.info("Accept moments in the Review tab to export them.")
    folder = w.export_folder(case)
    if accepted:
        in_order = sorted(accepted, key=lambda m: m.start)
        spans = ", ".join(f"{m.key} ({clock(m.start)} - {clock(m.end)})" for m in in_order)
        st.write(f"{len(accepted)} accepted moment{'s' if len(accepted) > 1 else ''}: {spans}")
    st.caption(f"Files go to `{folder}`.")
    slow = st.checkbox("Also a slow-motion copy of each clip (half speed, silent)", key="slow")
    anonymised = st.checkbox("Also an anonymised copy of each clip, for supervision or training outside the family "
                             "(every face pixelated, voices lowered, no metadata); look through it before sharing",
                             key="anonymised")
    elan = st.checkbox("Also an ELAN file of the whole video (vigvision's codes and your accepted moments)",
                       key="elan")
    stills = st.text_input("Freeze-frame stills at (seconds, comma-separated, e.g. 12.4, 15)", key="stills_at")
    if st.button("Export clips, stills and review sheet", key="export", type="primary", disabled=not accepted):
        try:
            bar = st.progress(0.0, text="Exporting...")
            made = handout.export_case(w, case.id, folder, slow=slow, anonymised=anonymised, elan=elan,
                                       stills=handout.instants(stills, float(analysis.video["duration_s"])),
                                       progress=lambda done, words: bar.progress(done, text=words))
            flash("success", f"Exported {len(made)} files to {folder}.")
        except VigvisionError as exc:
            flash("error", str(exc))
        st.rerun()
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if files:
        st.markdown("**Exported files**")
        for p in files:
            c = st.columns([4, 1])
            c[0].write(f"{p.name} ({p.stat().st_size / 1e6:.1f} MB)")
            # read only when clicked: clips can be large
            c[1].download_button("Save", lambda p=p: p.read_bytes(), file_name=p.name,
                                 key=f"dl-{p.name}", on_click="ignore")


# -- settings -------------------------------------------------------------------------------------------
def settings_view(case, analysis) -> None:
    moments = analysis.config.get("moments", {})
    preset = moments.get("preset", "child")
    st.write(f"Moments ranked with the **{PRESET_WORDS.get(preset, preset)}** weights. Changing them re-ranks "
             "the candidates at once (nothing is analysed again).")
    st.caption("Your decisions, notes and tags stay with the moments that overlap the new candidates; "
               "decided moments that no longer appear are kept and marked as from an earlier analysis.")
    c = st.columns([3, 1], vertical_alignment="bottom")
    new = c[0].selectbox("Who is filmed", list(PRESET_WORDS), index=list(PRESET_WORDS).index(preset)
                         if preset in PRESET_WORDS else 1, format_func=PRESET_WORDS.get, key="rank_preset")
    if c[1].button("Re-rank", key="rank_with_preset", disabled=new == preset):
        _rerank(case, Config.preset(new).to_dict()["moments"])
    with st.form("weights", border=True):
        st.markdown("**How much each cue counts** (0: not at all)")
        cols = st.columns(4)
        weights = {key: cols[i % 4].number_input(words, min_value=0.0, max_value=10.0, step=0.5,
                                                 value=float(moments.get(key, 0.0)), key=f"weight-{key}")
                   for i, (key, words) in enumerate(WEIGHT_WORDS.items())}
        count = st.number_input("Candidates to propose", min_value=1, max_value=30, value=int(moments.get("count", 10)),
                                key="weight-count")
        if st.form_submit_button("Re-rank with these weights"):
            _rerank(case, {**weights, "count": int(count)})
    with st.expander("Measurements (metrics)"):
        st.code(json.dumps(analysis.metrics, indent=1), language="json")
    delete_case_ui(case)


def people_view(case, analysis) -> None:
    """Who is who: each person with a picture; the guider names them, sets roles, merges two that are one
    person, or splits one that is two. Each correction re-runs the analysis from persons on (seconds)."""
    persons = analysis.persons
    st.write("The people vigvision followed. If one person appears twice, two people are taken for one, or a "
             "role is wrong, correct it here: it takes seconds, nothing is decoded again, and your decisions stay "
             "with their moments.")
    if not persons:
        st.info("Nobody was seen in this video.")
        return
    sig = analysis.signals()
    scale = analysis.display_scale()
    for col, p in zip(st.columns(len(persons)), persons):
        rows = sig[sig.person == p["id"]]
        best = rows.loc[(rows.face_score * rows.pose_score.fillna(0)).idxmax()] if len(rows) else None
        if best is not None:
            box = tuple(float(v) * scale for v in (best.face_x, best.face_y, best.face_w, best.face_h))
            image = portrait(str(ws().video_path(case)), float(best.time_s), box)
            if image is not None:
                col.image(image, width=140)
        extra = ", not one of the people filmed" if p.get("in_cast") is False else ""
        col.markdown(f"**{p['id']}** {p.get('name') or ''}  \n{p['role']}, seen {clock(p.get('seen_s', 0))}{extra}")
        with col.form(f"person-{p['id']}", border=False):
            name = st.text_input("Name", value=p.get("name") or "", key=f"name-{p['id']}", max_chars=40)
            role = st.selectbox("Role", ["adult", "child"], index=0 if p["role"] != "child" else 1,
                                key=f"role-{p['id']}")
            if st.form_submit_button("Save"):
                said = ([f"name {p['id']}={name.strip()}"] if name.strip() and name.strip() != (p.get("name") or "")
                        else []) + ([f"role {p['id']}={role}"] if role != p["role"] else [])
                _correct(case, said)
    ids = [p["id"] for p in persons]
    left, right = st.columns(2)
    with left.form("merge"):
        st.markdown("**The same person twice?**")
        a = st.selectbox("Keep", ids, key="merge-a")
        b = st.selectbox("is also", ids, index=min(1, len(ids) - 1), key="merge-b")
        if st.form_submit_button("Merge them", disabled=len(ids) < 2):
            _correct(case, [f"merge {a}={b}"])
    with right.form("split"):
        st.markdown("**Two people taken for one?**")
        who = st.selectbox("Person", ids, key="split-who")
        at = st.text_input("is someone else from (m:ss.s)", key="split-at")
        if st.form_submit_button("Split"):
            _correct(case, [f"split {who}@{at}"])
    made = analysis.data.get("overrides", {}).get("corrections") or []
    if made:
        st.caption("Corrections made: " + "; ".join(f"{c['op']} {c.get('said', '')}" for c in made))
        if st.button("Undo the last correction", key="undo-correction"):
            _correct(case, [], undo=True)


def _correct(case, said: list[str], *, undo: bool = False) -> None:
    if not said and not undo:
        return
    done = guarded(jobs.correct, ws(), case.id, said, undo=undo)
    if done is not None:
        flash("success", f"Done in {done['seconds']:.1f} s: {done['candidates']} candidates, "
                         f"{done['carried']} of your decisions carried over.")
    st.rerun()   # the page shows the persons as they are now, or why the correction was refused


def _rerank(case, moments: dict) -> None:
    done = guarded(jobs.rerank, ws(), case.id, moments)
    if done is not None:
        flash("success", f"Re-ranked in {done['seconds']:.1f} s: {done['candidates']} candidates, "
                         f"{done['carried']} of your decisions carried over"
              + (f", {done['kept_stale']} kept from before" if done["kept_stale"] else "") + ".")
    st.rerun()   # the new candidates, or why the re-rank was refused


def delete_case_ui(case) -> None:
    """Footage of families should not be kept longer than needed: a case can be removed for good."""
    with st.expander("Delete this case"):
        st.write("Removes the analysis, the exports, your decisions and notes for this case from this computer. "
                 "It cannot be undone.")
        with_video = st.checkbox("Also delete the video from the workspace", key="delete_video")
        confirm = st.text_input(f"Type the case name ({case.name}) to confirm", key="delete_confirm")
        if st.button("Delete the case", key="delete_case", disabled=confirm.strip() != case.name):
            try:
                removed = ws().delete_case(case.id, footage=with_video)
                flash("success", f"Deleted {case.name} ({', '.join(removed) or 'its records'}).")
                st.session_state.pop("case_pick", None)
                st.session_state.pop("case", None)
                st.session_state.pop("delete_confirm", None)
            except VigvisionError as exc:
                flash("error", str(exc))
            st.rerun()


def main() -> None:
    st.set_page_config(page_title="vigvision", layout="wide", menu_items={"Get help": None, "Report a bug": None,
                                                                          "About": "vigvision: runs on this computer"})
    case_id = sidebar()
    show_flash()
    if case_id is None:
        st.title("vigvision")
        st.write("Add a video of an interaction in the sidebar. vigvision measures gaze, turn-taking, smiles and "
                 "closeness, and suggests short moments of attuned interaction; you choose which to keep.")
        return
    case_page(case_id)


main()
