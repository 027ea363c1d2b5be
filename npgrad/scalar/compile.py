"""Compile a scalar graph into straight-line Python.

``compile(model)`` walks the topological order once and writes one line of Python per node for
the forward pass and one line per (node, child) edge for the backward pass, then compiles that
source once. Calling the result involves no graph traversal, no method dispatch and no attribute
access: just local-variable arithmetic. The generated code performs exactly the floating-point
operations of the node classes, in the same order, so values and gradients are identical.

The same generator, with NumPy functions in place of ``math`` and ``np.where`` in place of
``if/else``, gives a *batch* version: every scalar node becomes one NumPy operation over a whole
batch of samples (``predict_batch`` / ``backward_batch`` / ``train_batch``), so a network built
from scalars trains at array speed. Its per-sample values and gradients are those of the
per-sample graph (bit for bit for + - * / and ReLU; transcendental functions may differ in the
last bit because NumPy's vectorised exp/log/tanh/pow need not round like the C library's), and
parameter gradients are summed over the batch left to right, as a loop over samples would.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from .graph import Model, _EPOCH, as_model
from .losses import get_loss
from .nodes import (
    Add, Constant, Div, Exp, Input, Item, Leaf, Log, Multiply, Neg, Parameter, Pow, ReLU, Sigmoid,
    Softmax, Sub, Tanh, VectorNode,
)

__all__ = ["compile", "CompiledModel"]

_SCALAR_NS = {"_exp": math.exp, "_log": math.log, "_tanh": math.tanh, "_pow": math.pow,
              "abs": abs, "max": max}
_BATCH_NS = {"_exp": np.exp, "_log": np.log, "_tanh": np.tanh, "_pow": np.power, "_abs": np.abs,
             "_where": np.where, "_max": np.maximum}
_CHUNK = 32  # terms per line in long sums (keeps the parser's recursion shallow)


def _chain(out: str, terms: list[str], op: str) -> list[str]:
    """``out = t0 op t1 op ...`` evaluated left to right, split over several lines when long."""
    lines = [f"{out} = {f' {op} '.join(terms[:_CHUNK])}"]
    for k in range(_CHUNK, len(terms), _CHUNK):
        lines.append(f"{out} = {out} {op} {f' {op} '.join(terms[k:k + _CHUNK])}")
    return lines


# ---------------------------------------------------------------------------------------------
# Per-operation templates. forward(node, out, a, batch) -> lines;
# backward(node, out, a, g, batch) -> (lines, [expr for child 0, expr for child 1, ...]).
# They mirror nodes.py operation for operation.
# ---------------------------------------------------------------------------------------------
def _f_add(n, out, a, batch):
    return _chain(out, a, "+")


def _b_add(n, out, a, g, batch):
    return [], [g] * len(a)


def _f_mul(n, out, a, batch):
    return _chain(out, a, "*")


def _b_mul(n, out, a, g, batch):
    if len(a) == 1:
        return [], [g]
    if len(a) == 2:
        return [], [f"{a[1]} * {g}", f"{a[0]} * {g}"]
    lines, exprs = [], []
    for i in range(len(a)):
        t = f"{out}_o{i}"
        lines += _chain(t, [x for j, x in enumerate(a) if j != i], "*")
        exprs.append(f"{t} * {g}")
    return lines, exprs


def _f_sub(n, out, a, batch):
    return [f"{out} = {a[0]} - {a[1]}"]


def _b_sub(n, out, a, g, batch):
    return [], [g, f"-{g}"]


def _f_div(n, out, a, batch):
    return [f"{out} = {a[0]} / {a[1]}"]


def _b_div(n, out, a, g, batch):
    return [], [f"{g} / {a[1]}", f"-{g} * {out} / {a[1]}"]


def _f_pow(n, out, a, batch):
    if n.exponent == 2.0:
        return [f"{out} = {a[0]} * {a[0]}"]
    return [f"{out} = _pow({a[0]}, {n.exponent!r})"]


def _b_pow(n, out, a, g, batch):
    k = n.exponent
    if k == 2.0:
        return [], [f"2.0 * {a[0]} * {g}"]
    return [], [f"{k!r} * _pow({a[0]}, {k - 1.0!r}) * {g}"]


def _f_neg(n, out, a, batch):
    return [f"{out} = -{a[0]}"]


def _b_neg(n, out, a, g, batch):
    return [], [f"-{g}"]


def _f_relu(n, out, a, batch):
    if batch:
        return [f"{out} = _where({a[0]} > 0.0, {a[0]}, 0.0)"]
    return [f"{out} = {a[0]} if {a[0]} > 0.0 else 0.0"]


def _b_relu(n, out, a, g, batch):
    if batch:
        return [], [f"_where({a[0]} > 0.0, {g}, 0.0)"]
    return [], [f"({g} if {a[0]} > 0.0 else 0.0)"]


def _f_sigmoid(n, out, a, batch):
    x, t = a[0], f"{out}_e"
    if batch:
        return [f"{t} = _exp(-_abs({x}))",
                f"{out} = _where({x} >= 0.0, 1.0 / (1.0 + {t}), {t} / (1.0 + {t}))"]
    return [f"{t} = _exp(-abs({x}))",
            f"{out} = 1.0 / (1.0 + {t}) if {x} >= 0.0 else {t} / (1.0 + {t})"]


def _b_sigmoid(n, out, a, g, batch):
    return [], [f"{out} * (1.0 - {out}) * {g}"]


def _f_tanh(n, out, a, batch):
    return [f"{out} = _tanh({a[0]})"]


def _b_tanh(n, out, a, g, batch):
    return [], [f"(1.0 - {out} * {out}) * {g}"]


def _f_exp(n, out, a, batch):
    return [f"{out} = _exp({a[0]})"]


def _b_exp(n, out, a, g, batch):
    return [], [f"{out} * {g}"]


def _f_log(n, out, a, batch):
    return [f"{out} = _log({a[0]})"]


def _b_log(n, out, a, g, batch):
    return [], [f"{g} / {a[0]}"]


def _f_softmax(n, outs, a, batch):
    base = outs[0].rsplit("_", 1)[0]
    m, s = f"{base}_m", f"{base}_s"
    if len(a) == 1:
        lines = [f"{m} = {a[0]}"]
    elif batch:
        lines = [f"{m} = _max({a[0]}, {a[1]})"] + [f"{m} = _max({m}, {x})" for x in a[2:]]
    else:
        lines = [f"{m} = max({', '.join(a)})"]
    es = [f"{base}_x{k}" for k in range(len(a))]
    lines += [f"{e} = _exp({x} - {m})" for e, x in zip(es, a)]
    lines += _chain(s, es, "+")
    lines += [f"{o} = {e} / {s}" for o, e in zip(outs, es)]
    return lines


def _b_softmax(n, outs, a, gs, batch):
    base = outs[0].rsplit("_", 1)[0]
    d = f"{base}_d"
    lines = _chain(d, [f"{g} * {p}" for g, p in zip(gs, outs)], "+")
    return lines, [f"{p} * ({g} - {d})" for p, g in zip(outs, gs)]


_TEMPLATES = {
    Add: (_f_add, _b_add), Multiply: (_f_mul, _b_mul), Sub: (_f_sub, _b_sub), Div: (_f_div, _b_div),
    Pow: (_f_pow, _b_pow), Neg: (_f_neg, _b_neg), ReLU: (_f_relu, _b_relu),
    Sigmoid: (_f_sigmoid, _b_sigmoid), Tanh: (_f_tanh, _b_tanh), Exp: (_f_exp, _b_exp),
    Log: (_f_log, _b_log), Softmax: (_f_softmax, _b_softmax),
}


def _template(node):
    for cls in type(node).__mro__:
        if cls in _TEMPLATES:
            return _TEMPLATES[cls]
    raise TypeError(f"compile() does not know how to generate code for {type(node).__name__}")


# ---------------------------------------------------------------------------------------------
# Code generation
# ---------------------------------------------------------------------------------------------
class _Generated:
    """Source and functions for one mode, plus where each node's value and grad live."""

    def __init__(self, model: Model, batch: bool):
        nodes = model._nodes
        pos = {n: i for i, n in enumerate(nodes)}
        in_idx = {n: k for k, n in enumerate(model._inputs)}
        par_idx = {n: k for k, n in enumerate(model._params)}
        self.consts = [n for n in nodes if isinstance(n, Constant)]
        const_idx = {n: k for k, n in enumerate(self.consts)}

        def vname(n):  # a vector node's value is a list of component names
            i = pos[n]
            return [f"v{i}_{k}" for k in range(n.size)] if isinstance(n, VectorNode) else f"v{i}"

        def gname(n):
            i = pos[n]
            return [f"g{i}_{k}" for k in range(n.size)] if isinstance(n, VectorNode) else f"g{i}"

        # forward: one line (or a few) per node
        fwd, values = [], []  # values: every value variable, in order
        value_at = {}         # node -> index (or list of indices) into the returned tuple
        for n in nodes:
            v = vname(n)
            if isinstance(n, Input):
                fwd.append(f"{v} = I[{in_idx[n]}]")
            elif isinstance(n, Parameter):
                fwd.append(f"{v} = P[{par_idx[n]}]")
            elif isinstance(n, Constant):
                fwd.append(f"{v} = C[{const_idx[n]}]")
            elif isinstance(n, Item):
                fwd.append(f"{v} = {vname(n.children[0])[n.index]}")
            elif isinstance(n, Leaf):
                raise TypeError(f"compile() does not know the leaf type {type(n).__name__}")
            else:
                fwd += _template(n)[0](n, v, [vname(c) for c in n.children], batch)
            if isinstance(v, list):
                value_at[n] = list(range(len(values), len(values) + len(v)))
                values += v
            else:
                value_at[n] = len(values)
                values.append(v)
        self.value_at = value_at
        self.out_at = [value_at[o] for o in model.outputs]

        # backward: seeds, then one line per (node, child) edge in reverse topological order
        bwd = []
        assigned = set()
        param_contribs = {p: [] for p in model._params}  # batch mode: per-sample contributions

        def contribute(target: str, node, expr: str):
            if batch and isinstance(node, Parameter):
                c = f"c{target[1:]}_{len(param_contribs[node])}"
                bwd.append(f"{c} = {expr}")
                param_contribs[node].append(c)
            elif target in assigned:
                bwd.append(f"{target} = {target} + ({expr})")
            else:
                bwd.append(f"{target} = {expr}")
                assigned.add(target)

        if not batch:
            for p in model._params:
                bwd.append(f"{gname(p)} = PG[{par_idx[p]}]")
                assigned.add(gname(p))
        for vec in model._vectors:
            for g in gname(vec):
                bwd.append(f"{g} = 0.0")
                assigned.add(g)
        for j, o in enumerate(model.outputs):
            contribute(gname(o), o, f"D[{j}]")
        for n in model._grad_ops:
            kids = n.children
            if isinstance(n, Item):
                vec = kids[0]
                contribute(gname(vec)[n.index], vec, gname(n))
                continue
            lines, exprs = _template(n)[1](n, vname(n), [vname(c) for c in kids], gname(n), batch)
            bwd += lines
            for c, e in zip(kids, exprs):
                contribute(gname(c), c, e)

        grads, grad_at = [], {}
        for n in nodes:
            g = gname(n)
            if isinstance(g, list):
                grad_at[n] = list(range(len(grads), len(grads) + len(g)))
                grads += g
            elif g in assigned:
                grad_at[n] = len(grads)
                grads.append(g)
        self.grad_at = grad_at
        self.param_grad_at = [grad_at.get(p) for p in model._params]
        self.input_grad_at = [grad_at.get(i) for i in model._inputs]

        head = "def _forward(I, P, C):"
        src = [head] + ["    " + ln for ln in fwd] + [f"    return ({', '.join(values)},)", ""]
        src += ["def _backward(V, PG, D):", f"    ({', '.join(values)},) = V"]
        src += ["    " + ln for ln in bwd]
        ret = f"({', '.join(grads)},)" if grads else "()"
        if batch:
            pc = ", ".join(f"({', '.join(param_contribs[p])},)" if param_contribs[p] else "()"
                           for p in model._params)
            src.append(f"    return {ret}, ({pc},)" if model._params else f"    return {ret}, ()")
        else:
            src.append(f"    return {ret}")
        self.source = "\n".join(src) + "\n"
        ns = dict(_BATCH_NS if batch else _SCALAR_NS)
        code = builtins.compile(self.source, f"<npgrad.scalar {'batch' if batch else 'scalar'} code>", "exec")
        exec(code, ns)
        self.forward = ns.pop("_forward")    # popped: no function <-> globals reference cycle
        self.backward = ns.pop("_backward")


