"""The ``vigvision`` command line.

Every user mistake (missing file, not a video, bad config) ends in one line
on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import signal
import sys
import textwrap
from pathlib import Path

from .version import __version__
from .config import ANONYMISED_PITCH, DEFAULT_WORKSPACE, PRESETS, Config
from .errors import AnalysisInterrupted, DiskFull, InputError, VigvisionError, caused_by_interrupt, is_disk_full

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


def _config_from_args(args) -> Config:
    if getattr(args, "config", None) and getattr(args, "preset", None):
        raise InputError("--config and --preset: give one (a preset is a starting point for a config file: "
                         "vigvision config --preset NAME > my.toml)")
    if getattr(args, "preset", None):
        config = Config.preset(args.preset)
    else:
        config = Config.from_toml(args.config) if getattr(args, "config", None) else Config()
    if getattr(args, "fps", None) is not None:
        config = config.with_settings("ingest", {"analysis_fps": args.fps}, source="--fps")
    if getattr(args, "cast", None) is not None:
        config = config.with_settings("persons", {"cast": parse_cast(args.cast)}, source="--cast")
    return config


def parse_cast(text: str) -> list[str]:
    """``adult,child`` -> ["adult", "child"]; "" or "unknown": no cast given."""
    roles = [r.strip().lower() for r in text.split(",") if r.strip()]
    if roles in ([], ["unknown"]):
        return []
    wrong = [r for r in roles if r not in ("adult", "child")]
    if wrong:
        raise InputError(f"--cast: expected roles like adult,child (adult or child, one per person filmed), "
                         f"got {wrong[0]!r}")
    return roles


def cmd_analyze(args) -> int:
    from .hooks import TerminalProgress, no_progress
    from .pipeline import analyze

    config = _config_from_args(args)
    hook = no_progress if args.quiet else TerminalProgress()
    result = analyze(args.video, args.output, config=config, roles=parse_roles(args.roles), hook=hook)
    for warning in result.warnings:
        print(f"vigvision: warning: {warning}", file=sys.stderr)
    if not args.quiet:
        print(summary_text(result))
    print(result.folder / "analysis.json")
    return 0


def parse_roles(text: str | None) -> dict[str, str]:
    """``"P1=adult,P2=child"`` -> {"P1": "adult", "P2": "child"}."""
    if not text:
        return {}
    out = {}
    for part in text.split(","):
        pid, _, role = part.strip().partition("=")
        if not re.fullmatch(r"P[0-9]+", pid) or role not in ("adult", "child", "unknown"):
            raise InputError(f"--roles: expected items like P1=adult or P2=child, got {part.strip()!r}")
        out[pid] = role
    return out


def _person_text(p: dict) -> str:
    how = "set by you" if p.get("role_source") == "user" else f"suggested, {100 * p['role_confidence']:.0f}% sure"
    name = f" \"{p['name']}\"" if p.get("name") else ""
    extra = "; not of the cast" if p.get("in_cast") is False else ""
    return f"{p['id']}{name} {p['role']} ({how}{extra})"


def persons_text(result) -> str:
    """The persons of an analysis, one a line, and the corrections made to them."""
    from .correct import listed
    from .time import clock

    lines = [f"{result.folder}: {len(result.persons)} persons"
             + (f" (cast given: {', '.join(result.config.get('persons', {}).get('cast') or [])})"
                if result.config.get("persons", {}).get("cast") else " (no cast given)")]
    for p in result.persons:
        lines.append(f"  {_person_text(p)}, seen {clock(p.get('seen_s', 0.0))}, "
                     f"joined {100 * p.get('identity_sureness', 1.0):.0f}% sure")
    done = listed(result)
    lines.append("  corrections: " + ("; ".join(done) if done else "none"))
    return "\n".join(lines)


def cmd_persons(args) -> int:
    from .correct import correct, undo
    from .result import load

    result = load(args.outdir)
    said = ([f"merge {m}" for m in args.merge or []] + [f"split {m}" for m in args.split or []]
            + [f"role {m}" for m in args.role or []] + [f"name {m}" for m in args.name or []])
    if args.undo or args.clear:
        done = undo(result, every=args.clear, video=args.video)
        print(f"vigvision: {done.words()}", file=sys.stderr)
        result = done.analysis
    if said:
        done = correct(result, said, video=args.video)
        print(f"vigvision: {done.words()}", file=sys.stderr)
        result = done.analysis
    for warning in result.warnings:
        if "correction of persons" in warning:
            print(f"vigvision: warning: {warning}", file=sys.stderr)
    print(persons_text(result))
    return 0


def summary_text(result) -> str:
    """A short human-readable account of an analysis."""
    v = result.video
    f = result.data["frames"]
    lines = [
        f"{Path(v['path']).name}: {v['duration_s']:.1f} s, {v['width']}x{v['height']}, {v['fps']:.2f} fps, "
        f"{'with' if v['has_audio'] else 'without'} audio",
        f"  analysed {f['analysed']} frames at {f['analysis_fps']:g} fps "
        f"({f['first_s']:.2f}-{f['last_s']:.2f} s)" if f["analysed"] else "  no frame analysed",
        "  persons: " + (", ".join(_person_text(p) for p in result.persons) or "none found"),
        f"  speech segments: {len(result.speech)}, gaze episodes: {len(result.gaze)}, "
        f"mutual gaze: {len(result.mutual_gaze)} ({sum(e['end'] - e['start'] for e in result.mutual_gaze):.1f} s), "
        f"moments: {len(result.moments)}",
    ]
    tt = result.metrics.get("turn_taking")
    if tt:
        lat = tt["response_latency_s"]["median"]
        who = ", ".join(f"{k} {100 * v:.0f}%" for k, v in tt["talk_share"].items())
        lines.append(f"  turn-taking: {tt['turns']} turns, {tt['switches']} switches"
                     + (f", median response {lat:.2f} s" if lat is not None else "")
                     + (f"; talk share {who}" if who else "")
                     + f"; {len(tt['initiatives'])} initiatives, {tt['initiatives_responded']} answered")
        for direction, x in (tt.get("by_role") or {}).items():
            if x["initiatives"]:
                a, b = direction.split("_to_")
                lines.append(f"  {a} started {x['initiatives']} times, the {b} answered {x['answered']}"
                             + (f" (median {x['answer_latency_median_s']:.1f} s)"
                                if x["answer_latency_median_s"] is not None else ""))
    missing = [k for k, a in result.data["availability"].items() if not a["available"]]
    for k in missing:
        lines.append(f"  {k}: unavailable ({result.data['availability'][k]['reason']})")
    timings = result.data["timings_s"]
    lines.append("  timings: " + ", ".join(f"{k} {t:.2f} s" for k, t in timings.items()))
    return "\n".join(lines)


def cmd_summary(args) -> int:
    from .result import load

    print(summary_text(load(args.outdir)))
    return 0


def cmd_validate(args) -> int:
    from .result import load

    result = load(args.outdir, check_schema=True)
    result.frames()
    result.signals()
    print(f"{result.folder / 'analysis.json'}: valid (schema {result['schema_version']})")
    return 0


def cmd_info(args) -> int:
    from .io.video import probe

    info = probe(args.video)
    for key, value in info.to_dict().items():
        print(f"{key:18} {value}")
    return 0


def cmd_sample(args) -> int:
    from .sample import make_sample

    out = make_sample(args.output)
    print(out)
    return 0


def cmd_config(args) -> int:
    print(to_toml(_config_from_args(args).to_dict()), end="")
    return 0


def moments_text(result, top: int | None = None) -> str:
    """The ranked moments, each with its time, score, principles and explanation."""
    from .time import clock

    moments = result.moments[:top] if top else result.moments
    if not moments:
        return (f"{result.folder}: no candidate moment (no cue of attuned interaction was measured; "
                "see `vigvision summary` for what was found)")
    lines = [f"{result.folder}: {len(result.moments)} candidate moments, best first "
             f"(preset {result.data['config'].get('moments', {}).get('preset', '?')}); you decide which to keep"]
    for k, m in enumerate(moments, start=1):    # the id stays with the moment; the rank is this ranking's
        lines.append(f"{m.get('rank', k):>3}. {m['id']}  {clock(m['start'])}-{clock(m['end'])}  "
                     f"score {m['score']:.2f}  {', '.join(m['principles']) or '-'}")
        lines.append(textwrap.fill(m["explanation"], width=100, initial_indent="      ", subsequent_indent="      "))
    return "\n".join(lines)


def cmd_metrics(args) -> int:
    from .result import load
    from .coding.tables import minute_rows, person_rows, to_csv, video_row, write_csv

    if args.per_minute and args.per_person:
        raise InputError("metrics: --per-minute or --per-person, one of the two")
    results = [load(folder) for folder in args.outdirs]     # every folder is read before anything is written
    rows_of, unit = ((minute_rows, "per minute") if args.per_minute else (person_rows, "per person")
                     if args.per_person else (lambda res: [video_row(res)], "per video"))
    rows = [r for res in results for r in rows_of(res)]
    if args.csv:
        write_csv(args.csv, rows)
        print(f"{args.csv}: {len(rows)} rows ({unit}, {len(results)} videos)")
    else:
        to_csv(rows, sys.stdout)
    return 0


def _decisions_for(outdir: Path):
    """The guider's decisions when OUTDIR is a case of a review workspace (WORKSPACE/cases/ID/analysis)."""
    from .review.store import DB_FILE, ReviewStore
    from .review.workspace import case_of_folder

    found = case_of_folder(outdir)
    if found is None:
        return None
    store = ReviewStore(found[0] / DB_FILE)
    try:
        return store.moments(found[1], include_stale=True)
    finally:
        store.close()


