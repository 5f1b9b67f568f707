"""PyTorch building blocks that map one-to-one onto the ops of docs/model-format.md.

An expert is a ``Graph``: an ordered list of ``Node``s over named activation tensors, each of
layout ``[batch, T, L, C]`` (the file's ``[T, L, C]`` plus a batch axis). Build your own model
from these blocks and ``export.py`` can quantize and write it; nothing else is exportable.

    g = Graph(inputs={"seismic": (10, 16, 2)})
    g.add(Conv1d("c1", "seismic", "h1", c_in=2, c_out=8, kernel=3, padding=(1, 1), relu=True))
    g.add(GlobalAvgPool("gap", "h1", "h2"))
    g.add(Dense("fc", "h2", "logits", n_in=10 * 8, n_out=5))
    g.add(Softmax("softmax", "logits", "probs"))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Node(nn.Module):
    op = "?"

    def __init__(self, name, inputs, outputs):
        super().__init__()
        self.node_name = name
        self.inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        self.outputs = [outputs] if isinstance(outputs, str) else list(outputs)

    def out_shape(self, shapes):  # shapes of inputs -> shape of the output, all [T, L, C]
        raise NotImplementedError

    def fields(self):
        return {}


class Conv1d(Node):
    """conv1d along L, independently for every t; weight file layout [C_out, K, C_in]."""

    op = "conv1d"

    def __init__(self, name, inp, out, c_in, c_out, kernel, stride=1, padding=(0, 0), dilation=1,
                 relu=False):
        super().__init__(name, inp, out)
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=stride, dilation=dilation)
        self.stride, self.padding, self.dilation, self.relu = stride, tuple(padding), dilation, relu
        self.kernel = kernel

    def forward(self, x):
        b, t, l, c = x.shape
        y = x.reshape(b * t, l, c).transpose(1, 2)
        y = F.pad(y, self.padding)
        y = self.conv(y)
        if self.relu:
            y = torch.relu(y)
        return y.transpose(1, 2).reshape(b, t, y.shape[2], y.shape[1])

    def out_shape(self, shapes):
        t, l, _ = shapes[0]
        lo = (l + sum(self.padding) - self.dilation * (self.kernel - 1) - 1) // self.stride + 1
        return (t, lo, self.conv.out_channels)

    def fields(self):
        return dict(stride=self.stride, padding=list(self.padding), dilation=self.dilation,
                    activation="relu" if self.relu else "none")


class Dense(Node):
    """Dense over the whole flattened input [T*L*C] -> [1, 1, N_out]."""

    op = "dense"

    def __init__(self, name, inp, out, n_in, n_out, relu=False):
        super().__init__(name, inp, out)
        self.lin = nn.Linear(n_in, n_out)
        self.relu = relu

    def forward(self, x):
        y = self.lin(x.reshape(x.shape[0], -1))
        if self.relu:
            y = torch.relu(y)
        return y.reshape(x.shape[0], 1, 1, -1)

    def out_shape(self, shapes):
        return (1, 1, self.lin.out_features)

    def fields(self):
        return dict(activation="relu" if self.relu else "none")


class MaxPool(Node):
    op = "maxpool"

    def __init__(self, name, inp, out, kernel, stride=None):
        super().__init__(name, inp, out)
        self.kernel, self.stride = kernel, stride or kernel

    def forward(self, x):
        b, t, l, c = x.shape
        y = F.max_pool1d(x.reshape(b * t, l, c).transpose(1, 2), self.kernel, self.stride)
        return y.transpose(1, 2).reshape(b, t, -1, c)

    def out_shape(self, shapes):
        t, l, c = shapes[0]
        return (t, (l - self.kernel) // self.stride + 1, c)

    def fields(self):
        return dict(kernel=self.kernel, stride=self.stride)


class GlobalAvgPool(Node):
    op = "global_avgpool"

    def forward(self, x):
        return x.mean(dim=2, keepdim=True)

    def out_shape(self, shapes):
        t, _, c = shapes[0]
        return (t, 1, c)


class MeanTime(Node):
    op = "mean_time"

    def forward(self, x):
        return x.mean(dim=1, keepdim=True)

    def out_shape(self, shapes):
        _, l, c = shapes[0]
        return (1, l, c)


class Concat(Node):
    op = "concat"

    def __init__(self, name, inputs, out, axis=2):
        super().__init__(name, inputs, out)
        self.axis = axis

    def forward(self, *xs):
        return torch.cat(xs, dim=self.axis + 1)

    def out_shape(self, shapes):
        s = list(shapes[0])
        s[self.axis] = sum(sh[self.axis] for sh in shapes)
        return tuple(s)

    def fields(self):
        return dict(axis=self.axis)


class Add(Node):
    op = "add"

    def __init__(self, name, inputs, out, relu=False):
        super().__init__(name, inputs, out)
        self.relu = relu

    def forward(self, a, b):
        y = a + b
        return torch.relu(y) if self.relu else y

    def out_shape(self, shapes):
        return tuple(shapes[0])

    def fields(self):
        return dict(activation="relu" if self.relu else "none")


class Reshape(Node):
    op = "reshape"

    def __init__(self, name, inp, out, shape):
        super().__init__(name, inp, out)
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)

    def out_shape(self, shapes):
        return self.shape

    def fields(self):
        return dict(shape=list(self.shape))


class GRU(Node):
    """One GRU layer over t (input vector = the step's [L, C]); output [T, 1, H]."""

    op = "gru"

    def __init__(self, name, inp, out, d_in, hidden):
        super().__init__(name, inp, out)
        self.gru = nn.GRU(d_in, hidden, batch_first=True)
        self.hidden = hidden

    def forward(self, x):
        b, t = x.shape[:2]
        y, _ = self.gru(x.reshape(b, t, -1))
        return y.reshape(b, t, 1, self.hidden)

    def out_shape(self, shapes):
        return (shapes[0][0], 1, self.hidden)

    def fields(self):
        return dict(hidden=self.hidden)


class Softmax(Node):
    op = "softmax"

    def forward(self, x):
        return torch.softmax(x, dim=-1)

    def out_shape(self, shapes):
        return tuple(shapes[0])


class Graph(nn.Module):
    """An ordered DAG of Nodes. ``forward`` returns the logits (the softmax node's input)."""

    def __init__(self, inputs):
        super().__init__()
        self.input_shapes = dict(inputs)  # name -> (T, L, C)
        self.nodes = nn.ModuleList()
        self.shapes = dict(inputs)

    @property
    def modalities(self):
        return list(self.input_shapes)

    def add(self, node):
        for i in node.inputs:
            if i not in self.shapes:
                raise ValueError(f"{node.node_name}: unknown input {i}")
        self.shapes[node.outputs[0]] = node.out_shape([self.shapes[i] for i in node.inputs])
        self.nodes.append(node)
        return node.outputs[0]

    def run(self, feats, upto_softmax=False):
        """All activations by name (float, with batch axis)."""
        env = dict(feats)
        for n in self.nodes:
            if isinstance(n, Softmax) and not upto_softmax:
                env["__logits__"] = env[n.inputs[0]]
                continue
            env[n.outputs[0]] = n(*[env[i] for i in n.inputs])
        return env

    def forward(self, feats):
        logits = self.run(feats)["__logits__"]
        return logits.reshape(logits.shape[0], -1)
