"""Training plots with matplotlib (the ``plot`` extra): learning curves and decision boundaries.

matplotlib is imported only when a plot is drawn. Figures are drawn on the Agg canvas
directly (no pyplot), so plotting needs no display and never changes the pyplot backend or
its open figures.
"""
import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._atomic import atomic_path

__all__ = ["plot_history", "plot_learning_curves", "plot_decision_boundary"]

INSTALL_HINT = "pip install npgrad[plot]"


def _figure(figsize):
    """A new Agg-backed Figure; ImportError with the install hint without matplotlib."""
    try:
        import matplotlib  # noqa: F401  (first, so a blocked matplotlib fails here)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}"
        ) from e
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path, dpi):
    """Write ``fig`` atomically to ``path`` (format from the suffix, png by default)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix[1:].lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    return path


# ---------------------------------------------------------------- learning curves

def _history_panels(history):
    """``{metric: {"train": values, "val": values}}`` from a Keras-style history dict."""
    if not isinstance(history, Mapping):
        history = getattr(history, "history", None)
        if not isinstance(history, Mapping):
            raise TypeError(
                "history must be a dict of per-epoch lists (e.g. {'loss': [...], "
                "'val_loss': [...]}) or an object with such a .history dict"
            )
    panels = {}
    for key, values in history.items():
        key = str(key)
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"history[{key!r}] must be a list of numbers, got {values!r}") from e
        if arr.ndim != 1:
            raise ValueError(
                f"history[{key!r}] must be a 1-D per-epoch list, got shape {arr.shape}"
            )
        if arr.size == 0:
            continue
        is_val = key.startswith("val_") and len(key) > 4
        split, base = ("val", key[4:]) if is_val else ("train", key)
        panels.setdefault(base, {})[split] = arr
    if not panels:
        raise ValueError("history holds no values to plot")
    if "loss" in panels:  # loss first, the rest in their given order
        panels = {"loss": panels.pop("loss"), **panels}
    return panels


def plot_history(history, path, title=None, dpi=100):
    """Plot per-epoch loss and metrics, training and validation, one panel per metric.

    history: a dict of per-epoch lists such as ``{"loss": [...], "val_loss": [...],
    "accuracy": [...], "val_accuracy": [...]}`` or an object with such a ``.history`` dict
    (a Keras-like ``History``). A key ``val_<name>`` is drawn in ``<name>``'s panel.
    Returns ``path`` (a ``Path``); parent folders are created.
    """
    panels = _history_panels(history)
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    fig = _figure((5.0 * ncols, 3.6 * nrows))
    from matplotlib.ticker import MaxNLocator

    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, curves) in zip(axes, panels.items()):
        for split, label, color in (("train", "train", "C0"), ("val", "validation", "C1")):
            if split in curves:
                v = curves[split]
                epochs = np.arange(1, v.size + 1)
                ax.plot(epochs, v, color=color, label=label, marker="o" if v.size <= 30 else None,
                        markersize=3)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path, dpi)


plot_learning_curves = plot_history


# ---------------------------------------------------------------- decision boundaries

def _to_numpy(out):
    """Model output (ndarray, Tensor, list of scalar values) -> float64 ndarray."""
    if not isinstance(out, np.ndarray):
        numpy_method = getattr(out, "numpy", None)
        if callable(numpy_method):
            out = numpy_method()
        elif hasattr(out, "data") and not isinstance(out, (list, tuple)):
            out = out.data
    arr = np.asarray(out)
    if arr.dtype == object:  # e.g. a list of scalar-engine values with a .data float
        arr = np.array([float(getattr(v, "data", v)) for v in arr.ravel()]).reshape(arr.shape)
    return arr.astype(np.float64)


def _predict(model, grid):
    """Call ``model`` on the grid; on failure retry with ``npgrad.tensor(grid)``. Runs under
    ``npgrad.no_grad()`` when the engine provides it."""
    import npgrad

    no_grad = getattr(npgrad, "no_grad", None)
    with no_grad() if callable(no_grad) else contextlib.nullcontext():
        try:
            out = model(grid)
        except Exception:
            make_tensor = getattr(npgrad, "tensor", None)
            if make_tensor is None:
                raise
            out = model(make_tensor(grid))
    return _to_numpy(out)


def _interpret(out, m):
    """Model outputs on ``m`` points -> ``("binary", P(class 1) of shape (m,))`` or
    ``(k, class index of shape (m,))`` for ``k`` class scores."""
    if out.ndim not in (1, 2) or out.shape[0] != m:
        raise ValueError(
            f"model returned shape {out.shape} for {m} grid points; expected ({m},), "
            f"({m}, 1) or ({m}, k)"
        )
    if not np.all(np.isfinite(out)):
        raise ValueError("model returned non-finite values (nan or inf) on the grid")
    if out.ndim == 1 or out.shape[1] == 1:
        v = out.reshape(-1)
        if v.min() >= 0 and v.max() <= 1:
            return "binary", v
        return "binary", 0.5 * (1.0 + np.tanh(0.5 * v))  # logits: sigmoid, so 0 -> 0.5
    return out.shape[1], out.argmax(axis=1)


def _class_labels(y, n):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} labels for {n} points in X")
    if y.dtype.kind == "f":
        y = np.rint(y)
    return y.astype(np.int64)


def plot_decision_boundary(model, X, y, path, resolution=200, margin=0.1, title=None,
                           figsize=(6.0, 5.0), dpi=100):
    """Shade the regions a 2-feature classifier assigns to each class and overlay the points.

    model: any callable mapping an ``(m, 2)`` ndarray (or, failing that, an
    ``npgrad.tensor``) to outputs of shape ``(m,)``/``(m, 1)`` (a probability, thresholded
    at 0.5; values outside [0, 1] are taken as logits, thresholded at 0) or ``(m, k)``
    (class scores, argmax). X: ``(n, 2)``. y: ``(n,)`` class labels, ``(n, 1)`` 0/1
    targets, ``(n, k)`` one-hot, or None. The grid is ``resolution x resolution`` points
    spanning X's range plus ``margin`` (a fraction of the range) on each side.
    Returns ``path`` (a ``Path``); parent folders are created.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if X.shape[0] == 0 or X.dtype.kind not in "biuf":
        raise ValueError(f"X must be non-empty and numeric, got {X.shape} {X.dtype}")
    labels = None if y is None else _class_labels(y, X.shape[0])
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    fig = _figure(figsize)  # fail on missing matplotlib before running the model

    lo, hi = X.min(axis=0).astype(np.float64), X.max(axis=0).astype(np.float64)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    grid_dtype = X.dtype if X.dtype.kind == "f" else np.float32
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(grid_dtype)

    kind, Z = _interpret(_predict(model, grid), grid.shape[0])
    Z = Z.reshape(xx.shape)

    from matplotlib.colors import ListedColormap

    ax = fig.add_subplot(1, 1, 1)
    if kind == "binary":
        cs = ax.contourf(xx, yy, Z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
        fig.colorbar(cs, ax=ax, label="P(class 1)")
        if Z.min() < 0.5 < Z.max():
            ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.2)
        point_style = dict(cmap=ListedColormap(["#2b6cb0", "#c53030"]), vmin=0, vmax=1)
    else:
        k = kind
        cmap = ListedColormap([f"C{i % 10}" for i in range(k)])
        ax.contourf(xx, yy, Z, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.35)
        point_style = dict(cmap=cmap, vmin=-0.5, vmax=k - 0.5)
    if labels is None:
        ax.scatter(X[:, 0], X[:, 1], s=14, c="k")
    else:
        ax.scatter(X[:, 0], X[:, 1], c=labels, s=16, edgecolors="k", linewidths=0.4,
                   **point_style)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path, dpi)