def cmd_export(args) -> int:
    if not (args.eaf or args.csv or args.tsv or args.clips):
        raise InputError("export: say what to write: --clips DIR (a case's accepted moments), --eaf FILE, "
                         "--csv FILE and/or --tsv FILE")
    outdir = args.outdir
    if args.clips:
        from .review import handout

        ws, case_id = _case_of(args)
        outdir = ws.analysis_path(ws.store.case(case_id))
        made = handout.export_case(ws, case_id, args.clips, slow=args.slow, anonymised=args.anonymised,
                                   pitch_semitones=args.pitch, elan=args.with_elan,
                                   stills=handout.instants(args.stills or "", float("inf")))
        print("\n".join(map(str, made)))
    if args.eaf or args.csv or args.tsv:
        _write_codings(outdir, args)
    return 0


def _write_codings(outdir, args) -> None:
    from .coding import from_analysis, write_events
    from .coding import write_eaf
    from .result import load

    result = load(outdir)
    decisions = _decisions_for(outdir)
    coding = from_analysis(result, decisions)
    for target, write in ((args.eaf, lambda p: write_eaf(coding, p)), (args.csv, lambda p: write_events(coding, p)),
                          (args.tsv, lambda p: write_events(coding, p, sep="\t"))):
        if target:
            with _like_the_analysis(result):
                write(target)
            n = sum(len(v) for v in coding.streams.values())
            print(f"{target}: {len(coding.streams)} tiers, {n} intervals"
                  + (f" (with the guider's {sum(m.status == 'accepted' for m in decisions)} accepted moments)"
                     if decisions is not None else ""))


