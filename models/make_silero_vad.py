"""Copy silero VAD's ONNX model out of the silero-vad wheel into vigvision's package.

    pip install --no-deps silero-vad==6.2.3      # its package would pull torch: only the file is taken
    python models/make_silero_vad.py

The file is copied unchanged and checked against the SHA-256 recorded in models/silero_vad.md, so the
package is self-sufficient (`pip install .` needs no second step) and nothing is downloaded at run time.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import sys
from pathlib import Path

SOURCE = "silero_vad/data/silero_vad_16k_sequence.onnx"
VERSION = "6.2.3"
SHA256 = "9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85"
TARGET = Path(__file__).resolve().parents[1] / "vigvision" / "models" / "silero_vad_16k_sequence.onnx"


def main() -> int:
    dist = importlib.metadata.distribution("silero-vad")
    if dist.version != VERSION:
        print(f"silero-vad {dist.version} is installed; this card is for {VERSION}", file=sys.stderr)
        return 1
    source = Path(str(dist.locate_file(SOURCE)))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != SHA256:
        print(f"{source}: SHA-256 {digest}, expected {SHA256}", file=sys.stderr)
        return 1
    shutil.copyfile(source, TARGET)
    print(f"{TARGET}: copied from silero-vad {VERSION} ({digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
