"""Generate the per-kernel golden vectors of the C kernels from cascadia_train.qref.

Usage (from the repository root):
    training/.venv/bin/python training/golden/gen_kernel_golden.py tests/golden

Writes one text file per kernel, <op>.txt. Format (read by tests/c/golden.c and
Tests/CascadiaModelsTests/KernelGoldenTests.swift):
    line 1:   # generator: ... numpy <version> ...
    case <name> <op>
    <key> <count> <v1> ... <vcount>      (integers; float32 values as their IEEE bit patterns,
                                          float64 values as their 64-bit patterns, key suffix _bits)
    end
Every case is deterministic (fixed seed), so regenerating gives identical files.
"""
from __future__ import annotations

import os
import platform
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from cascadia_train import qref  # noqa: E402

SEED = 20261204


def f32_bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.int64)


def f64_bits(v: float) -> int:
    return struct.unpack("<q", struct.pack("<d", v))[0]


class Writer:
    def __init__(self):
        self.lines: dict[str, list[str]] = {}

    def case(self, op: str, name: str, **kv):
        out = self.lines.setdefault(op, [])
        out.append(f"case {name} {op}")
        for key, val in kv.items():
            arr = np.asarray(val).astype(np.int64).ravel()
            out.append(f"{key} {arr.size} " + " ".join(str(int(v)) for v in arr))
        out.append("end")

    def write(self, directory: str):
        os.makedirs(directory, exist_ok=True)
        head = (f"# generator: training/golden/gen_kernel_golden.py (cascadia_train.qref), "
                f"numpy {np.__version__}, python {platform.python_version()}, seed {SEED}")
        for op, lines in sorted(self.lines.items()):
            with open(os.path.join(directory, f"{op}.txt"), "w") as fh:
                fh.write(head + "\n" + "\n".join(lines) + "\n")


def rand_requant(rng, n, lo=-12, hi=0):
    mult = rng.integers(2**30, 2**31, size=n, dtype=np.int64)
    shift = rng.integers(lo, hi + 1, size=n, dtype=np.int64)
    return mult, shift


def i8(rng, shape, lo=-128, hi=127):
    return rng.integers(lo, hi + 1, size=shape, dtype=np.int64)


def gen_requantize(w: Writer, rng):
    edge_x = [0, 1, -1, 2**31 - 1, -(2**31), 12345, -12345, 2**30, -(2**30), 3, -3, 5, -5]
    edge = [(x, m, s) for x in edge_x
            for m in (0, 1, 2**30, 2**31 - 1, 1518500250)
            for s in (-31, -16, -1, 0, 1, 7, 30)]
    xs = rng.integers(-(2**31), 2**31, size=400, dtype=np.int64)
    ms = rng.integers(0, 2**31, size=400, dtype=np.int64)
    ss = rng.integers(-31, 31, size=400, dtype=np.int64)
    x = np.concatenate([[e[0] for e in edge], xs])
    m = np.concatenate([[e[1] for e in edge], ms])
    s = np.concatenate([[e[2] for e in edge], ss])
    # ties: x*m an exact odd multiple of 2^30, and exact halves for the division
    tie_x = np.array([1, -1, 3, -3, 2**20 + 1, -(2**20) - 1], np.int64)
    x = np.concatenate([x, tie_x, tie_x])
    m = np.concatenate([m, np.full(6, 2**30), np.full(6, 2**30)])
    s = np.concatenate([s, np.zeros(6, np.int64), np.full(6, -3)])
    w.case("requantize", "edges_and_random", x=x, multiplier=m, shift=s, y=qref.requantize(x, m, s))
    reals = [1.0, 0.5, 0.75, 2.0**-31, 2.0**-32, 2.0**29, 0.999999999999, 1e-5, 0.0123456, 3.0]
    rows = []
    for r in reals:
        try:
            mm, sh = qref.quantize_multiplier(r)
            rows.append((f64_bits(r), 0, mm, sh))
        except ValueError:
            rows.append((f64_bits(r), 1, 0, 0))
    a = np.array(rows, np.int64)
    w.case("quantize_multiplier", "reals", real_bits=a[:, 0], error=a[:, 1], multiplier=a[:, 2], shift=a[:, 3])


