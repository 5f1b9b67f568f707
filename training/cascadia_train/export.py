"""Quantize the trained experts, write models/*.safetensors, measure them with graph_ref, write cards.

    python -m cascadia_train.export [--experts ABCDEFG]

For each expert: post-training int8 quantization on the calibration split (quantize.py), the
file (format.py), then the integer executor (graph_ref.py) on the validation split to set the
IDK threshold on the int8 probabilities the device computes, and on the test split for the
accuracy and coverage reported in models/<file>.md. Per-window test results of every expert go
to models/test-windows.csv (input for a provisional profile).
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from . import data, format as fmt, graph_ref, models, quantize, train

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")
IDK_TARGET = 0.98  # selective accuracy the IDK threshold must reach on validation
HAZARD_THRESHOLD = 0.5


def file_stem(name):
    return f"{models.ID_OF[name]}_{name}"


def export_one(name, splits, seed):
    g, info = train.load_model(name, splits)
    meta, tensors = quantize.quantize_graph(g, name, splits["input_quant"], splits["calib"][0],
                                            {"idk": 0.0, "hazard": HAZARD_THRESHOLD})
    path = os.path.join(MODELS, file_stem(name) + ".safetensors")
    fmt.write(path, meta, tensors)
    ex = graph_ref.Executor(path)
    yv = splits["val"][1]
    qv = ex.probabilities(train.raw_features("val"))
    pv = (qv.astype(np.int64) + 128) / 256.0
    grid = np.arange(256) / 256.0
    thr = train.calibrate_threshold(pv, yv, IDK_TARGET, grid=grid)
    meta["thresholds"]["idk"] = float(thr)
    fmt.write(path, meta, tensors)
    ex = graph_ref.Executor(path)
    yt = splits["test"][1]
    qt = ex.probabilities(train.raw_features("test"))
    top, idk, hazard = ex.decide(qt)
    ft = train.predict(g, {m: splits["test"][0][m] for m in g.modalities}).argmax(1)
    truth_h = data.hazard_of(yt)
    answered = ~idk
    res = dict(
        id=meta["id"], name=name, file=os.path.relpath(path, ROOT),
        params=models.n_params(g), macs=models.macs(g)[0],
        float_test_accuracy=float(np.mean(ft == yt)),
        int8_test_accuracy=float(np.mean(top == yt)),
        idk_threshold=thr, hazard_threshold=HAZARD_THRESHOLD,
        int8_test_coverage=float(np.mean(answered)),
        int8_test_accuracy_answered=float(np.mean((top == yt)[answered])) if answered.any() else 0.0,
        hazard_fn=float(np.mean(~hazard[truth_h])), hazard_fp=float(np.mean(hazard[~truth_h])),
        float_test_accuracy_unquantized_input=info["float_test_accuracy"],
        seed=seed, epochs=info["epochs"], train_seconds=info["train_seconds"],
        file_bytes=os.path.getsize(path),
    )
    write_card(res, meta, g)
    return res, dict(top=top, idk=idk, hazard=hazard)


def write_card(r, meta, g):
    total, per = models.macs(g)
    lines = [
        f"# Expert {r['id']}: `{r['name']}`",
        "",
        f"File `{os.path.basename(r['file'])}` ({r['file_bytes']} bytes), format version 1 "
        "(docs/model-format.md). Synthetic training data (docs/data.md).",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| inputs | {', '.join(m['name'] + ' ' + str(meta['tensors'][m['input']]['shape']) for m in meta['framing']['modalities'])} (int8 FFT features, dsp.py) |",
        f"| parameters | {r['params']} |",
        f"| multiply-accumulates per window | {total} |",
        f"| float accuracy, test split (1000 windows) | {100 * r['float_test_accuracy']:.1f} % |",
        f"| int8 accuracy, test split, integer executor graph_ref.py | {100 * r['int8_test_accuracy']:.1f} % |",
        f"| IDK threshold (top int8 probability, calibrated on validation for {100 * IDK_TARGET:.0f} % answered accuracy) | {r['idk_threshold']:.4f} |",
        f"| coverage at the threshold (fraction not IDK), test | {100 * r['int8_test_coverage']:.1f} % |",
        f"| int8 accuracy of the answered windows, test | {100 * r['int8_test_accuracy_answered']:.1f} % |",
        f"| hazard threshold | {r['hazard_threshold']} |",
        f"| hazard FN rate / FP rate, test (int8) | {r['hazard_fn']:.4f} / {r['hazard_fp']:.4f} |",
        "",
        "Float accuracy is the PyTorch model on the int8-quantized inputs the device feeds it "
        f"(on unquantized dsp.py features it is {100 * r['float_test_accuracy_unquantized_input']:.1f} %).",
        "",
        "## Layers",
        "",
        "| layer | op | output [T, L, C] | MACs |",
        "|---|---|---|---|",
    ]
    for lay in meta["layers"]:
        o = lay["outputs"][0]
        lines.append(f"| {lay['name']} | {lay['op']} | {meta['tensors'][o]['shape']} | {per.get(lay['name'], 0)} |")
    lines += [
        "",
        "## Reproduce",
        "",
        "```sh",
        "cd training",
        f".venv/bin/python -m cascadia_train.train --experts {r['id']} --epochs {r['epochs']} --seed {r['seed']}",
        f".venv/bin/python -m cascadia_train.export --experts {r['id']} --seed {r['seed']}",
        "```",
        "",
        f"Training took {r['train_seconds']} s on one CPU thread. `make models` runs every step for all seven experts.",
        "",
    ]
    with open(os.path.join(MODELS, file_stem(r["name"]) + ".md"), "w") as fh:
        fh.write("\n".join(lines))


def write_windows(results, y):
    """models/test-windows.csv: per test window, the label and every expert's int8 answers."""
    ids = sorted(results)
    path = os.path.join(MODELS, "test-windows.csv")
    with open(path, "w") as fh:
        cols = ["window", "label", "hazard"]
        for i in ids:
            cols += [f"{i}_class", f"{i}_idk", f"{i}_hazard"]
        fh.write(",".join(cols) + "\n")
        for w in range(len(y)):
            row = [str(w), data.CLASSES[y[w]], str(int(data.hazard_of(y[w])))]
            for i in ids:
                r = results[i]
                row += [data.CLASSES[r["top"][w]], str(int(r["idk"][w])), str(int(r["hazard"][w]))]
            fh.write(",".join(row) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--experts", default="ABCDEFG")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(MODELS, exist_ok=True)
    splits = train.load_splits()
    summary_path = os.path.join(MODELS, "summary.json")
    summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {}
    per_window = {}
    for k in a.experts:
        name = models.EXPERTS[k]
        res, win = export_one(name, splits, a.seed)
        summary[k] = res
        np.savez(os.path.join(train.OUT, f"{k}_test_decisions.npz"), **win)
        print(json.dumps(res), flush=True)
    for k in summary:
        p = os.path.join(train.OUT, f"{k}_test_decisions.npz")
        if os.path.exists(p):
            per_window[k] = dict(np.load(p))
    with open(summary_path, "w") as fh:
        json.dump(dict(sorted(summary.items())), fh, indent=1)
    write_windows(per_window, splits["test"][1])


if __name__ == "__main__":
    main()
