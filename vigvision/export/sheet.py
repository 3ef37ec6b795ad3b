"""For the review with the family: a self-contained HTML review sheet of the accepted moments, and the
moments and decisions as table rows.

- :func:`review_sheet`: one HTML page (stills embedded, no external fonts or scripts) with each moment's
  times, explanation, principles, tags and note; print it to PDF from the browser for the shared review.
- :func:`decisions_table`: the moments and decisions as rows for a CSV (``vigvision.coding.tables.write_csv``).
"""
from __future__ import annotations

import base64
import html
import time
from pathlib import Path

from ..version import __version__
from ..io.encode import jpeg_bytes
from ..io.files import atomic_open
from ..time import clock
from .clips import read_still

DECISION_COLUMNS = ("case", "moment", "source", "status", "start_s", "end_s", "duration_s", "proposed_start_s",
                    "proposed_end_s", "rank", "score", "principles", "tags", "note", "explanation")


def decisions_table(case_id: str, moments) -> list[dict]:
    """One row per moment (review.store.Moment), in DECISION_COLUMNS order; ``status`` in the words the app
    shows (to decide / accepted / rejected), times as the guider left them (``proposed_*``: as first proposed)."""
    from ..review.store import STATUS_WORDS

    return [{"case": case_id, "moment": m.key, "source": m.source, "status": STATUS_WORDS[m.status],
             "start_s": round(m.start, 3), "end_s": round(m.end, 3), "duration_s": round(m.end - m.start, 3),
             "proposed_start_s": m.proposed_start, "proposed_end_s": m.proposed_end, "rank": m.rank,
             "score": m.score, "principles": "; ".join(m.principles), "tags": "; ".join(m.tags), "note": m.note,
             "explanation": m.explanation} for m in moments]


def review_sheet(title: str, video: str | Path, moments, out: str | Path, *, stills_at: dict | None = None) -> Path:
    """A self-contained HTML review sheet for ``moments`` (accepted ones, in time order).

    ``stills_at``: moment key -> list of instants to show (default: the moment's middle).
    """
    stills_at = stills_at or {}
    cards = []
    for m in sorted(moments, key=lambda m: m.start):
        imgs = []
        for t in stills_at.get(m.key) or [(m.start + m.end) / 2]:
            image = read_still(video, t, max_side=480)
            if image is not None:
                data = base64.b64encode(jpeg_bytes(image, quality=80)).decode()
                imgs.append(f'<figure><img alt="frame at {clock(t)}" src="data:image/jpeg;base64,{data}">'
                            f"<figcaption>{clock(t)}</figcaption></figure>")
        meta = []
        if m.principles:
            meta.append("<b>Principles:</b> " + html.escape(", ".join(m.principles)))
        if m.tags:
            meta.append("<b>Tags:</b> " + html.escape(", ".join(m.tags)))
        cards.append(
            f'<section class="moment"><h2>{clock(m.start)} &ndash; {clock(m.end)} '
            f'<small>({m.end - m.start:.1f} s{", added by the guider" if m.source == "own" else ""})</small></h2>'
            f'<div class="stills">{"".join(imgs)}</div>'
            f"<p>{html.escape(m.explanation)}</p>"
            + "".join(f"<p>{x}</p>" for x in meta)
            + (f'<p class="note"><b>Guider\'s note:</b> {html.escape(m.note)}</p>' if m.note else "")
            + "</section>")
    body = "".join(cards) or "<p>No accepted moments yet.</p>"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}: review sheet</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.15rem; margin-bottom: .3rem; }} small {{ color: #666; }}
.moment {{ border-top: 1px solid #ccc; padding: .8rem 0; page-break-inside: avoid; }}
.stills {{ display: flex; gap: .6rem; flex-wrap: wrap; }}
figure {{ margin: 0; }} img {{ max-width: 22rem; border-radius: 4px; }} figcaption {{ color: #666; font-size: .85rem; }}
.note {{ background: #f5f5ef; padding: .4rem .6rem; }}
footer {{ color: #888; font-size: .8rem; margin-top: 2rem; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Moments chosen for the review, in the order they happen. Made with vigvision {__version__} on
{time.strftime('%Y-%m-%d')}; the guider chose and edited these moments.</p>
{body}
<footer>Contains images of the people filmed: keep it as you keep the footage.</footer>
</body></html>
"""
    with atomic_open(out, "w", encoding="utf-8") as f:
        f.write(page)
    return Path(out)
