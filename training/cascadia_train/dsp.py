"""DSP front end, the training side's definition (numpy, float64).

The C implementation is `nn_dsp_features_f32` (Sources/CKernels/nn_dsp_features_f32.c); both
follow docs/dsp.md. For one modality, `samples` has shape [T, S] (T intervals of S samples):

    m      = mean(x[0:S])                          (per interval)
    w[n]   = 0.5 - 0.5*cos(2*pi*n/S)  (periodic Hann)  or 1 (rectangular)
    X[k]   = (2 / sum(w)) * sum_{n<S} w[n] * (x[n] - m) * exp(-2j*pi*k*n/N),  k = 0..B-1
    out    = [T, B, 2] float32, channel 0 = X.real, channel 1 = X.imag

N = fft_size >= S (zero padding), B = bins <= N//2 + 1. A sine of amplitude A at an exact bin
frequency gives |X[k]| = A (for k > 0). The features are then quantized to int8 with the model
input's scale/zero point by `quantize_features` (the `nn_quantize_f32_s8` rule).
"""
from __future__ import annotations

import numpy as np

from . import qref

WINDOWS = ("hann", "rectangular")


def window(samples: int, kind: str = "hann") -> np.ndarray:
    """The analysis window of length `samples` (float64)."""
    if kind == "hann":
        n = np.arange(samples, dtype=np.float64)
        return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / samples)
    if kind == "rectangular":
        return np.ones(samples, dtype=np.float64)
    raise ValueError(f"unknown window {kind!r}; expected one of {WINDOWS}")


def fft_features(samples: np.ndarray, fft_size: int, bins: int, kind: str = "hann") -> np.ndarray:
    """FFT features of T intervals: samples [T, S] (any float dtype) -> [T, bins, 2] float32.

    Also accepts [..., T, S] (e.g. a batch) and returns [..., T, bins, 2].
    """
    x = np.asarray(samples, dtype=np.float64)
    s = x.shape[-1]
    if not (1 <= s <= fft_size <= 65536):
        raise ValueError(f"need 1 <= samples ({s}) <= fft_size ({fft_size}) <= 65536")
    if not (1 <= bins <= fft_size // 2 + 1):
        raise ValueError(f"bins {bins} outside [1, {fft_size // 2 + 1}]")
    w = window(s, kind)
    x = (x - x.mean(axis=-1, keepdims=True)) * w
    spec = np.fft.rfft(x, n=fft_size, axis=-1)[..., :bins] * (2.0 / w.sum())
    return np.stack([spec.real, spec.imag], axis=-1).astype(np.float32)


def split_intervals(signal: np.ndarray, intervals: int) -> np.ndarray:
    """A window's samples [..., intervals*S] -> [..., intervals, S] (S must divide evenly)."""
    sig = np.asarray(signal)
    total = sig.shape[-1]
    if total % intervals:
        raise ValueError(f"{total} samples do not split into {intervals} equal intervals")
    return sig.reshape(sig.shape[:-1] + (intervals, total // intervals))


def quantize_features(features: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float32 features -> int8 exactly as nn_quantize_f32_s8: clamp(rint(x/scale)+zp), NaN -> zp."""
    return qref.quantize(features, scale, zero_point)