def _per_sample(c, batch_size: int) -> np.ndarray:
    if type(c) is np.ndarray and c.shape == (batch_size,):
        return c
    return np.broadcast_to(np.asarray(c, dtype=np.float64), (batch_size,))


def _sequential_sums(init: list[float], contribs: tuple, batch_size: int) -> list[float]:
    """init[k] + c[0] + c[1] + ... left to right, per parameter, as a loop over samples would add.

    A parameter with several contributions per sample adds them sample by sample in the order of
    the backward pass (c1[0], c2[0], c1[1], c2[1], ...).
    """
    out = list(init)
    single = [k for k, cs in enumerate(contribs) if len(cs) == 1]
    if single:
        rows = np.array([_per_sample(contribs[k][0], batch_size) for k in single])
        m = np.concatenate((np.array([init[k] for k in single])[:, None], rows), axis=1)
        # accumulate (unlike sum) adds strictly left to right
        sums = np.add.accumulate(m, axis=1)[:, -1]
        for k, s in zip(single, sums.tolist()):
            out[k] = s
    for k, cs in enumerate(contribs):
        if len(cs) > 1:
            inter = np.stack([_per_sample(c, batch_size) for c in cs], axis=1).ravel()
            out[k] = float(np.add.accumulate(np.concatenate(([init[k]], inter)))[-1])
    return out