def _case_of(args):
    """(workspace, case id) of ``export``'s CASE_OR_OUTDIR: a case's analysis folder (WORKSPACE/cases/ID/
    analysis), or a case id in --workspace."""
    from .review import Workspace
    from .review.store import DB_FILE
    from .review.workspace import case_of_folder

    if Path(args.outdir).expanduser().is_dir():
        found = case_of_folder(args.outdir)
        if found is None:
            raise InputError(f"{args.outdir}: not a case of a review workspace (WORKSPACE/cases/CASE/analysis): "
                             "--clips exports a guider's accepted moments; for any span use vigvision render")
        return Workspace(found[0]), found[1]
    if not (Path(args.workspace).expanduser() / DB_FILE).is_file():
        raise InputError(f"{args.outdir}: neither an analysis folder nor a case of a workspace at {args.workspace} "
                         "(give the case's folder, or --workspace)")
    ws = Workspace(args.workspace)
    ws.store.case(args.outdir)   # a clear line if there is no such case
    return ws, args.outdir


def _like_the_analysis(result):
    """What is made from an analysis (clips, stills, codings) is no more open to others than the analysis."""
    from .io.files import no_more_open_than
    from .result import ANALYSIS_FILE

    return no_more_open_than(result.folder / ANALYSIS_FILE)


def cmd_render(args) -> int:
    from .export.render import render, write_stills
    from .result import load

    result = load(args.outdir)
    if not args.moment and (args.start is None or args.end is None):
        raise InputError("render: say what to render: --moment ID, or --start S --end E")
    moment = _guider_moment(result, args.outdir, args.moment) if args.moment else None   # read and described once
    start, end = (moment["start"], moment["end"]) if moment else _span(result, args)
    if args.stills:
        if moment is None:
            raise InputError("render: --stills needs --moment (the stills are a moment's key instants)")
        folder = Path(args.output).with_suffix("") if args.output else Path(f"{moment['id']}_stills")
        with _like_the_analysis(result):
            stills = write_stills(result, moment, folder, video=args.video)
        for p in stills:
            print(p)
        if not args.output:
            return 0
    if not args.output:
        raise InputError("render: give the output file with -o FILE.mp4")
    with _like_the_analysis(result):
        done = render(result, args.output, start=start, end=end, slow=args.slow, video=args.video)
    print(f"{done['path']}: {done['frames']} frames, {done['duration_s']:.1f} s"
          + (f" (slowed {args.slow:g}x)" if args.slow != 1 else ""))
    return 0


