"""Loss functions for training scalar models: value and gradient with respect to the prediction.

Each loss has a per-sample form (floats, or lists for vector outputs) used by ``train_model``
and a batch form (arrays of shape (batch,) or (batch, n_outputs)) used by ``train_batch``; the
batch form returns per-sample losses and per-sample gradients.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = ["Loss", "get_loss", "EPS"]

EPS = 1e-7  # probabilities are clamped to [EPS, 1 - EPS] inside the log losses


def _as_list(x):
    return [float(v) for v in x] if not isinstance(x, Real) else [float(x)]


def _shaped(pred, grads):
    return grads if isinstance(pred, list) else grads[0]


class Loss:
    """A named loss: ``sample(pred, target) -> (loss, dloss/dpred)`` and ``batch(...)``."""

    def __init__(self, name, sample, batch):
        self.name, self.sample, self.batch = name, sample, batch

    def __repr__(self):
        return f"Loss({self.name!r})"


# -- mean squared error: mean over outputs of (p - t)^2 ------------------------------------------
def _mse(pred, target):
    p, t = _as_list(pred), _as_list(target)
    _check_len(p, t)
    n = len(p)
    loss = sum((a - b) * (a - b) for a, b in zip(p, t)) / n
    return loss, _shaped(pred, [2.0 * (a - b) / n for a, b in zip(p, t)])


def _mse_batch(pred, target):
    target = _target_like(pred, target)
    diff = pred - target
    n = 1 if pred.ndim == 1 else pred.shape[1]
    loss = np.mean(diff * diff, axis=1) if pred.ndim == 2 else diff * diff
    return loss, 2.0 * diff / n


# -- binary cross-entropy on probabilities, clamped -----------------------------------------------
def _bce(pred, target):
    p, t = _as_list(pred), _as_list(target)
    _check_len(p, t)
    n = len(p)
    loss, grads = 0.0, []
    for a, b in zip(p, t):
        a = min(max(a, EPS), 1.0 - EPS)
        loss += -(b * math.log(a) + (1.0 - b) * math.log(1.0 - a))
        grads.append((a - b) / (a * (1.0 - a)) / n)
    return loss / n, _shaped(pred, grads)


def _bce_batch(pred, target):
    target = _target_like(pred, target)
    a = np.clip(pred, EPS, 1.0 - EPS)
    loss = -(target * np.log(a) + (1.0 - target) * np.log(1.0 - a))
    n = 1 if pred.ndim == 1 else pred.shape[1]
    if pred.ndim == 2:
        loss = loss.mean(axis=1)
    return loss, (a - target) / (a * (1.0 - a)) / n


# -- categorical cross-entropy on a probability vector (e.g. Softmax) ---------------------------
def _one_hot(target, n):
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not 0 <= target < n:
            raise ValueError(f"class index {target} out of range for {n} outputs")
        return [1.0 if k == target else 0.0 for k in range(n)]
    t = _as_list(target)
    if len(t) != n:
        raise ValueError(f"target has {len(t)} values but the model has {n} outputs")
    return t


def _cce(pred, target):
    p = _as_list(pred)
    t = _one_hot(target, len(p))
    loss, grads = 0.0, []
    for a, b in zip(p, t):
        a = min(max(a, EPS), 1.0)
        loss -= b * math.log(a)
        grads.append(-b / a)
    return loss, _shaped(pred, grads)


def _cce_batch(pred, target):
    pred2 = pred if pred.ndim == 2 else pred[:, None]
    target = np.asarray(target)
    if target.ndim == 1 and pred2.shape[1] > 1 and np.issubdtype(target.dtype, np.number) \
            and np.all(target == np.round(target)):
        target = np.eye(pred2.shape[1])[target.astype(int)]
    target = target.reshape(pred2.shape).astype(np.float64)
    a = np.clip(pred2, EPS, 1.0)
    loss = -np.sum(target * np.log(a), axis=1)
    grad = -target / a
    return loss, grad if pred.ndim == 2 else grad[:, 0]


# -- hinge (max-margin) on a score, targets -1 / +1 ---------------------------------------------
def _hinge(pred, target):
    p, t = _as_list(pred), _as_list(target)
    _check_len(p, t)
    n = len(p)
    loss, grads = 0.0, []
    for a, b in zip(p, t):
        m = 1.0 - b * a
        loss += m if m > 0.0 else 0.0
        grads.append((-b if m > 0.0 else 0.0) / n)
    return loss / n, _shaped(pred, grads)


def _hinge_batch(pred, target):
    target = _target_like(pred, target)
    m = 1.0 - target * pred
    n = 1 if pred.ndim == 1 else pred.shape[1]
    loss = np.where(m > 0.0, m, 0.0)
    if pred.ndim == 2:
        loss = loss.mean(axis=1)
    return loss, np.where(m > 0.0, -target, 0.0) / n


def _check_len(p, t):
    if len(p) != len(t):
        raise ValueError(f"prediction has {len(p)} value(s) but target has {len(t)}")


def _target_like(pred, target):
    target = np.asarray(target, dtype=np.float64)
    if target.shape != pred.shape:
        try:
            target = target.reshape(pred.shape)
        except ValueError:
            raise ValueError(f"targets of shape {target.shape} do not match predictions of shape {pred.shape}") from None
    return target


_LOSSES = {
    "mse": Loss("mse", _mse, _mse_batch),
    "bce": Loss("bce", _bce, _bce_batch),
    "categorical_crossentropy": Loss("categorical_crossentropy", _cce, _cce_batch),
    "hinge": Loss("hinge", _hinge, _hinge_batch),
}


def get_loss(loss) -> Loss:
    """A Loss from a name ("mse", "bce", "categorical_crossentropy", "hinge"), a Loss, or a
    ``(loss_fn, grad_fn)`` pair of functions of ``(prediction, target)``."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        try:
            return _LOSSES[loss]
        except KeyError:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(_LOSSES)} "
                             f"or pass a (loss_fn, grad_fn) pair") from None
    if isinstance(loss, tuple) and len(loss) == 2 and all(callable(f) for f in loss):
        fn, grad = loss

        def pair(pred, target):
            return float(fn(pred, target)), grad(pred, target)

        def pair_batch(pred, target):
            return np.asarray(fn(pred, target), dtype=np.float64), np.asarray(grad(pred, target), dtype=np.float64)

        return Loss(getattr(fn, "__name__", "custom"), pair, pair_batch)
    raise TypeError(f"loss must be a name or a (loss_fn, grad_fn) pair, got {loss!r}")
