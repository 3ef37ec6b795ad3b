"""What every benchmark shares: where the footage is, and writing NAME.json and NAME.md."""
from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def footage_root() -> Path:
    """VIGVISION_FOOTAGE, else ../shared/footage beside the project."""
    return Path(os.environ.get("VIGVISION_FOOTAGE", Path(__file__).resolve().parents[2] / "shared" / "footage"))


def analysed(video: Path, work: Path):
    """vigvision's Interaction for a clip, analysing it into work/<stem> unless that is already there."""
    import pandas as pd

    import vigvision
    from vigvision.moments.interaction import Interaction

    out = work / video.stem
    if not (out / "analysis.json").is_file():
        vigvision.analyze(video, out)
    data = json.loads((out / "analysis.json").read_text())
    return Interaction.from_result(data, pd.read_parquet(out / "signals.parquet"))


def write_results(name: str, result: dict, markdown: str, *, echo: bool = True) -> None:
    """benchmarks/results/NAME.json and NAME.md, and the markdown on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown)
    if echo:
        print(markdown)
