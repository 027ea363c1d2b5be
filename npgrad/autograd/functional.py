"""Ops as functions: ``npgrad.exp(x)``, ``npgrad.linear(x, W, b)``, ``npgrad.cross_entropy(...)``."""
import numpy as np

from . import ops
from .tensor import Tensor, _operand, as_tensor


def exp(x):
    return as_tensor(x).exp()


def log(x):
    return as_tensor(x).log()


def sqrt(x):
    return as_tensor(x).sqrt()


def abs(x):  # noqa: A001  (mirrors numpy / torch)
    return as_tensor(x).abs()


def tanh(x):
    return as_tensor(x).tanh()


def sigmoid(x):
    return as_tensor(x).sigmoid()


def relu(x):
    return as_tensor(x).relu()


def leaky_relu(x, negative_slope=0.01):
    return as_tensor(x).leaky_relu(negative_slope)


def clip(x, min=None, max=None):  # noqa: A002
    return as_tensor(x).clip(min, max)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, computed max-shifted."""
    return as_tensor(x).softmax(axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``, computed max-shifted."""
    return as_tensor(x).log_softmax(axis)


def _pair(a, b):
    if isinstance(a, Tensor):
        return a, _operand(b, a)
    if isinstance(b, Tensor):
        return _operand(a, b), b
    return as_tensor(a), as_tensor(b)


def maximum(a, b):
    """Elementwise maximum (gradient split in half at ties)."""
    return ops.Maximum.apply(*_pair(a, b))


def minimum(a, b):
    """Elementwise minimum (gradient split in half at ties)."""
    return ops.Minimum.apply(*_pair(a, b))


def where(cond, a, b):
    """``a`` where ``cond`` is true, else ``b``; no gradient flows to ``cond``."""
    cond = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    return ops.Where.apply(*_pair(a, b), cond=cond)


def concatenate(tensors, axis=0):
    return ops.Concatenate.apply(*tensors, axis=axis)


cat = concatenate


def stack(tensors, axis=0):
    return ops.Stack.apply(*tensors, axis=axis)


def matmul(a, b):
    return ops.MatMul.apply(*_pair(a, b))


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` as one op: x (batch, in), weight (out, in), bias (out,)."""
    x = as_tensor(x)
    if bias is None:
        return ops.Linear.apply(x, weight)
    return ops.Linear.apply(x, weight, bias)


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy of ``logits`` (batch, classes) against ``target``.

    ``target``: integer class indices (batch,), or probability / one-hot rows (batch, classes).
    ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (per-sample losses).
    """
    logits = as_tensor(logits)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    check_class_target(logits.shape, t, reduction)
    if t.ndim == 2 and t.dtype != logits.dtype:
        t = t.astype(logits.dtype)
    return ops.CrossEntropy.apply(logits, target=t, reduction=reduction)


_UNSIGNED = {np.dtype(f"i{k}"): np.dtype(f"u{k}") for k in (1, 2, 4, 8)}


def _labels_out_of_range(t, c):
    """True if an integer label is < 0 or >= c."""
    unsigned = _UNSIGNED.get(t.dtype)
    if unsigned is not None:  # one reduction checks both ends: as unsigned, negatives are huge
        return np.maximum.reduce(t.view(unsigned)) >= c
    if t.dtype.kind == "i":
        return np.minimum.reduce(t) < 0 or np.maximum.reduce(t) >= c
    return np.maximum.reduce(t) >= c


def check_class_target(logits_shape, t, reduction="mean"):
    """Raise ValueError for targets that do not fit logits of shape (batch, classes)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if len(logits_shape) != 2:
        raise ValueError(f"cross_entropy expects logits of shape (batch, classes), got {logits_shape}")
    n, c = logits_shape
    if t.ndim == 1:
        if t.shape[0] != n:
            raise ValueError(f"cross_entropy: batch size mismatch: logits {logits_shape}, targets {t.shape}")
        if t.dtype.kind not in "iu":
            raise ValueError(
                f"cross_entropy: class-index targets must be integers, got dtype {t.dtype} "
                f"(pass one-hot/probability targets of shape {logits_shape} for soft labels)"
            )
        if n and _labels_out_of_range(t, c):
            bad = t[(t < 0) | (t >= c)]
            raise ValueError(
                f"cross_entropy: labels must be in [0, {c - 1}] for {c} classes, got {bad[:5].tolist()}"
            )
    elif t.ndim == 2:
        if t.shape != tuple(logits_shape):
            raise ValueError(f"cross_entropy: target shape {t.shape} does not match logits shape {logits_shape}")
        if t.dtype.kind not in "fiub":
            raise ValueError(f"cross_entropy: probability targets must be numeric, got dtype {t.dtype}")
    else:
        raise ValueError(
            f"cross_entropy: targets must be class indices (batch,) or probabilities (batch, classes), "
            f"got shape {t.shape} for logits {logits_shape}"
        )


def _float_target(pred, target, name):
    """Targets for an elementwise loss: pred's dtype and shape ((n,) targets fit (n, 1) outputs)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name}: targets must be numeric, got dtype {t.dtype}")
    if t.shape != pred.shape:
        if t.size == pred.data.size and t.shape[:1] == pred.shape[:1]:
            t = t.reshape(pred.shape)
        else:
            raise ValueError(f"{name}: predictions of shape {pred.shape} and targets of shape {t.shape} differ")
    return t.astype(pred.dtype, copy=False) if pred.dtype.kind == "f" else t


def _check_reduction(reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def binary_cross_entropy(probs, target, reduction="mean"):
    """BCE on probabilities in [0, 1] (e.g. a sigmoid output); logs are clamped, never log(0)."""
    probs = as_tensor(probs)
    _check_reduction(reduction)
    t = _float_target(probs, target, "binary_cross_entropy")
    if probs.data.size and (probs.data.min() < 0 or probs.data.max() > 1):
        raise ValueError("binary_cross_entropy: inputs must be probabilities in [0, 1]; "
                         "use binary_cross_entropy_with_logits for raw scores")
    return ops.BinaryCrossEntropy.apply(probs, target=t, reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """BCE on logits (sigmoid folded in): stable for logits up to +-1e4 and beyond."""
    logits = as_tensor(logits)
    _check_reduction(reduction)
    t = _float_target(logits, target, "binary_cross_entropy_with_logits")
    return ops.BinaryCrossEntropyWithLogits.apply(logits, target=t, reduction=reduction)


def mse_loss(pred, target, reduction="mean"):
    """Mean squared error: mean((pred - target) ** 2) (or 'sum' / 'none')."""
    pred = as_tensor(pred)
    _check_reduction(reduction)
    sq = (pred - _float_target(pred, target, "mse_loss")) ** 2
    return sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq


def half_mse_loss(pred, target):
    """The classic cost 1/(2m) * sum((y - y_hat) ** 2), m the batch size (first axis)."""
    pred = as_tensor(pred)
    diff = pred - _float_target(pred, target, "half_mse_loss")
    return (diff * diff).sum() * (0.5 / max(pred.shape[0] if pred.ndim else 1, 1))


def nll_loss(log_probs, target, reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities (batch, classes)."""
    log_probs = as_tensor(log_probs)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    check_class_target(log_probs.shape, t, reduction)
    if t.ndim != 1:
        raise ValueError(f"nll_loss expects class indices of shape (batch,), got {t.shape}")
    picked = -log_probs[np.arange(t.shape[0]), t]
    return picked.mean() if reduction == "mean" else picked.sum() if reduction == "sum" else picked
