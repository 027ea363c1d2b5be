"""Layers as macros: they expand into elementary scalar nodes, one Multiply per weight."""
from __future__ import annotations

from .graph import Model
from .nodes import Add, Input, Multiply, Node, Parameter, ReLU, Sigmoid, Softmax, Tanh, as_generator

__all__ = ["Linear", "MLP"]

_ACTIVATIONS = {None: None, "linear": None, "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def _activation(act):
    if act in _ACTIVATIONS:
        return _ACTIVATIONS[act]
    if callable(act):
        return act
    raise ValueError(f"unknown activation {act!r}; use one of relu, sigmoid, tanh, linear, or a node class")


def Linear(inputs, n_out: int, activation=None, *, seed=None, weights=None, bias=None,
           name: str | None = None) -> list[Node]:
    """``n_out`` nodes ``activation(w_j1*x_1 + ... + w_jn*x_n + b_j)`` over the input nodes.

    Weights are uniform(-1, 1) from ``seed`` (int or Generator) and biases 0, as in micrograd,
    unless ``weights`` (n_out lists of n_in numbers) or ``bias`` (n_out numbers) are given. The
    parameters are created neuron by neuron, weights then bias (their ``parameters()`` order).
    With ``name``, parameters are called ``name.w[j,i]`` and ``name.b[j]``.
    """
    inputs = list(inputs)
    if not inputs:
        raise ValueError("Linear needs at least one input node")
    if not isinstance(n_out, int) or n_out < 1:
        raise ValueError(f"n_out must be a positive int, got {n_out!r}")
    act = _activation(activation)
    n_in = len(inputs)
    if weights is None:
        weights = as_generator(seed).uniform(-1.0, 1.0, size=(n_out, n_in)).tolist()
    elif len(weights) != n_out or any(len(row) != n_in for row in weights):
        raise ValueError(f"weights must be {n_out} rows of {n_in} numbers")
    if bias is None:
        bias = [0.0] * n_out
    elif len(bias) != n_out:
        raise ValueError(f"bias must have {n_out} numbers, got {len(bias)}")
    outs = []
    for j in range(n_out):
        ws = [Parameter(weights[j][i], name=f"{name}.w[{j},{i}]" if name else None) for i in range(n_in)]
        b = Parameter(bias[j], name=f"{name}.b[{j}]" if name else None)
        z = Add([Multiply([w, x]) for w, x in zip(ws, inputs)] + [b])
        outs.append(act(z) if act is not None else z)
    return outs


class MLP(Model):
    """A multilayer perceptron built from scalar nodes: inputs x1..xn, hidden layers with
    ``activation``, a last layer with ``output_activation`` (None: linear, or "sigmoid", "tanh",
    "relu", "softmax"). ``layers`` holds each layer's output nodes.

    ``MLP(2, [16, 16, 1])`` is micrograd's demo network (ReLU hidden layers, linear output).
    """

    def __init__(self, n_in: int, sizes, activation="relu", output_activation=None, *, seed=None,
                 input_names=None):
        sizes = list(sizes)
        if not isinstance(n_in, int) or n_in < 1 or not sizes:
            raise ValueError("MLP needs n_in >= 1 and at least one layer size")
        if input_names is None:
            input_names = [f"x{i + 1}" for i in range(n_in)]
        if len(input_names) != n_in:
            raise ValueError(f"input_names must have {n_in} names")
        rng = as_generator(seed)
        inputs = [Input(name) for name in input_names]
        x, self.layers = inputs, []
        for k, size in enumerate(sizes):
            last = k == len(sizes) - 1
            act = output_activation if last else activation
            x = Linear(x, size, None if act == "softmax" else act, seed=rng)
            if act == "softmax":
                x = list(Softmax(x))
            self.layers.append(x)
        out = x[0] if len(x) == 1 and output_activation != "softmax" else x
        super().__init__(out, inputs=inputs)
