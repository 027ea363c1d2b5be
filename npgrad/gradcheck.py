"""Gradient checking: autograd against central differences, in float64.

``numerical_gradient(f, x)`` is the textbook method, for teaching; ``gradcheck(fn, *tensors)``
checks every input's autograd gradient element by element, or along random directions
(``mode="random"``: one directional derivative against one vector-Jacobian product each), which
costs two forward passes per direction instead of two per element.
"""
import numpy as np

from .autograd.creation import rng_from
from .autograd.grad_mode import no_grad
from .autograd.tensor import Tensor


class GradcheckError(AssertionError):
    """Autograd and central differences disagree."""


def numerical_gradient(f, x, eps=1e-6):
    """d f / d x by central differences over every element of ``x``.

    ``f`` maps an ndarray shaped like ``x`` to a scalar (a number or a one-element Tensor).
    Returns a float64 ndarray shaped like ``x``.
    """
    x = np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64, order="C")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        up = _scalar(f(x))
        flat[i] = orig - eps
        down = _scalar(f(x))
        flat[i] = orig
        gflat[i] = (up - down) / (2 * eps)
    return grad


def _scalar(v):
    v = v.data if isinstance(v, Tensor) else np.asarray(v)
    if v.size != 1:
        raise ValueError(f"the function must return a scalar, got shape {v.shape}")
    return float(v.reshape(()))


def gradcheck(fn, *tensors, eps=1e-6, atol=1e-5, rtol=1e-3, mode="full", n_directions=10, seed=0,
              names=None):
    """Check autograd's gradients of ``fn(*tensors)`` against central differences, in float64.

    ``tensors``: the inputs (Tensors or arrays); those with ``requires_grad`` (all floating ones
    when none is marked) are checked. A non-scalar output is reduced with fixed random weights.
    ``mode``: ``"full"`` (every element) or ``"random"`` (``n_directions`` random directions).
    Returns True, or raises GradcheckError naming the input, the worst element, both values and
    the relative error.
    """
    if mode not in ("full", "random"):
        raise ValueError(f"mode must be 'full' or 'random', got {mode!r}")
    raw = [np.asarray(t.data if isinstance(t, Tensor) else t) for t in tensors]
    marked = [isinstance(t, Tensor) and t.requires_grad for t in tensors]
    check = marked if any(marked) else [a.dtype.kind == "f" for a in raw]
    # checked inputs become float64 copies; others (integer labels, say) pass through unchanged
    inputs = [np.array(a, dtype=np.float64, order="C") if c else a for a, c in zip(raw, check)]
    names = list(names) if names is not None else [f"input {i}" for i in range(len(inputs))]
    rng = rng_from(seed)

    def as_tensors(arrays, grad):
        return [Tensor(a, requires_grad=grad and c) for a, c in zip(arrays, check)]

    # autograd: d <w, fn(x)> / dx with fixed random weights w
    ts = as_tensors(inputs, True)
    out = fn(*ts)
    if not isinstance(out, Tensor):
        raise TypeError(f"fn must return a Tensor, got {type(out).__name__}")
    weights = rng.standard_normal(out.shape) if out.data.size != 1 else np.ones(out.shape)
    (out * weights).sum().backward()
    analytic = [t.grad if t.grad is not None else np.zeros_like(t.data) for t in ts]

    def objective(arrays):
        with no_grad():
            return float((fn(*[Tensor(a) for a in arrays]).data * weights).sum())

    if mode == "full":
        for i, (a, c) in enumerate(zip(inputs, check)):
            if not c:
                continue
            numeric = _numeric_along_elements(objective, inputs, i, eps)
            _compare(names[i], analytic[i], numeric, atol, rtol)
        return True

    for k in range(n_directions):
        dirs = [rng.standard_normal(a.shape) if c else None for a, c in zip(inputs, check)]
        up = objective([a if d is None else a + eps * d for a, d in zip(inputs, dirs)])
        down = objective([a if d is None else a - eps * d for a, d in zip(inputs, dirs)])
        numeric = (up - down) / (2 * eps)
        vjp = sum(float((g * d).sum()) for g, d in zip(analytic, dirs) if d is not None)
        err = abs(vjp - numeric)
        if err > atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck (random direction {k}): autograd gives {vjp:.8g}, central differences "
                f"{numeric:.8g} (abs error {err:.3g}, relative {err / max(abs(numeric), 1e-12):.3g})"
            )
    return True


def _numeric_along_elements(objective, inputs, i, eps):
    x = inputs[i]
    flat = x.reshape(-1)
    numeric = np.zeros(x.size)
    for j in range(x.size):
        orig = flat[j]
        flat[j] = orig + eps
        up = objective(inputs)
        flat[j] = orig - eps
        down = objective(inputs)
        flat[j] = orig
        numeric[j] = (up - down) / (2 * eps)
    return numeric.reshape(x.shape)


def _compare(name, analytic, numeric, atol, rtol):
    err = np.abs(analytic - numeric)
    bound = atol + rtol * np.abs(numeric)
    if analytic.shape != numeric.shape:
        raise GradcheckError(f"gradcheck: {name}: gradient shape {analytic.shape} != input shape {numeric.shape}")
    if np.all(err <= bound):
        return
    worst = np.unravel_index(np.argmax(err - bound), err.shape)
    a, n = analytic[worst], numeric[worst]
    rel = abs(a - n) / max(abs(n), 1e-12)
    raise GradcheckError(
        f"gradcheck: {name} element {tuple(int(w) for w in worst)}: autograd {a:.8g}, central "
        f"differences {n:.8g} (relative error {rel:.3g}; atol={atol}, rtol={rtol})"
    )
