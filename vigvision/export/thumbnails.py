"""Keyframe thumbnails of moments: one JPEG per moment, from the footage at its keyframe."""
from __future__ import annotations

from pathlib import Path


from ..io.encode import jpeg_bytes
from ..io.files import atomic_path
from .clips import read_still

THUMB_SIDE = 320
FOLDER = "moments"


def write_thumbnails(video: str | Path, moments: list[dict], outdir: Path) -> None:
    """Write ``outdir/moments/<id>.jpg`` for each moment and set its ``thumbnail`` (relative path)."""
    import cv2

    folder = outdir / FOLDER
    folder.mkdir(exist_ok=True)
    keep = {f"{m['id']}.jpg" for m in moments}
    for old in folder.glob("*.jpg"):      # thumbnails of an earlier ranking
        if old.name not in keep:
            old.unlink()
    for m in moments:
        image = read_still(video, m.get("keyframe_s", (m["start"] + m["end"]) / 2))   # the frame shown then
        if image is None:
            m["thumbnail"] = None
            continue
        scale = THUMB_SIDE / max(image.shape[:2])
        small = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                           interpolation=cv2.INTER_AREA)
        target = folder / f"{m['id']}.jpg"
        with atomic_path(target) as tmp:
            tmp.write_bytes(jpeg_bytes(small, quality=85))
        m["thumbnail"] = f"{FOLDER}/{m['id']}.jpg"
