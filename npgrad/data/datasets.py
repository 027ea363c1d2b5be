"""Small synthetic data sets for the classic experiments: logic gates, toy 2-D classification
problems and regression.

Conventions (every function):

- features ``X`` are floating, ``float32`` unless ``dtype=`` says otherwise, shape ``(n, d)``;
- class labels ``y`` are ``int64`` of shape ``(n,)``; with ``one_hot=True`` they are
  ``(n, classes)`` in ``X``'s dtype instead (see :func:`one_hot`);
- gate targets and regression targets are ``(n, 1)`` in ``X``'s dtype, so they fit a single
  sigmoid / linear output unit;
- randomness comes only from ``seed``: an ``int``, a ``numpy.random.Generator`` (used and
  advanced in place) or ``None`` (fresh OS entropy). The global NumPy random state is never used.
"""
import numbers

import numpy as np

__all__ = [
    "one_hot",
    "or_gate",
    "and_gate",
    "xor_gate",
    "feature_cross",
    "quadrants",
    "fahrenheit_celsius",
    "above_line",
    "two_moons",
    "spirals",
    "random_regression",
]


# ---------------------------------------------------------------- argument checks

def _check_int(value, name, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def _check_real(value, name, nonnegative=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or (nonnegative and value < 0):
        kind = "a finite number >= 0" if nonnegative else "a finite number"
        raise ValueError(f"{name} must be {kind}, got {value}")
    return value


def _check_range(low, high):
    low, high = _check_real(low, "low"), _check_real(high, "high")
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    return low, high


def _check_dtype(dtype):
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        raise ValueError(f"dtype must be a floating dtype, got {dtype!r}") from e
    if d.kind != "f":
        raise ValueError(f"dtype must be a floating dtype (e.g. np.float32), got {d}")
    return d


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise ValueError(
            f"seed must be an int >= 0, a numpy.random.Generator or None, got {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.default_rng(int(seed))


def _labels(y, classes, onehot, dtype):
    y = y.astype(np.int64)
    return one_hot(y, classes, dtype=dtype) if onehot else y


# ---------------------------------------------------------------- helpers

def one_hot(labels, num_classes=None, dtype=np.float32):
    """One-hot encode integer labels.

    labels: integers of shape ``(n,)``, each in ``[0, num_classes)``.
    num_classes: number of columns; ``None`` means ``labels.max() + 1``.
    Returns ``(n, num_classes)`` of ``dtype`` with a single 1 per row.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D of shape (n,), got shape {labels.shape}")
    if labels.size and labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.all(labels == np.round(labels)):
            raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("num_classes is required when labels is empty")
        num_classes = int(labels.max()) + 1
    num_classes = _check_int(num_classes, "num_classes")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got values in "
            f"[{labels.min()}, {labels.max()}]"
        )
    out = np.zeros((labels.shape[0], num_classes), dtype=_check_dtype(dtype))
    out[np.arange(labels.shape[0]), labels] = 1
    return out


# ---------------------------------------------------------------- logic gates

_GATE_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


def _gate(outputs, dtype):
    d = _check_dtype(dtype)
    X = np.array(_GATE_INPUTS, dtype=d)
    y = np.array(outputs, dtype=d).reshape(4, 1)
    return X, y


def or_gate(dtype=np.float32):
    """Truth table of OR. Returns ``X (4, 2)``, ``y (4, 1)``, both ``dtype``; rows in the order
    00, 01, 10, 11. ``y`` is a float column so it fits one sigmoid output."""
    return _gate([0, 1, 1, 1], dtype)


def and_gate(dtype=np.float32):
    """Truth table of AND. Returns ``X (4, 2)``, ``y (4, 1)``, both ``dtype``; rows 00, 01,
    10, 11."""
    return _gate([0, 0, 0, 1], dtype)


def xor_gate(dtype=np.float32):
    """Truth table of XOR (not linearly separable). Returns ``X (4, 2)``, ``y (4, 1)``, both
    ``dtype``; rows 00, 01, 10, 11."""
    return _gate([0, 1, 1, 0], dtype)


# ---------------------------------------------------------------- features

def feature_cross(X, pairs=((0, 1),)):
    """Append products of feature columns: for each ``(i, j)`` in ``pairs`` a column
    ``X[:, i] * X[:, j]``.

    X: ``(n, d)``. Returns ``(n, d + len(pairs))`` in ``X``'s dtype (floating input kept;
    integer input becomes float32). With the default, ``[x1, x2]`` becomes ``[x1, x2, x1*x2]``,
    which makes XOR and the quadrants problem linearly separable.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D of shape (n, d), got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}")
    if X.dtype.kind != "f":
        X = X.astype(np.float32)
    try:
        pairs = [tuple(p) for p in pairs]
    except TypeError as e:
        raise ValueError(f"pairs must be a sequence of (i, j) index pairs, got {pairs!r}") from e
    d = X.shape[1]
    cols = []
    for p in pairs:
        if len(p) != 2:
            raise ValueError(f"each pair must be (i, j), got {p!r}")
        for k in p:
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
                raise ValueError(f"pair indices must be ints, got {p!r}")
            if not -d <= k < d:
                raise ValueError(f"pair {p!r} indexes outside X's {d} feature columns")
        cols.append(X[:, p[0]] * X[:, p[1]])
    if not cols:
        return X.copy()
    return np.concatenate([X, np.stack(cols, axis=1)], axis=1)


# ---------------------------------------------------------------- 2-D classification

def quadrants(n, low=-2.0, high=2.0, seed=0, one_hot=False, dtype=np.float32):
    """Points uniform in the square ``[low, high)^2``, label 1 where ``x1 * x2 > 0``
    (first and third quadrants), else 0.

    Returns ``X (n, 2)`` of ``dtype`` and ``y``: ``(n,)`` int64, or ``(n, 2)`` one-hot of
    ``dtype`` when ``one_hot=True``.
    """
    n = _check_int(n, "n")
    low, high = _check_range(low, high)
    d = _check_dtype(dtype)
    X = _rng(seed).uniform(low, high, size=(n, 2)).astype(d)
    y = (X[:, 0].astype(np.float64) * X[:, 1] > 0)
    return X, _labels(y, 2, one_hot, d)


def above_line(n, low=-1.0, high=1.0, seed=0, one_hot=False, dtype=np.float32):
    """Points uniform in ``[low, high)^2``, label 1 where the point lies above the line
    ``y = x`` (``X[:, 1] > X[:, 0]``), else 0. Linearly separable: one neuron suffices.

    Returns ``X (n, 2)`` of ``dtype`` and ``y``: ``(n,)`` int64, or ``(n, 2)`` one-hot of
    ``dtype`` when ``one_hot=True``. For a single sigmoid output use
    ``y[:, None].astype(np.float32)``.
    """
    n = _check_int(n, "n")
    low, high = _check_range(low, high)
    d = _check_dtype(dtype)
    X = _rng(seed).uniform(low, high, size=(n, 2)).astype(d)
    return X, _labels(X[:, 1] > X[:, 0], 2, one_hot, d)


def two_moons(n, noise=0.1, seed=0, one_hot=False, dtype=np.float32):
    """Two interleaving half circles (as scikit-learn's ``make_moons``), shuffled.

    Class 0 is the upper moon (``ceil(n / 2)`` points), class 1 the lower one (``n // 2``).
    noise: standard deviation of Gaussian noise added to every coordinate.
    Returns ``X (n, 2)`` of ``dtype`` and ``y``: ``(n,)`` int64, or ``(n, 2)`` one-hot.
    """
    n = _check_int(n, "n")
    noise = _check_real(noise, "noise", nonnegative=True)
    d = _check_dtype(dtype)
    rng = _rng(seed)
    n_in = n // 2
    n_out = n - n_in
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1),
    ])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    if noise:
        X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(n)
    return X[order].astype(d), _labels(y[order], 2, one_hot, d)


