"""A graph as a human-readable formula (``funcify``) or as Graphviz DOT text (``to_dot``)."""
from __future__ import annotations

from .graph import as_model
from .nodes import (
    Add, Constant, Div, Exp, Input, Item, Log, Multiply, Neg, Parameter, Pow, ReLU, Sigmoid, Softmax,
    Sub, Tanh,
)

__all__ = ["funcify", "to_dot"]

# precedence of a rendered piece: how tightly it binds
_ADD, _MUL, _NEG, _POW, _ATOM = 1, 2, 3, 4, 5
_FUNCS = {ReLU: "relu", Sigmoid: "sigmoid", Tanh: "tanh", Exp: "exp", Log: "log"}


def _num(v: float, digits: int) -> str:
    if v == 0:
        v = 0.0  # no "-0"
    return format(v, f".{digits}g")


class _Strip(tuple):
    """A piece of formula whose leading "-" is dropped when written out."""


def _flatten(rope) -> str:
    """Join a nested list of text fragments iteratively (no recursion, no quadratic copying)."""
    out, drop, stack = [], False, [iter((rope,))]
    while stack:
        for item in stack[-1]:
            if isinstance(item, str):
                if drop and item:
                    item, drop = item[1:], False
                out.append(item)
            else:
                drop = drop or isinstance(item, _Strip)
                stack.append(iter(item))
                break
        else:
            stack.pop()
    return "".join(out)


def _join(pieces, sep):
    rope = [pieces[0]]
    for p in pieces[1:]:
        rope += [sep, p]
    return rope


def _render(node, kids, digits):
    """(text, precedence, starts with "-") of ``node`` from its children's; texts are ropes
    (nested lists of strings) so that deep graphs render in linear time."""
    if isinstance(node, (Parameter, Constant)):
        s = _num(node.value, digits)
        neg = s.startswith("-")
        return s, (_NEG if neg else _ATOM), neg
    if isinstance(node, Add):
        rope = [kids[0][0]]
        for text, _, neg in kids[1:]:
            rope += [" - ", _Strip((text,))] if neg else [" + ", text]
        return rope, _ADD, kids[0][2]
    if isinstance(node, Sub):
        (a, _, na), (b, pb, nb) = kids
        if pb <= _ADD:
            return [a, " - (", b, ")"], _ADD, na
        if nb:
            return [a, " + ", _Strip((b,))], _ADD, na
        return [a, " - ", b], _ADD, na
    if isinstance(node, Multiply):
        parts = []
        for i, (text, p, neg) in enumerate(kids):
            parts.append(["(", text, ")"] if p <= _ADD or (i > 0 and neg) else text)
        return _join(parts, "*"), _MUL, kids[0][2] and kids[0][1] > _ADD
    if isinstance(node, Div):
        (a, pa, na), (b, pb, nb) = kids
        a, na = (["(", a, ")"], False) if pa <= _ADD else (a, na)
        b = ["(", b, ")"] if pb <= _MUL or nb else b
        return [a, "/", b], _MUL, na
    if isinstance(node, Neg):
        (a, pa, na), = kids
        if pa <= _ADD or na:
            return ["-(", a, ")"], _NEG, True
        return ["-", a], min(_NEG, pa), True
    if isinstance(node, Pow):
        (a, pa, _), = kids
        k = _num(node.exponent, digits)
        return [a if pa >= _ATOM else ["(", a, ")"], "**", f"({k})" if k.startswith("-") else k], _POW, False
    for cls, fname in _FUNCS.items():
        if isinstance(node, cls):
            return [f"{fname}(", kids[0][0], ")"], _ATOM, False
    if isinstance(node, Item):
        (a, pa, _), = kids
        return [a if pa >= _ATOM else ["(", a, ")"], f"[{node.index}]"], _ATOM, False
    fname = "softmax" if isinstance(node, Softmax) else type(node).__name__.lower()
    return [f"{fname}(", _join([t for t, _, _ in kids], ", "), ")"], _ATOM, False