def _guider_moment(result, outdir, key: str) -> dict:
    """Moment ``key`` as the guider has it: for a case of a review workspace, with the times they set
    (and the evidence of that span) or one of their own moments; else as the analysis proposed it."""
    decided = {m.key: m for m in _decisions_for(outdir) or []}
    proposed = next((m for m in result.moments if m["id"] == key), None)
    if key in decided:
        from .moments import describe_span

        d = decided[key]
        persons = proposed["persons"] if proposed and d.source == "candidate" else None
        return {**(proposed or {}), **describe_span(result, d.start, d.end, persons), "id": key,
                "start": d.start, "end": d.end}
    if proposed is None:
        known = ", ".join(dict.fromkeys([m["id"] for m in result.moments] + list(decided))) or "none"
        raise InputError(f"{result.folder}: no moment {key!r} (there are: {known})")
    return proposed


def _span(result, args) -> tuple[float, float | None]:
    """--moment ID (with the guider's times, for a workspace case), or --start/--end (default: the whole video)."""
    if getattr(args, "moment", None):
        moment = _guider_moment(result, args.outdir, args.moment)
        return moment["start"], moment["end"]
    return (args.start or 0.0), args.end


def cmd_anonymise(args) -> int:
    from .export.anonymise import anonymise
    from .result import load

    result = load(args.outdir)
    start, end = _span(result, args)
    persons = None if args.persons in (None, "all") else [p.strip() for p in args.persons.split(",") if p.strip()]
    with _like_the_analysis(result):
        done = anonymise(result, args.output, persons=persons, start=start, end=end, method=args.method,
                         pitch_semitones=args.pitch, video=args.video)
    who = "everyone's faces" if persons is None else "the faces of " + ", ".join(persons)
    print(f"{done['path']}: {done['frames']} frames with {who} hidden ({done['hidden_regions']} regions, "
          f"{done['detector_faces_hidden']} found by the face detector on the frames)"
          + (f"; voices shifted {args.pitch:+g} semitones" if args.pitch else ""))
    if done["frames_not_tracked"]:
        print(f"  note: in {done['frames_not_tracked']} frames a chosen face was not tracked; a wider region "
              "was hidden there. Look through the copy before sharing it.")
    return 0


def cmd_batch(args) -> int:
    from .batch import BatchProgress, plan_batch, run_batch

    plan = plan_batch(args.inputs, args.output, _config_from_args(args))
    counts = {s: sum(t.state == s for t in plan.tasks) for s in ("todo", "resume", "done")}
    hours = sum(t.duration_s or 0 for t in plan.todo) / 3600
    print(f"{len(plan.tasks)} videos: {counts['todo']} to analyse, {counts['resume']} to resume, {counts['done']} "
          f"already done (same file and settings); {hours:.2f} h of footage to go, {args.jobs} at a time"
          + (f" on Ray{' at ' + args.address if args.address else ''}" if args.engine == "ray" else ""), flush=True)
    summary = run_batch(plan, jobs=args.jobs, engine=args.engine, address=args.address,
                        progress=None if args.quiet else BatchProgress())
    print(f"{args.output}: {summary['analysed']} videos in metrics.csv, {summary['failed']} failed "
          f"({summary['wall_s']:.0f} s)")
    for video, error in summary["failures"]:
        print(f"  failed: {video}: {error}")
    return 1 if summary["failed"] else 0


def _mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    out = {}
    for item in text.split(","):
        src, sep, dst = item.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise InputError(f"--relabel: {item!r} is not OLD=NEW (e.g. left=look,right=look,*=away)")
        out[src.strip()] = dst.strip()
    return out


