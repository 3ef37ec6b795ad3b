"""What every benchmark shares: where the footage is, and writing NAME.json and NAME.md."""
from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def footage_root() -> Path:
    """VIGVISION_FOOTAGE, else ../shared/footage beside the project."""
    return Path(os.environ.get("VIGVISION_FOOTAGE", Path(__file__).resolve().parents[2] / "shared" / "footage"))


def join_clips(clips: list[Path], film: Path, *, seconds: float | None = None) -> Path:
    """The clips one after another (repeated until ``seconds`` if given) as one 640x480 25 fps H.264 film
    (made once: an existing ``film`` is reused). Never committed: benchmarks make it in their work folder."""
    import subprocess

    if film.is_file():
        return film
    lines, total, i = [], 0.0, 0
    while i < len(clips) or (seconds is not None and total < seconds):
        clip = clips[i % len(clips)]
        lines.append(f"file '{clip}'")
        total += float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                       "csv=p=0", str(clip)], capture_output=True, text=True).stdout)
        i += 1
        if seconds is not None and total >= seconds:
            break
    listing = film.with_suffix(".txt")
    listing.write_text("\n".join(lines) + "\n")
    limit = ["-t", str(seconds)] if seconds is not None else []
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), *limit,
                    "-vf", "scale=640:480,fps=25", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
                    "-ar", "16000", str(film)], check=True)
    return film


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
