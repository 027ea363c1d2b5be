"""Creating tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``randn``, ``rand``."""
import numpy as np

from .dtype import get_default_dtype
from .tensor import Tensor


def tensor(data, requires_grad=False, dtype=None):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, an ndarray or a Tensor).

    Python floats get the default dtype (float32 unless ``set_default_dtype`` changed it); an
    ndarray keeps its dtype; integers stay integers (and cannot require grad).
    """
    if isinstance(data, Tensor):
        data = data.data
    arr = np.array(data, dtype=dtype)
    return Tensor(arr if dtype is not None or isinstance(data, (np.ndarray, np.generic)) else _default_float(arr),
                  requires_grad=requires_grad)


def _default_float(arr):
    return arr.astype(get_default_dtype()) if arr.dtype == np.float64 else arr


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _float_dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def zeros(*shape, dtype=None, requires_grad=False):
    return Tensor(np.zeros(_shape(shape), dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return Tensor(np.ones(_shape(shape), dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(np.full(shape, fill_value, dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def zeros_like(t, requires_grad=False):
    return Tensor(np.zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t, requires_grad=False):
    return Tensor(np.ones_like(t.data), requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Like ``np.arange``: integers for integer arguments, else the default float dtype."""
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        arr = arr.astype(dtype)
    else:
        arr = _default_float(arr)
    return Tensor(arr, requires_grad=requires_grad)


def rng_from(seed):
    """A ``numpy.random.Generator`` from a seed, or the Generator itself (never global state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def randn(*shape, seed=None, dtype=None, requires_grad=False):
    """Standard normal samples; ``seed`` is an int or a ``numpy.random.Generator``."""
    data = rng_from(seed).standard_normal(_shape(shape), dtype=_float_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, seed=None, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1); ``seed`` is an int or a ``numpy.random.Generator``."""
    data = rng_from(seed).random(_shape(shape), dtype=_float_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)
