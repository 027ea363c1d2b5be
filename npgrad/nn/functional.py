"""Layers and losses as functions (``npgrad.nn.functional as F``)."""

from ..autograd.functional import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, half_mse_loss,
    leaky_relu, linear, log_softmax, mse_loss, nll_loss, relu, sigmoid, softmax, tanh,
)
from ..autograd.creation import rng_from
from ..data.datasets import one_hot  # noqa: F401  (labels -> one-hot rows)
from ..autograd.tensor import Tensor, as_tensor


def dropout(x, p=0.5, training=True, seed=None):
    """Inverted dropout; ``seed`` is an int or ``numpy.random.Generator``."""
    x = as_tensor(x)
    if not training or p == 0:
        return x
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    keep = rng_from(seed).random(x.data.shape) >= p
    return x * Tensor(keep.astype(x.data.dtype) / (1 - p))


def flatten(x, start_dim=1):
    return as_tensor(x).flatten(start_dim)
