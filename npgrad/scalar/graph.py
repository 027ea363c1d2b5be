"""Graphs of scalar nodes: ordering, cached forward passes, backward passes, SGD.

A ``Model`` wraps one or more output nodes. It finds every node they depend on once, in
topological order (iteratively, so a 100,000-node chain is fine), and then:

* ``predict(values)`` sets the inputs and recomputes only the nodes whose inputs changed
  (each node once per pass, however many parents share it);
* ``backward(d)`` walks the order in reverse and sums the gradient of every path into each node.
"""
from __future__ import annotations

from numbers import Real

from .nodes import Input, Leaf, Node, Parameter, VectorNode

__all__ = ["topological_order", "Model", "zero_grad", "sgd_step", "SGD", "as_model"]

_EPOCH = [0]           # bumped by every forward pass that writes node values (see Model.forward)
_DIRTY_CACHE_SIZE = 64


def _describe(node: Node) -> str:
    return f"{type(node).__name__}({node.name!r})" if node.name else type(node).__name__


def topological_order(outputs) -> list[Node]:
    """Every node the outputs depend on, children before parents (depth-first, children in order).

    Iterative, so graph depth is not limited by Python's recursion limit. Raises ``ValueError``
    naming the nodes on a cycle if there is one.
    """
    order: list[Node] = []
    state: dict[Node, int] = {}  # 1: on the current path, 2: done
    for root in outputs:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(root.children))]
        while stack:
            node, it = stack[-1]
            for child in it:
                s = state.get(child)
                if s is None:
                    if not isinstance(child, Node):
                        raise TypeError(f"{_describe(node)} has a child that is not a node: {child!r}")
                    state[child] = 1
                    stack.append((child, iter(child.children)))
                    break
                if s == 1:
                    path = [n for n, _ in stack]
                    cycle = path[path.index(child):] + [child]
                    raise ValueError("the graph has a cycle: " + " -> ".join(_describe(n) for n in cycle)
                                     + " (a node cannot depend on itself)")
            else:
                stack.pop()
                state[node] = 2
                order.append(node)
    return order


def _as_outputs(outputs):
    """(tuple of scalar output nodes, whether predict returns a list)."""
    if isinstance(outputs, VectorNode):
        return tuple(outputs), True
    if isinstance(outputs, Node):
        return (outputs,), False
    if isinstance(outputs, (list, tuple)):
        outs = []
        for o in outputs:
            if isinstance(o, VectorNode):
                outs.extend(o)
            elif isinstance(o, Node):
                outs.append(o)
            else:
                raise TypeError(f"model outputs must be nodes, got {type(o).__name__} {o!r}")
        if not outs:
            raise ValueError("a model needs at least one output node")
        return tuple(outs), True
    raise TypeError(f"model outputs must be a node or a list of nodes, got {type(outputs).__name__}")


def _auto_names(inputs, given_names) -> list[str]:
    """Input names: their own, else x1, x2, ... by position (skipping names already taken)."""
    taken = {n for n in given_names if n is not None}
    names = []
    for k, (inp, name) in enumerate(zip(inputs, given_names), start=1):
        if name is None:
            cand, j = f"x{k}", k
            while cand in taken:
                j += 1
                cand = f"x{j}"
            name = cand
            taken.add(name)
        names.append(name)
    return names