def gen_conv1d(w: Writer, rng):
    # hand-checkable: identity-like kernel, unit requant (0.5 * 2^1)
    x = np.array([1, 2, 3, 4, 5], np.int64).reshape(1, 5, 1)
    wt = np.array([1, 1, 1], np.int64).reshape(1, 3, 1)
    p = dict(in_zp=0, out_zp=0, stride=1, dilation=1, pad_left=1, pad_right=1, act_min=-128, act_max=127)
    m, s = np.array([2**30]), np.array([1])
    emit_conv(w, "hand_sum3_same", x, wt, np.array([0]), m, s, p)  # -> 3 6 9 12 9
    shapes = [  # t, l, cin, cout, k, stride, dil, pl, pr, relu
        (1, 16, 2, 8, 5, 1, 1, 2, 2, False), (10, 64, 2, 16, 5, 2, 1, 2, 2, True),
        (3, 33, 3, 5, 3, 3, 2, 4, 1, False), (2, 7, 17, 9, 7, 1, 1, 6, 6, True),
        (1, 40, 1, 4, 1, 1, 1, 0, 0, False), (4, 25, 32, 33, 3, 1, 3, 0, 6, True),
        (2, 9, 8, 4, 9, 4, 1, 0, 0, False), (1, 100, 6, 12, 64, 1, 1, 30, 33, False),
    ]
    for idx, (t, l, cin, cout, k, st, dil, pl, pr, relu) in enumerate(shapes):
        in_zp, out_zp = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
        p = dict(in_zp=in_zp, out_zp=out_zp, stride=st, dilation=dil, pad_left=pl, pad_right=pr,
                 act_min=max(-128, out_zp) if relu else -128, act_max=127)
        m, s = rand_requant(rng, cout, -14, -6)
        bias = rng.integers(-20000, 20000, size=cout)
        emit_conv(w, f"random_{idx}", i8(rng, (t, l, cin)), i8(rng, (cout, k, cin), -127, 127), bias, m, s, p)
    # saturating bias and extreme multipliers
    cout = 4
    p = dict(in_zp=-128, out_zp=5, stride=1, dilation=1, pad_left=0, pad_right=0, act_min=-100, act_max=100)
    emit_conv(w, "saturation", i8(rng, (2, 6, 4)), i8(rng, (cout, 2, 4), -128, 127),
              np.array([2**31 - 1, -(2**31), 0, 7]), np.array([2**31 - 1, 2**30, 0, 1]),
              np.array([0, -31, 30, 30]), p)


def emit_conv(w, name, x, wt, bias, m, s, p):
    y = qref.conv1d(x, wt, bias, m, s, **p)
    params = [p["in_zp"], p["out_zp"], p["stride"], p["dilation"], p["pad_left"], p["pad_right"],
              p["act_min"], p["act_max"]]
    w.case("conv1d", name, dims=x.shape, filter_dims=wt.shape, params=params, multiplier=m, shift=s,
           input=x, filter=wt, bias=bias, output_dims=y.shape, output=y)


def gen_dense(w: Writer, rng):
    x = np.array([[[10, 20, 30]]], np.int64)
    wt = np.array([[1, 0, -1], [2, 2, 2]], np.int64)
    emit_dense(w, "hand", x, wt, np.array([5, -5]), np.array([2**30, 2**30]), np.array([1, 0]),
               dict(in_zp=0, out_zp=0, act_min=-128, act_max=127))  # -> -15, 57
    for idx, (t, l, cin, cout, relu) in enumerate([(1, 1, 640, 3, False), (1, 1, 33, 17, True),
                                                   (2, 3, 64, 64, False), (1, 1, 1, 1, False),
                                                   (5, 1, 130, 7, True)]):
        in_zp, out_zp = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
        m, s = rand_requant(rng, cout, -16, -8)
        p = dict(in_zp=in_zp, out_zp=out_zp, act_min=max(-128, out_zp) if relu else -128, act_max=127)
        emit_dense(w, f"random_{idx}", i8(rng, (t, l, cin)), i8(rng, (cout, cin), -127, 127),
                   rng.integers(-50000, 50000, size=cout), m, s, p)


def emit_dense(w, name, x, wt, bias, m, s, p):
    y = qref.dense(x, wt, bias, m, s, **p)
    w.case("dense", name, dims=x.shape, filter_dims=(wt.shape[0], 1, wt.shape[1]),
           params=[p["in_zp"], p["out_zp"], p["act_min"], p["act_max"]], multiplier=m, shift=s,
           input=x, filter=wt, bias=bias, output_dims=y.shape, output=y)


