"""Codings in and out: vigvision's codes and human coders' files as one kind of record, compared and tabled.

    model.py      Coding: named streams of labelled intervals (``P2.gaze``, ``P1.voice``, ``turns``, ...)
    ours.py       from_analysis(analysis, decisions): vigvision's own codes, with the guider's accepted moments
    read.py       read(path): .eaf, .csv/.tsv (start,end,label[,tier] or BORIS events), .rttm, onset files
    elan.py       ELAN 3.0 files, written linked to the video and read back
    events.py     the table and turn formats; write_events: a BORIS-style event table
    agreement.py  kappa, percent agreement, event F1, diarization error, confusion (vigvision vs a coder)
    tables.py     tidy metrics tables across a study (a row per video, minute or person), CSV
"""
from .agreement import compare, report_text
from .elan import read_eaf, write_eaf
from .events import write_events
from .model import NONE, Coding, Segment
from .ours import from_analysis
from .read import read

__all__ = ["NONE", "Coding", "Segment", "compare", "from_analysis", "read", "read_eaf", "report_text",
           "write_eaf", "write_events"]