class CompiledModel:
    """A model compiled to straight-line code, with the interface of ``Model``.

    ``predict``/``backward``/``train`` work on one sample and give exactly the uncompiled values
    and gradients; ``predict_batch``/``backward_batch``/``train_batch`` run the same code over a
    batch with NumPy. Parameters stay shared with the graph (``p.value`` is read on every call,
    ``p.grad`` is written by ``backward``). Per-node values and gradients live inside the compiled
    code; ``sync()`` copies them onto the nodes (for ``to_dot`` or inspection).
    """

    def __init__(self, model: Model):
        self.model = model
        self.outputs = model.outputs
        self.input_names = list(model.input_names)
        self._params = model._params
        self._inputs = model._inputs
        self._scalar = _Generated(model, batch=False)
        self._batch = None
        self._V = self._I = self._P = self._C = self._G = None
        self._BV = None
        self.input_grads_batch = None

    @property
    def source(self) -> str:
        """The generated Python source of the per-sample forward and backward passes."""
        return self._scalar.source

    @property
    def batch_source(self) -> str:
        return self._batched().source

    @property
    def inputs(self):
        return self.model.inputs

    def parameters(self):
        return list(self._params)

    def _consts(self, gen):
        return [c.value for c in gen.consts]

    # -- one sample ------------------------------------------------------------------------------
    def _run_forward(self, I):
        gen = self._scalar
        P = [p.value for p in self._params]
        C = self._consts(gen)
        self._V = gen.forward(I, P, C)
        self._I, self._P, self._C, self._G = I, P, C, None

    def _outputs(self, V, out_at):
        if self.model._vector:
            return [V[k] for k in out_at]
        return V[out_at[0]]

    def predict(self, values=None):
        """Output value(s) for one sample (by position or by name), as ``Model.predict``."""
        I = self.model._parse_inputs(values) if (values is not None or self._inputs) else []
        try:
            self._run_forward(I)
        except (ArithmeticError, ValueError) as e:
            raise type(e)(f"{e} (in compiled forward pass)") from e
        return self._outputs(self._V, self._scalar.out_at)

    __call__ = predict

    def backward(self, dloss_doutput=None) -> None:
        """Gradients for the last prediction: parameter grads accumulate into ``p.grad``."""
        if self._V is None:
            raise RuntimeError("backward() needs a forward pass first: call predict()")
        seeds = self.model._seeds(dloss_doutput)
        if [p.value for p in self._params] != self._P or self._consts(self._scalar) != self._C:
            self._run_forward(self._I)  # parameters changed since predict(): recompute, like Model
        gen = self._scalar
        G = gen.backward(self._V, [p.grad for p in self._params], seeds)
        for p, k in zip(self._params, gen.param_grad_at):
            if k is not None:
                p.grad = G[k]
        self._G = G

    def input_grads(self) -> list[float]:
        """d(output)/d(input) per input from the last backward pass."""
        if self._G is None:
            raise RuntimeError("no backward pass yet")
        return [self._G[k] if k is not None else 0.0 for k in self._scalar.input_grad_at]

    def zero_grad(self) -> None:
        """Zero the parameters' gradients (per-node gradients are recomputed by every backward)."""
        for p in self._params:
            p.grad = 0.0

    def sgd_step(self, lr: float) -> None:
        for p in self._params:
            p.value -= lr * p.grad

    def sync(self) -> None:
        """Copy every node's value and gradient from the last pass onto the nodes."""
        if self._V is None:
            raise RuntimeError("nothing to sync: call predict() first")
        gen, V, G = self._scalar, self._V, self._G
        for n, k in gen.value_at.items():
            n.value = tuple(V[i] for i in k) if isinstance(k, list) else V[k]
            if isinstance(n, Parameter):
                continue
            gk = gen.grad_at.get(n) if G is not None else None
            if isinstance(n, VectorNode):
                n.grad = [G[i] for i in gk] if gk is not None else [0.0] * n.size
            else:
                n.grad = G[gk] if gk is not None else 0.0
        _EPOCH[0] += 1  # node values were overwritten: uncompiled models must recompute

    def train(self, loss, data, epochs=1, lr=0.1, print_every=0, **kwargs):
        """Per-sample SGD with the compiled code (see ``train_model``)."""
        from .train import train_model
        return train_model(self, loss, data, epochs=epochs, lr=lr, print_every=print_every, **kwargs)

    # -- a batch of samples ----------------------------------------------------------------------
    def _batched(self) -> _Generated:
        if self._batch is None:
            self._batch = _Generated(self.model, batch=True)
        return self._batch

    def _columns(self, X):
        names = self.input_names
        expected = f"expected inputs: {', '.join(names) if names else '(none)'}"
        if isinstance(X, dict):
            unknown = [k for k in X if k not in names]
            if unknown:
                raise ValueError(f"unknown input name(s) {', '.join(map(repr, unknown))}; {expected}")
            missing = [n for n in names if n not in X]
            if missing:
                raise ValueError(f"missing input(s) {', '.join(map(repr, missing))}; {expected}")
            cols = [np.asarray(X[n], dtype=np.float64).reshape(-1) for n in names]
            if len({c.shape[0] for c in cols}) > 1:
                raise ValueError("input columns have different lengths")
            return tuple(np.ascontiguousarray(c) for c in cols), (cols[0].shape[0] if cols else 0)
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and len(names) == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != len(names):
            raise ValueError(f"batch inputs must have shape (batch, {len(names)}), got {X.shape}; {expected}")
        return tuple(np.ascontiguousarray(X[:, k]) for k in range(X.shape[1])), X.shape[0]

    def predict_batch(self, X) -> np.ndarray:
        """Outputs for a batch: X of shape (batch, n_inputs) or a dict name -> column.

        Returns shape (batch,) for one output, (batch, n_outputs) for several.
        """
        gen = self._batched()
        cols, B = self._columns(X)
        P = tuple(p.value for p in self._params)
        with np.errstate(all="ignore"):
            self._BV = gen.forward(cols, P, self._consts(gen))
        self._B = B
        outs = [np.broadcast_to(np.asarray(self._BV[k], dtype=np.float64), (B,)) for k in gen.out_at]
        if self.model._vector:
            return np.stack(outs, axis=1)
        return np.array(outs[0])

    def backward_batch(self, dloss_doutput) -> np.ndarray:
        """Per-sample output gradients (batch,) or (batch, n_outputs) -> summed parameter grads.

        ``p.grad`` accumulates the sum over the batch; returns d/d(inputs), shape (batch, n_inputs).
        """
        if self._BV is None:
            raise RuntimeError("backward_batch() needs predict_batch() first")
        gen, B, n_out = self._batch, self._B, len(self.outputs)
        d = np.asarray(dloss_doutput, dtype=np.float64)
        if d.ndim == 1 and n_out == 1:
            d = d[:, None]
        if d.shape != (B, n_out):
            raise ValueError(f"backward_batch expects gradients of shape ({B},{' ' + str(n_out) if n_out > 1 else ''}) "
                             f"for {B} samples and {n_out} output(s), got {np.shape(dloss_doutput)}")
        D = tuple(np.ascontiguousarray(d[:, j]) for j in range(n_out))
        with np.errstate(all="ignore"):
            G, contribs = gen.backward(self._BV, None, D)
        sums = _sequential_sums([p.grad for p in self._params], contribs, B)
        for p, s in zip(self._params, sums):
            p.grad = s
        gin = np.zeros((B, len(self._inputs)))
        for j, k in enumerate(gen.input_grad_at):
            if k is not None:
                gin[:, j] = G[k]
        self.input_grads_batch = gin
        return gin

    def step_batch(self, X, targets, loss="mse", lr=0.1, l2: float = 0.0) -> float:
        """One gradient-descent step on the batch mean loss (+ l2 * sum(p**2)); returns the loss."""
        fn = get_loss(loss)
        out = self.predict_batch(X)
        per_sample, dout = fn.batch(out, np.asarray(targets, dtype=np.float64))
        B = out.shape[0]
        scale = 1.0 / B
        total = float(np.sum(per_sample)) * scale
        params = self._params
        if l2:
            total += l2 * sum(p.value * p.value for p in params)
        for p in params:
            p.grad = 0.0
        self.backward_batch(dout * scale)
        if l2:
            for p in params:
                p.grad += 2.0 * l2 * p.value
        for p in params:
            p.value -= lr * p.grad
        return total

    def train_batch(self, X, targets, loss="mse", epochs=1, lr=0.1, batch_size=None, l2=0.0,
                    shuffle=False, seed=None, print_every=0) -> list[float]:
        """Mini-batch (or full-batch, the default) gradient descent; returns per-epoch mean losses."""
        from .nodes import as_generator
        X = np.asarray(X, dtype=np.float64) if not isinstance(X, dict) else X
        if isinstance(X, dict):
            X = np.stack([np.asarray(X[n], dtype=np.float64) for n in self.input_names], axis=1)
        targets = np.asarray(targets, dtype=np.float64)
        n = X.shape[0]
        bs = n if batch_size is None else int(batch_size)
        rng = as_generator(seed) if shuffle else None
        history = []
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            total, count = 0.0, 0
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                total += self.step_batch(X[idx], targets[idx], loss, lr, l2) * len(idx)
                count += len(idx)
            history.append(total / max(count, 1))
            if print_every and (epoch + 1) % print_every == 0:
                print(f"epoch {epoch + 1:>4}/{epochs}  loss {history[-1]:.6g}")
        return history

    def funcify(self, digits: int = 4) -> str:
        return self.model.funcify(digits)

    def to_dot(self, digits: int = 4) -> str:
        return self.model.to_dot(digits)

    def __str__(self):
        return str(self.model)

    def __repr__(self):
        return f"CompiledModel({self.model!r})"


def compile(model, **kwargs) -> CompiledModel:  # noqa: A001 - the documented name
    """Compile a Model (or an output node / list of nodes) into straight-line code."""
    if kwargs:
        raise TypeError(f"compile() got unexpected arguments: {', '.join(kwargs)}")
    if isinstance(model, CompiledModel):
        return model
    return CompiledModel(as_model(model))
