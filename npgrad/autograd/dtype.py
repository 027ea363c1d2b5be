"""The default floating dtype for created tensors and parameters (float32 unless changed)."""
import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_default = [np.dtype(np.float32)]


def get_default_dtype():
    """The dtype given to floating data created without an explicit dtype."""
    return _default[0]


def set_default_dtype(dtype):
    """Set the default floating dtype: ``np.float32`` (the default) or ``np.float64``."""
    d = np.dtype(dtype)
    if d not in _FLOAT_DTYPES:
        raise TypeError(f"default dtype must be float32 or float64, got {d}")
    _default[0] = d


def check_numeric(arr, what="data"):
    """Raise TypeError unless ``arr`` holds booleans, integers or floats."""
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must be numeric (bool, int or float), got dtype {arr.dtype}"
            + (f" from {arr.flat[0]!r}" if arr.size and arr.dtype.kind in "OUS" else "")
        )
