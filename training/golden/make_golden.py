"""End-to-end golden vectors of the shipped experts, bit-exact from graph_ref.py.

    cd training && .venv/bin/python golden/make_golden.py

Writes Tests/CascadiaModelsTests/Golden/<stem>.golden.txt for every models/*.safetensors, in the
format ExpertGoldenTests reads (docs/model-format.md §9): a `# generator:` first line, `model:`,
then per case either the int8 input (even cases: `input <modality>: ...`) or the float32 dsp.py
features (odd cases: `features <modality>: ...`, 9 significant digits, which round-trips
float32), then `logits:` (int8 softmax input) and `probabilities:` (int8 softmax output).
Cases are fixed windows of the synthetic test split: one of every class, plus two more.
"""

from __future__ import annotations

import glob
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
    return (f"# generator: training/golden/make_golden.py 1 (numpy {np.__version__}, "
            f"cascadia_train.graph_ref over cascadia_train.qref, python {sys.version.split()[0]})")


def line(key, values, fmt="{:d}"):
    values = np.asarray(values).ravel()
    return f"{key}: " + " ".join(fmt.format(v) for v in values.tolist())


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
    for path in sorted(glob.glob(os.path.join(ROOT, "models", "*.safetensors"))):
        ex = graph_ref.Executor(path)
        sub = {m: v[cases] for m, v in feats.items()}
        q_in = ex.quantize_inputs(sub)
        env = ex.run(q_in, keep=True)
        softmax = next(lay for lay in ex.meta["layers"] if lay["op"] == "softmax")
        logits = env[softmax["inputs"][0]].reshape(len(cases), -1)
        probs = env[ex.meta["output"]].reshape(len(cases), -1)
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(OUT, stem + ".golden.txt"), "w") as fh:
            fh.write(head + "\n")
            fh.write("# command: cd training && .venv/bin/python golden/make_golden.py\n")
            fh.write(f"model: models/{os.path.basename(path)}\n")
            for k, i in enumerate(cases):
                fh.write(f"case: {k}\n")
                fh.write(f"# test window {i}, label {data.CLASSES[y[i]]}\n")
                for m in ex.framing["modalities"]:
                    if k % 2 == 0:
                        fh.write(line(f"input {m['name']}", q_in[m["input"]][k]) + "\n")
                    else:
                        fh.write(line(f"features {m['name']}", sub[m["name"]][k], "{:.9g}") + "\n")
                fh.write(line("logits", logits[k]) + "\n")
                fh.write(line("probabilities", probs[k]) + "\n")
        print(f"{stem}: {len(cases)} cases")


if __name__ == "__main__":
    main()
