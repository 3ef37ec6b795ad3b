"""Labelling sheets for who vocalises when: spectrogram over mouth crops, to be looked at by a person.

    python -m benchmarks.labels.voice_sheets VIDEO ANALYSIS_DIR OUT_PREFIX [--span 5]

For each ``--span`` seconds of the video, one PNG: the spectrogram (0-4 kHz, grid every
0.5 s, ticks every 0.1 s) with vigvision's YIN pitch as cyan dots, the level, and for each
person (left to right in the frame) the face every 0.2 s with vigvision's mouth opening as a
green line, so a labeller can see whose mouth moves with
which sound. The face boxes come from vigvision's analysis only to place the crops;
the labels are the labeller's reading of the pictures (benchmarks/labels/README.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .person_sheets import frames_at

CROP_EVERY_S = 0.2


def main(video: str, analysis: str, prefix: str, span: float = 5.0) -> None:
    import librosa
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from vigvision.io.audio import load_audio

    audio = load_audio(Path(video))
    y, sr = audio.samples.astype(np.float32), audio.sample_rate
    sig = pd.read_parquet(Path(analysis) / "signals.parquet")
    persons = sig.groupby("person").face_x.median().sort_values().index.tolist()
    duration = len(y) / sr
    times = np.arange(0, duration, CROP_EVERY_S)
    frames = frames_at(Path(video), times)
    spec = librosa.amplitude_to_db(np.abs(librosa.stft(y, n_fft=1024, hop_length=sr // 100)), ref=np.max)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=1024)
    keep = freqs <= 4000
    from vigvision.voice.features import extract

    feats = extract(y, sr)
    ft, f0, aper = feats.times, feats.f0_hz, feats.aperiodicity
    for k, t0 in enumerate(np.arange(0, duration, span)):
        t1 = min(duration, t0 + span)
        fig, axes = plt.subplots(2 + len(persons), 1, figsize=(20, 4 + 2.2 * len(persons)),
                                 gridspec_kw={"height_ratios": [3, 1] + [1.8] * len(persons)})
        a0, a1 = int(t0 * 100), int(t1 * 100)
        axes[0].imshow(spec[keep][:, a0:a1], origin="lower", aspect="auto", cmap="magma",
                       extent=[t0, t1, 0, 4000], vmin=-80, vmax=0)
        axes[0].set_ylabel("Hz")
        sel = (ft >= t0) & (ft < t1) & (aper < 0.3)   # YIN pitch where the frame is periodic: a guide
        axes[0].plot(ft[sel], f0[sel], ".", ms=2, color="cyan")
        seg = y[int(t0 * sr):int(t1 * sr)]
        hop = sr // 100
        lvl = 10 * np.log10(np.array([np.mean(seg[i:i + hop] ** 2) + 1e-12 for i in range(0, len(seg), hop)]))
        axes[1].plot(t0 + np.arange(len(lvl)) / 100, lvl, lw=0.8)
        axes[1].set_ylabel("dB")
        for ax in axes[:2]:
            ax.set_xlim(t0, t1)
            ax.set_xticks(np.arange(np.ceil(t0 * 2) / 2, t1, 0.5))
            ax.set_xticks(np.arange(np.ceil(t0 * 10) / 10, t1, 0.1), minor=True)
            ax.grid(True, which="major", color="w" if ax is axes[0] else "k", alpha=0.5)
        for ax, pid in zip(axes[2:], persons):
            rows = sig[sig.person == pid]
            strip = []
            for t, img in zip(times, frames):
                if not (t0 <= t < t1):
                    continue
                r = rows.iloc[int(np.argmin(np.abs(rows.time_s.to_numpy() - t)))]
                bx, by, w, h = r.face_x, r.face_y, r.face_w, r.face_h  # face box (top-left, size), px
                x0, x1 = int(bx - 0.15 * w), int(bx + 1.15 * w)           # the whole face and a margin:
                y0, y1 = int(by - 0.1 * h), int(by + 1.2 * h)             # a smile or a laugh shows in the eyes too
                crop = img[max(0, y0):max(1, y1), max(0, x0):max(1, x1)]
                import cv2

                strip.append(cv2.resize(crop, (88, 96)) if crop.size else np.zeros((96, 88, 3), np.uint8))
            ax.imshow(np.concatenate(strip, axis=1), aspect="auto", extent=[t0, t0 + len(strip) * CROP_EVERY_S, 0, 1])
            inside = rows[(rows.time_s >= t0) & (rows.time_s < t1)]
            m = inside.mouth_open.to_numpy(float)
            if np.isfinite(m).any():   # vigvision's mouth opening, scaled into the strip: a guide to movement
                lo, hi = np.nanpercentile(rows.mouth_open, [2, 98])
                ax.plot(inside.time_s, 0.05 + 0.9 * np.clip((m - lo) / (hi - lo + 1e-9), 0, 1), color="lime", lw=1.2)
            ax.set_xlim(t0, t1)
            ax.set_yticks([])
            ax.set_ylabel(f"{pid} (x={rows.face_x.median():.0f})")
            ax.set_xticks(np.arange(np.ceil(t0 * 2) / 2, t1, 0.5))
        fig.suptitle(f"{Path(video).name}  {t0:.1f}-{t1:.1f} s  (mouth crops every {CROP_EVERY_S} s, "
                     "each starting at its time)")
        fig.tight_layout()
        fig.savefig(f"{prefix}_{k}.png", dpi=80)
        plt.close(fig)
        print(f"{prefix}_{k}.png")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    span = float(sys.argv[sys.argv.index("--span") + 1]) if "--span" in sys.argv else 5.0
    if "--span" in sys.argv:
        args.remove(sys.argv[sys.argv.index("--span") + 1])
    if len(args) != 3:
        sys.exit(__doc__)
    main(*args, span=span)
