"""What every benchmark shares: where the footage is, and writing NAME.json and NAME.md."""
from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def footage_root() -> Path:
    """VIGVISION_FOOTAGE, else ../shared/footage beside the project."""
    return Path(os.environ.get("VIGVISION_FOOTAGE", Path(__file__).resolve().parents[2] / "shared" / "footage"))


def analysis(video: Path, work: Path, config=None, *, tag: str = ""):
    """vigvision's analysis of a clip (vigvision.load), analysed into work/<stem><tag> unless already there."""
    import vigvision

    out = work / f"{video.stem}{tag}"
    if not (out / "analysis.json").is_file():
        vigvision.analyze(video, out, config=config)
    return vigvision.load(out, check_schema=False)


def analysed(video: Path, work: Path):
    """vigvision's Interaction for a clip (see analysis())."""
    from vigvision.moments.interaction import Interaction

    result = analysis(video, work)
    return Interaction.from_result(result.data, result.signals())


def write_results(name: str, result: dict, markdown: str, *, echo: bool = True) -> None:
    """benchmarks/results/NAME.json and NAME.md, and the markdown on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown)
    if echo:
        print(markdown)
