"""``fit``, ``evaluate``, ``predict``: the training loop, Keras ergonomics on PyTorch objects.

Per batch ``fit`` does only: forward, loss, ``optimizer.zero_grad()``, ``loss.backward()``,
``optimizer.step()``, and accumulates ``loss * batch_len`` (so ragged last batches average
exactly) and the training metrics from the batch's outputs (no second forward pass).
"""
import math

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..data.loader import DataLoader
from .callbacks import HOOKS, Callback, Trainer, defines
from .history import History
from .metrics import resolve_metrics
from .progress import make_progress

__all__ = ["fit", "evaluate", "predict", "TrainingDivergedError", "DEFAULT_METRICS"]

DEFAULT_METRICS = ("accuracy",)


class TrainingDivergedError(FloatingPointError, RuntimeError):
    """The training loss became NaN or infinite. ``epoch`` and ``batch`` are 0-based indices
    (the message counts from 1, like the progress bar); ``loss`` is the offending value. The batch
    that produced it did not update the weights."""

    def __init__(self, loss, epoch, batch, epochs, steps, lr=None):
        self.loss, self.epoch, self.batch = loss, epoch, batch
        lr_txt = f" (lr is {lr:g})" if isinstance(lr, (int, float)) else ""
        super().__init__(
            f"training diverged: the loss became {loss} at epoch {epoch + 1}/{epochs}, batch "
            f"{batch + 1}/{steps}. Lower the learning rate{lr_txt}; if it happens on the first "
            "batch, check the inputs for NaN/inf and their scale. This batch did not update the "
            "weights, and checkpoints written before it are intact."
        )


def _array(a, name, who):
    a = np.asarray(getattr(a, "data", a))
    if a.ndim == 0:
        raise ValueError(f"{who}: {name} must have a batch axis, got shape {a.shape}")
    return a


def _check_xy(X, y, who, names=("X", "y")):
    X, y = _array(X, names[0], who), _array(y, names[1], who)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{who}: {names[0]} and {names[1]} must have the same number of samples, got "
            f"{names[0]} of shape {X.shape} and {names[1]} of shape {y.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{who}: {names[0]} has no samples (shape {X.shape})")
    return X, y


def _check_int(value, name, low=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _class_like(y):
    """True for targets that look like class labels: integers/booleans, or floats all 0 or 1."""
    if y.dtype.kind in "biu":
        return True
    return y.dtype.kind == "f" and bool(np.all((y == 0) | (y == 1)))


def _metrics(metrics, loss_fn, y):
    """The default ("accuracy",) is dropped for targets that are not class labels (regression)."""
    if metrics is DEFAULT_METRICS and not _class_like(y):
        metrics = ()
    return resolve_metrics(metrics, loss_fn)


def _scalar(loss):
    try:
        return float(loss.data)
    except (TypeError, ValueError, AttributeError):
        shape = np.shape(getattr(loss, "data", loss))
        raise ValueError(
            f"loss_fn must return a scalar Tensor (the batch mean), got {type(loss).__name__} of "
            f"shape {shape}; use reduction='mean'"
        ) from None


def _lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    if groups:
        lr = groups[0].get("lr")
        return float(lr) if isinstance(lr, (int, float, np.number)) else None
    return None


def _step_scheduler(scheduler, logs):
    """``scheduler.step()``, or ``step(metric)`` for plateau schedulers (``needs_metric`` true or
    named ReduceLROnPlateau; the metric is its ``monitor``, else val_loss, else loss)."""
    if getattr(scheduler, "needs_metric", False) or type(scheduler).__name__ == "ReduceLROnPlateau":
        key = getattr(scheduler, "monitor", None) or ("val_loss" if "val_loss" in logs else "loss")
        scheduler.step(logs[key])
    else:
        scheduler.step()


def _run_eval(model, loss_fn, X, y, metric_fns, batch_size):
    """Average loss and metrics over (X, y) in eval mode without a graph."""
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=False, seed=0)
    was_training = getattr(model, "training", True)
    model.eval()
    loss_sum, seen = 0.0, 0
    sums = [0.0] * len(metric_fns)
    try:
        with no_grad():
            for xb, yb in loader:
                out = model(Tensor(xb))
                m = len(xb)
                if loss_fn is not None:
                    loss_sum += _scalar(loss_fn(out, yb)) * m
                od = out.data
                for i, (_, fn) in enumerate(metric_fns):
                    sums[i] += fn(od, yb) * m
                seen += m
    finally:
        model.train(was_training)
    logs = {"loss": loss_sum / seen} if loss_fn is not None else {}
    for (name, _), s in zip(metric_fns, sums):
        logs[name] = s / seen
    return logs