def cmd_agree(args) -> int:
    from .coding.agreement import compare, report_text
    from .coding import from_analysis, read
    from .io.files import write_json
    from .result import load

    if bool(args.outdir) == bool(args.versus):
        raise InputError("agree: compare a coding with an analysis (OUTDIR) or with another coding (--versus FILE), "
                         "one of the two")
    manual = read(args.manual)
    if args.outdir:
        result = load(args.outdir)
        other, other_name = from_analysis(result), "vigvision"
        end = args.end if args.end is not None else float(result.video["duration_s"])
    else:
        other, other_name = read(args.versus), Path(args.versus).name
        end = args.end if args.end is not None else min(manual.end_s(), other.end_s())
    pairs = []
    for m in args.map or []:
        a, sep, b = m.rpartition(":")
        if not sep or not a or not b:
            raise InputError(f"--map: {m!r} is not 'MANUAL TIER:OTHER TIER' (e.g. 'Child gaze:P2.gaze')")
        pairs.append((a, b))
    if not pairs:
        if len(manual.streams) == 1 and len(other.streams) == 1:
            pairs = [(next(iter(manual.streams)), next(iter(other.streams)))]
        else:
            raise InputError(f"agree: say which tiers to compare with --map 'MANUAL:OTHER' (manual tiers: "
                             f"{', '.join(sorted(manual.streams))}; {other_name}: {', '.join(sorted(other.streams))})")
    mapping = _mapping(args.relabel)
    results, texts = {}, []
    for a, b in pairs:
        r = compare(manual.stream(a), other.stream(b), start=args.start, end=end, resolution=args.resolution,
                    tolerance=args.tolerance, mapping=mapping)
        results[f"{a}:{b}"] = r
        texts.append(report_text(f"{Path(args.manual).name} [{a}] vs {other_name} [{b}]", r))
    print("\n\n".join(texts))
    if args.json:
        write_json(args.json, {"manual": str(args.manual), "versus": str(args.outdir or args.versus),
                               "relabel": mapping, "comparisons": results})
        print(f"{args.json}: written")
    return 0


def cmd_moments(args) -> int:
    from .hooks import TerminalProgress, no_progress
    from .pipeline import rerank
    from .result import load

    result = load(args.outdir)
    if args.config or args.preset:
        if args.preset:   # a preset sets the moment weights; the other settings stay as analysed
            config = Config.from_dict(result.config).with_settings(
                "moments", Config.preset(args.preset).to_dict()["moments"], source=f"--preset {args.preset}")
        else:
            config = _config_from_args(args)
        done = rerank(result, config, video=args.video, hook=no_progress if args.quiet else TerminalProgress())
        print(f"vigvision: {done.words()}", file=sys.stderr)
        result = done.analysis
    print(moments_text(result, args.top))
    return 0


