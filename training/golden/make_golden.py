"""End-to-end golden vectors of the shipped experts, bit-exact from graph_ref.py.

    cd training && .venv/bin/python golden/make_golden.py

Writes Tests/CascadiaModelsTests/Golden/:
  features.txt          CASES test windows: label and float32 dsp.py features per modality
  <stem>.txt            per expert: model file sha256, then per case the int8 input of every
                        modality (nn_quantize_f32_s8 of the features), the int8 logits (softmax
                        input) and the int8 softmax output.
Line format: `<key> <count> v1 v2 ...`; floats are printed with 9 significant digits, which
round-trips float32 exactly. The first line names the generator and versions.
"""

from __future__ import annotations

import glob
import hashlib
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from cascadia_train import data, graph_ref, train  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "Tests", "CascadiaModelsTests", "Golden")
# Test windows: one of every class plus two more, fixed indices into the test split.
CASES_PER_CLASS = 1
EXTRA = 2


def header():
    import torch

    return (f"# cascadia golden vectors v1; generator training/golden/make_golden.py "
            f"(cascadia_train.graph_ref integer executor); numpy {np.__version__}; "
            f"torch {torch.__version__.split('+')[0]}; python {sys.version.split()[0]}")


def line(key, values, fmt="{:d}"):
    values = np.asarray(values).ravel()
    return f"{key} {len(values)} " + " ".join(fmt.format(v) for v in values.tolist())


def pick_cases(y):
    idx = []
    for c in range(len(data.CLASSES)):
        idx += list(np.flatnonzero(y == c)[:CASES_PER_CLASS])
    rest = [i for i in range(len(y)) if i not in idx]
    return sorted(idx + rest[:EXTRA])


def main():
    os.makedirs(OUT, exist_ok=True)
    splits = train.load_splits()
    y = splits["test"][1]
    feats = train.raw_features("test")
    cases = pick_cases(y)
    head = header()
    with open(os.path.join(OUT, "features.txt"), "w") as fh:
        fh.write(head + "\n")
        fh.write(f"cases {len(cases)}\n")
        for k, i in enumerate(cases):
            fh.write(f"case {k} test_window {i} label {data.CLASSES[y[i]]}\n")
            for m in ("acoustic", "seismic"):
                fh.write(line(f"{m}.features", feats[m][i], "{:.9g}") + "\n")
    for path in sorted(glob.glob(os.path.join(ROOT, "models", "*.safetensors"))):
        ex = graph_ref.Executor(path)
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        sub = {m: v[cases] for m, v in feats.items()}
        q_in = ex.quantize_inputs(sub)
        env = ex.run(q_in, keep=True)
        softmax = next(l for l in ex.meta["layers"] if l["op"] == "softmax")
        logits = env[softmax["inputs"][0]].reshape(len(cases), -1)
        probs = env[ex.meta["output"]].reshape(len(cases), -1)
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(OUT, stem + ".txt"), "w") as fh:
            fh.write(head + "\n")
            fh.write(f"model models/{os.path.basename(path)} sha256 {digest}\n")
            fh.write(f"cases {len(cases)}\n")
            for k in range(len(cases)):
                fh.write(f"case {k}\n")
                for m in ex.framing["modalities"]:
                    fh.write(line(f"input.{m['name']}", q_in[m["input"]][k]) + "\n")
                fh.write(line("logits", logits[k]) + "\n")
                fh.write(line("probs", probs[k]) + "\n")
        print(f"{stem}: {len(cases)} cases")


if __name__ == "__main__":
    main()
