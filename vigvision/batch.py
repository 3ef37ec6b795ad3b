"""A whole study at once: every video of a folder (or list) analysed unattended, one result folder each.

    plan = plan_batch(["study/"], "results/", config)     # what to do: new, resume, up to date
    run_batch(plan, jobs=4)                               # local processes, or engine="ray"

Each video goes to ``OUTROOT/<input folder name>/<its path in it, without suffix>/`` (a video given
by itself: ``OUTROOT/<its name without suffix>/``) with its own
``analysis.log``. A video whose analysis.json is there, made from the same file (SHA-256) with the
same settings (config hash), is skipped; an interrupted one resumes from its cached stages (the
pipeline's cache). A video that fails (corrupt, not a video, a bug) is recorded with its error and
the batch goes on. At the end: ``OUTROOT/metrics.csv`` (one tidy row per analysed video),
``OUTROOT/failures.csv`` and ``OUTROOT/batch.json`` (each video's state, error and timings).

The per-video work is one plain function, :func:`analyse_one`, run by a local process pool or
as Ray tasks (``engine="ray"``, the optional ``cluster`` extra) on a shared filesystem: the same
skip, resume and failure rules either way.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .errors import InputError, VigvisionError
from .io.files import sha256_file, write_json
from .io.video import VIDEO_EXTENSIONS
from .time import hms



@dataclass
class Task:
    video: str
    outdir: str
    duration_s: float | None = None
    state: str = "todo"          # todo | resume | done | failed
    error: str | None = None
    seconds: float | None = None


@dataclass
class Plan:
    outroot: Path
    config: Config
    tasks: list[Task] = field(default_factory=list)

    @property
    def todo(self) -> list[Task]:
        return [t for t in self.tasks if t.state in ("todo", "resume")]


def find_videos(inputs: Iterable[str | Path]) -> list[tuple[Path, Path]]:
    """(video, where its results go under OUTROOT) for every video under the inputs: folders (recursive, by
    extension; results keep the folder's name and layout), video files, or .txt lists of paths (one per
    line, # comments)."""
    out: list[tuple[Path, Path]] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for v in sorted(p.rglob("*")):
                if v.suffix.lower() in VIDEO_EXTENSIONS and v.is_file() and not v.name.startswith("."):
                    out.append((v, Path(p.resolve().name) / v.relative_to(p)))
        elif p.is_file() and p.suffix.lower() == ".txt":
            for line in p.read_text().splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    v = (p.parent / line) if not Path(line).is_absolute() else Path(line)
                    out.append((v, Path(v.name)))
        elif p.is_file():
            out.append((p, Path(p.name)))
        else:
            raise InputError(f"{p}: no such folder, video or list")
    seen, unique = set(), []
    for v, rel in out:
        if v.resolve() not in seen:
            seen.add(v.resolve())
            unique.append((v, rel))
    return unique


def _state(video: Path, outdir: Path, config_hash: str) -> str:
    """done: a complete result of this very file with these settings; resume: some stage cached; else todo."""
    f = outdir / "analysis.json"
    if f.is_file():
        try:
            data = json.loads(f.read_text())
            if data.get("config_hash") == config_hash and data["video"].get("sha256") == sha256_file(video):
                return "done"
        except (json.JSONDecodeError, KeyError, OSError):
            pass
    return "resume" if (outdir / "cache").is_dir() else "todo"


def plan_batch(inputs: Iterable[str | Path], outroot: str | Path, config: Config) -> Plan:
    videos = find_videos(inputs)
    if not videos:
        raise InputError(f"no videos found in {', '.join(map(str, inputs))} ({', '.join(VIDEO_EXTENSIONS)})")
    outroot = Path(outroot)
    plan = Plan(outroot, config)
    taken: set[Path] = set()
    inside = outroot.resolve()
    for video, rel in videos:
        if inside in video.resolve().parents:
            continue   # OUTROOT inside an input folder: never analyse the batch's own outputs
        outdir = outroot / rel.with_suffix("")
        while outdir in taken:                     # a.mp4 and a.mov in one folder
            outdir = outdir.with_name(outdir.name + "_" + video.suffix.lstrip("."))
        taken.add(outdir)
        plan.tasks.append(Task(str(video), str(outdir), state=_state(video, outdir, config.hash())))
    for t in plan.tasks:
        try:
            from .io.video import probe

            t.duration_s = probe(t.video).duration_s
        except VigvisionError:
            t.duration_s = None   # it will fail in its turn, with the reason
    return plan


def analyse_one(video: str, outdir: str, config: dict) -> dict:
    """Analyse one video into outdir, its log in outdir/analysis.log; never raises: returns
    {'video', 'state': 'done' | 'failed', 'error', 'seconds'}. Used by every engine."""
    import logging

    from .pipeline import analyze

    t0 = time.perf_counter()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "analysis.log"
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} analysing {video}\n")
        handler = logging.StreamHandler(f)
        logging.getLogger().addHandler(handler)
        try:
            def hook(p):
                if p.event in ("start", "end", "cached"):
                    f.write(f"{p.stage}: {p.event}" + (f" in {p.stage_s:.1f} s" if p.stage_s else "") + "\n")
                    f.flush()
            analyze(video, out, config=Config.from_dict(config, source="batch"), hook=hook)
            f.write(f"done in {time.perf_counter() - t0:.1f} s\n")
            return {"video": video, "state": "done", "error": None, "seconds": round(time.perf_counter() - t0, 2)}
        except VigvisionError as exc:
            f.write(f"failed: {exc}\n")
            return {"video": video, "state": "failed", "error": str(exc), "seconds": round(time.perf_counter() - t0, 2)}
        except Exception as exc:  # a bug: the batch goes on, the traceback stays in the video's log
            traceback.print_exc(file=f)
            return {"video": video, "state": "failed", "error": f"internal error ({exc.__class__.__name__}: {exc}); "
                    f"see {log}", "seconds": round(time.perf_counter() - t0, 2)}
        finally:
            logging.getLogger().removeHandler(handler)


