#!/usr/bin/env bash
# Per-expert latency against ONNX Runtime on the same int8 networks and the same inputs
# (docs/benchmarks.md "Experts against ONNX Runtime"). Run from the repository root after a
# release build; `make bench` does both. Prints a markdown table.
#
#   scripts/bench-peer.sh [RUNS]        # RUNS timed runs per expert and side (default 2000)
#
# 1. A Python venv for the peer only (.build/bench-venv: numpy, onnx, onnxruntime, safetensors at
#    the versions training/requirements.txt pins; no torch).
# 2. The ONNX int8 QDQ twins of models/*.safetensors (training/cascadia_train/onnx_export.py).
# 3. A hazard plan over all seven experts from the shipped provisional profile (the pipeline
#    computes the features of every modality its catalog needs).
# 4. `cascadia-bench peer-dump`: every window of recordings/* through the DSP front end, each
#    expert's float features written once to .build/bench/inputs/<model>.f32.
# 5. `cascadia-bench peer-run` for our classes, then training/bench/ort_bench.py: ONNX Runtime's
#    classes, and 5 interleaved timing rounds per expert (ours in a fresh process, then ORT).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-2000}
OUT=.build/bench
VENV=.build/bench-venv
BIN=${BIN:-.build/release/cascadia}
BENCH=${BENCH:-.build/release/cascadia-bench}

pin() { grep -E "^$1==" training/requirements.txt; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import onnxruntime, onnx, safetensors, numpy' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "$(pin numpy)" "$(pin onnx)" "$(pin onnxruntime)" "$(pin safetensors)" >&2
fi
mkdir -p "$OUT/inputs"
(cd training && "../$VENV/bin/python" -m cascadia_train.onnx_export >/dev/null)

"$BIN" plan hazard --profile models/provisional-hazard-profile.json --max-fn 0.086 --budget-ms 60 \
    --policy adaptive --format json --out "$OUT/hazard-60ms.json" >/dev/null
"$BENCH" peer-dump --plan "$OUT/hazard-60ms.json" --out "$OUT/inputs" recordings/* >&2
"$BENCH" peer-run --inputs "$OUT/inputs" --runs 200 models/*.safetensors >/dev/null  # classes
"$VENV/bin/python" training/bench/ort_bench.py "$OUT/inputs" models/onnx "$BENCH" models --runs "$RUNS" --rounds 5
echo
echo "ONNX Runtime $("$VENV/bin/python" -c 'import onnxruntime; print(onnxruntime.__version__)'), ours: $(sed -n 's/.*"isa": "\([a-z0-9]*\)".*/\1/p' "$OUT"/inputs/*.ours.json | head -1) kernels."
