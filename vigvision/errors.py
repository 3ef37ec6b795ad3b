"""One exception root for vigvision.

Every error a user can cause (a missing file, a file that is not a video, a bad
config value) is an :class:`InputError`, which is also a :class:`ValueError`, so
callers may catch either. Messages name the file or value and say what was
expected, what was found, and what to do.
"""
from __future__ import annotations

from os import PathLike


class VigvisionError(Exception):
    """Root of every error raised on purpose by vigvision."""


class InputError(VigvisionError, ValueError):
    """The user gave something vigvision cannot use (file, argument, config)."""


class MediaError(InputError):
    """A media file is missing, unreadable, or has no usable video.

    >>> str(MediaError("clip.mp4", "no video stream (found only audio)"))
    'clip.mp4: no video stream (found only audio)'
    """

    def __init__(self, path: str | PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ConfigError(InputError):
    """A configuration file or value is invalid."""


class ResultError(InputError):
    """An analysis folder is missing, incomplete or of an unsupported version."""


class DiskFull(VigvisionError):
    """The disk (or the user's quota) filled up while writing ``path``; what was being written is removed.

    >>> str(DiskFull("out/cache/audio-1f0c"))
    'out/cache/audio-1f0c: the disk is full; nothing half-written was left there: free some space and run it again'
    """

    def __init__(self, path: str | PathLike):
        self.path = str(path)
        super().__init__(f"{self.path}: the disk is full; nothing half-written was left there: free some space "
                         "and run it again")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk or the quota is full (ENOSPC, EDQUOT; SQLite's SQLITE_FULL)."""
    import errno
    import sqlite3

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorcode", None) == 13


class AnalysisInterrupted(KeyboardInterrupt):
    """An analysis stopped by Ctrl-C or ``kill``, saying truthfully what it leaves to resume from.

    ``cached``: the stages whose output is in the cache (a re-run reuses them); ``running``: the stage
    that was cut, and how far it had got (0..1).
    """

    def __init__(self, cache: str, cached: list[str], running: str | None, fraction: float | None):
        self.cache, self.cached, self.running, self.fraction = cache, list(cached), running, fraction
        super().__init__(self.message())

    def message(self) -> str:
        if self.running is None:
            cut = "it was stopped between stages"
        elif self.fraction is None:
            cut = f"stopped during {self.running}"
        else:
            cut = f"the {self.running} stage was stopped at {100 * self.fraction:.0f}%"
        if self.cached:
            return (f"interrupted ({cut}); finished stages ({', '.join(self.cached)}) are cached in {self.cache}: "
                    "run the same command again to resume from them")
        return f"interrupted ({cut}); no stage had finished, so nothing is cached: running it again starts over"


def caused_by_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was raised while handling, a KeyboardInterrupt (a signal that lands inside
    native code, e.g. while mediapipe initialises, surfaces as another error chained to it)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
