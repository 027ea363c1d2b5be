"""Metrics: ``metric(output, target) -> float``, the mean over a batch, on ndarrays.

``fit`` computes training metrics from each batch's outputs (no extra forward pass) and averages
them weighted by batch length, which is exact for per-sample means such as accuracy.

``accuracy`` handles the three usual target kinds:

* class scores (n, C), C > 1, with integer labels (n,) or one-hot / probability rows (n, C):
  ``argmax`` on both;
* one output per sample, (n,) or (n, 1), with 0/1 targets: ``output > threshold``. The threshold
  is 0.5 for probabilities (after a sigmoid) and 0.0 for logits; ``get_metric("accuracy",
  loss_fn)`` picks 0.0 when the loss is ``BCEWithLogitsLoss`` (or has ``from_logits=True``).
"""
import numpy as np

__all__ = ["accuracy", "Accuracy", "mean_absolute_error", "mean_squared_error", "get_metric",
           "resolve_metrics"]


def _check_batch(output, target, name):
    if output.shape[:1] != target.shape[:1]:
        raise ValueError(
            f"{name}: output and target have different batch sizes: output {output.shape}, "
            f"target {target.shape}"
        )


def accuracy(output, target, threshold=0.5):
    """Fraction of correct predictions. output: (n, C) scores or (n,)/(n, 1) single outputs;
    target: (n,) labels, (n, C) one-hot/probabilities, or (n,)/(n, 1) 0/1 values."""
    output = np.asarray(getattr(output, "data", output))
    target = np.asarray(getattr(target, "data", target))
    _check_batch(output, target, "accuracy")
    n = output.shape[0] if output.ndim else 1
    if n == 0:
        return 0.0
    if output.ndim == 2 and output.shape[1] > 1:
        pred = output.argmax(axis=1)
        if target.ndim == 2 and target.shape[1] == output.shape[1]:
            target = target.argmax(axis=1)
        elif target.ndim == 2 and target.shape[1] == 1:
            target = target[:, 0]
        elif target.ndim != 1:
            raise ValueError(
                f"accuracy: for class scores {output.shape} the target must be labels (n,) or "
                f"one-hot rows (n, {output.shape[1]}), got {target.shape}"
            )
        return float(np.count_nonzero(pred == target)) / n
    if output.ndim > 2 or output.size != n or target.size != n:
        raise ValueError(
            f"accuracy: cannot compare output {output.shape} with target {target.shape}; expected "
            f"class scores (n, C) or one output per sample (n,)/(n, 1) with matching targets"
        )
    t = target.reshape(n)
    if t.dtype.kind == "f" and np.any((t != 0) & (t != 1)):
        raise ValueError(
            "accuracy: a single output per sample needs 0/1 targets; for regression pass "
            "metrics=() or a regression metric such as 'mae'"
        )
    return float(np.count_nonzero((output.reshape(n) > threshold) == (t > 0.5))) / n


class Accuracy:
    """``accuracy`` with a fixed ``threshold`` for single outputs (0.5 probabilities, 0.0 logits)."""

    def __init__(self, threshold=0.5, name="accuracy"):
        self.threshold = threshold
        self.__name__ = name

    def __call__(self, output, target):
        return accuracy(output, target, self.threshold)

    def __repr__(self):
        return f"Accuracy(threshold={self.threshold})"


def _aligned(output, target, name):
    """Both as arrays, target reshaped to output's shape when their sizes agree."""
    output = np.asarray(getattr(output, "data", output))
    target = np.asarray(getattr(target, "data", target))
    _check_batch(output, target, name)
    if target.size == output.size:
        target = target.reshape(output.shape)
    return output, target


def mean_absolute_error(output, target):
    """mean(|output - target|), target reshaped to output's shape when sizes agree."""
    output, target = _aligned(output, target, "mae")
    return float(np.mean(np.abs(output - target)))


def mean_squared_error(output, target):
    """mean((output - target) ** 2), target reshaped to output's shape when sizes agree."""
    output, target = _aligned(output, target, "mse")
    return float(np.mean((output - target) ** 2))


mean_absolute_error.__name__ = "mae"
mean_squared_error.__name__ = "mse"

_NAMES = {"accuracy": "accuracy", "acc": "accuracy", "mae": "mae",
          "mean_absolute_error": "mae", "mse": "mse", "mean_squared_error": "mse"}


def _from_logits(loss_fn):
    if loss_fn is None:
        return False
    if getattr(loss_fn, "from_logits", False):
        return True
    return type(loss_fn).__name__ == "BCEWithLogitsLoss"


def get_metric(metric, loss_fn=None):
    """``(name, fn)`` for a metric name ("accuracy"/"acc", "mae", "mse") or a callable
    ``fn(output, target) -> float`` (named by its ``__name__``). For "accuracy" the
    single-output threshold follows ``loss_fn`` (0.0 for logits, else 0.5)."""
    if isinstance(metric, str):
        key = _NAMES.get(metric.lower())
        if key is None:
            raise ValueError(f"unknown metric {metric!r}; use one of {sorted(_NAMES)} or a callable "
                             "fn(output, target) -> float")
        if key == "accuracy":
            return "accuracy", Accuracy(0.0 if _from_logits(loss_fn) else 0.5)
        return key, mean_absolute_error if key == "mae" else mean_squared_error
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise TypeError(f"a metric must be a name or a callable, got {metric!r}")


def resolve_metrics(metrics, loss_fn=None):
    """A list of ``(name, fn)`` from names, callables, or a dict ``{name: fn}``."""
    if metrics is None:
        return []
    if isinstance(metrics, (str,)) or callable(metrics):
        metrics = [metrics]
    if isinstance(metrics, dict):
        out = [(str(k), get_metric(v, loss_fn)[1]) for k, v in metrics.items()]
    else:
        out = [get_metric(m, loss_fn) for m in metrics]
    names = [n for n, _ in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup or {"loss", "lr", "epoch"} & set(names):
        raise ValueError(f"metric names must be unique and not 'loss'/'lr'/'epoch', got {names}")
    return out
