"""The guider corrects the people of an analysis: merge two persons, split one at a time, set a role, give a
name. The same from the CLI (``vigvision persons OUTDIR --merge P4=P5 --role P2=child --name P1=Mum``) and the
app.

Each correction is kept in analysis.json (``overrides.corrections``) and applied by the persons stage, so it
holds through re-ranking, new settings and a new analysis of the same video; making one re-runs the stages
from persons on, from the cache: no decoding.

>>> done = correct(analysis, ["merge P4=P5", "name P1=Mum"])      # doctest: +SKIP
>>> [p["name"] or p["id"] for p in done.analysis.persons]          # doctest: +SKIP
['Mum', 'P2']
"""
from __future__ import annotations

import re
from pathlib import Path

from .config import Config
from .errors import InputError
from .hooks import ProgressHook, no_progress
from .pipeline import Rerun, rerank
from .result import Analysis, load
from .time import parse_clock
from .vision.corrections import Correction, anchors_of

MAX_NAME = 40


def make(analysis: Analysis, said: str) -> Correction:
    """One correction from the words a guider types: ``merge P4=P5`` (P5 is P4), ``split P1@1:14.0`` (from
    then on, P1 is someone else), ``role P2=child``, ``name P1=Mum``. Persons are named by their ids now;
    the correction keeps where they were seen (see :mod:`vigvision.vision.corrections`)."""
    op, _, rest = said.strip().partition(" ")
    rest = rest.strip()
    if op == "split":
        pid, at, when = rest.partition("@")
        return Correction("split", _anchors(analysis, pid.strip()), at_s=_when(analysis, pid.strip(), when), said=rest)
    left, eq, right = rest.partition("=")
    left, right = left.strip(), right.strip()
    if op not in ("merge", "role", "name") or not eq or not right:
        raise InputError(f"{said!r}: a correction is merge P4=P5, split P1@1:14.0, role P2=child or name P1=Mum")
    if op == "merge":
        if left == right:
            raise InputError(f"merge {rest}: a person cannot be merged with themselves")
        return Correction("merge", _anchors(analysis, left), _anchors(analysis, right), said=rest)
    if op == "role" and right not in ("adult", "child"):
        raise InputError(f"role {rest}: a role is adult or child")
    if op == "name" and (len(right) > MAX_NAME or not re.fullmatch(r"[\w .'-]+", right)):
        raise InputError(f"name {rest}: a name is up to {MAX_NAME} letters, digits, spaces, . ' or -")
    return Correction(op, _anchors(analysis, left), value=right, said=rest)


def _anchors(analysis: Analysis, pid: str):
    ids = [p["id"] for p in analysis.persons]
    if pid not in ids:
        raise InputError(f"{analysis.folder}: no person {pid!r} (there are: {', '.join(ids) or 'none'})")
    sig = analysis.signals()
    rows = sig[sig.person == pid]
    return anchors_of(rows.time_s.to_numpy(), (rows.face_x + rows.face_w / 2).to_numpy(),
                      (rows.face_y + rows.face_h / 2).to_numpy(), rows.face_w.to_numpy())


def _when(analysis: Analysis, pid: str, text: str) -> float:
    try:
        at = parse_clock(text.strip())
    except (InputError, ValueError):
        raise InputError(f"split {pid}@{text}: give the time as seconds or m:ss.s, e.g. split {pid}@1:14.0") from None
    sig = analysis.signals()
    times = sig.time_s[sig.person == pid]
    if not len(times) or not times.min() < at <= times.max():
        raise InputError(f"split {pid}@{text}: {pid} is seen from {times.min():.1f} to {times.max():.1f} s; "
                         "split inside that")
    return float(at)


def correct(folder: str | Path | Analysis, said: list[str], *, video: str | Path | None = None,
            hook: ProgressHook = no_progress) -> Rerun:
    """Add corrections (:func:`make`'s words) to an analysis and re-run from persons on, once. Every person
    is named as the analysis shows them now (``--merge P4=P5 --name P1=Mum``: the P1 shown, whatever the
    merge renumbers); they apply in the order given."""
    analysis = folder if isinstance(folder, Analysis) else load(folder)
    fixes = list(analysis.data.get("overrides", {}).get("corrections") or [])
    fixes += [make(analysis, words).to_dict() for words in said]
    return rerank(analysis, Config.from_dict(analysis.config), video=video, hook=hook, corrections=fixes)


def undo(folder: str | Path | Analysis, *, every: bool = False, video: str | Path | None = None) -> Rerun:
    """Take back the last correction (``every``: all of them)."""
    analysis = folder if isinstance(folder, Analysis) else load(folder)
    fixes = list(analysis.data.get("overrides", {}).get("corrections") or [])
    if not fixes:
        raise InputError(f"{analysis.folder}: no correction of persons to undo")
    return rerank(analysis, Config.from_dict(analysis.config), video=video, corrections=[] if every else fixes[:-1])


def listed(analysis: Analysis) -> list[str]:
    """The corrections made, in the guider's words: ["merge P4=P5", "name P1=Mum"]."""
    return [f"{c['op']} {c.get('said', '')}".strip() for c in analysis.data.get("overrides", {}).get("corrections") or []]