def spirals(n, classes=3, noise=0.2, seed=0, one_hot=False, dtype=np.float32):
    """Interleaved spiral arms, one per class (the CS231n spiral data set), shuffled.

    n: total number of points, split as evenly as possible over the classes (n >= classes).
    noise: standard deviation of Gaussian noise on each point's angle.
    Points lie in the unit disc (radius in (0, 1]). Returns ``X (n, 2)`` of ``dtype`` and
    ``y``: ``(n,)`` int64 in ``[0, classes)``, or ``(n, classes)`` one-hot.
    """
    n = _check_int(n, "n")
    classes = _check_int(classes, "classes")
    if n < classes:
        raise ValueError(f"n must be >= classes so every class has a point, got n={n}, "
                         f"classes={classes}")
    noise = _check_real(noise, "noise", nonnegative=True)
    d = _check_dtype(dtype)
    rng = _rng(seed)
    counts = np.full(classes, n // classes)
    counts[: n % classes] += 1
    xs, ys = [], []
    for k, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m + 1)[1:]  # skip the origin, shared by every arm
        t = np.linspace(4.0 * k, 4.0 * (k + 1), m) + rng.normal(0.0, noise, size=m)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(m, k, dtype=np.int64))
    X, y = np.concatenate(xs), np.concatenate(ys)
    order = rng.permutation(n)
    return X[order].astype(d), _labels(y[order], classes, one_hot, d)


