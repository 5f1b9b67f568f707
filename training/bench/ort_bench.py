"""ONNX Runtime side of the per-expert benchmark (scripts/bench-peer.sh; docs/benchmarks.md).

    python ort_bench.py INPUTS_DIR ONNX_DIR [--runs N] [--warmup N]

For every INPUTS_DIR/<model>.f32 (float32 features written by `cascadia-bench peer-dump`) with an
ONNX twin ONNX_DIR/<model>.onnx and our timings INPUTS_DIR/<model>.ours.json (from
`cascadia-bench peer-run` just before): one ONNX Runtime session with intra_op_num_threads = 1,
inter_op_num_threads = 1, sequential execution and ORT_ENABLE_ALL; the top class on every window
(compared with INPUTS_DIR/<model>.ours.classes); then N timed runs after warm-up, cycling through
the windows, each `run_with_iobinding` on pre-bound inputs (the lowest-overhead call the Python API
has) timed with perf_counter_ns. Prints one markdown table row per model.
"""

from __future__ import annotations

import glob
import json
import os
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
    inputs_dir, onnx_dir = argv[0], argv[1]
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 2000
    warmup = int(argv[argv.index("--warmup") + 1]) if "--warmup" in argv else 200
    print("| expert | windows | MACs | ours p50 µs | ours p99 µs | ORT p50 µs | ORT p99 µs | ratio p50 | ratio p99 | same class |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f32 in sorted(glob.glob(os.path.join(inputs_dir, "*.f32"))):
        name = os.path.basename(f32)[:-4]
        ours = json.load(open(os.path.join(inputs_dir, name + ".ours.json")))
        our_classes = np.loadtxt(os.path.join(inputs_dir, name + ".ours.classes"), dtype=np.int64, ndmin=1)
        sess = session(os.path.join(onnx_dir, name + ".onnx"))
        feeds = windows(sess, f32)
        peer_classes = np.array([sess.run(None, f)[0].ravel().argmax() for f in feeds])
        agree = float(np.mean(peer_classes == our_classes)) if len(feeds) == len(our_classes) else float("nan")
        bindings = []
        for f in feeds:
            b = sess.io_binding()
            for k, v in f.items():
                b.bind_cpu_input(k, v)
            b.bind_output("probs")
            bindings.append(b)
        for r in range(warmup):
            sess.run_with_iobinding(bindings[r % len(bindings)])
        samples = np.empty(runs, dtype=np.int64)
        for r in range(runs):
            b = bindings[r % len(bindings)]
            t0 = time.perf_counter_ns()
            sess.run_with_iobinding(b)
            samples[r] = time.perf_counter_ns() - t0
        samples.sort()
        p50, p99 = samples[runs // 2] / 1e3, samples[runs * 99 // 100] / 1e3
        differ = np.nonzero(peer_classes != our_classes)[0] if len(feeds) == len(our_classes) else []
        json.dump({"model": name, "p50_us": p50, "p99_us": p99, "agree": agree,
                   "differ_windows": [int(i) for i in differ]},
                  open(os.path.join(inputs_dir, name + ".ort.json"), "w"))
        print(f"| {name} | {len(feeds)} | {ours['macs']} | {ours['p50_us']:.1f} | {ours['p99_us']:.1f} | "
              f"{p50:.1f} | {p99:.1f} | {ours['p50_us'] / p50:.2f} | {ours['p99_us'] / p99:.2f} | "
              f"{100 * agree:.1f} % |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
