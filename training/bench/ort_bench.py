"""ONNX Runtime side of the per-expert benchmark (scripts/bench-peer.sh; docs/benchmarks.md).

    python ort_bench.py INPUTS_DIR ONNX_DIR BENCH MODELS_DIR [--runs N] [--rounds R] [--warmup N]

For every INPUTS_DIR/<model>.f32 (float32 features written by `cascadia-bench peer-dump`) with an
ONNX twin ONNX_DIR/<model>.onnx: one ONNX Runtime session with intra_op_num_threads = 1,
inter_op_num_threads = 1, sequential execution and ORT_ENABLE_ALL; the top class on every window,
compared with ours (INPUTS_DIR/<model>.ours.classes). Then R interleaved rounds: our side
(`BENCH peer-run --runs N/R`, a fresh process) followed by N/R ONNX Runtime runs after warm-up,
cycling through the windows, each `run_with_iobinding` on pre-bound inputs (the lowest-overhead
call the Python API has) timed with perf_counter_ns. Medians and p99 pool every round's samples;
the ratio is the median over rounds of (our median / ORT median) of that round, so both sides of
each ratio saw the same machine load. Prints one markdown table row per model.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def windows(sess, path):
    inputs = sess.get_inputs()
    shapes = [tuple(i.shape) for i in inputs]
    per = sum(int(np.prod(s)) for s in shapes)
    flat = np.fromfile(path, dtype="<f4")
    if flat.size % per:
        raise SystemExit(f"{path}: {flat.size} floats is not a multiple of {per}")
    out = []
    for w in range(flat.size // per):
        feed, off = {}, w * per
        for i, s in zip(inputs, shapes):
            n = int(np.prod(s))
            feed[i.name] = np.ascontiguousarray(flat[off:off + n].reshape(s))
            off += n
        out.append(feed)
    return out


def main(argv):
    inputs_dir, onnx_dir, bench, models_dir = argv[:4]
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 2000
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5
    warmup = int(argv[argv.index("--warmup") + 1]) if "--warmup" in argv else 200
    per_round = max(runs // rounds, 100)
    print("| expert | windows | MACs | ours p50 µs | ours p99 µs | ORT p50 µs | ORT p99 µs | ratio p50 "
          f"(median of {rounds} rounds) | round ratios min–max | same class |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f32 in sorted(glob.glob(os.path.join(inputs_dir, "*.f32"))):
        name = os.path.basename(f32)[:-4]
        model = os.path.join(models_dir, name + ".safetensors")
        sess = session(os.path.join(onnx_dir, name + ".onnx"))
        feeds = windows(sess, f32)
        bindings = []
        for f in feeds:
            b = sess.io_binding()
            for k, v in f.items():
                b.bind_cpu_input(k, v)
            b.bind_output("probs")
            bindings.append(b)
        ours_all, peer_all, ratios = [], [], []
        for _ in range(rounds):
            subprocess.run([bench, "peer-run", "--inputs", inputs_dir, "--runs", str(per_round),
                            "--warmup", str(warmup), model], check=True, stdout=subprocess.DEVNULL)
            ours = np.loadtxt(os.path.join(inputs_dir, name + ".ours.samples"))
            for r in range(warmup):
                sess.run_with_iobinding(bindings[r % len(bindings)])
            peer = np.empty(per_round)
            for r in range(per_round):
                b = bindings[r % len(bindings)]
                t0 = time.perf_counter_ns()
                sess.run_with_iobinding(b)
                peer[r] = (time.perf_counter_ns() - t0) / 1e3
            ratios.append(np.median(ours) / np.median(peer))
            ours_all.append(ours)
            peer_all.append(peer)
        ours_all, peer_all = np.concatenate(ours_all), np.concatenate(peer_all)
        meta = json.load(open(os.path.join(inputs_dir, name + ".ours.json")))
        our_classes = np.loadtxt(os.path.join(inputs_dir, name + ".ours.classes"), dtype=np.int64, ndmin=1)
        peer_classes = np.array([sess.run(None, f)[0].ravel().argmax() for f in feeds])
        same = len(feeds) == len(our_classes)
        agree = float(np.mean(peer_classes == our_classes)) if same else float("nan")
        differ = np.nonzero(peer_classes != our_classes)[0] if same else []
        q = lambda a, p: float(np.percentile(a, p, method="lower"))
        json.dump({"model": name, "ours_p50_us": q(ours_all, 50), "ort_p50_us": q(peer_all, 50),
                   "ratio_rounds": [float(r) for r in ratios], "agree": agree,
                   "differ_windows": [int(i) for i in differ]},
                  open(os.path.join(inputs_dir, name + ".ort.json"), "w"))
        print(f"| {name} | {len(feeds)} | {meta['macs']} | {q(ours_all, 50):.1f} | {q(ours_all, 99):.1f} | "
              f"{q(peer_all, 50):.1f} | {q(peer_all, 99):.1f} | {np.median(ratios):.2f} | "
              f"{min(ratios):.2f}–{max(ratios):.2f} | {100 * agree:.1f} % |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