class Model:
    """A graph of scalar nodes with named inputs, parameters and one or more outputs.

    Inputs are ordered by creation (the order of the ``Input(...)`` calls) unless ``inputs`` gives
    the order explicitly; unnamed inputs are called x1, x2, ... by position. Parameters are ordered
    by creation too. A Softmax (or a list of nodes) as output makes ``predict`` return a list.
    """

    def __init__(self, outputs, inputs=None):
        outs, self._vector = _as_outputs(outputs)
        self.outputs = outs
        nodes = topological_order(outs)
        self._nodes = nodes
        self._ops = [n for n in nodes if not isinstance(n, Leaf)]
        self._leaves = [n for n in nodes if isinstance(n, Leaf)]
        found = sorted((n for n in self._leaves if isinstance(n, Input)), key=lambda n: n.serial)
        if inputs is None:
            inputs = found
        else:
            inputs = list(inputs)
            for inp in inputs:
                if not isinstance(inp, Input):
                    raise TypeError(f"inputs must be Input nodes, got {type(inp).__name__}")
            if len(set(map(id, inputs))) != len(inputs):
                raise ValueError("the same Input is listed twice in inputs")
            missing = [n for n in found if not any(n is i for i in inputs)]
            if missing:
                raise ValueError("the graph uses inputs not listed in inputs=: "
                                 + ", ".join(_describe(n) for n in missing))
        self._inputs = inputs
        names = [i.name for i in inputs]
        dup = sorted({n for n in names if n is not None and names.count(n) > 1})
        if dup:
            raise ValueError(f"two different inputs are named {dup[0]!r}; input names must be unique")
        self.input_names = _auto_names(inputs, names)
        self._name_index = {n: k for k, n in enumerate(self.input_names)}
        self._params = sorted((n for n in self._leaves if isinstance(n, Parameter)), key=lambda n: n.serial)
        self._vectors = [n for n in self._ops if isinstance(n, VectorNode)]
        self._resettable = [n for n in nodes if not isinstance(n, (Parameter, VectorNode))]
        # gradients only flow into nodes that depend on a parameter or an input
        needs = set()
        for n in nodes:
            if isinstance(n, (Parameter, Input)) or any(c in needs for c in n.children):
                needs.add(n)
        self._grad_ops = [n for n in reversed(self._ops) if n in needs]
        self._snapshot = None      # leaf values of the last forward pass
        self._epoch = -1
        self._parents = None       # built on first partial recomputation
        self._position = None
        self._dirty_cache: dict = {}
        self.last_evaluated = 0    # operation nodes computed by the last forward pass
        self.total_evaluated = 0

    # -- structure --------------------------------------------------------------------------------
    @property
    def inputs(self) -> list[Input]:
        return list(self._inputs)

    @property
    def nodes(self) -> list[Node]:
        """Every node, children before parents."""
        return list(self._nodes)

    def parameters(self) -> list[Parameter]:
        """The parameters, in creation order."""
        return list(self._params)

    def __len__(self):
        return len(self._nodes)

    # -- forward ---------------------------------------------------------------------------------
    def _parse_inputs(self, values) -> list[float]:
        """Input values by position (list) or by name (dict), as floats in input order."""
        names = self.input_names
        expected = f"expected inputs: {', '.join(names) if names else '(none)'}"
        if values is None:
            values = {} if not names else None
            if values is None:
                raise ValueError(f"predict() needs input values; {expected}")
        if isinstance(values, dict):
            unknown = [k for k in values if k not in self._name_index]
            if unknown:
                raise ValueError(f"unknown input name(s) {', '.join(map(repr, unknown))}; {expected}")
            missing = [n for n in names if n not in values]
            if missing:
                raise ValueError(f"missing value(s) for input(s) {', '.join(map(repr, missing))}; {expected}")
            values = [values[n] for n in names]
        elif isinstance(values, Real):
            values = [values]
        else:
            try:
                values = list(values)
            except TypeError:
                raise TypeError(f"input values must be a list (by position) or a dict (by name), "
                                f"got {type(values).__name__}; {expected}") from None
            if len(values) != len(names):
                raise ValueError(f"got {len(values)} input value(s) but the model has {len(names)}; {expected}")
        out = []
        for name, v in zip(names, values):
            if not isinstance(v, Real):
                raise TypeError(f"input {name!r} must be a real number, got {type(v).__name__} {v!r}")
            out.append(float(v))
        return out

    def set_inputs(self, values) -> None:
        """Set the input values (by position or by name) without computing anything."""
        for inp, v in zip(self._inputs, self._parse_inputs(values)):
            inp.value = v

    def predict(self, values=None):
        """Set the inputs and run a forward pass; a float, or a list for vector outputs."""
        if values is not None or self._inputs:
            self.set_inputs(values)
        return self.forward()

    __call__ = predict

    def _dirty(self, changed: list[int]) -> list[Node]:
        """The operation nodes that depend on the leaves at ``changed`` (indices into _leaves)."""
        key = frozenset(changed)
        ops = self._dirty_cache.get(key)
        if ops is not None:
            return ops
        if self._parents is None:
            pos = {n: i for i, n in enumerate(self._nodes)}
            parents = [[] for _ in self._nodes]
            for i, n in enumerate(self._nodes):
                for c in n.children:
                    parents[pos[c]].append(i)
            self._position, self._parents = pos, parents
        pos, parents = self._position, self._parents
        mark = bytearray(len(self._nodes))
        stack = [pos[self._leaves[i]] for i in changed]
        while stack:
            for p in parents[stack.pop()]:
                if not mark[p]:
                    mark[p] = 1
                    stack.append(p)
        ops = [n for n, m in zip(self._nodes, mark) if m]
        if len(self._dirty_cache) >= _DIRTY_CACHE_SIZE:
            self._dirty_cache.clear()
        self._dirty_cache[key] = ops
        return ops

    def _changed_leaves(self):
        snap = self._snapshot
        return [i for i, leaf in enumerate(self._leaves) if leaf.value != snap[i]]

    def forward(self):
        """Recompute what changed since the last pass (everything the first time); return the outputs."""
        for inp in self._inputs:
            if inp.value is None:
                raise ValueError(f"input {self.input_names[self._inputs.index(inp)]!r} has no value; "
                                 f"pass it to predict()")
        if self._snapshot is None or self._epoch != _EPOCH[0]:
            ops = self._ops   # first pass, or another model may have overwritten shared nodes
        else:
            changed = self._changed_leaves()
            if not changed:
                ops = ()
            elif len(changed) > 8 and 4 * len(changed) > len(self._leaves):
                ops = self._ops  # many leaves changed (an SGD step): finding dependents costs more
            else:
                ops = self._dirty(changed)
        if ops:
            self._snapshot = None  # invalid until the pass completes
            n = None
            try:
                for n in ops:
                    n.forward()
            except (ArithmeticError, ValueError) as e:
                raise type(e)(f"{e} (while computing {_describe(n)})") from e
            _EPOCH[0] += 1
            self._epoch = _EPOCH[0]
            self._snapshot = [leaf.value for leaf in self._leaves]
        self.last_evaluated = len(ops)
        self.total_evaluated += len(ops)
        return self.output_values()

    def output_values(self):
        """The outputs' values from the last forward pass (a float, or a list)."""
        if self._vector:
            return [o.value for o in self.outputs]
        return self.outputs[0].value

    def _stale(self) -> bool:
        return (self._snapshot is None or self._epoch != _EPOCH[0]
                or bool(self._changed_leaves()))

    # -- backward --------------------------------------------------------------------------------
    def _seeds(self, d) -> list[float]:
        n = len(self.outputs)
        if d is None:
            return [1.0] * n
        if isinstance(d, Real):
            if n != 1:
                raise ValueError(f"the model has {n} outputs; backward() needs a list of {n} gradients")
            return [float(d)]
        d = [float(x) for x in d]
        if len(d) != n:
            raise ValueError(f"backward() got {len(d)} gradient(s) for {n} output(s)")
        return d

    def backward(self, dloss_doutput=None) -> None:
        """Propagate d(loss)/d(output) (1.0 by default; a list for several outputs) to every node.

        Parameter gradients accumulate (call ``zero_grad()`` between steps); every other node's
        gradient is reset by each backward pass.
        """
        seeds = self._seeds(dloss_doutput)
        if self._stale():
            if self._snapshot is None and self.total_evaluated == 0:
                raise RuntimeError("backward() needs a forward pass first: call predict()")
            self.forward()
        for n in self._resettable:
            n.grad = 0.0
        for v in self._vectors:
            v.grad = [0.0] * v.size
        for out, d in zip(self.outputs, seeds):
            out.grad += d
        for n in self._grad_ops:
            n.backward()

    def input_grads(self) -> list[float]:
        """d(output)/d(input) for each input from the last backward pass, in input order."""
        return [i.grad for i in self._inputs]

    def zero_grad(self) -> None:
        """Reset the gradient of every node (parameters included) to zero."""
        for n in self._nodes:
            if isinstance(n, VectorNode):
                n.grad = [0.0] * n.size
            else:
                n.grad = 0.0

    # -- training and friends ----------------------------------------------------------------------
    def sgd_step(self, lr: float) -> None:
        """p.value -= lr * p.grad for every parameter."""
        sgd_step(self._params, lr)

    def train(self, loss, data, epochs=1, lr=0.1, print_every=0, **kwargs):
        """``train_model(self, ...)``: per-sample SGD; returns the per-epoch mean loss."""
        from .train import train_model
        return train_model(self, loss, data, epochs=epochs, lr=lr, print_every=print_every, **kwargs)

    def compile(self, **kwargs):
        """``compile(self)``: the same model as straight-line generated code."""
        from .compile import compile as _compile
        return _compile(self, **kwargs)

    def funcify(self, digits: int = 4) -> str:
        from .formula import funcify
        return funcify(self, digits=digits)

    def to_dot(self, digits: int = 4) -> str:
        from .formula import to_dot
        return to_dot(self, digits=digits)

    def __str__(self):
        return self.funcify()

    def __repr__(self):
        return (f"Model({len(self._nodes)} nodes, inputs=[{', '.join(self.input_names)}], "
                f"{len(self._params)} parameters, {len(self.outputs)} output(s))")


