"""``Module``: the base of every layer and model, and ``Sequential``.

A Module's parameters and sub-modules are its plain attributes: ``named_parameters()`` walks
``vars(self)`` in assignment order, so there is one mechanism for discovery and nothing to
register. Everything else (``parameters``, ``state_dict``, ``zero_grad``, ``num_parameters``)
derives from it.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .parameter import Parameter

LoadResult = namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class: subclasses set Parameters and Modules as attributes and define ``forward``."""

    training = True

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **kwargs):
        return self.forward(*inputs, **kwargs)

    # ---- discovery ------------------------------------------------------------------------------
    def named_children(self):
        """(name, module) for each direct sub-module."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and all below it, depth first."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) pairs, e.g. ``("0.weight", ...)``; shared ones listed once."""
        seen = set()
        for mod_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    def parameters(self):
        """The trainable parameters, in a stable order (for optimizers)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self):
        """Total number of scalar parameters."""
        return sum(p.data.size for p in self.parameters())

    # ---- modes and gradients ----------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (Dropout active); returns self."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        """Evaluation mode (Dropout is the identity); returns self."""
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    # ---- state --------------------------------------------------------------------------------
    def state_dict(self):
        """An ordered dict of dotted name -> a copy of each parameter's array."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state, strict=True):
        """Copy arrays into the parameters (keeping their dtype).

        Shapes must match. With ``strict=True`` the keys must match exactly; a ValueError lists
        missing keys, unexpected keys and shape mismatches by dotted name. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        own = OrderedDict(self.named_parameters())
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        mismatched = []
        for k, p in own.items():
            if k in state:
                shape = np.shape(getattr(state[k], "data", state[k]))
                if shape != p.data.shape:
                    mismatched.append(f"{k}: checkpoint {shape}, model {p.data.shape}")
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__}: " + " | ".join(problems))
        for k, p in own.items():
            if k in state:
                p.data[...] = getattr(state[k], "data", state[k])
        return LoadResult(missing, unexpected)

    # ---- printing -----------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside this module's parentheses in ``repr``."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)


class Sequential(Module):
    """Layers applied in order: ``Sequential(Linear(2, 3), Sigmoid(), Linear(3, 1))``.

    Indexable, iterable, ``len``, ``append``. At construction, consecutive feature sizes must
    agree (Linear -> activation -> Linear); at run time a wrongly shaped input names the layer.
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self._layers = []
        for layer in layers:
            self.append(layer)

    def append(self, layer):
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential takes Modules, got {type(layer).__name__}")
        self._check_sizes(self._layers + [layer])
        setattr(self, str(len(self._layers)), layer)
        self._layers.append(layer)
        self._plan = self._make_plan(self._layers)
        return self

    @staticmethod
    def _check_sizes(layers):
        width, source = None, None
        for i, layer in enumerate(layers):
            n_in = getattr(layer, "in_features", None)
            if n_in is not None:
                if width is not None and n_in != width:
                    raise ValueError(
                        f"Sequential: layer {source[0]} ({source[1]!r}) outputs {width} features but "
                        f"layer {i} ({layer!r}) expects {n_in}"
                    )
                width, source = layer.out_features, (i, layer)
            elif not getattr(layer, "preserves_shape", False):
                width = None

    @staticmethod
    def _make_plan(layers):
        """(index, callable) steps; a Linear followed by a ReLU runs as one fused op."""
        from .layers import Linear, ReLU  # layers import this module

        plan, i = [], 0
        while i < len(layers):
            layer = layers[i]
            if type(layer) is Linear and i + 1 < len(layers) and type(layers[i + 1]) is ReLU:
                plan.append((i, layer.forward_relu))
                i += 2
            else:
                plan.append((i, layer))
                i += 1
        return plan

    def forward(self, x):
        for i, step in self._plan:
            try:
                x = step(x)
            except ValueError as e:
                layer, msg = self._layers[i], str(e)
                named = msg if msg.startswith(repr(layer)) else f"{layer!r}: {msg}"
                raise ValueError(f"Sequential layer {i}, {named}") from None
        return x

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(*self._layers[i])
        return self._layers[i]

    def __len__(self):
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers)
