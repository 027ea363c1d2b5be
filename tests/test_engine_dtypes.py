"""float32 stays float32 through every op and its gradient; float64 works everywhere."""
import numpy as np
import pytest

import npgrad


OPS = [
    lambda x, w: (x * 2.0 + 1).sum(),
    lambda x, w: (x / 3 - np.float64(1.5)).exp().mean(),
    lambda x, w: (x @ w).tanh().sum(),
    lambda x, w: npgrad.linear(x, w.T).relu().max(),
    lambda x, w: npgrad.cross_entropy(x @ w, np.array([0, 1, 1])),
    lambda x, w: (x ** 2).sqrt().log().sum(),
    lambda x, w: x.sigmoid().softmax().log_softmax(0).sum(),
    lambda x, w: (x * np.ones(4)).leaky_relu().clip(-1, 1)[0].sum(),
    lambda x, w: npgrad.maximum(x, 0.5).min(axis=0).sum(),
    lambda x, w: npgrad.where(x.data > 0, x, 0.0).mean(),
    lambda x, w: npgrad.concatenate([x, x], 1).reshape(-1).abs().sum(),
    lambda x, w: (2.0 ** x).sum() + (1 / (x ** 2 + 1)).sum(),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(len(OPS)))
def test_no_silent_upcast(dtype, i):
    rng = np.random.default_rng(i)
    x = npgrad.tensor(rng.standard_normal((3, 4)).astype(dtype), requires_grad=True)
    w = npgrad.tensor(rng.standard_normal((4, 2)).astype(dtype), requires_grad=True)
    out = OPS[i](x, w)
    assert out.dtype == dtype
    out.backward()
    assert x.grad.dtype == dtype
    if w.grad is not None:
        assert w.grad.dtype == dtype


def test_default_dtype():
    assert npgrad.get_default_dtype() == np.float32
    assert npgrad.tensor([1.0]).dtype == np.float32
    assert npgrad.tensor(np.array([1.0])).dtype == np.float64  # an ndarray keeps its dtype
    assert npgrad.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert npgrad.zeros(2).dtype == np.float32
    npgrad.set_default_dtype(np.float64)
    try:
        assert npgrad.tensor([1.0]).dtype == np.float64
        assert npgrad.randn(2, seed=0).dtype == np.float64
    finally:
        npgrad.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="float32 or float64"):
        npgrad.set_default_dtype(np.int32)


def test_astype_casts_gradient_back():
    x = npgrad.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3, 3])
