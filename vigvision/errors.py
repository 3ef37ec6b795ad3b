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
