"""Contact sheets of an analysis' top candidate moments, to judge as a guider would whether to keep each.

    python -m benchmarks.labels.moment_sheets ANALYSIS_DIR OUT_DIR [--top 3] [--frames 8] [--video FILE]

For each of the ``--top`` ranked candidates: ``--frames`` frames evenly across it (each with its time), and
under them the candidate's rank, times and explanation as vigvision writes it, so a reader can check the
explanation against the pictures. One PNG per candidate. Nothing else vigvision measured is drawn.
"""
from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import numpy as np

from .person_sheets import frames_at

TILE_W = 320


def sheet(frames: list[np.ndarray], times: np.ndarray, header: str, text: str) -> np.ndarray:
    import cv2

    tiles = []
    for image, t in zip(frames, times):
        h, w = image.shape[:2]
        small = cv2.resize(image, (TILE_W, round(h * TILE_W / w)), interpolation=cv2.INTER_AREA)
        cv2.putText(small, f"{t:.1f} s", (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2)
        tiles.append(small)
    while len(tiles) % 4:
        tiles.append(np.full_like(tiles[0], 255))
    grid = np.vstack([np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)])
    lines = [header] + textwrap.wrap(text, width=128)
    band = np.full((24 * len(lines) + 10, grid.shape[1], 3), 255, np.uint8)
    for k, line in enumerate(lines):
        cv2.putText(band, line, (6, 22 + 24 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1 + (k == 0))
    return np.vstack([grid, band])


def main(argv: list[str] | None = None) -> None:
    import cv2

    import vigvision

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("analysis", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--video", type=Path, help="the footage, where it has moved since the analysis")
    a = p.parse_args(argv)
    result = vigvision.load(a.analysis)
    video = result.source_video(a.video)
    a.out.mkdir(parents=True, exist_ok=True)
    for m in sorted(result.moments, key=lambda m: m["rank"])[:a.top]:
        times = np.linspace(m["start"], m["end"], a.frames + 2)[1:-1]
        header = f"#{m['rank']}  {m['start']:.1f}-{m['end']:.1f} s  score {m['score']}"
        image = sheet(frames_at(video, times), times, header, m["explanation"])
        cv2.imwrite(str(a.out / f"moment_{m['rank']}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    print(f"{min(a.top, len(result.moments))} sheets in {a.out}")


if __name__ == "__main__":
    main()
