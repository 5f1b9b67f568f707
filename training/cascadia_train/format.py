"""Writer and reader of the Cascadia expert file (docs/model-format.md, format_version 1)."""

from __future__ import annotations

import json

import numpy as np
from safetensors.numpy import load_file, save_file
from safetensors import safe_open

FORMAT = "cascadia-expert"
FORMAT_VERSION = "1"
SOFTMAX_SCALE = 1.0 / 256.0
SOFTMAX_ZERO_POINT = -128


def write(path, meta, tensors):
    """Write ``tensors`` (name -> int8/int32 numpy array) and the ``cascadia`` document ``meta``.

    Checks the rules a loader enforces that are easy to break from Python: every tensor is
    referenced by exactly one layer field, dtypes are int8/int32, the output is a softmax.
    """
    referenced = []
    for layer in meta["layers"]:
        for key in ("weight", "bias", "weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if key in layer:
                referenced.append(layer[key])
    if sorted(referenced) != sorted(tensors):
        raise ValueError(f"{path}: tensors {sorted(tensors)} != referenced {sorted(referenced)}")
    for name, t in tensors.items():
        if t.dtype not in (np.int8, np.int32):
            raise ValueError(f"{path}: tensor {name} has dtype {t.dtype}")
    out = meta["tensors"][meta["output"]]
    if out["scale"] != SOFTMAX_SCALE or out["zero_point"] != SOFTMAX_ZERO_POINT:
        raise ValueError(f"{path}: output must have the softmax quantization")
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, path,
              metadata={"format": FORMAT, "format_version": FORMAT_VERSION,
                        "cascadia": json.dumps(meta, separators=(",", ":"))})


def read(path):
    """(meta, tensors) of an expert file; raises ValueError on a format it does not know."""
    with safe_open(path, framework="numpy") as f:
        md = f.metadata() or {}
    if md.get("format") != FORMAT or md.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a {FORMAT} version {FORMAT_VERSION} file")
    return json.loads(md["cascadia"]), load_file(path)
