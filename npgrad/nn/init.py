"""Weight initializers, by name or as callables ``init(shape, rng, dtype) -> ndarray``.

For a weight of shape (out, in): fan_in = in, fan_out = out.

| name                          | distribution | variance              |
|-------------------------------|--------------|-----------------------|
| plain                         | normal       | 0.01 ** 2 (N(0,1)*0.01) |
| xavier, glorot (= _uniform)   | uniform      | 2 / (fan_in + fan_out)|
| xavier_normal, glorot_normal  | normal       | 2 / (fan_in + fan_out)|
| he, kaiming (= _normal)       | normal       | 2 / fan_in            |
| he_uniform, kaiming_uniform   | uniform      | 2 / fan_in            |
| lecun (= lecun_normal)        | normal       | 1 / fan_in            |
| lecun_uniform                 | uniform      | 1 / fan_in            |
| zeros                         | constant 0   |                       |
"""
import numpy as np


def _fans(shape):
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _normal(var):
    def init(shape, rng, dtype):
        return (rng.standard_normal(shape) * np.sqrt(var(*_fans(shape)))).astype(dtype)
    return init


def _uniform(var):
    def init(shape, rng, dtype):
        limit = np.sqrt(3.0 * var(*_fans(shape)))  # U(-a, a) has variance a^2 / 3
        return rng.uniform(-limit, limit, shape).astype(dtype)
    return init


def plain(shape, rng, dtype):
    """The classic small random init: N(0, 1) * 0.01."""
    return (rng.standard_normal(shape) * 0.01).astype(dtype)


def zeros(shape, rng, dtype):
    return np.zeros(shape, dtype=dtype)


xavier_uniform = _uniform(lambda fi, fo: 2.0 / (fi + fo))
xavier_normal = _normal(lambda fi, fo: 2.0 / (fi + fo))
he_normal = _normal(lambda fi, fo: 2.0 / fi)
he_uniform = _uniform(lambda fi, fo: 2.0 / fi)
lecun_normal = _normal(lambda fi, fo: 1.0 / fi)
lecun_uniform = _uniform(lambda fi, fo: 1.0 / fi)

INITIALIZERS = {
    "plain": plain, "zeros": zeros,
    "xavier": xavier_uniform, "glorot": xavier_uniform,
    "xavier_uniform": xavier_uniform, "glorot_uniform": xavier_uniform,
    "xavier_normal": xavier_normal, "glorot_normal": xavier_normal,
    "he": he_normal, "kaiming": he_normal, "he_normal": he_normal, "kaiming_normal": he_normal,
    "he_uniform": he_uniform, "kaiming_uniform": he_uniform,
    "lecun": lecun_normal, "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
}


def get(init):
    """An initializer from its name, or the callable itself."""
    if callable(init):
        return init
    try:
        return INITIALIZERS[str(init).lower()]
    except KeyError:
        raise ValueError(
            f"unknown init {init!r}; valid names: {', '.join(sorted(INITIALIZERS))} (or a callable)"
        ) from None