def to_toml(data: dict) -> str:
    """Config sections as TOML (scalars and lists of scalars only)."""
    def fmt(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return repr(v)

    out = []
    for section, values in data.items():
        out.append(f"[{section}]")
        out.extend(f"{k} = {fmt(v)}" for k, v in values.items())
        out.append("")
    return "\n".join(out)


def app_file() -> Path:
    """The review app's script, wherever vigvision is installed (source: the top-level app/)."""
    from importlib import resources

    return Path(str(resources.files("vigvision.app").joinpath("app.py")))


def cmd_app(args) -> int:
    import subprocess

    from .review import MAX_UPLOAD_MB, Workspace, jobs

    app = app_file()
    if not app.is_file():
        raise InputError(f"{app}: the app is not there; reinstall vigvision (pip install .)")
    ws = Workspace(args.workspace)
    for video in args.add or []:
        case = ws.case_for(ws.import_video(video))
        if case.state != "ready":
            print(f"analysing {case.name} into the workspace (once; later starts reuse it)...", flush=True)
            jobs.run(ws, case.id, preset=args.preset, cast=parse_cast(args.cast))
        print(f"case {case.id}: ready", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"vigvision: warning: serving on {args.host}: other machines on the network can open this app and "
              "its footage of families. Only do this on a network you trust.", file=sys.stderr)
    cmd = [sys.executable, "-m", "vigvision.review.serve", "run", str(app), "--server.address", args.host,
           "--server.port", str(args.port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.maxUploadSize", str(MAX_UPLOAD_MB), "--server.fileWatcherType", "none",
           "--client.toolbarMode", "minimal"]
    print(f"vigvision app: open http://{args.host}:{args.port} in your browser (workspace {ws.root}); "
          "Ctrl-C stops it", flush=True)
    env = {**os.environ, "VIGVISION_WORKSPACE": str(ws.root)}
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C (or kill): Streamlit stops too; every decision is already saved
        proc.terminate()
        proc.wait(timeout=30)
        print("vigvision app: stopped (everything you did is saved in the workspace)", file=sys.stderr)
        return 0


def _settings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="TOML", help="settings file (see `vigvision config`)")
    p.add_argument("--preset", choices=sorted(PRESETS), help="moment weights for the footage: infant, child "
                   "(default) or classroom")
    p.add_argument("--fps", type=float, help="frames analysed per second (overrides the config)")
    p.add_argument("--cast", metavar="ROLES", help="who is filmed, e.g. adult,child (the usual VIG shot) or "
                   "adult,child,child: that many persons are reported (overrides [persons] cast)")


def _span_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--moment", metavar="ID", help="a candidate moment (e.g. M042.5)")
    p.add_argument("--start", type=float, help="or from this time (s)")
    p.add_argument("--end", type=float, help="to this time (s)")
    p.add_argument("--video", help="the analysed video, if it has moved since the analysis")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vigvision", description="Find moments of attuned interaction in VIG footage. "
                                "Everything runs on this machine; nothing is uploaded.")
    p.add_argument("--version", action="version", version=f"vigvision {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("analyze", aliases=["analyse"], help="analyse a video and write OUTDIR/analysis.json")
    a.add_argument("video", help="video file (mp4, mov, mkv, avi, webm, ...)")
    a.add_argument("-o", "--output", metavar="OUTDIR", help="result folder (default: <video stem>.vigvision beside it)")
    _settings_args(a)
    a.add_argument("--roles", metavar="P1=adult,P2=child", help="set persons' roles instead of the suggestion")
    a.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    a.set_defaults(func=cmd_analyze)

    s = sub.add_parser("summary", help="print a short account of an analysis folder")
    s.add_argument("outdir")
    s.set_defaults(func=cmd_summary)

    pe = sub.add_parser("persons", help="show, and correct, the persons of an analysis (no decoding)",
                        description="Correct who is who: each correction is kept with the analysis and applied "
                        "again after re-ranking or a new analysis of the same video. Persons are named as the "
                        "analysis shows them now.")
    pe.add_argument("outdir")
    pe.add_argument("--merge", action="append", metavar="P4=P5", help="P5 is the same person as P4")
    pe.add_argument("--split", action="append", metavar="P1@1:14.0", help="from that time on, P1 is someone else")
    pe.add_argument("--role", action="append", metavar="P2=child", help="set a person's role (adult or child)")
    pe.add_argument("--name", action="append", metavar="P1=Mum", help="name a person (used in explanations, "
                    "exports and metrics)")
    pe.add_argument("--undo", action="store_true", help="take back the last correction")
    pe.add_argument("--clear", action="store_true", help="take back every correction")
    pe.add_argument("--video", help="the analysed video, if it has moved and must be decoded again")
    pe.set_defaults(func=cmd_persons)

    v = sub.add_parser("validate", help="check an analysis folder against the output schema")
    v.add_argument("outdir")
    v.set_defaults(func=cmd_validate)

    i = sub.add_parser("info", help="print what vigvision reads from a video's header")
    i.add_argument("video")
    i.set_defaults(func=cmd_info)

    m = sub.add_parser("sample", help="write the embedded two-person sample clip")
    m.add_argument("-o", "--output", default="sample.mp4", metavar="FILE", help="where to write it (default sample.mp4)")
    m.set_defaults(func=cmd_sample)

    mo = sub.add_parser("moments", help="print the ranked candidate moments of an analysis, with explanations; "
                        "with --config or --preset, bring the analysis to those settings first, re-running only "
                        "what reads a changed setting ([moments] alone: about a second, no decoding)")
    mo.add_argument("outdir")
    mo.add_argument("--config", metavar="TOML", help="settings file (any section); says what it re-ran")
    mo.add_argument("--preset", choices=sorted(PRESETS), help="re-rank with a preset's weights")
    mo.add_argument("--video", help="the analysed video, if it has moved (needed when a setting read before "
                    "the moments changed)")
    mo.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    mo.add_argument("--top", type=int, metavar="N", help="print only the best N")
    mo.set_defaults(func=cmd_moments)

    me = sub.add_parser("metrics", help="researcher metrics of one or more analyses as one tidy table "
                        "(a row per video, or per minute): eye contact, turn-taking, proximity")
    me.add_argument("outdirs", nargs="+", metavar="OUTDIR")
    me.add_argument("--csv", metavar="FILE", help="write the table here (default: print it)")
    me.add_argument("--per-minute", action="store_true", help="one row per minute of each video")
    me.add_argument("--per-person", action="store_true", help="one row per person of each video (long format), "
                    "with role, time seen, partner gaze, talk share, laughter")
    me.set_defaults(func=cmd_metrics)

    b = sub.add_parser("batch", help="analyse every video of folders or lists, one result folder each; resumes, "
                       "goes on past failures, ends with metrics.csv")
    b.add_argument("inputs", nargs="+", metavar="DIR_OR_LIST", help="folders (searched recursively), videos, or "
                   ".txt lists of video paths")
    b.add_argument("-o", "--output", required=True, metavar="OUTROOT", help="where the result folders go")
    b.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                   help="videos analysed at once (default: half the cores; each uses about two)")
    _settings_args(b)
    b.add_argument("--engine", choices=("local", "ray"), default="local", help="local processes (default) or "
                   "Ray tasks (pip install 'vigvision[cluster]')")
    b.add_argument("--address", help="Ray cluster address (default: start Ray on this machine)")
    b.add_argument("-q", "--quiet", action="store_true", help="no per-video progress lines")
    b.set_defaults(func=cmd_batch)

    ex = sub.add_parser("export", help="a case's accepted moments as the files for the review (--clips DIR: clips, "
                        "stills, review sheet, CSV, JSON, as the app writes them); an analysis's codes for other "
                        "tools: an ELAN file (--eaf) and BORIS-style event tables (--csv, --tsv)")
    ex.add_argument("outdir", metavar="CASE_OR_OUTDIR", help="an analysis folder, or (with --clips) a case: its "
                    "id in --workspace, or its folder WORKSPACE/cases/CASE/analysis")
    ex.add_argument("--clips", metavar="DIR", help="write the case's accepted moments here, as the app's Export does")
    ex.add_argument("--workspace", default=str(DEFAULT_WORKSPACE),
                    help="the review workspace of CASE (default ~/vigvision-workspace)")
    ex.add_argument("--slow", action="store_true", help="with --clips: also a half-speed copy of each clip")
    ex.add_argument("--anonymised", action="store_true", help="with --clips: also an anonymised copy of each clip "
                    "(faces hidden, voices lowered, no metadata, no family name in the file name)")
    ex.add_argument("--pitch", type=float, default=ANONYMISED_PITCH,
                    help=f"semitones the anonymised voices are moved ({ANONYMISED_PITCH:g})")
    ex.add_argument("--stills", metavar="T1,T2", help="with --clips: freeze-frame stills at these times (s or m:ss.s)")
    ex.add_argument("--with-elan", action="store_true", help="with --clips: also an ELAN file of the whole video")
    ex.add_argument("--eaf", metavar="FILE", help="ELAN 3.0 file linked to the video, one tier per person and code")
    ex.add_argument("--csv", metavar="FILE", help="event table, comma-separated (time, subject, behavior, START/STOP)")
    ex.add_argument("--tsv", metavar="FILE", help="the same event table, tab-separated")
    ex.set_defaults(func=cmd_export)

    ag = sub.add_parser("agree", help="agreement of a human coding with vigvision's codes, or of two codings "
                        "(kappa, percent agreement, per-label precision/recall, event F1, confusion)")
    ag.add_argument("outdir", nargs="?", help="vigvision analysis to compare with (or use --versus)")
    ag.add_argument("--manual", required=True, metavar="FILE", help="the reference coding: .eaf, .csv "
                    "(start,end,label[,tier]), BORIS events, .rttm, or a Lookit/Datavyu onset file")
    ag.add_argument("--versus", metavar="FILE", help="a second coding to compare with instead of an analysis "
                    "(inter-rater reliability)")
    ag.add_argument("--map", action="append", metavar="MANUAL:OTHER", help="which tiers to compare, e.g. "
                    "'Child gaze:P2.gaze' (repeatable; vigvision's tiers: P1.voice, P2.gaze, mutual_gaze, turns)")
    ag.add_argument("--relabel", metavar="OLD=NEW,...", help="rename labels in both codings first, e.g. "
                    "'left=look,right=look,camera=look,*=away'")
    ag.add_argument("--resolution", type=float, default=0.1, help="time slice in seconds (default 0.1)")
    ag.add_argument("--tolerance", type=float, default=0.5, help="onset tolerance for event F1, seconds (default 0.5)")
    ag.add_argument("--start", type=float, default=0.0, help="compare from this time (s)")
    ag.add_argument("--end", type=float, help="compare up to this time (s; default: the video's end)")
    ag.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ag.set_defaults(func=cmd_agree)

    rd = sub.add_parser("render", help="the footage with the measurements drawn on it, for teaching: face boxes "
                        "with roles, head and gaze arrows, who speaks, mutual gaze, a timeline strip")
    rd.add_argument("outdir")
    _span_args(rd)
    rd.add_argument("-o", "--output", metavar="FILE.mp4", help="the video to write")
    rd.add_argument("--slow", type=float, default=1.0, help="slow motion factor, e.g. 2 (sound stretched, pitch kept)")
    rd.add_argument("--stills", action="store_true", help="also write the moment's key frames (initiative, "
                    "response, eye contact) with captions, as JPEGs in a folder named after the output")
    rd.set_defaults(func=cmd_render)

    an = sub.add_parser("anonymise", aliases=["anonymize"], help="a copy for sharing outside the family: chosen "
                        "persons' faces pixelated (tracked, and found again on every frame), optional voice "
                        "pitch shift, no metadata")
    an.add_argument("outdir")
    an.add_argument("-o", "--output", required=True, metavar="FILE.mp4")
    an.add_argument("--persons", metavar="P1,P2|all", help="whose faces to hide (default all: every face found)")
    an.add_argument("--method", choices=("pixelate", "blur"), default="pixelate")
    an.add_argument("--pitch", type=float, default=0.0, metavar="SEMITONES", help="shift voices, e.g. -3")
    _span_args(an)
    an.set_defaults(func=cmd_anonymise)

    ap = sub.add_parser("app", help="start the review app in the browser (on this machine only)")
    ap.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), metavar="DIR",
                    help="folder holding cases, footage, exports and decisions (default ~/vigvision-workspace)")
    ap.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    ap.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    ap.add_argument("--add", action="append", metavar="VIDEO", help="copy a video into the workspace as a case and "
                    "analyse it before starting (repeatable; a video already added is reused)")
    ap.add_argument("--preset", choices=sorted(PRESETS), help="settings for videos added with --add")
    ap.add_argument("--cast", default="adult,child", metavar="ROLES",
                    help="who is filmed in videos added with --add (default adult,child; 'unknown' if not known)")
    ap.set_defaults(func=cmd_app)

    c = sub.add_parser("config", help="print the default settings as TOML, to copy and edit")
    c.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset's moment weights "
                   "(infant: pre-verbal, gaze and smiles weigh more; child; classroom: one adult, several children)")
    c.set_defaults(func=cmd_config)
    p.commands = sub.choices   # name (and alias) -> its parser, for messages about mistyped options
    return p


