"""Footage out: clips, stills, the review sheet, trainers' overlays, anonymised copies, moment thumbnails.

    clips.py       export_clip (cut on the exact frames, optionally slowed), export_still, read_still,
                   portrait_jpeg (who a person is)
    sheet.py       review_sheet (a self-contained HTML page), decisions_table (rows for a CSV)
    render.py      a span with the measurements drawn on it, for trainers (vigvision render)
    anonymise.py   a copy with faces hidden and voices shifted, to share outside the family
    thumbnails.py  each candidate moment's keyframe, beside its analysis

A case's accepted moments go out through :mod:`vigvision.review.handout`, which uses these.
"""
from .clips import browser_playable, export_clip, export_still, portrait_jpeg, read_still, still_jpeg
from .sheet import DECISION_COLUMNS, decisions_table, review_sheet

__all__ = ["DECISION_COLUMNS", "browser_playable", "decisions_table", "export_clip", "export_still", "portrait_jpeg",
           "read_still", "review_sheet", "still_jpeg"]
