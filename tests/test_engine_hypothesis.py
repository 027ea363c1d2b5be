"""Property tests: broadcasting gradients for random broadcast-compatible shapes."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import npgrad
from npgrad import gradcheck

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": npgrad.maximum,
}


@settings(max_examples=60, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_broadcast_gradients(shapes, op, seed):
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(seed)
    a = npgrad.tensor(rng.uniform(0.5, 2.0, sa), requires_grad=True)
    b = npgrad.tensor(rng.uniform(0.5, 2.0, sb) * rng.choice([-1, 1], sb), requires_grad=True)
    fn = OPS[op]
    out = fn(a, b)
    assert out.shape == shapes.result_shape
    assert gradcheck(fn, a, b)


@settings(max_examples=40, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_reduction_axis_keepdims(shape, data):
    ndim = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                               st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)))
    keepdims = data.draw(st.booleans())
    op = data.draw(st.sampled_from(["sum", "mean", "max"]))
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    out = getattr(npgrad.tensor(x), op)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, getattr(np, op)(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    assert gradcheck(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims), npgrad.tensor(x, requires_grad=True))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), idx=st.lists(st.integers(0, 5), min_size=1, max_size=10))
def test_integer_indexing_with_repeats(n, idx):
    idx = np.array([i % n for i in idx])
    x = npgrad.tensor(np.arange(n, dtype=np.float64), requires_grad=True)
    w = np.random.default_rng(0).standard_normal(len(idx))
    (x[idx] * w).sum().backward()
    expected = np.zeros(n)
    np.add.at(expected, idx, w)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)
