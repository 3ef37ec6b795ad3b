"""On-disk cache of stage outputs, keyed by (video hash, stage, config hash).

Each entry is a folder ``<root>/<stage>-<key16>/`` written under a temporary
name and renamed into place when complete, so an interrupted stage leaves no
entry and the next run redoes only that stage. The key also covers the
stage's code version and the keys of the stages it reads from, so a change
upstream invalidates everything downstream.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from ..errors import DiskFull, is_disk_full
from .files import new_mode, sha256_json


def stage_key(*, video_sha256: str, stage: str, version: int, config_hash: str, upstream: dict[str, str]) -> str:
    """Hex key for one stage's output on one video."""
    return sha256_json({"video": video_sha256, "stage": stage, "version": version,
                        "config": config_hash, "upstream": upstream})


class StageCache:
    """Folders of stage outputs under ``root``.

    >>> cache = StageCache(Path("out/cache"))           # doctest: +SKIP
    >>> with cache.writing("audio", key) as folder:     # doctest: +SKIP
    ...     np.save(folder / "samples.npy", samples)
    >>> cache.get("audio", key)                         # doctest: +SKIP
    PosixPath('out/cache/audio-1f0c...')
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def folder(self, stage: str, key: str) -> Path:
        return self.root / f"{stage}-{key[:16]}"

    def get(self, stage: str, key: str) -> Path | None:
        """The entry's folder if it is complete, else None."""
        folder = self.folder(stage, key)
        return folder if (folder / ".complete").is_file() else None

    @contextlib.contextmanager
    def writing(self, stage: str, key: str) -> Iterator[Path]:
        """Yield an empty temporary folder; on success it becomes the entry."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{stage}-", suffix=".part", dir=self.root))
        try:
            yield tmp
            (tmp / ".complete").write_text(key + "\n")
            os.chmod(tmp, new_mode(folder=True))   # mkdtemp makes 0700; as any new folder, by the umask
            final = self.folder(stage, key)
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if is_disk_full(exc):
                raise DiskFull(self.folder(stage, key)) from None
            raise

    def clean_partial(self) -> None:
        """Remove temporary folders left behind by a killed run."""
        if self.root.is_dir():
            for child in self.root.glob(".*.part"):
                shutil.rmtree(child, ignore_errors=True)
