"""Labelling sheets for where each person looks and what their face shows, to be looked at by a person.

    python -m benchmarks.labels.person_sheets VIDEO OUT_DIR [--analysis DIR] [--every 0.5] [--per-sheet 6]
                                             [--times 1.5,7.0,...]

For every ``--every`` seconds of the video, one tile: the whole frame (480 px wide) and, beside it, each
person's head enlarged (left person above, right person below), with the time. Six tiles to a PNG sheet,
plus ``template.csv`` with one row per time and side for the labeller to fill in (columns of
``benchmarks/labels/person_states/``, see README.md there). The head crops are placed from vigvision's face
tracking (``--analysis``: an analysis folder of this video; without it the video is analysed first), nearest in
time, else the person's usual place: only to place the crops. Nothing vigvision measured (gaze, mouth,
smile) is drawn, so the labels are the labeller's reading of the pictures alone. ``--times`` draws only those
times (a re-labelling sample, see ``benchmarks.labels.relabel_sample``).
"""
from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np

FRAME_W = 480
CROP_PX = 180
CROP_FACES = 2.4      # a crop spans this many face widths: the head, the hands near it
NEAREST_S = 1.0       # a face box nearer in time than this places the crop; else the person's median box


def frames_at(video: Path, times: np.ndarray) -> list[np.ndarray]:
    """The first decoded frame at or after each time (RGB), by the stream's timestamps."""
    import av

    out, want = [], list(times)
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        for f in c.decode(s):
            t = float(f.pts * s.time_base)
            while want and t + 0.02 >= want[0]:
                out.append(f.to_ndarray(format="rgb24"))
                want.pop(0)
            if not want:
                break
    while len(out) < len(times):
        out.append(out[-1])
    return out


def side_boxes(signals, times: np.ndarray) -> dict[str, np.ndarray]:
    """Per side ('left', 'right': the two persons seen longest, by median x), a (len(times), 3) array of
    crop centre x, y and face width for each time."""
    counts = signals.person.value_counts()
    two = counts.index[:2].tolist()
    order = sorted(two, key=lambda p: signals[signals.person == p].face_x.median())
    sides = dict(zip(("left", "right"), order)) if len(order) == 2 else {"left": order[0]} if order else {}
    out = {}
    for side, person in sides.items():
        rows = signals[signals.person == person]
        t = rows.time_s.to_numpy()
        # signals give the face box's top-left corner: the crop is centred on the box's centre
        xyw = np.stack([(rows.face_x + rows.face_w / 2).to_numpy(), (rows.face_y + rows.face_h / 2).to_numpy(),
                        rows.face_w.to_numpy()], -1)
        median = np.median(xyw, axis=0)
        at = []
        for ti in times:
            k = int(np.argmin(np.abs(t - ti)))
            at.append(xyw[k] if abs(t[k] - ti) <= NEAREST_S else median)
        out[side] = np.array(at)
    return out


def crop(image: np.ndarray, cx: float, cy: float, width: float) -> np.ndarray:
    import cv2

    half = max(CROP_FACES * width, 40.0) / 2
    scale = CROP_PX / (2 * half)
    m = np.array([[scale, 0, CROP_PX / 2 - scale * cx], [0, scale, CROP_PX / 2 - scale * (cy + 0.1 * width)]],
                 np.float32)
    return cv2.warpAffine(image, m, (CROP_PX, CROP_PX), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)


def tile(image: np.ndarray, t: float, boxes: dict[str, np.ndarray], k: int) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    fh = int(round(h * FRAME_W / w))
    frame = cv2.resize(image, (FRAME_W, fh), interpolation=cv2.INTER_AREA)
    height = max(fh, 2 * CROP_PX) + 28
    out = np.full((height, FRAME_W + CROP_PX + 8, 3), 255, np.uint8)
    out[28:28 + fh, :FRAME_W] = frame
    cv2.putText(out, f"t = {t:.1f} s", (4, 21), cv2.FONT_HERSHEY_SIMPLEX, 0.65, (0, 0, 0), 2)
    for j, side in enumerate(("left", "right")):
        y0 = 28 + j * CROP_PX
        if side in boxes:
            cx, cy, fw = boxes[side][k]
            out[y0:y0 + CROP_PX, FRAME_W + 8:] = crop(image, cx, cy, fw)
        cv2.putText(out, side, (FRAME_W + 12, y0 + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 0), 2)
    return out


def main(argv: list[str] | None = None) -> None:
    import cv2
    import pandas as pd

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("video", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--analysis", type=Path)
    p.add_argument("--every", type=float, default=0.5)
    p.add_argument("--per-sheet", type=int, default=6)
    p.add_argument("--times", help="comma-separated times (s) to draw instead of every --every seconds")
    a = p.parse_args(argv)
    analysis = a.analysis
    if analysis is None:
        from vigvision.pipeline import analyze

        analysis = Path(tempfile.mkdtemp(prefix="sheets_"))
        analyze(a.video, analysis)
    signals = pd.read_parquet(analysis / "signals.parquet")
    from vigvision.io.video import probe

    duration = probe(a.video).duration_s
    times = (np.array(sorted(float(t) for t in a.times.split(","))) if a.times else
             np.round(np.arange(0.0, duration - 0.05, a.every), 2))
    boxes = side_boxes(signals, times)
    frames = frames_at(a.video, times)
    a.out.mkdir(parents=True, exist_ok=True)
    for s0 in range(0, len(times), a.per_sheet):
        tiles = [tile(frames[k], times[k], boxes, k) for k in range(s0, min(len(times), s0 + a.per_sheet))]
        while len(tiles) % 2:
            tiles.append(np.full_like(tiles[0], 255))
        rows = [np.hstack([tiles[i], tiles[i + 1]]) for i in range(0, len(tiles), 2)]
        sheet = np.vstack(rows)
        cv2.imwrite(str(a.out / f"sheet_{s0 // a.per_sheet:03d}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    with open(a.out / "template.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["time_s", "side", "gaze", "face", "certainty", "note"])
        for t in times:
            for side in ("left", "right"):
                wr.writerow([f"{t:.1f}", side, "", "", "", ""])
    print(f"{len(times)} times on {-(-len(times) // a.per_sheet)} sheets in {a.out}")


if __name__ == "__main__":
    main()
