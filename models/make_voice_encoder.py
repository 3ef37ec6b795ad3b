"""Export the voice encoder that ships inside the Resemblyzer wheel to ONNX (see voice_encoder.md).

    pip install torch==2.13.0 onnx                     # the `train` extra, plus onnx for the export
    pip download --no-deps -d /tmp/rz resemblyzer==0.1.4
    python models/make_voice_encoder.py /tmp/rz/Resemblyzer-0.1.4-py3-none-any.whl

Writes vigvision/models/voice_encoder.onnx: log-free power mel frames (batch, frames, 40) in,
L2-normalised 256-d speaker embeddings out. vigvision runs it with onnxruntime; torch and
the resemblyzer package are needed only here, never at run time.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "vigvision" / "models" / "voice_encoder.onnx"
WEIGHTS = "resemblyzer/pretrained.pt"


class VoiceEncoder(nn.Module):
    """Resemblyzer's GE2E encoder: 3-layer LSTM (40 mels -> 256) and a linear + ReLU head."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(40, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, 256)

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        e = torch.relu(self.linear(hidden[-1]))
        return e / torch.clamp(torch.norm(e, dim=1, keepdim=True), min=1e-9)


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        state = torch.load(io.BytesIO(z.read(WEIGHTS)), map_location="cpu")["model_state"]
    model = VoiceEncoder().eval()
    model.load_state_dict({k: v for k, v in state.items() if not k.startswith("similarity_")})
    example = torch.rand(3, 100, 40)
    torch.onnx.export(model, (example,), str(OUT), input_names=["mels"], output_names=["embedding"],
                      dynamic_axes={"mels": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
                      opset_version=17, dynamo=False)
    import onnxruntime as ort

    sess = ort.InferenceSession(str(OUT), providers=["CPUExecutionProvider"])
    probe = torch.rand(5, 160, 40)
    got = sess.run(None, {"mels": probe.numpy()})[0]
    with torch.no_grad():
        want = model(probe).numpy()
    err = float(np.abs(got - want).max())
    assert err < 1e-4, f"ONNX and torch disagree by {err}"
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB); max |onnx - torch| = {err:.2e}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
