"""Writer and reader of the Cascadia expert file (docs/model-format.md, format_version 1)."""

from __future__ import annotations

import json

import numpy as np
from safetensors.numpy import load_file
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
    write_container(path, tensors, {"format": FORMAT, "format_version": FORMAT_VERSION,
                                    "cascadia": json.dumps(meta, separators=(",", ":"))})


def write_container(path, tensors, metadata):
    """A safetensors file with a byte-reproducible layout (the Rust writer orders metadata keys
    at random): header keys sorted, tensors stored by decreasing dtype size then name (so every
    I32 tensor starts 4-aligned), header padded with spaces to a multiple of 8 bytes."""
    dtypes = {np.dtype(np.int8): ("I8", 1), np.dtype(np.int32): ("I32", 4)}
    order = sorted(tensors, key=lambda k: (-dtypes[tensors[k].dtype][1], k))
    header, blobs, offset = {}, [], 0
    for k in order:
        a = np.ascontiguousarray(tensors[k]).astype(tensors[k].dtype.newbyteorder("<"), copy=False)
        raw = a.tobytes()
        header[k] = {"dtype": dtypes[tensors[k].dtype][0],
                     "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = dict(sorted(metadata.items()))
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(len(text).to_bytes(8, "little"))
        fh.write(text)
        for raw in blobs:
            fh.write(raw)


def read(path):
    """(meta, tensors) of an expert file; raises ValueError on a format it does not know."""
    with safe_open(path, framework="numpy") as f:
        md = f.metadata() or {}
    if md.get("format") != FORMAT or md.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a {FORMAT} version {FORMAT_VERSION} file")
    return json.loads(md["cascadia"]), load_file(path)
