"""Per-expert behaviour on labelled recordings, windows cut as the runtime's profiler cuts them.

    python -m cascadia_train.recording_eval [--recordings ../recordings] [--models ../models]

Windows: 2 s, hop 1 s, starting at sample 0 of both streams (same start instant); a window's
class is the label class covering the largest part of [t, t + 2 s) (earliest listed on a tie),
as ``ProfilerWindowSet.majorityLabel``. Decisions come from graph_ref.py (the integer executor).
Prints per expert: accuracy (top class = label, IDK ignored), correct without IDK, FP, FN.
"""

from __future__ import annotations

import argparse
import glob
import os

import numpy as np

from . import data, features, graph_ref

HERE = os.path.dirname(__file__)


def read_labels(path):
    rows = []
    with open(path) as fh:
        next(fh)
        for line in fh:
            a, b, c = line.strip().split(",")
            rows.append((float(a), float(b), c))
    return rows


def majority_label(rows, t0, t1):
    cover = {}
    for a, b, c in rows:
        ov = min(b, t1) - max(a, t0)
        if ov > 0:
            cover[c] = cover.get(c, 0.0) + ov
    best = None
    for c, s in cover.items():  # dicts keep first-appearance order, as the Swift code
        if best is None or s > cover[best]:
            best = c
    return best


def read_recording(d):
    import soundfile as sf
    from obspy import read

    ac, rate = sf.read(os.path.join(d, "acoustic.flac"), dtype="int16")
    assert rate == data.ACOUSTIC_RATE_HZ
    st = read(os.path.join(d, "seismic.mseed"))
    assert len(st) == 1 and st[0].stats.sampling_rate == data.SEISMIC_RATE_HZ
    return ac.astype(np.int64), st[0].data.astype(np.int64), read_labels(os.path.join(d, "labels.csv"))


def cut_windows(ac, se, rows):
    na, ns = int(data.WINDOW_S * data.ACOUSTIC_RATE_HZ), int(data.WINDOW_S * data.SEISMIC_RATE_HZ)
    ha, hs = data.ACOUSTIC_RATE_HZ, data.SEISMIC_RATE_HZ  # hop 1 s
    n = min((len(ac) - na) // ha, (len(se) - ns) // hs) + 1
    A = np.stack([ac[i * ha:i * ha + na] for i in range(n)])
    S = np.stack([se[i * hs:i * hs + ns] for i in range(n)])
    y = [majority_label(rows, float(i), float(i) + data.WINDOW_S) for i in range(n)]
    return A, S, np.array([data.CLASSES.index(c) for c in y])


def load(recordings):
    A, S, Y, names = [], [], [], []
    for d in recordings:
        ac, se, rows = read_recording(d)
        a, s, y = cut_windows(ac, se, rows)
        A.append(a)
        S.append(s)
        Y.append(y)
        names += [os.path.basename(d)] * len(y)
    return np.concatenate(A), np.concatenate(S), np.concatenate(Y), np.array(names)


def behaviour(ex, feats, y):
    top, idk, hz = ex.decide(ex.probabilities(feats))
    truth = data.hazard_of(y)
    return dict(acc=float(np.mean(top == y)), correct=float(np.mean((top == y) & ~idk)),
                coverage=float(np.mean(~idk)),
                fp=float(np.mean(hz[~truth])) if (~truth).any() else float("nan"),
                fn=float(np.mean(~hz[truth])) if truth.any() else float("nan"))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--recordings", default=os.path.join(HERE, "..", "..", "recordings"))
    ap.add_argument("--models", default=os.path.join(HERE, "..", "..", "models"))
    a = ap.parse_args(argv)
    dirs = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(a.recordings, "*", "labels.csv")))
    ac, se, y, names = load(dirs)
    feats = features.window_features(ac, se)
    print(f"{len(y)} windows ({', '.join(f'{os.path.basename(d)} {np.sum(names == os.path.basename(d))}' for d in dirs)}),"
          f" {int(data.hazard_of(y).sum())} hazard; classes {np.bincount(y, minlength=5).tolist()}")
    print("expert  acc     correct&!IDK  coverage  FP      FN")
    for path in sorted(glob.glob(os.path.join(a.models, "*.safetensors"))):
        ex = graph_ref.Executor(path)
        b = behaviour(ex, feats, y)
        print(f"{os.path.basename(path)[0]}       {b['acc']:.3f}   {b['correct']:.3f}         "
              f"{b['coverage']:.3f}     {b['fp']:.3f}   {b['fn']:.3f}")


if __name__ == "__main__":
    main()