def as_model(obj) -> Model:
    """A Model from a Model, a compiled model, a node or a list of nodes."""
    if isinstance(obj, Model):
        return obj
    inner = getattr(obj, "model", None)
    if isinstance(inner, Model):
        return inner
    return Model(obj)


def _params_of(obj) -> list:
    if hasattr(obj, "parameters"):
        return list(obj.parameters())
    if isinstance(obj, Node):
        return [obj]
    return list(obj)


def zero_grad(obj) -> None:
    """Zero the gradients of a model (every node), or of an iterable of nodes."""
    if hasattr(obj, "zero_grad"):
        obj.zero_grad()
        return
    for n in ([obj] if isinstance(obj, Node) else obj):
        if isinstance(n, VectorNode):
            n.grad = [0.0] * n.size
        else:
            n.grad = 0.0


def sgd_step(params, lr: float) -> None:
    """One plain gradient-descent step: ``p.value -= lr * p.grad`` (params: a model or a list)."""
    for p in _params_of(params):
        p.value -= lr * p.grad


class SGD:
    """Stochastic gradient descent over a list of parameters (or a model's)."""

    def __init__(self, params, lr: float = 0.1):
        self.params = _params_of(params)
        for p in self.params:
            if not isinstance(p, Parameter):
                raise TypeError(f"SGD updates Parameters, got {type(p).__name__}")
        self.lr = lr

    def step(self) -> None:
        lr = self.lr
        for p in self.params:
            p.value -= lr * p.grad

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0
