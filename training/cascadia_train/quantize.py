"""Post-training int8 quantization of a trained Graph into the model file's content.

Follows docs/quantization.md: weights int8 symmetric per output channel (scale max|w|/127),
activations int8 asymmetric per tensor from calibration ranges, biases int32 at scale
s_in * s_w, GRU hidden state Q0.15 (its bias_hh at scale 2^-15 * s_whh). Ops that must keep
their input's quantization (pools, mean over time, reshape) and concat (inputs == output) tie
tensors together; a tied group gets the union of its members' calibrated ranges.
"""

from __future__ import annotations

import numpy as np
import torch

from . import features, format as fmt, layers as L, models

SAME_QUANT_OPS = (L.MaxPool, L.GlobalAvgPool, L.MeanTime, L.Reshape, L.Concat)


RANGE_PERCENTILE = 99.9


def calibrate_ranges(g, feats, batch=256, pct=RANGE_PERCENTILE):
    """Per activation, the (100-pct, pct) percentiles over the calibration features (float model).

    Percentiles rather than min/max: one outlier must not coarsen the grid for every window.
    """
    vals = {}
    n = len(next(iter(feats.values())))
    g.eval()
    with torch.no_grad():
        for i in range(0, n, batch):
            env = g.run({m: torch.from_numpy(v[i:i + batch]) for m, v in feats.items()},
                        upto_softmax=True)
            for k, v in env.items():
                if k != "__logits__":
                    vals.setdefault(k, []).append(v.numpy().ravel())
    lo, hi = {}, {}
    for k, parts in vals.items():
        a = np.concatenate(parts)
        lo[k], hi[k] = float(np.percentile(a, 100 - pct)), float(np.percentile(a, pct))
    return lo, hi


def asym_params(lo, hi):
    """Scale and zero point covering [min(lo,0), max(hi,0)] with int8 [-128, 127]."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return float(scale), zp


def weight_q(w):
    """Per-output-channel symmetric int8 of w [out, ...]: (q, scales)."""
    flat = w.reshape(w.shape[0], -1)
    s = np.abs(flat).max(axis=1) / 127.0
    s = np.where(s > 0, s, 1e-8)
    q = np.clip(np.round(flat / s[:, None]), -127, 127).astype(np.int8).reshape(w.shape)
    return q, s.astype(np.float64)


def bias_q(b, scale):
    return np.clip(np.round(b / scale), -2**31, 2**31 - 1).astype(np.int32)


def quantize_graph(g, name, input_quant, calib_feats, thresholds, pct=RANGE_PERCENTILE):
    """(meta, tensors) for ``format.write``; thresholds = {"idk": x, "hazard": y}."""
    from . import data  # labels

    lo, hi = calibrate_ranges(g, calib_feats, pct=pct)
    # Union-find over tensors that must share quantization.
    parent = {k: k for k in g.shapes}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for n in g.nodes:
        if isinstance(n, SAME_QUANT_OPS):
            for i in n.inputs:
                parent[find(i)] = find(n.outputs[0])
    groups = {}
    for k in g.shapes:
        r = find(k)
        if k in lo:
            a, b = groups.get(r, (np.inf, -np.inf))
            groups[r] = (min(a, lo[k]), max(b, hi[k]))
    fixed = {}  # root -> quantization fixed by the op, not by calibration
    for m in g.modalities:
        fixed[find(m)] = (float(np.float32(input_quant[m][0])), int(input_quant[m][1]))
    for n in g.nodes:
        if isinstance(n, L.Softmax):
            fixed[find(n.outputs[0])] = (fmt.SOFTMAX_SCALE, fmt.SOFTMAX_ZERO_POINT)
        if isinstance(n, L.GRU):
            # The hidden state lies in (-1, 1): scale 2^-7 makes the output requant a pure shift.
            fixed[find(n.outputs[0])] = (1.0 / 128.0, 0)
    q = {k: fixed.get(find(k)) or asym_params(*groups[find(k)]) for k in g.shapes}
    tensors, layer_docs = {}, []
    for n in g.nodes:
        doc = {"op": n.op, "name": n.node_name, "inputs": n.inputs, "outputs": n.outputs}
        doc.update(n.fields())
        s_in = q[n.inputs[0]][0]
        if isinstance(n, (L.Conv1d, L.Dense)):
            mod = n.conv if isinstance(n, L.Conv1d) else n.lin
            w = mod.weight.detach().numpy()
            if isinstance(n, L.Conv1d):
                w = w.transpose(0, 2, 1)  # torch [out, in, K] -> file [out, K, in]
            wq, ws = weight_q(w)
            tensors[f"{n.node_name}.weight"] = wq
            tensors[f"{n.node_name}.bias"] = bias_q(mod.bias.detach().numpy(), s_in * ws)
            doc.update(weight=f"{n.node_name}.weight", bias=f"{n.node_name}.bias",
                       weight_scales=ws.tolist())
        elif isinstance(n, L.GRU):
            wih, sih = weight_q(n.gru.weight_ih_l0.detach().numpy())
            whh, shh = weight_q(n.gru.weight_hh_l0.detach().numpy())
            tensors[f"{n.node_name}.weight_ih"] = wih
            tensors[f"{n.node_name}.weight_hh"] = whh
            tensors[f"{n.node_name}.bias_ih"] = bias_q(n.gru.bias_ih_l0.detach().numpy(), s_in * sih)
            tensors[f"{n.node_name}.bias_hh"] = bias_q(n.gru.bias_hh_l0.detach().numpy(), 2.0**-15 * shh)
            doc.update({k: f"{n.node_name}.{k}" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
            doc.update(weight_ih_scales=sih.tolist(), weight_hh_scales=shh.tolist())
        layer_docs.append(doc)
    output = g.nodes[-1].outputs[0]
    meta = {
        "id": models.ID_OF.get(name, name[:32]),
        "name": name,
        "labels": list(data.CLASSES),
        "hazards": list(data.HAZARD_CLASSES),
        "thresholds": dict(thresholds),
        "framing": features.framing_metadata(g.modalities),
        "tensors": {k: {"shape": list(g.shapes[k]), "scale": q[k][0], "zero_point": q[k][1]}
                    for k in g.shapes},
        "layers": layer_docs,
        "output": output,
    }
    return meta, tensors
