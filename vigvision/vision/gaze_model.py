"""The learned gaze target: per person and frame, how likely each target is, as Viterbi costs.

The model (``vigvision/models/gaze_target.onnx``, card: ``models/gaze_target.md``) reads the
:mod:`gaze_features` of a person against one partner and gives the probabilities of looking at the partner's
face, into the camera, at an object, or elsewhere. With more than two persons it is asked once per partner:
the cost of looking at person q is from the run with q as the partner, camera and away from the mean over
partners; a partner out of sight is a target only while no other partner is in sight. A cost is ``-2 ln p`` (capped), the same units as the angle rules' squared tolerance ratio, so
``gaze.switch_cost`` keeps its meaning.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..config import SHIPPED_GAZE_MODEL as MODEL
from .gaze_features import features

CLASSES = ("partner", "camera", "object", "elsewhere")


@lru_cache(maxsize=4)
def _session(path: str, mtime_ns: int):
    """One session per model file and version of it (a model retrained in place is read again)."""
    from ..models.runtime import session

    return session(path)


def probabilities(x: np.ndarray, model: Path = MODEL) -> np.ndarray:
    """(N, 4) probabilities of CLASSES for (N, len(FEATURES)) finite inputs."""
    if not len(x):
        return np.zeros((0, len(CLASSES)), np.float32)
    return _session(str(model), Path(model).stat().st_mtime_ns).run(None, {"features": x.astype(np.float32)})[0]


def target_costs(grids: dict[str, np.ndarray], frame_size: tuple[int, int], cap: float,
                 model: Path = MODEL) -> np.ndarray:
    """(F, P, P + 2) costs: targets 0..P-1 a person (oneself: inf), P camera, P + 1 away; inf where unseen."""
    F, P = grids["cx"].shape
    cost = np.full((F, P, P + 2), np.inf)
    for p in range(P):
        partners = [q for q in range(P) if q != p] or [None]
        camera, away = np.zeros(F), np.zeros(F)
        for q in partners:
            x = features(grids, p, q, frame_size)
            seen = np.isfinite(x).all(-1)
            prob = np.full((F, len(CLASSES)), np.nan)
            prob[seen] = probabilities(x[seen], model)
            if q is not None:
                # a partner out of sight can still be looked at (a face lost behind a toy, a mother half out
                # of the shot: the model was trained so), unless another partner is in sight then: the look
                # is then read against those seen, never against an arbitrary unseen one
                others = [o for o in partners if o not in (q, None)]
                other_seen = (np.isfinite(grids["cx"][:, others]).any(axis=1) if others else np.zeros(F, bool))
                unseen = ~np.isfinite(grids["cx"][:, q]) & other_seen
                cost[:, p, q] = np.where(unseen, np.inf, _cost(prob[:, 0], cap))
            camera += prob[:, 1] / len(partners)
            away += (prob[:, 2] + prob[:, 3]) / len(partners)
        cost[:, p, P] = _cost(camera, cap)
        cost[:, p, P + 1] = _cost(away, cap)
    return cost


def _cost(p: np.ndarray, cap: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.minimum(-2.0 * np.log(np.maximum(p, 1e-9)), cap)
    return np.where(np.isfinite(p), c, np.inf)
