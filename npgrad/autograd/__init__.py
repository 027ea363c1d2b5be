"""The tensor autograd engine: Tensor, Function, the ops, grad mode and dtypes."""
from .creation import arange, full, ones, ones_like, rand, randn, rng_from, tensor, zeros, zeros_like
from .dtype import get_default_dtype, set_default_dtype
from .function import Function
from .functional import (
    abs, binary_cross_entropy, binary_cross_entropy_with_logits, cat, clip, concatenate, cross_entropy, exp, leaky_relu, linear, log, log_softmax, matmul,
    half_mse_loss, maximum, minimum, mse_loss, nll_loss, relu, sigmoid, softmax, sqrt, stack, tanh, where,
)
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = [
    "Tensor", "Function", "tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "arange",
    "randn", "rand", "rng_from", "get_default_dtype", "set_default_dtype", "no_grad", "enable_grad",
    "is_grad_enabled", "abs", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "half_mse_loss", "mse_loss", "nll_loss", "cat", "clip", "concatenate", "cross_entropy", "exp", "leaky_relu",
    "linear", "log", "log_softmax", "matmul", "maximum", "minimum", "relu", "sigmoid", "softmax",
    "sqrt", "stack", "tanh", "where",
]
