"""Quantization-aware fine-tuning (fake quantization with a straight-through estimator).

Used for the small experts whose post-training int8 model disagrees with the float model too
often (F, G: about 1 window in 10). Starting from the trained float weights, a few epochs run
with every activation and weight rounded the way ``quantize.py`` will round them in the file:

* weights: symmetric int8 per output channel, ``scale = max|w| / 127`` (recomputed each step);
* activations: asymmetric int8 per tensor with the scale and zero point that
  ``quantize.quantize_graph`` derives from the calibration split (percentile ``pct``, tied groups,
  fixed input / softmax quantization), recomputed from the current weights before each epoch.

The rounding is ``x + (fq(x) - x).detach()``: the forward pass sees the int8 grid, the gradient
passes straight through (zero outside the clamp range for activations). The result is an
ordinary float model: the export step then quantizes it post-training exactly as any other
expert, so nothing about the file format or the integer kernels changes.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils import parametrize

from . import layers as L, quantize

# Experts fine-tuned this way by train.py, with the activation-range percentile used both during
# fine-tuning and by the export (no search). Picked by agreement of the int8 file with the float
# model on the validation split in trial runs (F: 99.99 vs 100; G: 98, 99, 99.5, 99.9, 100).
PERCENTILE = {"cnn_acoustic": 100.0, "cnn_seismic": 98.0}
EPOCHS = 6
LR = 1e-3


class _WeightFQ(torch.nn.Module):
    """Per-output-channel symmetric int8 fake quantization of a weight [out, ...]."""

    def forward(self, w):
        s = w.detach().reshape(w.shape[0], -1).abs().max(dim=1).values / 127.0
        s = torch.where(s > 0, s, torch.full_like(s, 1e-8)).reshape(-1, *([1] * (w.dim() - 1)))
        q = torch.clamp(torch.round(w / s), -127, 127) * s
        return w + (q - w).detach()


def _act_fq(x, scale, zp):
    lo, hi = (-128 - zp) * scale, (127 - zp) * scale
    xc = torch.clamp(x, lo, hi)  # gradient 0 outside the representable range
    q = (torch.round(xc / scale) + zp).clamp(-128, 127)
    return xc + ((q - zp) * scale - xc).detach()


def _act_params(g, name, input_quant, calib_feats, pct):
    meta, _ = quantize.quantize_graph(g, name, input_quant, calib_feats,
                                      {"idk": 0.0, "hazard": 0.5}, pct=pct)
    return {k: (float(v["scale"]), int(v["zero_point"])) for k, v in meta["tensors"].items()}


def finetune(g, name, splits, pct, epochs=EPOCHS, seed=0, log=print):
    """Fake-quantized fine-tuning of ``g`` in place; returns it (plain float weights)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed + 1)
    ftr, ytr = splits["train"]
    fm = {m: ftr[m] for m in g.modalities}
    calib = splits["calib"][0]
    mods = [n.conv if isinstance(n, L.Conv1d) else n.lin
            for n in g.nodes if isinstance(n, (L.Conv1d, L.Dense))]
    params = {}
    hooks = []

    def hook(node, _inputs, out):
        s, zp = params[node.outputs[0]]
        return _act_fq(out, s, zp)

    for n in g.nodes:
        if not isinstance(n, L.Softmax):
            hooks.append(n.register_forward_hook(hook))
    opt = torch.optim.Adam(g.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    yt = torch.from_numpy(ytr)
    n = len(ytr)
    try:
        for ep in range(epochs):
            for h in hooks:  # ranges of the current float weights, as the export will see them
                h.remove()
            params.update(_act_params(g, name, splits["input_quant"], calib, pct))
            hooks = [nd.register_forward_hook(hook) for nd in g.nodes if not isinstance(nd, L.Softmax)]
            for m in mods:
                parametrize.register_parametrization(m, "weight", _WeightFQ())
            g.train()
            perm = rng.permutation(n)
            tot = 0.0
            for i in range(0, n, 64):
                idx = perm[i:i + 64]
                inputs = {k: torch.from_numpy(v[idx]) for k, v in fm.items()}
                inputs = {k: _act_fq(v, *params[k]) for k, v in inputs.items()}
                loss = F.cross_entropy(g(inputs), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                tot += loss.item() * len(idx)
            sched.step()
            for m in mods:
                parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
            log(f"  {name} QAT epoch {ep + 1}/{epochs}: loss {tot / n:.3f}")
    finally:
        for h in hooks:
            h.remove()
        for m in mods:
            if parametrize.is_parametrized(m):
                parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    g.eval()
    return g
