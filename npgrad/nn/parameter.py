"""``Parameter``: a Tensor that a Module owns and an optimizer updates."""
import numpy as np

from ..autograd.dtype import get_default_dtype
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A trainable tensor (requires grad). An ndarray or Tensor keeps its dtype, so float64
    parameters stay float64; Python numbers and lists get the default dtype."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        if isinstance(data, Tensor):
            data = data.data
        if not isinstance(data, np.ndarray):
            data = np.asarray(data, dtype=get_default_dtype())
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