def gen_pools(w: Writer, rng):
    x = np.array([1, 2, -3, 4, 5, -6, 7], np.int64).reshape(1, 7, 1)
    cases = [("hand_k2s2", x, (2, 2, 0, 0, -128, 127)), ("hand_k3s1_pad", x, (3, 1, 1, 1, -128, 127))]
    for idx, (t, l, c, k, st, pl, pr) in enumerate([(10, 64, 16, 2, 2, 0, 0), (3, 31, 33, 3, 2, 1, 2),
                                                   (1, 5, 300, 5, 1, 4, 4), (2, 20, 7, 4, 3, 0, 3)]):
        lo = int(rng.integers(-128, 0))
        cases.append((f"random_{idx}", i8(rng, (t, l, c)), (k, st, pl, pr, lo, 127)))
    for name, xx, (k, st, pl, pr, lo, hi) in cases:
        kw = dict(kernel=k, stride=st, pad_left=pl, pad_right=pr, act_min=lo, act_max=hi)
        for op, fn in (("maxpool1d", qref.maxpool1d), ("avgpool1d", qref.avgpool1d)):
            y = fn(xx, **kw)
            w.case(op, name, dims=xx.shape, params=[k, st, pl, pr, lo, hi], input=xx,
                   output_dims=y.shape, output=y)
    for idx, shape in enumerate([(1, 4, 2), (10, 37, 16), (1, 10, 64), (3, 1, 5)]):
        xx = i8(rng, shape) if idx else np.array([1, 2, -3, -4, 2, 2, -1, -1], np.int64).reshape(1, 4, 2)
        y = qref.global_avgpool(xx)
        w.case("global_avgpool", f"case_{idx}", dims=xx.shape, input=xx, output_dims=y.shape, output=y)


def gen_add(w: Writer, rng):
    for idx, (shape, s1, s2, so) in enumerate([((1, 1, 8), 0.1, 0.1, 0.2), ((3, 17, 5), 0.05, 0.2, 0.1),
                                               ((2, 33, 16), 0.7, 0.01, 0.02), ((1, 7, 1), 1e-3, 2e-3, 1e-5)]):
        twice = 2 * max(s1, s2)
        m1, sh1 = qref.quantize_multiplier(s1 / twice)
        m2, sh2 = qref.quantize_multiplier(s2 / twice)
        mo, sho = qref.quantize_multiplier(twice / (2**20 * so))
        zp1, zp2, zpo = (int(v) for v in rng.integers(-128, 128, size=3))
        lo = -128 if idx % 2 == 0 else max(-128, zpo)
        x1, x2 = i8(rng, shape), i8(rng, shape)
        y = qref.add(x1, x2, zp1=zp1, zp2=zp2, out_zp=zpo, left_shift=20, m1=m1, s1=sh1, m2=m2,
                     s2=sh2, mo=mo, so=sho, act_min=lo, act_max=127)
        w.case("add", f"case_{idx}", dims=shape,
               params=[zp1, zp2, zpo, 20, m1, sh1, m2, sh2, mo, sho, lo, 127], input1=x1, input2=x2,
               output=y)


def gen_gru(w: Writer, rng):
    w.case("gru_tables", "tables", sigmoid=qref.SIGMOID_TABLE, tanh=qref.TANH_TABLE)
    for idx, (t, l, d, h) in enumerate([(10, 1, 16, 8), (5, 2, 33, 17), (3, 1, 1, 1), (4, 1, 64, 64)]):
        s_x, s_o = 0.05, 1.0 / 128
        w_ih_s = rng.uniform(0.002, 0.02, size=3 * h)
        w_hh_s = rng.uniform(0.002, 0.02, size=3 * h)
        mi, si = np.array([qref.quantize_multiplier(s_x * v / 2**-12) for v in w_ih_s]).T
        mh, sh = np.array([qref.quantize_multiplier(2**-15 * v / 2**-12) for v in w_hh_s]).T
        mo, so = qref.quantize_multiplier(2**-15 / s_o)
        in_zp, out_zp = int(rng.integers(-20, 20)), int(rng.integers(-5, 5))
        x = i8(rng, (t, l, d))
        wi, wh = i8(rng, (3 * h, d), -127, 127), i8(rng, (3 * h, h), -127, 127)
        bi = rng.integers(-3000, 3000, size=3 * h)
        bh = rng.integers(-30000, 30000, size=3 * h) * 16
        state0 = np.zeros(h, np.int64) if idx == 0 else rng.integers(-32767, 32768, size=h)
        y, hT = qref.gru(x, wi, wh, bi, bh, mi, si, mh, sh, in_zp=in_zp, out_zp=out_zp, mo=mo, so=so,
                         state=state0)
        w.case("gru", f"case_{idx}", dims=x.shape, hidden=[h], params=[in_zp, out_zp, mo, so],
               input_multiplier=mi, input_shift=si, hidden_multiplier=mh, hidden_shift=sh,
               input=x, weight_ih=wi, weight_hh=wh, bias_ih=bi, bias_hh=bh, state=state0,
               output=y, final_state=hT)


