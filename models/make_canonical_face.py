"""Build vigvision/models/canonical_face.npz (shipped in the package): the 3D face that head pose
is measured against.

    python models/make_canonical_face.py

It runs vigvision's own face detector and FaceMesh on the two frontal portraits
that ship inside installed wheels (skimage's astronaut, matplotlib's
grace_hopper.jpg), both looking into the camera, takes the rigid landmarks
(forehead, nose bridge, eye corners, cheekbones: not the mouth or jaw, which
move with expression), normalises each face (centred, unit RMS size) and
averages them. It also stores the eyes' resting iris offset on those frontal
faces, so eye-in-head angles read 0 when the eyes look straight ahead.
See models/canonical_face.md.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

RIGID = np.array([1, 4, 5, 6, 8, 9, 10, 151, 168, 195, 197, 33, 133, 263, 362, 70, 105, 300, 334,
                  50, 280, 116, 345, 127, 356, 234, 454, 46, 276, 55, 285])


def main() -> None:
    from vigvision.testing.faces import portrait
    from vigvision.vision.detect import FaceDetector
    from vigvision.vision.geometry import raw_eye_offsets
    from vigvision.vision.landmarks import PersonLandmarker

    shapes, eyes = [], []
    detector = FaceDetector()
    for name in ("astronaut", "grace_hopper"):
        image = portrait(name)
        det = detector(image)
        lm = PersonLandmarker()
        pts = lm(image, det.xyxy[0])
        lm.close()
        rigid = pts[RIGID].astype(np.float64)
        rigid -= rigid.mean(0)
        rigid /= np.sqrt((rigid ** 2).sum(1).mean())
        shapes.append(rigid)
        eyes.append(raw_eye_offsets(pts))
        print(f"{name}: face found, eye offsets {np.round(eyes[-1], 3)}")
    out = Path(__file__).resolve().parents[1] / "vigvision" / "models" / "canonical_face.npz"
    np.savez(out, indices=RIGID, points=np.mean(shapes, 0).astype(np.float32),
             eye_offset_rest=np.mean(eyes, 0).astype(np.float32))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
