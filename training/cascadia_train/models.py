"""The seven reference experts (SPEC §3) as exportable graphs (layers.py).

Inputs: per modality ``[T=10, bins, 2]`` (real, imaginary FFT parts as channels, dsp.py).

DeepSense (Yao et al. 2017): per-sensor conv1d stacks over each interval's spectrum ->
a conv spanning the remaining frequency axis -> concat across sensors -> 1x1 conv (the merge layer, one
dense per interval) -> 2-layer GRU over the intervals -> mean over time -> dense -> softmax.

CNN: per-sensor conv1d stacks over each interval's spectrum -> a conv spanning frequency ->
concat -> dense over the flattened [intervals x channels] -> dense -> softmax.
"""

from __future__ import annotations

from . import layers as L

N_CLASSES = 5
T = 10

EXPERTS = {
    "A": "deepsense_both",
    "B": "deepsense_both_contrast",
    "C": "deepsense_acoustic",
    "D": "deepsense_seismic",
    "E": "cnn_both",
    "F": "cnn_acoustic",
    "G": "cnn_seismic",
}
ID_OF = {v: k for k, v in EXPERTS.items()}

# Conv stacks: (c_out, kernel, stride, maxpool after) per layer; fused ReLU everywhere.
AC_BIG = [(16, 5, 2, 2), (32, 5, 1, 2), (32, 3, 1, 1)]
AC_MID = [(12, 5, 2, 2), (24, 5, 1, 2)]
AC_SMALL = [(8, 7, 4, 2), (16, 5, 2, 1)]
SE_BIG = [(16, 3, 1, 1), (32, 3, 1, 1)]
SE_MID = [(16, 3, 1, 1), (16, 3, 1, 1)]
SE_SMALL = [(8, 3, 1, 1), (8, 3, 1, 1)]


def branch(g, prefix, inp, stack):
    """Conv stack over one modality's spectrum, then one conv spanning the frequency axis."""
    x = inp
    c_in = g.shapes[inp][2]
    for i, (c_out, k, s, pool) in enumerate(stack):
        x = g.add(L.Conv1d(f"{prefix}_conv{i + 1}", x, f"{prefix}_c{i + 1}", c_in, c_out, k,
                           stride=s, padding=(k // 2, k // 2), relu=True))
        if pool > 1:
            x = g.add(L.MaxPool(f"{prefix}_pool{i + 1}", x, f"{prefix}_p{i + 1}", pool))
        c_in = c_out
    # A convolution spanning the whole remaining frequency axis (one dense layer per interval):
    # unlike a global average it keeps where in the spectrum the energy is.
    length = g.shapes[x][1]
    return g.add(L.Conv1d(f"{prefix}_span", x, f"{prefix}_feat", c_in, stack[-1][0], length,
                          relu=True))


def merged(g, stacks):
    feats = [branch(g, pre, mod, st) for pre, mod, st in stacks]
    if len(feats) == 1:
        return feats[0]
    return g.add(L.Concat("merge_concat", feats, "merged", axis=2))


def deepsense(bins, stacks, merge_dim, hidden):
    g = L.Graph({mod: (T, bins[mod], 2) for _, mod, _ in stacks})
    x = merged(g, stacks)
    x = g.add(L.Conv1d("merge_conv", x, "merge", g.shapes[x][2], merge_dim, 1, relu=True))
    x = g.add(L.GRU("gru1", x, "gru1_out", merge_dim, hidden))
    x = g.add(L.GRU("gru2", x, "gru2_out", hidden, hidden))
    x = g.add(L.MeanTime("mean_time", x, "pooled"))
    x = g.add(L.Dense("head", x, "logits", hidden, N_CLASSES))
    g.add(L.Softmax("softmax", x, "probs"))
    return g


def cnn(bins, stacks, hidden):
    g = L.Graph({mod: (T, bins[mod], 2) for _, mod, _ in stacks})
    x = merged(g, stacks)
    t, l, c = g.shapes[x]
    x = g.add(L.Dense("fc1", x, "fc1_out", t * l * c, hidden, relu=True))
    x = g.add(L.Dense("head", x, "logits", hidden, N_CLASSES))
    g.add(L.Softmax("softmax", x, "probs"))
    return g


def build(name, bins):
    """Construct expert ``name`` for feature bin counts ``bins = {modality: bins}``."""
    both_big = [("ac", "acoustic", AC_BIG), ("se", "seismic", SE_BIG)]
    if name in ("deepsense_both", "deepsense_both_contrast"):
        return deepsense(bins, both_big, 48, 48)
    if name == "deepsense_acoustic":
        return deepsense(bins, [("ac", "acoustic", AC_MID)], 32, 32)
    if name == "deepsense_seismic":
        return deepsense(bins, [("se", "seismic", SE_BIG)], 32, 32)
    if name == "cnn_both":
        return cnn(bins, [("ac", "acoustic", AC_SMALL), ("se", "seismic", SE_SMALL)], 24)
    if name == "cnn_acoustic":
        return cnn(bins, [("ac", "acoustic", AC_SMALL)], 24)
    if name == "cnn_seismic":
        return cnn(bins, [("se", "seismic", SE_SMALL)], 16)
    raise KeyError(name)


def branch_embedding(g, modality, feats):
    """[B, C] embedding of one modality's branch (mean over intervals); for contrastive pre-training."""
    prefix = "ac" if modality == "acoustic" else "se"
    env = {modality: feats}
    for n in g.nodes:
        if n.node_name.startswith(prefix + "_"):
            env[n.outputs[0]] = n(*[env[i] for i in n.inputs])
    return env[f"{prefix}_feat"].mean(dim=(1, 2))


def macs(g):
    """Multiply-accumulates of one run, per layer and total."""
    per = {}
    for n in g.nodes:
        ins = [g.shapes[i] for i in n.inputs]
        out = g.shapes[n.outputs[0]]
        if isinstance(n, L.Conv1d):
            per[n.node_name] = out[0] * out[1] * out[2] * n.kernel * ins[0][2]
        elif isinstance(n, L.Dense):
            per[n.node_name] = n.lin.in_features * n.lin.out_features
        elif isinstance(n, L.GRU):
            d = ins[0][1] * ins[0][2]
            per[n.node_name] = ins[0][0] * 3 * n.hidden * (d + n.hidden)
    return sum(per.values()), per


def n_params(g):
    return sum(p.numel() for p in g.parameters())