def evaluate(model, loss_fn, X, y, metrics=DEFAULT_METRICS, batch_size=None):
    """Loss and metrics of ``model`` on (X, y): ``{"loss": ..., "accuracy": ...}``.

    Runs in eval mode under ``no_grad`` (the model's mode is restored). ``batch_size=None`` = one
    batch; ``loss_fn=None`` reports metrics only. X: (n, ...), y: (n, ...).
    """
    X, y = _check_xy(X, y, "evaluate")
    return _run_eval(model, loss_fn, X, y, _metrics(metrics, loss_fn, y), batch_size)


def predict(model, X, batch_size=None):
    """The model's outputs on X (n, ...) as one ndarray (n, ...), in eval mode under no_grad."""
    X = _array(X, "X", "predict")
    was_training = getattr(model, "training", True)
    model.eval()
    outs = []
    try:
        with no_grad():
            for xb in DataLoader(X, None, batch_size=batch_size, shuffle=False, seed=0):
                out = model(Tensor(xb))
                outs.append(np.asarray(getattr(out, "data", out)))
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError(f"predict: X has no samples (shape {X.shape})")
    return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=0)


def fit(model, loss_fn, optimizer, X, y, epochs, batch_size=32, validation_data=None,
        metrics=DEFAULT_METRICS, callbacks=(), scheduler=None, seed=None, progress=True,
        initial_epoch=0, shuffle=True, drop_last=False, history=None, validation_batch_size=None):
    """Train ``model`` on (X, y) and return a :class:`History`.

    X: (n, ...) inputs, y: (n, ...) targets (ndarrays or Tensors). ``loss_fn(output, yb)`` returns
    the batch-mean loss as a scalar Tensor (e.g. ``nn.CrossEntropyLoss()``).
    epochs: the index of the last epoch, Keras style: trains epochs ``initial_epoch..epochs-1``.
    batch_size: rows per step; ``None`` = full-batch gradient descent.
    validation_data: ``(X_val, y_val)``, evaluated after each epoch (``val_`` logs), in batches of
        ``validation_batch_size`` (default: ``batch_size``).
    metrics: names ("accuracy", "mae", "mse"), callables ``fn(output, target) -> float`` or a dict
        ``{name: fn}``; computed on the training batches' outputs and on the validation data.
        The default, accuracy, is left out when y does not look like class labels (integers or
        0/1 values), so regression needs no ``metrics=()``.
    callbacks: :mod:`npgrad.train.callbacks` objects; ``scheduler``: stepped once per epoch (the
        epoch's learning rate is logged as ``lr``).
    seed: the data-order seed (each epoch's shuffle is a function of (seed, epoch), so a resumed
        run replays the same batches); ``None`` draws one, kept in ``history.params["seed"]``.
    progress: True (a tqdm bar on a terminal, else one summary line per epoch), "bar",
        "summary", or False. history: a History to extend (e.g. ``load_checkpoint(...).history``).

    Raises :class:`TrainingDivergedError` (a FloatingPointError and RuntimeError) when the loss
    becomes NaN/inf, and ValueError for inputs that do not fit.
    """
    epochs = _check_int(epochs, "fit: epochs")
    initial_epoch = _check_int(initial_epoch, "fit: initial_epoch")
    if initial_epoch > epochs:
        raise ValueError(
            f"fit: initial_epoch ({initial_epoch}) is past epochs ({epochs}); epochs is the index "
            f"of the last epoch, as in Keras, so fit(epochs={epochs}, initial_epoch=k) trains "
            f"epochs k..{epochs - 1}"
        )
    X, y = _check_xy(X, y, "fit")
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
    steps = len(loader)
    if steps == 0:
        raise ValueError(
            f"fit: no batches: {X.shape[0]} samples, batch_size={batch_size}, drop_last=True")
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        X_val, y_val = _check_xy(*validation_data, "fit", names=("X_val", "y_val"))
        val_bs = validation_batch_size if validation_batch_size is not None else batch_size
    metric_fns = _metrics(metrics, loss_fn, y)
    if isinstance(callbacks, (list, tuple)):
        callbacks = list(callbacks)
    elif callbacks is None:
        callbacks = []
    else:
        callbacks = [callbacks]

    if history is None:
        history = History()
    history.params.update(epochs=epochs, initial_epoch=initial_epoch, steps=steps,
                          batch_size=batch_size, samples=int(X.shape[0]), seed=loader.seed,
                          metrics=[n for n, _ in metric_fns])
    trainer = Trainer(model, loss_fn, optimizer, scheduler, history, history.params, loader.seed)
    hooks = {h: [] for h in HOOKS}
    for cb in callbacks:
        if isinstance(cb, Callback):
            cb.set_trainer(trainer)
        for h in HOOKS:  # only hooks a callback defines are called (duck-typed objects work too)
            if defines(cb, h) if isinstance(cb, Callback) else callable(getattr(cb, h, None)):
                hooks[h].append(getattr(cb, h))
    batch_hooks = hooks["on_batch_end"]

    reporter = make_progress(progress, epochs, steps)
    refresh = reporter.refresh_every
    was_training = getattr(model, "training", True)
    nm = len(metric_fns)
    mnames = [name for name, _ in metric_fns]
    mfns = [fn for _, fn in metric_fns]
    isfinite = math.isfinite
    zero_grad, step = optimizer.zero_grad, optimizer.step
    logs = {}
    for fn in hooks["on_train_begin"]:
        fn({})
    try:
        for epoch in range(initial_epoch, epochs):
            if trainer.stop_training:
                break
            trainer.epoch = epoch
            loader.set_epoch(epoch)
            lr = _lr(optimizer) if scheduler is not None else None
            model.train()
            for fn in hooks["on_epoch_begin"]:
                fn(epoch, {})
            reporter.epoch_begin(epoch)
            loss_sum, seen = 0.0, 0
            sums = [0.0] * nm
            for b, (xb, yb) in enumerate(loader):
                out = model(Tensor(xb))
                loss = loss_fn(out, yb)
                try:
                    lv = float(loss.data)
                except (TypeError, ValueError, AttributeError):
                    lv = _scalar(loss)
                if not isfinite(lv):
                    raise TrainingDivergedError(lv, epoch, b, epochs, steps, _lr(optimizer))
                zero_grad()
                loss.backward()
                step()
                m = len(xb)
                loss_sum += lv * m
                seen += m
                if nm:
                    od = out.data
                    for i in range(nm):
                        sums[i] += mfns[i](od, yb) * m
                if batch_hooks:
                    blogs = {"batch": b, "size": m, "loss": lv}
                    for fn in batch_hooks:
                        fn(b, blogs)
                    if trainer.stop_training:
                        break
                if refresh and (b + 1) % refresh == 0:
                    running = {"loss": loss_sum / seen}
                    for i in range(nm):
                        running[mnames[i]] = sums[i] / seen
                    reporter.batch(b + 1, running)

            logs = {"loss": loss_sum / seen}
            for i in range(nm):
                logs[mnames[i]] = sums[i] / seen
            if validation_data is not None:
                for k, v in _run_eval(model, loss_fn, X_val, y_val, metric_fns, val_bs).items():
                    logs["val_" + k] = v
            if scheduler is not None:
                if lr is not None:
                    logs["lr"] = lr
                _step_scheduler(scheduler, logs)
            history.append(epoch, logs)
            reporter.epoch_end(epoch, logs)
            for fn in hooks["on_epoch_end"]:
                fn(epoch, logs)
            if trainer.stop_training:
                break
    finally:
        reporter.close()
        model.train(was_training)
    for fn in hooks["on_train_end"]:
        fn(dict(logs))
    return history
