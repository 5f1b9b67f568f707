"""End-to-end golden vectors for expert model files (docs/model-format.md §9).

Reads a .safetensors expert with its own parser (struct + json, not the Swift loader), executes
its layer graph with the integer kernels of cascadia_train.qref (the independent numpy reference
of docs/quantization.md), and writes `<model>.golden.txt`: per case the int8 input (even cases) or the
float features (odd cases) of every modality, the int8 logits and the int8 softmax output. The Swift test ExpertGoldenTests compares
the C kernels run by the Expert API against these bit for bit.

    python3 training/golden/expert_golden.py MODEL.safetensors [--cases N] [--seed S] [--out FILE]

Offline only; swift test never runs it.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cascadia_train import qref  # noqa: E402

VERSION = "1"
DTYPES = {"I8": np.int8, "I32": np.int32}


def read_model(path):
    """(tensors by name as numpy arrays, cascadia metadata document)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__")
    assert meta["format"] == "cascadia-expert" and meta["format_version"] == "1"
    data = blob[8 + n:]
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[t["dtype"]]).newbyteorder("<")).reshape(t["shape"])
    return tensors, json.loads(meta["cascadia"])


def qm(real):
    return qref.quantize_multiplier(float(real))


def per_channel(reals):
    pairs = [qm(r) for r in reals]
    return np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64)


def clamp_for(activation, out_zp):
    return (max(-128, out_zp) if activation == "relu" else -128), 127


def run_graph(tensors, doc, inputs):
    """inputs: {tensor name: int8 array [T, L, C]} -> (logits int8, probabilities int8)."""
    acts = dict(inputs)
    info = doc["tensors"]
    for layer in doc["layers"]:
        op = layer["op"]
        xs = [acts[n] for n in layer["inputs"]]
        qx = info[layer["inputs"][0]]
        out_name = layer["outputs"][0]
        qy = info[out_name]
        x = xs[0]
        if op == "conv1d":
            w, b = tensors[layer["weight"]], tensors[layer["bias"]]
            m, s = per_channel([(qx["scale"] * ws) / qy["scale"] for ws in layer["weight_scales"]])
            lo, hi = clamp_for(layer["activation"], qy["zero_point"])
            y = qref.conv1d(x, w, b, m, s, in_zp=qx["zero_point"], out_zp=qy["zero_point"], stride=layer["stride"],
                            dilation=layer["dilation"], pad_left=layer["padding"][0], pad_right=layer["padding"][1],
                            act_min=lo, act_max=hi)
        elif op == "dense":
            w, b = tensors[layer["weight"]], tensors[layer["bias"]]
            m, s = per_channel([(qx["scale"] * ws) / qy["scale"] for ws in layer["weight_scales"]])
            lo, hi = clamp_for(layer["activation"], qy["zero_point"])
            y = qref.dense(x.reshape(1, 1, -1), w, b, m, s, in_zp=qx["zero_point"], out_zp=qy["zero_point"],
                           act_min=lo, act_max=hi)
        elif op == "maxpool":
            y = qref.maxpool1d(x, kernel=layer["kernel"], stride=layer["stride"])
        elif op == "avgpool":
            y = qref.avgpool1d(x, kernel=layer["kernel"], stride=layer["stride"])
        elif op == "global_avgpool":
            y = qref.global_avgpool(x)
        elif op == "mean_time":
            t, length, c = x.shape
            y = qref.global_avgpool(x.reshape(1, t, length * c)).reshape(1, length, c)
        elif op == "add":
            q2 = info[layer["inputs"][1]]
            twice_max = 2 * max(qx["scale"], q2["scale"])
            m1, s1 = qm(qx["scale"] / twice_max)
            m2, s2 = qm(q2["scale"] / twice_max)
            mo, so = qm(twice_max / (2.0**20 * qy["scale"]))
            lo, hi = clamp_for(layer["activation"], qy["zero_point"])
            y = qref.add(x, xs[1], zp1=qx["zero_point"], zp2=q2["zero_point"], out_zp=qy["zero_point"], left_shift=20,
                         m1=m1, s1=s1, m2=m2, s2=s2, mo=mo, so=so, act_min=lo, act_max=hi)
        elif op == "concat":
            y = np.concatenate(xs, axis=layer["axis"])
        elif op == "reshape":
            y = x.reshape(layer["shape"])
        elif op == "gru":
            t, length, c = x.shape
            mi, si = per_channel([(qx["scale"] * ws) / 2.0**-12 for ws in layer["weight_ih_scales"]])
            mh, sh = per_channel([(2.0**-15 * ws) / 2.0**-12 for ws in layer["weight_hh_scales"]])
            mo, so = qm(2.0**-15 / qy["scale"])
            y, _ = qref.gru(x.reshape(t, 1, length * c), tensors[layer["weight_ih"]], tensors[layer["weight_hh"]],
                            tensors[layer["bias_ih"]], tensors[layer["bias_hh"]], mi, si, mh, sh,
                            in_zp=qx["zero_point"], out_zp=qy["zero_point"], mo=mo, so=so)
        elif op == "softmax":
            y = qref.softmax(x, qref.softmax_exp_table(qx["scale"]))
        else:
            raise ValueError(f"unknown op {op}")
        y = np.asarray(y, np.int8)
        assert list(y.shape) == qy["shape"], (layer["name"], y.shape, qy["shape"])
        acts[out_name] = y
    last = doc["layers"][-1]
    return acts[last["inputs"][0]].reshape(-1), acts[doc["output"]].reshape(-1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--cases", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out")
    ap.add_argument("--root", default=".", help="repository root the model path is written relative to")
    args = ap.parse_args()
    tensors, doc = read_model(args.model)
    rng = np.random.default_rng(args.seed)
    rel = os.path.relpath(os.path.abspath(args.model), os.path.abspath(args.root))
    lines = [f"# generator: training/golden/expert_golden.py {VERSION} (numpy {np.__version__}, cascadia_train.qref)",
             f"# command: python3 training/golden/expert_golden.py {rel} --cases {args.cases} --seed {args.seed}",
             f"model: {rel}"]
    for case in range(args.cases):
        inputs = {}
        lines.append(f"case: {case}")
        for m in doc["framing"]["modalities"]:
            shape = doc["tensors"][m["input"]]["shape"]
            if case % 2 == 0:
                # int8 input: mostly moderate values, some saturated ones (clamps, zero points).
                q = rng.integers(-70, 71, size=shape)
                q[rng.random(shape) < 0.03] = 127
                q[rng.random(shape) < 0.03] = -128
                inputs[m["input"]] = q.astype(np.int8)
                lines.append(f"input {m['name']}: " + " ".join(str(v) for v in inputs[m["input"]].reshape(-1)))
            else:
                # float features, quantized like nn_quantize_f32_s8 with the input's scale/zero point.
                q_in = doc["tensors"][m["input"]]
                f = (rng.normal(0.0, 2.0, size=shape)).astype(np.float32)
                inputs[m["input"]] = qref.quantize(f, q_in["scale"], q_in["zero_point"])
                lines.append(f"features {m['name']}: " + " ".join(repr(float(v)) for v in f.reshape(-1)))
        logits, probs = run_graph(tensors, doc, inputs)
        lines.append("logits: " + " ".join(str(v) for v in logits))
        lines.append("probabilities: " + " ".join(str(v) for v in probs))
    out = args.out or os.path.splitext(args.model)[0] + ".golden.txt"
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out}: {args.cases} cases")


if __name__ == "__main__":
    main()
