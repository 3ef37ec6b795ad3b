"""The one way vigvision runs an ONNX model: onnxruntime on one CPU core, with its telemetry off.

onnxruntime reads ``ORT_DISABLE_TELEMETRY`` once, when it initialises; ``import vigvision`` sets it.
A process that imported onnxruntime before vigvision (a host application) is told so here, since
its runtime may then already keep a telemetry queue that vigvision cannot switch off.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path


def session(model: str | os.PathLike):
    """An ``onnxruntime.InferenceSession`` for ``model``: CPU, one thread, quiet, telemetry off."""
    if "onnxruntime" not in sys.modules:
        os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    elif os.environ.get("ORT_DISABLE_TELEMETRY") != "1":
        warnings.warn("onnxruntime was loaded before vigvision set ORT_DISABLE_TELEMETRY=1: its telemetry may "
                      "be on in this process; set the variable before starting it", RuntimeWarning, stacklevel=2)
    import onnxruntime as ort

    ort.disable_telemetry_events()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1   # one core: the vision pass has the other
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(Path(model)), opts, providers=["CPUExecutionProvider"])
