"""Expert inputs from raw windows, through the DSP front end of dsp.py.

Units: dsp.py is fed the stream's integer sample values as floats, unscaled (acoustic int16 PCM
counts, seismic digitizer counts); the runtime must feed the C front end the same values.
"""

from __future__ import annotations

import numpy as np

from . import dsp

INTERVALS = 10
WINDOW_S = 2.0
HOP_S = 1.0
FRAMING = {
    "acoustic": dict(rate_hz=8000, fft_size=2048, bins=256, window="hann"),
    "seismic": dict(rate_hz=100, fft_size=32, bins=16, window="hann"),
}


def window_features(acoustic, seismic):
    """Features of a batch of windows: {modality: float32 [N, intervals, bins, 2]}."""
    return {"acoustic": modality_features(acoustic, "acoustic"),
            "seismic": modality_features(seismic, "seismic")}


def modality_features(x, modality):
    fr = FRAMING[modality]
    x = dsp.split_intervals(np.asarray(x, np.float64), INTERVALS)
    return dsp.fft_features(x, fr["fft_size"], fr["bins"], fr["window"])


def framing_metadata(modalities):
    """The `framing` object of the model file for these modalities (docs/model-format.md §3)."""
    return {
        "window_s": WINDOW_S, "hop_s": HOP_S, "intervals": INTERVALS,
        "modalities": [
            {"name": m, "rate_hz": FRAMING[m]["rate_hz"], "input": m,
             "feature": {"kind": "fft", "fft_size": FRAMING[m]["fft_size"],
                         "bins": FRAMING[m]["bins"], "window": FRAMING[m]["window"]}}
            for m in modalities
        ],
    }
