"""The per-frame vision pass: faces found, followed and measured, frame by frame.

Runs inside the pipeline's single decode pass (one call per analysed frame).
The full-range detector runs on the whole frame every ``detect_every``
analysed frames and at once when a person's landmarks are lost, and on
overlapping tiles every ``scan_every_s`` seconds (small faces); in between, each person's FaceMesh
follows its own face on an upscaled crop. Where a person's face is lost (a profile, a head turned
away), the body pose near where it was gives their head (:mod:`vigvision.vision.pose`). Each person-frame yields one row of
raw signals; turning those into persons, gaze targets and episodes happens
after the pass (:mod:`vigvision.vision.persons`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.files import save_npz
from ..io.video import Frame
from . import geometry as G
from .detect import Detections, FaceDetector
from .landmarks import PersonLandmarker, landmark_box
from .pose import HeadFinder
from .tracking import Tracker

POSE_REACH = 1.5   # face widths: how far from where their face was last seen the pose may follow a person's head

#: Raw per-person-frame columns the pass records (float64 but frame, track: int32, and source: int8).
RAW_COLUMNS = ("frame", "track", "time_s", "x1", "y1", "x2", "y2", "det_score", "yaw", "pitch", "roll",
               "pose_score", "eye_yaw", "eye_pitch", "mouth_open", "smile", "face_width", "lower_face",
               "eye_size", "upper_face", "face_height3d", "cx", "cy", "source")
#: What a row was measured from (the ``source`` column): the face mesh, the face detector alone (a profile
#: the mesh could not fit) or the body pose (the face lost: the head's place and yaw only).
MESH, DETECTOR, POSE = 0, 1, 2


@dataclass
class RawVision:
    """Columns of RAW_COLUMNS as arrays, plus each tracklet's summary (for the offline merge).
    ``capped_s``: times of the frames where a face was left out because ``max_persons`` were followed."""

    columns: dict[str, np.ndarray]
    tracklets: list[dict]
    frame_size: tuple[int, int]
    capped_s: list[float] = field(default_factory=list)
    pose: dict = field(default_factory=dict)   # the body pose's cost: {"calls", "seconds", "heads"}

    def save(self, folder: Path) -> None:
        import json

        save_npz(folder / "raw_vision.npz", **self.columns)
        (folder / "tracklets.json").write_text(json.dumps({"tracklets": self.tracklets, "capped_s": self.capped_s,
                                                            "frame_size": list(self.frame_size), "pose": self.pose}))

    @classmethod
    def load(cls, folder: Path) -> "RawVision":
        import json

        data = np.load(folder / "raw_vision.npz")
        meta = json.loads((folder / "tracklets.json").read_text())
        return cls({k: data[k] for k in data.files}, meta["tracklets"], tuple(meta["frame_size"]),
                   meta.get("capped_s", []), meta.get("pose", {}))


class FaceAnalyser:
    """Callable on each analysed :class:`Frame`; ``finish()`` returns :class:`RawVision`."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.detector = FaceDetector(min_score=cfg.min_detection_score)
        self.tracker = Tracker(max_persons=cfg.max_persons, max_gap_s=cfg.max_gap_s)
        self.landmarkers: dict[int, PersonLandmarker] = {}
        self.rows: list[tuple] = []
        self.K: np.ndarray | None = None
        self.frame_size = (0, 0)
        self._next_scan_s = -np.inf
        # the body pose follows a person whose face was lost (profile, turned away), pose_fps times a second
        self.heads: HeadFinder | None = None   # made at the first lost face (the model's memory only then)
        self._pose_next: dict[int, float] = {}
        self.pose_cost = {"calls": 0, "seconds": 0.0, "heads": 0}

    def __call__(self, frame: Frame) -> None:
        image, t = frame.image, frame.time_s
        if self.K is None:
            h, w = image.shape[:2]
            self.frame_size = (w, h)
            self.K = G.camera_matrix(w, h, self.cfg.hfov_deg)
        live = self.tracker.live(t)
        scan = t >= self._next_scan_s  # periodic tiled search for small or new faces
        detect = scan or frame.index % self.cfg.detect_every == 0 or not live or any(tr.misses for tr in live)
        done: set[int] = set()
        if not detect:
            # Follow each person with their own FaceMesh; a lost face calls the detector at once.
            for tr in live:
                if tr.misses == 0 and self._landmark(frame, tr, image):
                    done.add(tr.tid)
            detect = len(done) < len(live)
        if detect:
            if scan:
                dets = self.detector.tiled(image, tile=self.cfg.tile_px)
                self._next_scan_s = t + self.cfg.scan_every_s
            else:
                dets = self.detector(image)
            dets = dets[dets.widths >= self.cfg.min_face_px] if len(dets) else Detections.empty()
            for tr in self.tracker.update(t, dets, image):
                if tr.tid not in done and self._landmark(frame, tr, image):
                    done.add(tr.tid)
        if self.cfg.pose_fps > 0 and len(done) < len(self.tracker.live(t)):
            self._follow_heads(frame, image, done)
        self.tracker.drop_duplicates(t)
        for tid in [tid for tid in self.landmarkers if tid not in {tr.tid for tr in self.tracker.live(t)}]:
            self.landmarkers.pop(tid).close()  # a lost person's FaceMesh: free it

    def _landmark(self, frame: Frame, tr, image: np.ndarray) -> bool:
        lm = self.landmarkers.get(tr.tid)
        if lm is None:
            lm = self.landmarkers[tr.tid] = PersonLandmarker(crop_size=self.cfg.crop_size)
        pts = lm(image, tr.box)
        if pts is None:
            tr.misses += 1
            if tr.detected_s == frame.time_s and tr.keypoints is not None:
                self._record_profile(frame, tr)  # detected, but no mesh: most often a profile
                return True
            return False
        self._record(frame, tr, pts, image)
        return True

    def _follow_heads(self, frame: Frame, image: np.ndarray, done: set[int]) -> None:
        """Each person followed but not measured in this frame (their face lost): their head from the body
        pose near where the face was, at most ``pose_fps`` times a second each; a head found keeps the
        person followed and gives a row with the head's place and yaw (no eyes, mouth or smile)."""
        t = frame.time_s
        live = self.tracker.live(t)
        faces = [tr.box for tr in live if tr.tid in done]   # faces measured in this frame
        for tr in live:
            if tr.tid in done or self._pose_next.get(tr.tid, -np.inf) > t:
                continue
            self._pose_next[tr.tid] = t + 1.0 / self.cfg.pose_fps
            t0 = time.perf_counter()
            if self.heads is None:
                self.heads = HeadFinder()
            head = self.heads(image, tr.box)
            self.pose_cost["calls"] += 1
            self.pose_cost["seconds"] += time.perf_counter() - t0
            fw = float(tr.box[2] - tr.box[0])
            # a head on a face followed in this frame is that person's (a cut, a turn); one far from where
            # this person's face was last seen is someone else's, or a toy the pose took for a person
            if head is None or _on_a_face(head.box, faces) or not _near(head.box, tr.anchor, POSE_REACH * fw):
                continue
            self.pose_cost["heads"] += 1
            # the head's place from the pose, its size kept from the face (the ears' spacing is no size)
            hx, hy = (head.box[:2] + head.box[2:]) / 2
            box = np.array([hx - fw / 2, hy - 0.55 * fw, hx + fw / 2, hy + 0.55 * fw], np.float32)
            cx, cy = tr.seen(t, box, fw, face=False)
            faces.append(box)   # one head, one person: another lost track near it may not take it too
            nan = float("nan")
            self.rows.append((frame.index, tr.tid, t, *box.tolist(), head.score, head.yaw, 0.0, nan, 0.2,
                              nan, nan, nan, nan, fw, nan, nan, nan, nan, cx, cy, POSE))

    def _record_profile(self, frame: Frame, tr) -> None:
        """A face the detector found but FaceMesh could not fit (profiles, mostly): head yaw
        from the detector's keypoints, pitch taken as level, no eyes, mouth or proportions."""
        box = tr.box
        fw = float(box[2] - box[0])
        cx, cy = tr.seen(frame.time_s, box, fw)
        yaw = G.yaw_from_keypoints(tr.keypoints)
        nan = float("nan")
        self.rows.append((frame.index, tr.tid, frame.time_s, *box.tolist(), tr.score, yaw, 0.0, nan, 0.3,
                          nan, nan, nan, nan, fw, nan, nan, nan, nan, cx, cy, DETECTOR))

    def _record(self, frame: Frame, tr, pts: np.ndarray, image: np.ndarray) -> None:
        box = landmark_box(pts)
        tr.misses = 0
        fw = G.face_width_px(pts)
        cx, cy = tr.seen(frame.time_s, box, fw)
        if tr.frames % 10 == 1:
            tr.add_appearance(image, box)
        yaw, pitch, roll, pose_score = G.head_pose(pts, self.K)
        eye_yaw, eye_pitch = G.eye_in_head(pts)
        self.rows.append((frame.index, tr.tid, frame.time_s, *box.tolist(), tr.score, yaw, pitch, roll, pose_score,
                          eye_yaw, eye_pitch, G.mouth_open(pts), G.smile(pts), fw, *G.proportions(pts), cx, cy,
                          MESH))

    def finish(self) -> RawVision:
        for lm in self.landmarkers.values():
            lm.close()
        self.landmarkers.clear()
        self.detector.close()
        if self.heads is not None:
            self.heads.close()
        arr = np.array(self.rows, dtype=np.float64).reshape(-1, len(RAW_COLUMNS))
        columns = {name: arr[:, k] for k, name in enumerate(RAW_COLUMNS)}
        columns["frame"] = columns["frame"].astype(np.int32)
        columns["track"] = columns["track"].astype(np.int32)
        columns["source"] = columns["source"].astype(np.int8)
        tracklets = [{"tid": tr.tid, "frames": tr.frames, "hist": tr.hist.tolist() if tr.hist is not None else None,
                      "widths": tr.widths, "centers": tr.centers} for tr in self.tracker.tracks.values() if tr.frames]
        pose = {**self.pose_cost, "seconds": round(self.pose_cost["seconds"], 3)}
        return RawVision(columns, tracklets, self.frame_size, sorted(set(self.tracker.capped)), pose)


def _near(box: np.ndarray, point: tuple[float, float] | None, reach: float) -> bool:
    return point is not None and float(np.hypot(*((box[:2] + box[2:]) / 2 - point))) <= reach


def _on_a_face(box: np.ndarray, faces: list[np.ndarray]) -> bool:
    """Whether a head box's centre lies within half a face width of one of ``faces`` (xyxy boxes)."""
    c = (box[:2] + box[2:]) / 2
    return any(np.hypot(*(c - (f[:2] + f[2:]) / 2)) < 0.5 * max(f[2] - f[0], 1.0) for f in faces)
