"""ONNX int8 QDQ export of an expert file, for side-by-side benchmarks with ONNX Runtime.

    python -m cascadia_train.onnx_export [--check] [models/*.safetensors]   # -> models/onnx/<stem>.onnx

The network is built from the same model file the device loads: int8 weights with their
per-channel scales (DequantizeLinear, axis 0), int32 biases, and a QuantizeLinear ->
DequantizeLinear pair with the file's scale/zero point on every activation, so ONNX Runtime
sees exactly the quantization grid of the file (it fuses Q/DQ around Conv/MatMul into its
integer kernels). The GRU runs in float on dequantized weights (ONNX has no int16 GRU), and
the softmax output is the dequantized probability vector. Input: one window per modality,
float32 [T, L, 2] features from dsp.py. Opset 17.
"""

from __future__ import annotations

import glob
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import format as fmt

OPSET = 17


class Builder:
    def __init__(self, meta, tensors):
        self.meta, self.tensors = meta, tensors
        self.nodes, self.inits = [], []
        self.n = 0

    def uid(self, base):
        self.n += 1
        return f"{base}__{self.n}"

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, **attrs):
        out = self.uid(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def qdq(self, x, tensor):
        """Round x onto the activation grid of `tensor` (Q then DQ)."""
        t = self.meta["tensors"][tensor]
        s = self.const(self.uid(tensor + "_scale"), np.float32(t["scale"]))
        z = self.const(self.uid(tensor + "_zp"), np.int8(t["zero_point"]))
        q = self.node("QuantizeLinear", [x, s, z])
        return self.node("DequantizeLinear", [q, s, z])

    def dq_weight(self, name, scales, axis=0):
        w = self.const(name, self.tensors[name])
        s = self.const(name + "_scales", np.asarray(scales, np.float32))
        z = self.const(name + "_zp", np.zeros(len(scales), np.int8))
        return self.node("DequantizeLinear", [w, s, z], axis=axis)

    def dq_bias(self, name, scales):
        b = self.const(name, self.tensors[name])
        s = self.const(name + "_scales", np.asarray(scales, np.float32))
        z = self.const(name + "_zp", np.zeros(len(scales), np.int32))
        return self.node("DequantizeLinear", [b, s, z], axis=0)

    def shape(self, dims):
        return self.const(self.uid("shape"), np.asarray(dims, np.int64))


def build(meta, tensors):
    b = Builder(meta, tensors)
    env = {}
    graph_inputs = []
    for m in meta["framing"]["modalities"]:
        shp = meta["tensors"][m["input"]]["shape"]
        graph_inputs.append(helper.make_tensor_value_info(m["name"], TensorProto.FLOAT, shp))
        env[m["input"]] = b.qdq(m["name"], m["input"])
    for lay in meta["layers"]:
        op, name = lay["op"], lay["name"]
        xs = [env[i] for i in lay["inputs"]]
        out_name = lay["outputs"][0]
        s_in = meta["tensors"][lay["inputs"][0]]["scale"]
        if op == "conv1d":
            w = b.dq_weight(lay["weight"], lay["weight_scales"])  # [O, K, I]
            w = b.node("Transpose", [w], perm=[0, 2, 1])  # [O, I, K]
            bias = b.dq_bias(lay["bias"], [s_in * s for s in lay["weight_scales"]])
            x = b.node("Transpose", [xs[0]], perm=[0, 2, 1])  # [T, C, L]
            y = b.node("Conv", [x, w, bias], pads=list(lay["padding"]), strides=[lay["stride"]],
                       dilations=[lay["dilation"]])
            if lay["activation"] == "relu":
                y = b.node("Relu", [y])
            y = b.node("Transpose", [y], perm=[0, 2, 1])
        elif op == "dense":
            w = b.dq_weight(lay["weight"], lay["weight_scales"])  # [N_out, N_in]
            bias = b.dq_bias(lay["bias"], [s_in * s for s in lay["weight_scales"]])
            x = b.node("Reshape", [xs[0], b.shape([1, -1])])
            y = b.node("Gemm", [x, w, bias], transB=1)
            if lay["activation"] == "relu":
                y = b.node("Relu", [y])
            y = b.node("Reshape", [y, b.shape([1, 1, -1])])
        elif op in ("maxpool", "avgpool"):
            x = b.node("Transpose", [xs[0]], perm=[0, 2, 1])
            y = b.node("MaxPool" if op == "maxpool" else "AveragePool", [x],
                       kernel_shape=[lay["kernel"]], strides=[lay["stride"]])
            y = b.node("Transpose", [y], perm=[0, 2, 1])
        elif op == "global_avgpool":
            y = b.node("ReduceMean", [xs[0]], axes=[1], keepdims=1)
        elif op == "mean_time":
            y = b.node("ReduceMean", [xs[0]], axes=[0], keepdims=1)
        elif op == "concat":
            y = b.node("Concat", xs, axis=lay["axis"])
        elif op == "reshape":
            y = b.node("Reshape", [xs[0], b.shape(lay["shape"])])
        elif op == "add":
            y = b.node("Add", xs)
            if lay["activation"] == "relu":
                y = b.node("Relu", [y])
        elif op == "gru":
            h = lay["hidden"]
            t = meta["tensors"][lay["inputs"][0]]["shape"][0]
            order = np.concatenate([np.arange(h, 2 * h), np.arange(0, h), np.arange(2 * h, 3 * h)])
            idx = b.const(b.uid("zrn"), order.astype(np.int64))  # PyTorch r,z,n -> ONNX z,r,h
            ax0 = b.const(b.uid("axes"), np.asarray([0], np.int64))

            def prep(wname, scales):
                w = b.dq_weight(wname, scales)
                return b.node("Unsqueeze", [b.node("Gather", [w, idx], axis=0), ax0])

            w_ih = prep(lay["weight_ih"], lay["weight_ih_scales"])
            w_hh = prep(lay["weight_hh"], lay["weight_hh_scales"])
            b_ih = b.node("Gather", [b.dq_bias(lay["bias_ih"], [s_in * s for s in lay["weight_ih_scales"]]), idx], axis=0)
            b_hh = b.node("Gather", [b.dq_bias(lay["bias_hh"], [2.0**-15 * s for s in lay["weight_hh_scales"]]), idx], axis=0)
            bias = b.node("Unsqueeze", [b.node("Concat", [b_ih, b_hh], axis=0), ax0])
            x = b.node("Reshape", [xs[0], b.shape([t, 1, -1])])
            y = b.uid("gru_y")
            b.nodes.append(helper.make_node("GRU", [x, w_ih, w_hh, bias], [y], hidden_size=h,
                                            linear_before_reset=1))
            y = b.node("Reshape", [y, b.shape([t, 1, h])])
        elif op == "softmax":
            y = b.node("Softmax", [xs[0]], axis=-1)
        else:
            raise ValueError(f"{name}: op {op} has no ONNX mapping")
        env[out_name] = b.qdq(y, out_name)
    out = meta["output"]
    final = b.node("Identity", [env[out]])
    n_labels = len(meta["labels"])
    b.nodes[-1].output[0] = "probs"
    graph = helper.make_graph(b.nodes, meta["name"], graph_inputs,
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 1, n_labels])],
                              b.inits)
    del final
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="cascadia_train.onnx_export")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def export(path, out_dir):
    meta, tensors = fmt.read(path)
    model = build(meta, tensors)
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0] + ".onnx")
    onnx.save(model, out)
    return out


def check(path, onnx_path, windows=200):
    """Top-class agreement of ONNX Runtime with graph_ref.py on the first test windows."""
    import onnxruntime as ort

    from . import graph_ref, train

    feats = {m: v[:windows] for m, v in train.raw_features("test").items()}
    ex = graph_ref.Executor(path)
    top, _, _ = ex.decide(ex.probabilities(feats))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(onnx_path, so)
    names = [i.name for i in sess.get_inputs()]
    got = np.array([sess.run(None, {m: feats[m][i] for m in names})[0].ravel().argmax()
                    for i in range(windows)])
    return float(np.mean(got == top))


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    do_check = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    paths = argv or sorted(glob.glob(os.path.join(root, "models", "*.safetensors")))
    for p in paths:
        out = export(p, os.path.join(root, "models", "onnx"))
        note = f"  top class agrees with graph_ref on {100 * check(p, out):.1f} % of 200 test windows" if do_check else ""
        print(out + note)


if __name__ == "__main__":
    main()
