"""Computation graphs as Graphviz DOT text, rendered with the ``dot`` program when present."""
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np

from .._atomic import atomic_path

__all__ = ["to_dot", "tensor_to_dot", "plot_graph"]


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _is_tensor(obj):
    return hasattr(obj, "_ctx") and hasattr(obj, "data")


def _tensor_label(t):
    name = getattr(t, "name", None) or getattr(t, "label", None)
    data = getattr(t, "data", None)
    shape = tuple(getattr(t, "shape", np.shape(data)))
    dtype = getattr(data, "dtype", None)
    parts = [str(name)] if isinstance(name, str) and name else []
    if shape == () and isinstance(data, (np.ndarray, np.generic, float, int)):
        parts.append(f"{float(np.asarray(data)):.4g}")
    else:
        parts.append(f"shape {shape}")
    if dtype is not None:
        parts.append(str(dtype))
    return "\n".join(parts)


def tensor_to_dot(root, rankdir="LR"):
    """DOT text of the graph that produced tensor ``root``: a box per tensor (shape, dtype),
    an ellipse per op (its ``Function`` class name), following ``tensor._ctx.parents``.
    Leaves that require grad (parameters, inputs to differentiate) are shaded."""
    ids = {}
    keep = []  # holds every visited object so that id() values stay unique
    lines = [
        "digraph G {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=10];',
    ]

    def node(obj):
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            keep.append(obj)
        return ids[key], key

    stack, seen = [root], set()
    while stack:
        t = stack.pop()
        tid, key = node(t)
        if key in seen:
            continue
        seen.add(key)
        ctx = getattr(t, "_ctx", None)
        style = ""
        if ctx is None and getattr(t, "requires_grad", False):
            style = ', style=filled, fillcolor="#dbe9f6"'
        lines.append(f"  {tid} [shape=box, label={_quote(_tensor_label(t))}{style}];")
        if ctx is None:
            continue
        op_id, _ = node(ctx)
        lines.append(f"  {op_id} [shape=ellipse, label={_quote(type(ctx).__name__)}];")
        lines.append(f"  {op_id} -> {tid};")
        for parent in getattr(ctx, "parents", ()) or ():
            pid, _ = node(parent)
            if _is_tensor(parent):
                stack.append(parent)
            else:  # a constant captured by the op
                lines.append(f"  {pid} [shape=plaintext, label={_quote(repr(parent))}];")
            lines.append(f"  {pid} -> {op_id};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_dot(obj):
    """DOT text for ``obj``: a DOT string itself, anything with a ``to_dot()`` method, a
    tensor (see :func:`tensor_to_dot`), or a scalar-engine model / value
    (``npgrad.scalar.to_dot``)."""
    if isinstance(obj, str):
        return obj
    method = getattr(obj, "to_dot", None)
    if callable(method):
        dot = method()
    elif _is_tensor(obj):
        dot = tensor_to_dot(obj)
    elif type(obj).__module__.startswith("npgrad.scalar"):
        from npgrad.scalar import to_dot as scalar_to_dot

        dot = scalar_to_dot(obj)
    else:
        raise TypeError(
            f"cannot draw a graph of {type(obj).__name__}: pass a Tensor (the output of a "
            "forward pass), an object with a to_dot() method, or a scalar-engine model or value"
        )
    dot = getattr(dot, "source", dot)  # a graphviz.Digraph
    if not isinstance(dot, str):
        raise TypeError(f"to_dot() returned {type(dot).__name__}, expected DOT text (str)")
    return dot


def _write_text(path, text):
    with atomic_path(path) as tmp:
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(text)


def plot_graph(model_or_tensor, path, timeout=120):
    """Draw a computation graph to ``path`` (format from its suffix: png, svg, pdf, ...).

    Uses Graphviz ``dot`` when it is on ``PATH``. Without it (or when ``path`` ends in
    ``.dot`` / ``.gv``) the DOT text is written instead, to ``path`` with the suffix
    ``.dot``, with a warning saying so. Returns the path written. See :func:`to_dot` for what
    can be drawn.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = to_dot(model_or_tensor)
    fmt = path.suffix[1:].lower()
    if fmt in ("dot", "gv"):
        _write_text(path, source)
        return path
    exe = shutil.which("dot")
    if exe is None:
        dot_path = path.with_suffix(".dot")
        _write_text(dot_path, source)
        warnings.warn(
            f"Graphviz 'dot' not found, so {path} was not drawn; wrote the DOT source to "
            f"{dot_path} instead (install Graphviz, then: dot -T{fmt or 'png'} {dot_path} "
            f"-o {path})",
            stacklevel=2,
        )
        return dot_path
    with atomic_path(path) as tmp:
        result = subprocess.run(
            [exe, f"-T{fmt or 'png'}", "-o", tmp],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"Graphviz dot failed to draw {path} (exit {result.returncode}): "
                + result.stderr.decode("utf-8", "replace").strip()
            )
    return path
