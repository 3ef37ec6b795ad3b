"""File helpers: content hashing and atomic writes.

Every result file is written to a temporary name in the same folder and then
renamed over the target, so an interrupted run never leaves a half-written file
in place of a good one.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from ..errors import DiskFull, is_disk_full


def sha256_file(path: str | os.PathLike, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_json(obj) -> str:
    """Hex SHA-256 of a JSON value in canonical form (sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_mode(*, folder: bool = False) -> int:
    """The mode a file (or folder) created now gets: what ``open``/``mkdir`` give under the current umask."""
    return (0o777 if folder else 0o666) & ~_umask()


def owner_only() -> None:
    """From now on, everything this process creates is readable by its owner only (umask 077).

    Called by every process that opens a review workspace: it holds families' footage and a
    guider's notes, so no file in it should be readable by other users, whatever the umask.
    """
    os.umask(_umask() | 0o077)


def _denied(source: str | os.PathLike) -> int:
    """The group and other permission bits ``source`` denies (reading it allows listing a folder)."""
    mode = os.stat(source).st_mode & 0o077
    return ~(mode | (mode & 0o044) >> 2) & 0o077


@contextlib.contextmanager
def no_more_open_than(source: str | os.PathLike, *, folder: str | os.PathLike | None = None) -> Iterator[None]:
    """While inside, files and folders created are open to group and others at most as ``source`` is;
    ``folder`` (existing, e.g. a result folder from an earlier run) is closed as far too.

    Results made from a video say what is in it: a video only its owner may read gets results only
    its owner may read.
    """
    denied = _denied(source)
    if folder is not None and denied:
        with contextlib.suppress(OSError):   # not ours to change: its files still get the tighter mode
            os.chmod(folder, os.stat(folder).st_mode & ~denied & 0o7777)
    before = os.umask(0o077)
    os.umask(before | denied)
    try:
        yield
    finally:
        os.umask(before)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target`` (unless the caller
    removed it: then ``target`` is left as it is).

    On any exception the temporary file is removed and ``target`` is untouched; a full disk is
    raised as :class:`~vigvision.errors.DiskFull` naming ``target``.

    >>> with atomic_path("out/analysis.json") as tmp:     # doctest: +SKIP
    ...     tmp.write_text("{}")
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Keep the real extension last: media writers pick the container from it.
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not tmp.exists():       # the caller removed it: ``target`` stays as it is
            return
        os.chmod(tmp, new_mode())  # mkstemp makes 0600; the file gets the mode any new file would
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if is_disk_full(exc):
            raise DiskFull(target) from None
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike, mode: str = "w", **kw) -> Iterator[IO]:
    """Open a temporary file beside ``target`` for writing; rename on success."""
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def write_json(target: str | os.PathLike, obj, *, indent: int | None = 2) -> None:
    """Write JSON atomically (NaN is refused: JSON has no NaN)."""
    with atomic_open(target, "w", encoding="utf-8") as f:
        dump_json(obj, f, indent=indent)


def save_npz(path: str | os.PathLike, **arrays) -> None:
    """``np.savez`` made in memory, then written at once: on a full disk numpy's zip writer fails twice
    (once more while being collected, printing a traceback); one write fails once, cleanly."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with open(path, "wb") as f:
        f.write(buf.getbuffer())


def dump_json(obj, f: IO, *, indent: int | None = 2) -> None:
    """JSON as vigvision writes it: UTF-8 text, no NaN, a final newline."""
    json.dump(obj, f, indent=indent, allow_nan=False, ensure_ascii=False)
    f.write("\n")
