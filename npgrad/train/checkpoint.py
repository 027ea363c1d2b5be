"""Checkpoints for exact resume: ``save_checkpoint`` / ``load_checkpoint``.

A checkpoint (one ``npgrad.io`` file, written atomically) holds the model's ``state_dict``, the
optimizer's and scheduler's state, the number of finished epochs, the bit-generator state of every
module with an ``.rng`` Generator (e.g. ``Dropout``), the data-order seed, and the history.
Training N epochs then equals training k epochs, saving, loading into fresh objects and calling
``fit(..., epochs=N, initial_epoch=k, seed=same)`` -- bit for bit::

    save_checkpoint("run.npz", model, opt, epoch=5, scheduler=sched, history=hist, seed=0)
    ckpt = load_checkpoint("run.npz", model, opt, sched)
    fit(model, loss_fn, opt, X, y, epochs=10, initial_epoch=ckpt.epoch, seed=ckpt.seed,
        scheduler=sched, history=ckpt.history)
"""
from collections import namedtuple

import numpy as np

from .history import History

__all__ = ["save_checkpoint", "load_checkpoint", "Checkpoint", "rng_states", "set_rng_states"]

FORMAT = "npgrad.checkpoint"
VERSION = 1
ROOT = "(root)"

Checkpoint = namedtuple("Checkpoint", ["epoch", "history", "seed", "extra"])
Checkpoint.__doc__ = """What ``load_checkpoint`` returns: ``epoch`` (finished epochs: pass it as
``fit(initial_epoch=...)``), ``history`` (a History or None), ``seed`` (the data-order seed or
None), ``extra`` (the ``extra`` dict given to ``save_checkpoint``, or {})."""


def _rng_modules(model):
    named = model.named_modules() if hasattr(model, "named_modules") else enumerate(model.modules())
    for name, m in named:
        rng = getattr(m, "rng", None)
        if isinstance(rng, np.random.Generator):
            yield (str(name) or ROOT), rng


def rng_states(model):
    """``{module name: bit-generator state}`` for each module with an ``.rng`` Generator."""
    return {name: rng.bit_generator.state for name, rng in _rng_modules(model)}


def set_rng_states(model, states, strict=True):
    """Restore the generators saved by ``rng_states``."""
    own = dict(_rng_modules(model))
    if strict and set(own) != set(states):
        raise ValueError(
            f"checkpoint has random-generator states for modules {sorted(states)}, the model has "
            f"generators in {sorted(own)}"
        )
    for name, rng in own.items():
        if name in states:
            rng.bit_generator.state = _plain(states[name])


def _plain(x):
    """Nested dicts with numpy scalars -> Python ints/strings (what ``bit_generator.state`` wants)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, np.generic):
        return x.item()
    return x


def save_checkpoint(path, model, optimizer, epoch, scheduler=None, history=None, seed=None,
                    extra=None):
    """Write a checkpoint after ``epoch`` finished epochs (``epoch`` = the next ``initial_epoch``).

    ``history``: a History (or its ``.history`` dict); ``seed``: the ``fit``/DataLoader seed;
    ``extra``: a dict of your own (arrays, numbers, strings). Atomic via ``npgrad.io.save``.
    """
    from .. import io

    state = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "model": dict(model.state_dict()),
        "rng": rng_states(model),
    }
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if history is not None:
        if not isinstance(history, History):
            history = History(getattr(history, "history", history), getattr(history, "epoch", None))
        state["history"] = history.state_dict()
    if seed is not None:
        state["seed"] = int(seed)
    if extra:
        state["extra"] = dict(extra)
    io.save(state, path)
    return path


def load_checkpoint(path, model, optimizer=None, scheduler=None, strict=True):
    """Restore ``model`` (and ``optimizer``/``scheduler`` if given) from ``save_checkpoint``'s
    file; returns a :data:`Checkpoint` ``(epoch, history, seed, extra)``."""
    from .. import io

    state = io.load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(
            f"{path!s} is not an npgrad training checkpoint (no 'format': {FORMAT!r}); a file "
            "holding only weights loads with model.load_state_dict(npgrad.load(path))"
        )
    model.load_state_dict(state["model"], strict=strict)
    set_rng_states(model, state.get("rng", {}), strict=strict)
    if optimizer is not None:
        if "optimizer" not in state:
            raise ValueError(f"{path!s} holds no optimizer state")
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None:
        if "scheduler" not in state:
            raise ValueError(f"{path!s} holds no scheduler state")
        scheduler.load_state_dict(state["scheduler"])
    history = History.from_state_dict(state["history"]) if "history" in state else None
    seed = int(state["seed"]) if "seed" in state else None
    return Checkpoint(int(state["epoch"]), history, seed, state.get("extra", {}))
