"""npgrad: a deep-learning library on NumPy alone.

The tensor engine is at the top level (``npgrad.tensor``, ``npgrad.Tensor``, ``npgrad.Function``,
``npgrad.no_grad``, ops such as ``npgrad.cross_entropy``); layers live in ``npgrad.nn``, optimizers
in ``npgrad.optim``, training in ``npgrad.train``, data in ``npgrad.data``, the scalar teaching
engine in ``npgrad.scalar``, plots in ``npgrad.viz``. Subpackages load on first use, so
``import npgrad`` stays fast.
"""
from importlib import import_module as _import_module

from .autograd import *  # noqa: F401,F403
from .autograd import __all__ as _engine_all
from .gradcheck import GradcheckError, gradcheck, numerical_gradient
from ._malloc import tune as _tune_malloc

_tune_malloc()

__version__ = "0.1.0"

_SUBPACKAGES = ("nn", "optim", "data", "train", "scalar", "viz", "io", "cli", "env")
_LAZY = {"save": "io", "load": "io", "CheckpointError": "io"}


def __getattr__(name):
    if name in _SUBPACKAGES:
        return _import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(_import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'npgrad' has no attribute {name!r}")


__all__ = list(_engine_all) + ["gradcheck", "numerical_gradient", "GradcheckError", *_SUBPACKAGES, *_LAZY]
