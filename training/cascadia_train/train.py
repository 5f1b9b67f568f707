"""Generate data, train the seven experts, calibrate IDK thresholds.

    python -m cascadia_train.train [--experts A,B,...] [--epochs N] [--seed S]

Writes training/out/data.npz (features + labels of every split), training/out/<name>.pt
(float weights) and training/out/<name>.json (float accuracy, threshold, training settings).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data, dsp, features, models

OUT = os.path.join(os.path.dirname(__file__), "..", "out")


INPUT_PERCENTILE = 99.5


def input_quant(train_feats):
    """Per-modality input quantization (scale, zero point 0) from the training features.

    Symmetric around 0 (real and imaginary parts are); the scale clips the loudest 0.5 % of
    values so quiet, distant sources keep some resolution in int8.
    """
    return {m: (float(np.percentile(np.abs(v), INPUT_PERCENTILE)) / 127.0, 0)
            for m, v in train_feats.items()}


def quantized_inputs(f, iq):
    """Features as the graph sees them: quantized to int8 (dsp.quantize_features), dequantized."""
    return {m: ((dsp.quantize_features(v, *iq[m]).astype(np.float32) - iq[m][1])
                * np.float32(iq[m][0])) for m, v in f.items()}


def load_splits(refresh=False):
    """Int8-quantized features (as float) and labels of each split, cached in out/data.npz."""
    path = os.path.join(OUT, "data.npz")
    if not os.path.exists(path) or refresh:
        make_data(path)
    z = np.load(path)
    iq = json.loads(str(z["input_quant"]))
    splits = {}
    for s in data.SPLITS:
        f = {m: z[f"{s}_{m}"] for m in ("acoustic", "seismic")}
        splits[s] = (quantized_inputs(f, iq), z[f"{s}_y"])
    splits["input_quant"] = iq
    return splits


def make_data(path):
    os.makedirs(OUT, exist_ok=True)
    arrays, splits = {}, {}
    for s, (seed, n) in data.SPLITS.items():
        ac, se, y = data.make_split(seed, n)
        f = features.window_features(ac, se)
        splits[s] = (f, y)
        for m, v in f.items():
            arrays[f"{s}_{m}"] = v
        arrays[f"{s}_y"] = y
        arrays[f"{s}_raw_acoustic"] = ac
        arrays[f"{s}_raw_seismic"] = se
    arrays["input_quant"] = json.dumps(input_quant(splits["train"][0]))
    np.savez(path, **arrays)


def raw_features(split):
    """Float features of a split as dsp.py computes them (before input quantization)."""
    z = np.load(os.path.join(OUT, "data.npz"))
    return {m: z[f"{split}_{m}"] for m in ("acoustic", "seismic")}


def raw_split(split):
    z = np.load(os.path.join(OUT, "data.npz"))
    return z[f"{split}_raw_acoustic"], z[f"{split}_raw_seismic"], z[f"{split}_y"]


def to_torch(f, idx=None):
    return {m: torch.from_numpy(v if idx is None else v[idx]) for m, v in f.items()}


def predict(model, f, batch=256):
    model.eval()
    out = []
    n = len(next(iter(f.values())))
    with torch.no_grad():
        for i in range(0, n, batch):
            sl = slice(i, i + batch)
            out.append(model({m: torch.from_numpy(v[sl]) for m, v in f.items()}))
    return torch.cat(out).numpy()


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibrate_threshold(probs, y, target=0.98, grid=None):
    """Smallest top-probability threshold whose answered windows are >= target accurate."""
    top = probs.max(axis=1)
    ok = probs.argmax(axis=1) == y
    for thr in (np.round(np.arange(0.0, 1.0, 0.01), 2) if grid is None else grid):
        sel = top >= thr
        if sel.sum() == 0:
            break
        if ok[sel].mean() >= target and sel.sum() >= 0.05 * len(y):
            return float(thr)
    return 0.99


def contrastive_pretrain(model, f, epochs, rng, temperature=0.2):
    """CLIP-style InfoNCE between the acoustic and seismic interval-conv embeddings."""
    dims = {"acoustic": model.shapes["ac_feat"][2], "seismic": model.shapes["se_feat"][2]}
    proj = torch.nn.ModuleDict({m: torch.nn.Linear(dims[m], 32) for m in dims})
    branch = [p for n in model.nodes if n.node_name[:3] in ("ac_", "se_") for p in n.parameters()]
    params = branch + list(proj.parameters())
    opt = torch.optim.Adam(params, lr=3e-3)
    n = len(next(iter(f.values())))
    for ep in range(epochs):
        perm = rng.permutation(n)
        tot = 0.0
        for i in range(0, n, 128):
            b = to_torch(f, perm[i:i + 128])
            za = F.normalize(proj["acoustic"](models.branch_embedding(model, "acoustic", b["acoustic"])), dim=1)
            zs = F.normalize(proj["seismic"](models.branch_embedding(model, "seismic", b["seismic"])), dim=1)
            logits = za @ zs.t() / temperature
            tgt = torch.arange(len(za))
            loss = 0.5 * (F.cross_entropy(logits, tgt) + F.cross_entropy(logits.t(), tgt))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(za)
        print(f"  contrastive epoch {ep + 1}: loss {tot / n:.3f}", flush=True)


def train_one(name, splits, epochs, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    ftr, ytr = splits["train"]
    bins = {m: v.shape[2] for m, v in ftr.items()}
    model = models.build(name, bins)
    fm = {m: ftr[m] for m in model.modalities}
    t0 = time.time()
    if name == "deepsense_both_contrast":
        # Pre-train on the training windows without labels, then fine-tune end to end.
        contrastive_pretrain(model, fm, max(2, epochs // 2), rng)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    n = len(ytr)
    yt = torch.from_numpy(ytr)
    for ep in range(epochs):
        model.train()
        perm = rng.permutation(n)
        tot = 0.0
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            logits = model(to_torch(fm, idx))
            loss = F.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        sched.step()
        fv, yv = splits["val"]
        acc = (predict(model, {m: fv[m] for m in model.modalities}).argmax(1) == yv).mean()
        print(f"  {name} epoch {ep + 1}/{epochs}: loss {tot / n:.3f} val acc {acc:.3f}", flush=True)
    fv, yv = splits["val"]
    pv = softmax(predict(model, {m: fv[m] for m in model.modalities}))
    thr = calibrate_threshold(pv, yv)
    fte, yte = splits["test"]
    pt = softmax(predict(model, {m: fte[m] for m in model.modalities}))
    info = dict(
        name=name, seed=seed, epochs=epochs, train_seconds=round(time.time() - t0, 1),
        float_val_accuracy=float((pv.argmax(1) == yv).mean()),
        float_test_accuracy=float((pt.argmax(1) == yte).mean()),
        idk_threshold=thr,
        float_test_coverage=float((pt.max(1) >= thr).mean()),
        bins=bins,
    )
    torch.save(model.state_dict(), os.path.join(OUT, f"{name}.pt"))
    with open(os.path.join(OUT, f"{name}.json"), "w") as fh:
        json.dump(info, fh, indent=1)
    print(json.dumps(info), flush=True)
    return model, info


def load_model(name, splits):
    bins = {m: v.shape[2] for m, v in splits["train"][0].items()}
    model = models.build(name, bins)
    model.load_state_dict(torch.load(os.path.join(OUT, f"{name}.pt")))
    model.eval()
    with open(os.path.join(OUT, f"{name}.json")) as fh:
        return model, json.load(fh)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--experts", default="ABCDEFG")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--refresh-data", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    t = time.time()
    splits = load_splits(a.refresh_data)
    print(f"data ready in {time.time() - t:.1f} s", flush=True)
    for k in a.experts.replace(",", ""):
        train_one(models.EXPERTS[k], splits, a.epochs, a.seed)


if __name__ == "__main__":
    main()
