"""npgrad.scalar: the teaching engine, where a network is a graph of scalar operations.

Build a graph from leaves (``Input``, ``Parameter``, ``Constant``) and operations (``Add``,
``Multiply``, ``Sub``, ``Div``, ``Pow``, ``Neg``, ``ReLU``, ``Sigmoid``, ``Tanh``, ``Exp``,
``Log``, ``Softmax``), either explicitly (``Add([Multiply([w, x]), b])``) or with operators
(``w * x + b``); wrap the output in a ``Model`` to predict, backpropagate and train; ``compile``
it into straight-line code (per sample, or over whole NumPy batches) for speed; print it as a
formula (``funcify``) or a Graphviz graph (``to_dot``).

>>> from npgrad.scalar import Input, Parameter, Model
>>> x = Input("x"); w = Parameter(2.0); b = Parameter(1.0)
>>> m = Model(w * x + b)
>>> m.predict([3.0])
7.0
>>> str(m)
'2*x + 1'
"""
from .compile import CompiledModel, compile
from .formula import funcify, to_dot
from .graph import SGD, Model, sgd_step, topological_order, zero_grad
from .losses import get_loss
from .macros import MLP, Linear
from .nodes import (
    Add, Constant, Div, Exp, Input, Item, Leaf, Log, Multiply, Neg, Node, Op, Parameter, Pow, ReLU,
    Sigmoid, Softmax, Sub, Tanh, VectorNode,
)
from .train import train_model

__all__ = [
    "Node", "Leaf", "Op", "VectorNode", "Input", "Parameter", "Constant", "Add", "Multiply", "Sub",
    "Div", "Pow", "Neg", "ReLU", "Sigmoid", "Tanh", "Exp", "Log", "Softmax", "Item", "Model",
    "CompiledModel", "compile", "train_model", "get_loss", "funcify", "to_dot", "Linear", "MLP",
    "zero_grad", "sgd_step", "SGD", "topological_order",
]