def _worker_init(parent: int) -> None:
    # One process per video: keep each to its own core (the libraries would otherwise each start
    # a thread per core and the processes would fight over them).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    exit_with(parent)


def exit_with(parent: int) -> None:
    """End this process when ``parent`` dies, however it dies (a SIGKILL of the batch left its workers,
    600 MB each, running for good): the kernel sends SIGTERM (Linux), and a watcher thread checks too."""
    import signal
    import threading

    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass   # not Linux: the watcher alone

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)   # orphaned: what it was writing is in a temporary file, removed by the next run

    if os.getppid() != parent:   # died before we got here
        os._exit(1)
    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _local(tasks: list[Task], config: dict, jobs: int, done: Callable[[Task, dict], None]) -> None:
    import multiprocessing as mp

    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                             initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(analyse_one, t.video, t.outdir, config): t for t in tasks}
        for fut in as_completed(futures):
            done(futures[fut], fut.result())


def _ray(tasks: list[Task], config: dict, jobs: int, done: Callable[[Task, dict], None], address: str | None) -> None:
    try:
        import ray
    except ImportError:
        raise InputError("--engine ray needs Ray: pip install 'vigvision[cluster]'") from None
    started = not ray.is_initialized()
    if started:
        kw = {"address": address} if address else {"num_cpus": jobs, "include_dashboard": False}
        ray.init(**kw, logging_level="ERROR", log_to_driver=False,
                 runtime_env={"env_vars": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}})
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(analyse_one)
        pending = {remote.remote(t.video, t.outdir, config): t for t in tasks}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                done(pending.pop(ref), ray.get(ref))
    finally:
        if started:
            ray.shutdown()


