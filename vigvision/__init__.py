"""vigvision: a computer-vision assisted moment finder for Video Interaction Guidance.

It analyses footage of an adult and a child, measures gaze, face orientation,
proximity and vocal turn-taking, and proposes candidate moments of attuned
interaction with plain-language evidence. The guider decides.

    footage -> per-frame signals -> per-person time series -> cue intervals
            -> ranked moments -> human decisions -> exports and metrics

>>> import vigvision
>>> result = vigvision.analyze("family.mp4")            # doctest: +SKIP
>>> result = vigvision.load("family.vigvision")         # doctest: +SKIP
"""
import os as _os

# ONNX Runtime (>= 1.29) writes a telemetry queue (device id, OS, CPU, process path) under
# ~/.cache/Microsoft and uploads it; the only full opt-out is this variable, read once, when the
# runtime initialises. Nothing about a family's footage or this machine leaves it: always off.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from .version import __version__  # noqa: E402
from .config import Config  # noqa: E402
from .errors import ConfigError, InputError, MediaError, ResultError, VigvisionError  # noqa: E402
from .result import Analysis, load  # noqa: E402


def analyze(*args, **kwargs):
    """Analyse a video; see :func:`vigvision.pipeline.analyze`."""
    from .pipeline import analyze as _analyze

    return _analyze(*args, **kwargs)


__all__ = ["Analysis", "Config", "ConfigError", "InputError", "MediaError", "ResultError",
           "VigvisionError", "analyze", "load", "__version__"]
