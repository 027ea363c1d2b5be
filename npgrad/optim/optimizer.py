"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``state_dict``.

A parameter is any object with ``.data`` (a floating ndarray, updated in place) and ``.grad``
(an ndarray of the same shape, or None to skip the parameter in ``step()``).
"""
import numbers

import numpy as np


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class. Subclasses set ``defaults`` (hyperparameter name -> default value), implement
    ``_check(group)`` to validate a group's hyperparameters, and ``step()``.

    ``param_groups`` is a list of dicts ``{"params": [...], "lr": ..., ...}``; a scheduler may
    change ``group["lr"]`` between steps. ``state`` maps a parameter to its dict of buffers.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        self._scratch = {}  # param -> (its data array, [work arrays, views of _flat]) (never saved)
        self._flat = {}  # dtype -> list of flat work arrays shared by all parameters
        if hasattr(params, "data") or isinstance(params, (dict, str)):
            raise TypeError(
                "params should be an iterable of tensors or of dicts, got "
                f"{type(params).__name__}"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group (a dict with ``"params"`` and optional hyperparameters overriding the
        defaults), e.g. to train new layers with their own learning rate."""
        if not isinstance(group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(group).__name__}")
        params = group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        params = [params] if hasattr(params, "data") else list(params)
        if not params:
            raise ValueError("a parameter group got an empty parameter list")
        for p in params:
            data = getattr(p, "data", None)
            if not isinstance(data, np.ndarray):
                raise TypeError(
                    f"optimizer can only optimize tensors (objects with an ndarray .data), got "
                    f"{type(p).__name__}"
                )
            if data.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating tensors, got {data.dtype}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if id(p) in seen:
                raise ValueError(
                    f"a parameter of shape {p.data.shape} appears more than once in the "
                    "parameter groups"
                )
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(
                f"unknown hyperparameter(s) {sorted(unknown)} for {type(self).__name__}; "
                f"expected {sorted(self.defaults)}"
            )
        new = {"params": params}
        for name, default in self.defaults.items():
            value = group.get(name, default)
            if value is required:
                raise ValueError(f"{type(self).__name__} needs '{name}' (no default)")
            new[name] = value
        self._check(new)
        self.param_groups.append(new)

    def _check(self, group):
        """Raise ValueError for an invalid hyperparameter in ``group``."""

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient: set it to None (default), or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.fill(0)

    def step(self, closure=None):
        """Update every parameter that has a gradient. ``closure``, if given, re-evaluates the
        model and returns the loss, which ``step`` returns."""
        raise NotImplementedError

    def _buffers(self, p, n):
        """``n`` work arrays shaped and typed like ``p.data``, created once per parameter (and
        again when ``p.data`` is replaced by another array).

        They are views into ``n`` flat arrays per dtype, shared by all parameters (sized for the
        largest): a step needs them only while it updates one parameter, the memory stays hot in
        cache from one parameter to the next, and the optimizer holds one extra copy of its
        largest parameter rather than of every parameter."""
        d = p.data
        entry = self._scratch.get(p)  # (the array they were made for, the work arrays)
        if entry is not None and entry[0] is d and len(entry[1]) >= n:
            return entry[1]
        flats = self._flat.setdefault(d.dtype, [])
        if len(flats) < n or flats[0].size < d.size:
            size = max([d.size] + [q.data.size for g in self.param_groups for q in g["params"]
                                   if q.data.dtype == d.dtype])
            flats[:] = [np.empty(size, dtype=d.dtype) for _ in range(max(n, len(flats)))]
            self._scratch.clear()  # views of the old flat arrays
        order = "F" if d.flags.f_contiguous and not d.flags.c_contiguous else "C"  # d's memory order
        bufs = [flat[:d.size].reshape(d.shape, order=order) for flat in flats[:n]]
        self._scratch[p] = (d, bufs)
        return bufs

    # ---- saving ------------------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [indices]}]}`` with parameters numbered in group order, as in PyTorch. Arrays are
        copies."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = ids
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: v.copy() if isinstance(v, np.ndarray) else v
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore state and hyperparameters from ``state_dict()`` output (copied; nothing
        aliases the dict). Raises ValueError, changing nothing, if it does not fit."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                "optimizer state_dict needs exactly the keys 'state' and 'param_groups', got "
                f"{keys}"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state_dict has {len(saved_groups)} parameter group(s), the optimizer has "
                f"{len(self.param_groups)}"
            )
        index = {}
        new_groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"parameter group {i} of the loaded state_dict has no 'params'")
            ids = list(saved["params"])
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"parameter group {i}: loaded state_dict has {len(ids)} parameter(s), the "
                    f"optimizer has {len(group['params'])}"
                )
            for j, p in zip(ids, group["params"]):
                j = _as_index(j)
                if j in index:
                    raise ValueError(f"loaded state_dict lists parameter {j} more than once")
                index[j] = p
            unknown = set(saved) - set(self.defaults) - {"params"}
            if unknown:
                raise ValueError(
                    f"parameter group {i} of the loaded state_dict has unknown hyperparameter(s) "
                    f"{sorted(unknown)}"
                )
            new = dict(group)
            for k, v in saved.items():
                if k == "params":
                    continue
                if isinstance(self.defaults.get(k), tuple):
                    v = tuple(v)  # e.g. betas saved by npgrad.save come back as lists
                elif isinstance(v, np.generic):
                    v = v.item()
                new[k] = v
            self._check(new)
            new_groups.append(new)
        new_state = {}
        for key, buffers in state_dict["state"].items():
            k = _as_index(key)
            if k not in index:
                raise ValueError(
                    f"loaded state_dict has state for parameter {key!r}, but the optimizer has "
                    f"parameters 0..{len(index) - 1}"
                )
            p = index[k]
            restored = {}
            for name, v in buffers.items():
                if name == "step":
                    if isinstance(v, np.ndarray) and v.size == 1:
                        v = v.item()
                    if not isinstance(v, numbers.Real):
                        raise ValueError(
                            f"state 'step' of parameter {k} must be a number, got "
                            f"{type(v).__name__}"
                        )
                    restored[name] = int(v) if float(v).is_integer() else v
                    continue
                if not isinstance(v, np.ndarray):
                    v = getattr(v, "data", v)  # a Tensor
                if not isinstance(v, np.ndarray):
                    raise ValueError(
                        f"state {name!r} of parameter {k} is a {type(v).__name__}, expected an "
                        "array"
                    )
                if v.shape != p.data.shape:
                    raise ValueError(
                        f"state {name!r} of parameter {k} has shape {v.shape}, the parameter has "
                        f"shape {p.data.shape}"
                    )
                restored[name] = np.array(v, dtype=p.data.dtype, copy=True)
            new_state[p] = restored
        for group, new in zip(self.param_groups, new_groups):
            group.update(new)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _as_index(key):
    try:
        k = int(key)
    except (TypeError, ValueError):
        raise ValueError(f"parameter indices must be integers, got {key!r}") from None
    if k != key and str(k) != key:
        raise ValueError(f"parameter indices must be integers, got {key!r}")
    return k


def _check_nonneg(name, value):
    if not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"Invalid {name}: {value!r} (must be >= 0)")