def gen_softmax(w: Writer, rng):
    for idx, (shape, scale) in enumerate([((1, 1, 3), 0.1), ((1, 1, 10), 0.05), ((2, 3, 40), 0.2),
                                          ((1, 1, 2), 1e-4), ((4, 1, 100), 1.0)]):
        table = qref.softmax_exp_table(scale)
        x = i8(rng, shape) if idx else np.array([[[10, 0, -10]]], np.int64)
        w.case("softmax_exp_table", f"case_{idx}", scale_bits=[f64_bits(scale)], table=table)
        w.case("softmax", f"case_{idx}", dims=shape, table=table, input=x,
               output=qref.softmax(x, table), output_f32_bits=f32_bits(qref.softmax_f32(x, table)))


def gen_quantize(w: Writer, rng):
    vals = np.array([0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e30, -1e30, np.inf, -np.inf, np.nan,
                     0.049999, 0.05, 0.15, 12.7, -12.8, 12.75, 1e-40], np.float32)
    for idx, (scale, zp) in enumerate([(0.1, 0), (1.0, 0), (0.05, -3), (0.0123, 100), (3.3e-5, -128)]):
        x = np.concatenate([vals, rng.normal(0, 200 * scale, size=61).astype(np.float32)])
        shape = (1, 9, 9)
        q = qref.quantize(x, scale, zp)
        w.case("quantize", f"case_{idx}", dims=shape, scale_bits=f32_bits([scale]), zero_point=[zp],
               input_bits=f32_bits(x), output=q)
        xi = i8(rng, shape)
        w.case("dequantize", f"case_{idx}", dims=shape, scale_bits=f32_bits([scale]), zero_point=[zp],
               input=xi, output_bits=f32_bits(qref.dequantize(xi, scale, zp)))


def gen_dsp(w: Writer, rng):
    from cascadia_train import dsp
    cases = [  # name, rate, samples S, fft_size N, bins B, window, intervals T
        ("acoustic_8k_n1600", 8000, 1600, 1600, 256, "hann", 2),
        ("acoustic_8k_n2048", 8000, 1600, 2048, 256, "hann", 2),
        ("acoustic_16k_n3200", 16000, 3200, 3200, 200, "hann", 1),
        ("seismic_100_n20", 100, 20, 20, 11, "hann", 10),
        ("seismic_200_n64_rect", 200, 40, 64, 33, "rectangular", 10),
        ("odd_n49", 105, 21, 49, 25, "hann", 3),
    ]
    for name, rate, s, n, b, win, t in cases:
        tt = np.arange(t * s) / rate
        x = (0.3 * np.sin(2 * np.pi * rate * 0.0625 * tt) + 0.1 * np.cos(2 * np.pi * rate * 0.21 * tt + 0.3)
             + 0.05 * rng.standard_normal(t * s) + 0.2)
        x = (np.round(x * 32767) / 32768).astype(np.float32).reshape(t, s)  # 16-bit PCM levels
        y = dsp.fft_features(x, n, b, win)
        w.case("dsp", name, params=[s, n, b, 1 if win == "hann" else 0], dims=[t, s, 1],
               input_bits=f32_bits(x), output_bits=f32_bits(y))


def main(argv):
    out = argv[1] if len(argv) > 1 else "tests/golden"
    rng = np.random.default_rng(SEED)
    w = Writer()
    for gen in (gen_requantize, gen_conv1d, gen_dense, gen_pools, gen_add, gen_gru, gen_softmax,
                gen_quantize, gen_dsp):
        gen(w, rng)
    w.write(out)
    print(f"wrote {len(w.lines)} files to {out}")


if __name__ == "__main__":
    main(sys.argv)
