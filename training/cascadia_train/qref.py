"""Integer reference of every CKernels kernel, in numpy, written from docs/quantization.md.

This is deliberately NOT a transliteration of the C code: it works on whole arrays in int64,
uses exact-rational formulations of the rounding rules (documented equal to gemmlowp's bit
tricks), gathers convolution windows with index arrays, and builds the sigmoid/tanh/exp tables
from their formulas. Golden vectors generated from it (training/golden/gen_kernel_golden.py)
check the C kernels; graph_ref.py (training helper) builds end-to-end execution on it.

Conventions: activations are int8 arrays shaped [T, L, C]; weights [C_out, K, C_in] (dense
[C_out, C_in]); bias int32 [C_out]; multiplier/shift int arrays. Every function returns a new
array of the documented dtype.
"""
from __future__ import annotations

import math

import numpy as np

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
I16_MIN, I16_MAX = -(2**15), 2**15 - 1


def _i64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.int64)


def sat32(v) -> np.ndarray:
    return np.clip(_i64(v), I32_MIN, I32_MAX)


def sat16(v) -> np.ndarray:
    return np.clip(_i64(v), I16_MIN, I16_MAX)


def round_half_away_div(num, den) -> np.ndarray:
    """round(num / den) with ties away from zero, den > 0 (exact integers)."""
    num, den = _i64(num), _i64(den)
    return np.sign(num) * ((np.abs(num) + den // 2) // den)


# ----------------------------------------------------------------------------- requantization

def srdhm(a, m) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul: trunc((a*m + nudge) / 2^31), INT32_MIN^2 -> INT32_MAX."""
    a, m = _i64(a), _i64(m)
    ab = a * m
    nudge = np.where(ab >= 0, 2**30, 1 - 2**30)
    s = ab + nudge
    q = np.sign(s) * (np.abs(s) // 2**31)  # truncation toward zero
    return np.where((a == I32_MIN) & (m == I32_MIN), I32_MAX, q)


def rdbpot(b, e) -> np.ndarray:
    """b / 2^e rounded half away from zero (e >= 0)."""
    b, e = _i64(b), _i64(e)
    half = np.where(e > 0, np.left_shift(np.int64(1), np.maximum(e - 1, 0)), 0)
    return np.sign(b) * ((np.abs(b) + half) >> e)


def requantize(x, multiplier, shift) -> np.ndarray:
    """x * multiplier * 2^(shift-31) with the documented rounding (int64 array of int32 values)."""
    x, m, s = np.broadcast_arrays(_i64(x), _i64(multiplier), _i64(shift))
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    a = sat32(x * np.left_shift(np.int64(1), left))
    return rdbpot(srdhm(a, m), right)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """Real factor -> (multiplier, shift), the loader's procedure (docs/model-format.md)."""
    if not (real > 0 and math.isfinite(real)):
        raise ValueError(f"scale {real!r} must be finite and > 0")
    q, e = math.frexp(real)
    m = math.floor(q * 2**31 + 0.5)
    if m == 2**31:
        m, e = 2**30, e + 1
    if not -31 <= e <= 30:
        raise ValueError(f"requantization scale {real!r} out of range")
    return m, e


def _finish(acc, bias, mult, shift, out_zp, act_min, act_max) -> np.ndarray:
    acc = sat32(_i64(acc) + (0 if bias is None else _i64(bias)))
    v = requantize(acc, mult, shift) + out_zp
    return np.clip(v, act_min, act_max).astype(np.int8)


# ------------------------------------------------------------------------------------ kernels

def conv_output_length(length, kernel, stride, dilation, pad_left, pad_right) -> int:
    return (length + pad_left + pad_right - dilation * (kernel - 1) - 1) // stride + 1


def conv1d(x, w, bias, mult, shift, *, in_zp, out_zp, stride=1, dilation=1, pad_left=0,
           pad_right=0, act_min=-128, act_max=127) -> np.ndarray:
    """x [T, L, Cin] int8, w [Cout, K, Cin] int8 -> [T, L_out, Cout] int8."""
    x, w = _i64(x), _i64(w)
    t, length, cin = x.shape
    cout, k, _ = w.shape
    l_out = conv_output_length(length, k, stride, dilation, pad_left, pad_right)
    pos = np.arange(l_out)[:, None] * stride - pad_left + np.arange(k)[None, :] * dilation
    valid = (pos >= 0) & (pos < length)
    patch = (x[:, np.clip(pos, 0, length - 1), :] - in_zp) * valid[None, :, :, None]
    acc = np.einsum("tlki,oki->tlo", patch, w)
    return _finish(acc, bias, mult, shift, out_zp, act_min, act_max)


def dense(x, w, bias, mult, shift, *, in_zp, out_zp, act_min=-128, act_max=127) -> np.ndarray:
    """x [T, L, Cin] int8 (rows t*l), w [Cout, Cin] int8 -> [T, L, Cout] int8."""
    x, w = _i64(x), _i64(w)
    acc = (x - in_zp) @ w.T
    return _finish(acc, bias, mult, shift, out_zp, act_min, act_max)


def _pool_windows(length, kernel, stride, pad_left, pad_right):
    l_out = (length + pad_left + pad_right - kernel) // stride + 1
    pos = np.arange(l_out)[:, None] * stride - pad_left + np.arange(kernel)[None, :]
    return np.clip(pos, 0, length - 1), (pos >= 0) & (pos < length)


def maxpool1d(x, *, kernel, stride, pad_left=0, pad_right=0, act_min=-128, act_max=127):
    x = _i64(x)
    pos, valid = _pool_windows(x.shape[1], kernel, stride, pad_left, pad_right)
    win = np.where(valid[None, :, :, None], x[:, pos, :], np.iinfo(np.int64).min)
    return np.clip(win.max(axis=2), act_min, act_max).astype(np.int8)


def avgpool1d(x, *, kernel, stride, pad_left=0, pad_right=0, act_min=-128, act_max=127):
    x = _i64(x)
    pos, valid = _pool_windows(x.shape[1], kernel, stride, pad_left, pad_right)
    total = (x[:, pos, :] * valid[None, :, :, None]).sum(axis=2)
    count = valid.sum(axis=1)[None, :, None]
    return np.clip(round_half_away_div(total, count), act_min, act_max).astype(np.int8)


def global_avgpool(x) -> np.ndarray:
    """[T, L, C] -> [T, 1, C]: rounded mean over L."""
    x = _i64(x)
    return round_half_away_div(x.sum(axis=1, keepdims=True), x.shape[1]).astype(np.int8)


def add(x1, x2, *, zp1, zp2, out_zp, left_shift, m1, s1, m2, s2, mo, so, act_min=-128,
        act_max=127) -> np.ndarray:
    a1 = requantize((_i64(x1) - zp1) * 2**left_shift, m1, s1)
    a2 = requantize((_i64(x2) - zp2) * 2**left_shift, m2, s2)
    v = requantize(a1 + a2, mo, so) + out_zp
    return np.clip(v, act_min, act_max).astype(np.int8)


# ----------------------------------------------------------------------------------------- GRU

def _round_half_away(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def sigmoid_table() -> np.ndarray:
    x = -8.0 + np.arange(513) / 32.0
    return np.clip(_round_half_away(32768.0 / (1.0 + np.exp(-x))), 0, 32767).astype(np.int64)


def tanh_table() -> np.ndarray:
    x = -8.0 + np.arange(513) / 32.0
    return np.clip(_round_half_away(32768.0 * np.tanh(x)), -32767, 32767).astype(np.int64)


SIGMOID_TABLE = sigmoid_table()
TANH_TABLE = tanh_table()


def table_lookup(table: np.ndarray, x) -> np.ndarray:
    """Q3.12 int16 values -> Q0.15 by linear interpolation (x + 32768 = 128*i + f)."""
    i, f = np.divmod(_i64(x) + 32768, 128)
    lo, hi = table[i], table[np.minimum(i + 1, 512)]
    return lo + np.floor_divide((hi - lo) * f + 64, 128)


def gru(x, w_ih, w_hh, b_ih, b_hh, mi, si, mh, sh, *, in_zp, out_zp, mo, so, state=None):
    """One GRU layer. x [T, L, D] int8 (steps = T*L); w_ih [3H, D]; w_hh [3H, H].

    Returns (output [T, L, H] int8, final state [H] int16)."""
    x = _i64(x)
    w_ih, w_hh = _i64(w_ih), _i64(w_hh)
    hidden = w_hh.shape[1]
    steps = x.reshape(-1, x.shape[-1])
    h = np.zeros(hidden, np.int64) if state is None else _i64(state).copy()
    b_ih = np.zeros(3 * hidden, np.int64) if b_ih is None else _i64(b_ih)
    b_hh = np.zeros(3 * hidden, np.int64) if b_hh is None else _i64(b_hh)
    out = np.empty((steps.shape[0], hidden), np.int8)
    for s, xs in enumerate(steps):
        gi = sat16(requantize(sat32(b_ih + w_ih @ (xs - in_zp)), mi, si))
        gh = sat16(requantize(sat32(b_hh + w_hh @ h), mh, sh))
        gi_r, gi_z, gi_n = np.split(gi, 3)
        gh_r, gh_z, gh_n = np.split(gh, 3)
        r = table_lookup(SIGMOID_TABLE, sat16(gi_r + gh_r))
        z = table_lookup(SIGMOID_TABLE, sat16(gi_z + gh_z))
        n = table_lookup(TANH_TABLE, sat16(gi_n + np.floor_divide(r * gh_n + 2**14, 2**15)))
        h = np.clip(n + np.floor_divide(z * (h - n) + 2**14, 2**15), -32767, 32767)
        out[s] = np.clip(requantize(h, mo, so) + out_zp, -128, 127)
    return out.reshape(x.shape[:-1] + (hidden,)), h.astype(np.int16)


# ------------------------------------------------------------------------------------- softmax

def softmax_exp_table(input_scale: float) -> np.ndarray:
    d = np.arange(256, dtype=np.float64)
    return np.floor(2.0**20 * np.exp(-d * float(input_scale)) + 0.5).astype(np.int64)


def _softmax_parts(x, table):
    x = _i64(x)
    e = _i64(table)[x.max(axis=-1, keepdims=True) - x]
    return e, e.sum(axis=-1, keepdims=True)


def softmax(x, table) -> np.ndarray:
    """int8 logits [..., C] -> int8 probabilities (scale 1/256, zero point -128)."""
    e, total = _softmax_parts(x, table)
    return (np.minimum((256 * e + total // 2) // total, 255) - 128).astype(np.int8)


def softmax_f32(x, table) -> np.ndarray:
    e, total = _softmax_parts(x, table)
    return (e.astype(np.float64) / total.astype(np.float64)).astype(np.float32)


# --------------------------------------------------------------------------- (de)quantization

def quantize(x, scale: float, zero_point: int) -> np.ndarray:
    """float32 -> int8: clamp(rint(x / scale) + zp) in float32 arithmetic; NaN -> zp."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        v = np.rint(x / np.float32(scale)) + np.float32(zero_point)
        v = np.where(np.isnan(v), np.float32(zero_point), v)
    return np.clip(v, -128, 127).astype(np.int8)


def dequantize(q, scale: float, zero_point: int) -> np.ndarray:
    return (np.asarray(q, np.int32) - zero_point).astype(np.float32) * np.float32(scale)
