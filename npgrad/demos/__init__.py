"""The classic "neural networks from scratch" experiments, one module each.

Every demo module has ``DESCRIPTION`` (one line) and ``run(epochs=..., out=None, quiet=False,
seed=0, ...)``: it trains, prints its headline figures in a fixed form (``accuracy: 100.00%``,
``loss before: 12.3456  after: 0.0012``), draws PNGs into ``out`` when given (needs the ``plot``
extra) and returns a dict of the headline figures (plus ``"plots"``, the PNG paths). Small
``epochs``/``n`` make a fast mode for tests. ``npgrad demo NAME`` runs them from the shell.

>>> from npgrad import demos
>>> demos.names()[:3]
['cartoon', 'or', 'xor']
"""
import importlib

# demo name -> module in this package, in the order of the tutorial
_MODULES = {
    "cartoon": "cartoon",
    "or": "or_gate",
    "xor": "xor",
    "mnist": "mnist",
    "quadrants": "quadrants",
    "zeros": "zeros",
    "celsius": "celsius",
    "above-line": "above_line",
}

__all__ = ["names", "get", "describe", "run"]


def names():
    """The demo names, in tutorial order."""
    return list(_MODULES)


def get(name):
    """The module of demo ``name`` (with ``DESCRIPTION`` and ``run``)."""
    try:
        module = _MODULES[name]
    except KeyError:
        raise KeyError(f"unknown demo {name!r}; choose from {', '.join(_MODULES)}") from None
    return importlib.import_module(f".{module}", __name__)


def describe(name):
    """The one-line description of demo ``name``."""
    return get(name).DESCRIPTION


def run(name, **kwargs):
    """Run demo ``name``: ``run("xor", quiet=True)`` -> ``{"accuracy": 1.0, ...}``."""
    return get(name).run(**kwargs)