def run_batch(plan: Plan, *, jobs: int = 1, engine: str = "local", address: str | None = None,
              progress: Callable[[dict], None] | None = None) -> dict:
    """Run the plan; returns the summary also written to OUTROOT/batch.json."""
    plan.outroot.mkdir(parents=True, exist_ok=True)
    for leftover in plan.outroot.glob(".*.part*"):   # batch.json's temporary file, when a kill cut its write
        leftover.unlink(missing_ok=True)
    config = plan.config.to_dict()
    todo = plan.todo
    total_s = sum(t.duration_s or 0.0 for t in todo)
    state = {"videos": len(todo), "done": 0, "failed": 0, "footage_s": total_s, "footage_done_s": 0.0,
             "t0": time.monotonic()}

    def done(task: Task, r: dict) -> None:
        task.state, task.error, task.seconds = r["state"], r["error"], r["seconds"]
        state["done" if r["state"] == "done" else "failed"] += 1
        state["footage_done_s"] += task.duration_s or 0.0
        _write_status(plan)   # a kill at any moment leaves an up-to-date record
        if progress:
            progress({**state, "last": task})

    if todo:
        if engine == "local":
            _local(todo, config, max(1, jobs), done)
        elif engine == "ray":
            _ray(todo, config, max(1, jobs), done, address)
        else:
            raise InputError(f"unknown engine {engine!r} (local or ray)")
    return finish(plan, wall_s=time.monotonic() - state["t0"])


def _write_status(plan: Plan) -> None:
    write_json(plan.outroot / "batch.json", {"config_hash": plan.config.hash(),
                                            "videos": [asdict(t) for t in plan.tasks]})


def finish(plan: Plan, *, wall_s: float) -> dict:
    """metrics.csv for every analysed video, failures.csv, batch.json; returns the summary."""
    from .result import load
    from .coding.tables import video_row, write_csv

    _write_status(plan)
    rows = []
    for t in plan.tasks:
        if t.state == "done":
            try:
                folder = str(Path(t.outdir).relative_to(plan.outroot))
                rows.append({"result_folder": folder, **video_row(load(t.outdir))})
            except VigvisionError as exc:
                t.state, t.error = "failed", f"result unreadable: {exc}"
    if rows:
        write_csv(plan.outroot / "metrics.csv", rows)
    failures = [t for t in plan.tasks if t.state == "failed"]
    if failures:
        write_csv(plan.outroot / "failures.csv", [{"video": t.video, "error": t.error} for t in failures])
    else:
        (plan.outroot / "failures.csv").unlink(missing_ok=True)   # a resumed batch that now succeeded
    _write_status(plan)
    return {"videos": len(plan.tasks), "analysed": len(rows), "failed": len(failures),
            "skipped": sum(1 for t in plan.tasks if t.seconds is None and t.state == "done"),
            "wall_s": round(wall_s, 1), "failures": [(t.video, short_error(t)) for t in failures]}


class BatchProgress:
    """One line on stderr: videos done, hours of footage done, ETA (from footage throughput)."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream

    def __call__(self, s: dict) -> None:
        elapsed = time.monotonic() - s["t0"]
        frac = s["footage_done_s"] / s["footage_s"] if s["footage_s"] else (s["done"] + s["failed"]) / s["videos"]
        eta = elapsed * (1 - frac) / frac if frac > 0 else None
        last = s["last"]
        mark = "ok" if last.state == "done" else f"FAILED: {short_error(last)}"
        done, total = hms(s["footage_done_s"], hours=True), hms(s["footage_s"], hours=True)
        self.stream.write(f"[{s['done'] + s['failed']}/{s['videos']} videos, {done} of {total} of footage, "
                          f"elapsed {hms(elapsed, hours=True)}" + (f", ETA {hms(eta, hours=True)}" if eta is not None
                                                                   else "") + f"] {Path(last.video).name}: {mark}\n")
        self.stream.flush()


def short_error(task: Task) -> str:
    """The error without the video's path in front (the line names the video already)."""
    err = task.error or ""
    return err[len(task.video) + 2:] if err.startswith(f"{task.video}: ") else err
