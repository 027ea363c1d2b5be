"""Layers: ``Linear`` (alias ``Dense``) and the activation, shape and regularization modules."""
import numpy as np

from ..autograd import ops as _ops
from ..autograd.creation import rng_from
from ..autograd.dtype import get_default_dtype
from ..autograd.tensor import Tensor, as_tensor
from . import init as initializers
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """y = x @ W.T + b: x (batch, in_features) -> (batch, out_features).

    ``weight`` is (out_features, in_features) as in PyTorch; ``bias`` (out_features,), zeros.
    ``init``: a name from ``npgrad.nn.init`` ("xavier", "he", "plain", "lecun", ...) or a callable
    ``(shape, rng, dtype) -> ndarray``. ``seed``: an int or ``numpy.random.Generator``.
    """

    def __init__(self, in_features, out_features, bias=True, init="xavier", seed=None, dtype=None):
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or n <= 0:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        make = initializers.get(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        # (out, in) as in PyTorch, stored column-major: W.T is then a C-contiguous (in, out) array
        # and the forward x @ W.T runs BLAS's fastest layout for a batch of rows
        w = make((self.out_features, self.in_features), rng_from(seed), dtype)
        self.weight = Parameter(np.asfortranarray(w))
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype)) if bias else None

    def forward(self, x):
        return self._apply(_ops.Linear, x)

    def forward_relu(self, x):
        """``relu(self(x))`` as one fused op (used by ``Sequential`` for Linear -> ReLU)."""
        return self._apply(_ops.LinearReLU, x)

    def _apply(self, op, x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        try:  # the op checks the shapes; on failure this layer names itself
            if self.bias is None:
                return op._apply2(x, self.weight)
            return op._apply3(x, self.weight, self.bias)
        except ValueError:
            shape = x.data.shape
            if not shape or shape[-1] != self.in_features:
                raise ValueError(
                    f"{self!r} expects input of shape (batch, {self.in_features}), got {shape}"
                ) from None
            raise

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}" + ("" if self.bias is not None else ", bias=False")


Dense = Linear


class _Activation(Module):
    """An elementwise layer: output shape = input shape."""

    preserves_shape = True


class ReLU(_Activation):
    def forward(self, x):
        return as_tensor(x).relu()


class LeakyReLU(_Activation):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        return as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Activation):
    def forward(self, x):
        return as_tensor(x).sigmoid()


class Tanh(_Activation):
    def forward(self, x):
        return as_tensor(x).tanh()


class Softmax(_Activation):
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        return as_tensor(x).softmax(self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return as_tensor(x).log_softmax(self.axis)


class Identity(_Activation):
    def forward(self, x):
        return as_tensor(x)


class Flatten(Module):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...) from ``start_dim`` on."""

    def __init__(self, start_dim=1):
        self.start_dim = start_dim

    def forward(self, x):
        return as_tensor(x).flatten(self.start_dim)


class Dropout(_Activation):
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p)
    while training; the identity in eval mode. Its masks come from ``self.rng`` (seeded)."""

    def __init__(self, p=0.5, seed=None):
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = rng_from(seed)

    def forward(self, x):
        x = as_tensor(x)
        if not self.training or self.p == 0:
            return x
        keep = self.rng.random(x.data.shape, dtype=np.float64) >= self.p
        mask = keep.astype(x.data.dtype) * (1.0 / (1.0 - self.p))
        return x * Tensor(mask)

    def extra_repr(self):
        return f"p={self.p}"