# ---------------------------------------------------------------- regression

def fahrenheit_celsius(n, low=-1.0, high=1.0, noise=0.0, seed=0, inverse=False,
                       dtype=np.float32):
    """Temperatures for fitting one linear unit: ``C = (F - 32) * 5 / 9``.

    Fahrenheit values are uniform in ``[low, high)`` (the classic experiment uses [-1, 1], so
    a model ``w * x + b`` must find w = 5/9 and b = -160/9). Returns ``X (n, 1)`` Fahrenheit and
    ``y (n, 1)`` Celsius (plus Gaussian noise of std ``noise``), both ``dtype``. With
    ``inverse=True`` the roles swap: ``X`` is Celsius and ``y`` Fahrenheit.
    """
    n = _check_int(n, "n")
    low, high = _check_range(low, high)
    noise = _check_real(noise, "noise", nonnegative=True)
    d = _check_dtype(dtype)
    rng = _rng(seed)
    f = rng.uniform(low, high, size=(n, 1))
    c = (f - 32.0) * 5.0 / 9.0
    X, y = (c, f) if inverse else (f, c)
    if noise:
        y = y + rng.normal(0.0, noise, size=y.shape)
    return X.astype(d), y.astype(d)


def random_regression(n, n_features=1, noise=0.1, seed=0, return_coef=False,
                      dtype=np.float32):
    """A random linear problem ``y = X @ w + b + noise * N(0, 1)``.

    ``X`` entries, ``w`` and ``b`` are standard normal. Returns ``X (n, n_features)`` and
    ``y (n, 1)`` of ``dtype``; with ``return_coef=True`` also the true ``w (n_features, 1)``
    and ``b`` (a float): ``X, y, w, b``.
    """
    n = _check_int(n, "n")
    n_features = _check_int(n_features, "n_features")
    noise = _check_real(noise, "noise", nonnegative=True)
    d = _check_dtype(dtype)
    rng = _rng(seed)
    w = rng.normal(size=(n_features, 1))
    b = float(rng.normal())
    X = rng.normal(size=(n, n_features))
    y = X @ w + b
    if noise:
        y = y + rng.normal(0.0, noise, size=y.shape)
    X, y = X.astype(d), y.astype(d)
    if return_coef:
        return X, y, w.astype(d), b
    return X, y