def _interrupted(exc: BaseException, command: str | None) -> int:
    """One line that says truthfully what an interrupt leaves behind."""
    if isinstance(exc, AnalysisInterrupted):
        what = exc.message()
    elif command == "batch":
        what = ("interrupted; finished videos are kept and the one in progress resumes from its finished stages: "
                "run the same command again to go on")
    else:
        what = "interrupted; nothing half-written was left"
    print(f"\nvigvision: {what}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _terminate(signum, frame):
    raise KeyboardInterrupt  # `kill` unwinds like Ctrl-C: temporary files are removed


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse like argparse, but a mistyped command or option is reported by the command it belongs to,
    with its usage and the nearest known spelling (``--topp`` -> did you mean --top?)."""
    parser = build_parser()
    words = sys.argv[1:] if argv is None else list(argv)
    commands = parser.commands
    first = next((w for w in words if not w.startswith("-")), None)
    if first is not None and first not in commands and words.index(first) == 0:
        near = difflib.get_close_matches(first, list(commands), n=1)
        parser.error(f"unknown command {first!r}" + (f"; did you mean {near[0]!r}?" if near else
                                                      f" (commands: {', '.join(sorted(set(commands)))})"))
    args, extra = parser.parse_known_args(words)
    if extra:
        sub = commands[args.command]
        known = [o for a in sub._actions for o in a.option_strings]
        hints = []
        for word in extra:
            near = difflib.get_close_matches(word.split("=")[0], known, n=1) if word.startswith("-") else []
            hints.append(f"{word} (did you mean {near[0]}?)" if near else word)
        sub.error("unrecognized arguments: " + " ".join(hints))
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except (InputError, DiskFull) as exc:
        print(f"vigvision: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except VigvisionError as exc:
        print(f"vigvision: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        return _interrupted(exc, args.command)
    except BrokenPipeError:  # e.g. `vigvision config | head`
        return 0
    except Exception as exc:
        # An interrupt that lands inside native code (e.g. while mediapipe's module
        # initialises) surfaces as another error chained to the KeyboardInterrupt.
        if caused_by_interrupt(exc):
            return _interrupted(exc, args.command)
        if is_disk_full(exc):   # outside vigvision's own writes (a temporary file, the decisions' SQLite)
            where = getattr(exc, "filename", None) or "the disk"
            print(f"vigvision: error: {where}: the disk is full ({exc}); free some space and run it again",
                  file=sys.stderr)
            return EXIT_INPUT
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
