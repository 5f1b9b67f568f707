"""Provisional hazard and IDK profiles (docs/planner.md §3) from the int8 test-split decisions.

    python -m cascadia_train.profile

Reads models/test-windows.csv and models/summary.json (written by export.py) and writes
models/provisional-hazard-profile.json and models/provisional-idk-profile.json.

Accuracy side: measured by graph_ref.py on the 1000 synthetic test windows. FP = fraction of
background windows the subset calls hazard, FN = fraction of hazard windows it does not (OR-fusion:
the subset says hazard if any member does). Prob-S counts, per window, the exact set of experts
that answer (not IDK). Timing side: NOT measured — `wcet_ms`/`tcet_ms`/`time_ms` are a placeholder
proportional to each expert's multiply-accumulates (MS_PER_MMAC per million, TCET = 0.75 WCET)
until `cascadia profile` measures the device.
"""

from __future__ import annotations

import csv
import itertools
import json
import os

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")
MS_PER_MMAC = 4.0  # placeholder: 4 ms per million MACs
TCET_FRACTION = 0.75


def main():
    summary = json.load(open(os.path.join(MODELS, "summary.json")))
    rows = list(csv.DictReader(open(os.path.join(MODELS, "test-windows.csv"))))
    ids = sorted(summary)
    truth = np.array([r["hazard"] == "1" for r in rows])
    hz = {i: np.array([r[f"{i}_hazard"] == "1" for r in rows]) for i in ids}
    ans = {i: np.array([r[f"{i}_idk"] == "0" for r in rows]) for i in ids}
    experts = []
    for i in ids:
        w = round(summary[i]["macs"] / 1e6 * MS_PER_MMAC, 3)
        experts.append(dict(id=i, name=summary[i]["name"], wcet_ms=w,
                            tcet_ms=round(w * TCET_FRACTION, 3)))
    source = ("provisional: FP/FN and Prob-S from graph_ref.py int8 decisions on the 1000-window "
              "synthetic test split; times are a placeholder proportional to MACs "
              f"({MS_PER_MMAC} ms per million), not measured")
    subsets = []
    for k in range(len(ids) + 1):
        for combo in itertools.combinations(ids, k):
            said = np.zeros(len(rows), bool)
            for i in combo:
                said |= hz[i]
            fp = float(np.mean(said[~truth])) if k else 0.0
            fn = float(np.mean(~said[truth])) if k else 1.0
            subsets.append({"experts": "+".join(combo), "fp": round(fp, 4), "fn": round(fn, 4)})
    with open(os.path.join(MODELS, "provisional-hazard-profile.json"), "w") as fh:
        json.dump({"kind": "hazard", "source": source, "experts": experts, "subsets": subsets},
                  fh, indent=1)
    counts = {}
    for w in range(len(rows)):
        key = "+".join(i for i in ids if ans[i][w])
        counts[key] = counts.get(key, 0) + 1
    for k in range(len(ids) + 1):
        for combo in itertools.combinations(ids, k):
            counts.setdefault("+".join(combo), 0)
    idk_experts = [dict(id=e["id"], name=e["name"], time_ms=e["tcet_ms"], wcet_ms=e["wcet_ms"])
                   for e in experts]
    with open(os.path.join(MODELS, "provisional-idk-profile.json"), "w") as fh:
        json.dump({"kind": "idk", "source": source, "experts": idk_experts,
                   "counts": dict(sorted(counts.items(), key=lambda kv: (len(kv[0]), kv[0])))},
                  fh, indent=1)
    print(f"wrote provisional profiles for {ids}")


if __name__ == "__main__":
    main()
