"""A coding from a file, by its type: ELAN, tables (CSV/TSV, BORIS events), RTTM, Lookit/Datavyu onsets."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .elan import read_eaf
from .events import read_onsets, read_rttm, read_table
from .model import Coding


def read(path: str | Path) -> Coding:
    """A human (or other tool's) coding, by its file type."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: coding file not found")
    suffix = p.suffix.lower()
    if suffix == ".eaf":
        return read_eaf(p)
    if suffix == ".rttm":
        return read_rttm(p)
    text = p.read_text(encoding="utf-8-sig", errors="replace")
    head = "\n".join(text.splitlines()[:4])
    if head.startswith("Offset:") or "TrackName" in head:   # Lookit / Datavyu event export
        return read_onsets(p, text)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_table(p, text, "\t" if suffix == ".tsv" or "\t" in text.split("\n", 1)[0] else ",")
    raise InputError(f"{p}: unknown coding format (use .eaf, .csv, .tsv or .rttm)")