def funcify(model, digits: int = 4) -> str:
    """The model as a formula: inputs by name, parameters and constants rounded to ``digits``
    significant digits, e.g. ``sigmoid(0.52*x1 + 1.7*relu(x2 - 0.3) - 1.3)``.

    An operation used in several places (a hidden unit feeding a whole layer) is written once as
    ``h1 = ...`` on its own line and referred to by name; the last line(s) then read ``y = ...``
    (``y1 = ...``, ``y2 = ...`` for several outputs). A tree is a single expression.
    """
    model = as_model(model)
    nodes = model._nodes
    uses = {n: 0 for n in nodes}
    for n in nodes:
        for c in n.children:
            uses[c] += 1
    names = dict(zip(model._inputs, model.input_names))
    taken = set(model.input_names)

    def fresh(prefix, k):
        while f"{prefix}{k}" in taken:
            k += 1
        taken.add(f"{prefix}{k}")
        return f"{prefix}{k}", k + 1

    text, lines, k = {}, [], 1
    for n in nodes:  # children first: no recursion, however deep the graph
        if isinstance(n, Input):
            text[n] = (names.get(n, n.name or "?"), _ATOM, False)
            continue
        t = _render(n, [text[c] for c in n.children], digits)
        if n.children and uses[n] > 1:
            name, k = fresh("h", k)
            lines.append(f"{name} = {_flatten(t[0])}")
            t = (name, _ATOM, False)
        text[n] = t
    outs = model.outputs
    if len(outs) == 1 and not lines:
        return _flatten(text[outs[0]][0])
    if len(outs) == 1:
        name = "y" if "y" not in taken else fresh("y", 1)[0]
        lines.append(f"{name} = {_flatten(text[outs[0]][0])}")
    else:
        j = 1
        for o in outs:
            name, j = fresh("y", j)
            lines.append(f"{name} = {_flatten(text[o][0])}")
    return "\n".join(lines)


def _esc(s: str) -> str:
    for ch in '\\{}|<>"':
        s = s.replace(ch, "\\" + ch)
    return s


def _fmt(v, digits):
    if v is None:
        return "?"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x, digits) for x in v) + "]"
    return _num(v, digits)


def to_dot(model, digits: int = 4) -> str:
    """Graphviz DOT text: one record per node with its operation, value and gradient; edges run
    from each child to its parent. Render with ``dot -Tsvg``."""
    model = as_model(model)
    nodes = model._nodes
    pos = {n: i for i, n in enumerate(nodes)}
    names = dict(zip(model._inputs, model.input_names))
    lines = ["digraph model {", "  rankdir=LR;", '  node [shape=record, fontname="monospace"];']
    for i, n in enumerate(nodes):
        if isinstance(n, Input):
            label = names.get(n, n.name or "input")
        elif isinstance(n, Pow):
            label = f"**{_num(n.exponent, digits)}"
        elif isinstance(n, Item):
            label = f"[{n.index}]"
        else:
            label = n.op
        if n.name and not isinstance(n, Input):
            label = f"{n.name}: {label}"
        body = f"{_esc(label)} | value {_esc(_fmt(n.value, digits))} | grad {_esc(_fmt(n.grad, digits))}"
        style = ", style=filled, fillcolor=lightblue" if isinstance(n, Parameter) else ""
        lines.append(f'  n{i} [label="{{{body}}}"{style}];')
    for i, n in enumerate(nodes):
        for c in n.children:
            lines.append(f"  n{pos[c]} -> n{i};")
    for j, o in enumerate(model.outputs):
        lines.append(f'  out{j} [shape=plaintext, label="output {j + 1}"];')
        lines.append(f"  n{pos[o]} -> out{j};")
    lines.append("}")
    return "\n".join(lines) + "\n"
