"""Every op: forward against plain NumPy, gradient against central differences (float64)."""
import numpy as np
import pytest

import npgrad
from npgrad import gradcheck


def r(*shape, seed=0, low=None):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.abs(x) + low if low is not None else x


def t(x, grad=True):
    return npgrad.tensor(x, requires_grad=grad, dtype=np.float64)


UNARY = [
    ("exp", lambda x: x.exp(), np.exp, None),
    ("log", lambda x: x.log(), np.log, 0.5),
    ("sqrt", lambda x: x.sqrt(), np.sqrt, 0.5),
    ("abs", lambda x: x.abs(), np.abs, None),
    ("tanh", lambda x: x.tanh(), np.tanh, None),
    ("sigmoid", lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), None),
    ("relu", lambda x: x.relu(), lambda a: np.maximum(a, 0), None),
    ("leaky_relu", lambda x: x.leaky_relu(0.1), lambda a: np.where(a > 0, a, 0.1 * a), None),
    ("neg", lambda x: -x, np.negative, None),
    ("pow3", lambda x: x ** 3, lambda a: a ** 3, None),
    ("pow_half", lambda x: x ** 0.5, np.sqrt, 0.5),
    ("clip", lambda x: x.clip(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), None),
    ("clip_low", lambda x: x.clip(min=0.1), lambda a: np.clip(a, 0.1, None), None),
    ("softmax", lambda x: x.softmax(axis=-1), None, None),
    ("log_softmax0", lambda x: x.log_softmax(axis=0), None, None),
    ("rsub", lambda x: 2.0 - x, lambda a: 2.0 - a, None),
    ("rdiv", lambda x: 3.0 / x, lambda a: 3.0 / a, 0.5),
    ("rpow", lambda x: 2.0 ** x, lambda a: 2.0 ** a, None),
]


@pytest.mark.parametrize("name,fn,ref,low", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn, ref, low):
    a = r(3, 4, seed=1, low=low)
    if ref is not None:
        np.testing.assert_allclose(fn(t(a, False)).data, ref(a), rtol=1e-12)
    assert gradcheck(fn, t(a))


def test_softmax_and_log_softmax_forward():
    a = r(4, 5)
    e = np.exp(a - a.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(t(a).softmax(1).data, sm, rtol=1e-12)
    np.testing.assert_allclose(t(a).log_softmax(1).data, np.log(sm), rtol=1e-12)


BINARY = [
    ("add", lambda a, b: a + b, np.add),
    ("sub", lambda a, b: a - b, np.subtract),
    ("mul", lambda a, b: a * b, np.multiply),
    ("div", lambda a, b: a / b, np.divide),
    ("pow", lambda a, b: a ** b, np.power),
    ("maximum", npgrad.maximum, np.maximum),
    ("minimum", npgrad.minimum, np.minimum),
]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (2, 3))]


@pytest.mark.parametrize("name,fn,ref", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_broadcasting(name, fn, ref, sa, sb):
    a, b = r(*sa, seed=2, low=0.5), r(*sb, seed=3, low=0.5)  # positive: pow and div stay smooth
    np.testing.assert_allclose(fn(t(a, False), t(b, False)).data, ref(a, b), rtol=1e-12)
    assert gradcheck(fn, t(a), t(b))


def test_maximum_tie_splits_gradient():
    a, b = t([1.0, 2.0, 3.0]), t([1.0, 5.0, 0.0])
    npgrad.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])


def test_where():
    cond = np.array([[True, False, True], [False, False, True]])
    a, b = r(2, 3, seed=4), r(3, seed=5)
    np.testing.assert_allclose(npgrad.where(cond, t(a), t(b)).data, np.where(cond, a, b))
    assert gradcheck(lambda x, y: npgrad.where(cond, x, y), t(a), t(b))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                   ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5))])
def test_matmul(sa, sb):
    a, b = r(*sa, seed=6), r(*sb, seed=7)
    np.testing.assert_allclose((t(a, False) @ t(b, False)).data, a @ b, rtol=1e-12)
    assert gradcheck(lambda x, y: x @ y, t(a), t(b))


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(op, axis, keepdims):
    a = r(2, 3, 4, seed=8)
    out = getattr(t(a, False), op)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, getattr(np, op)(a, axis=axis, keepdims=keepdims), rtol=1e-12)
    assert gradcheck(lambda x: getattr(x, op)(axis=axis, keepdims=keepdims), t(a))


def test_max_gradient_goes_to_argmax_and_ties_split():
    x = t([[1.0, 7.0, 7.0], [4.0, 2.0, 0.0]])
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [1, 0, 0]])
    y = t([3.0, -1.0, 3.0])
    y.min().backward()
    np.testing.assert_array_equal(y.grad, [0, 1, 0])


SHAPE_OPS = [
    ("reshape", lambda x: x.reshape(4, 6), lambda a: a.reshape(4, 6)),
    ("reshape_tuple", lambda x: x.reshape((-1, 3)), lambda a: a.reshape(-1, 3)),
    ("flatten", lambda x: x.flatten(), lambda a: a.ravel()),
    ("flatten1", lambda x: x.flatten(1), lambda a: a.reshape(2, -1)),
    ("T", lambda x: x.T, lambda a: a.T),
    ("transpose", lambda x: x.transpose(1, 0, 2), lambda a: a.transpose(1, 0, 2)),
    ("permute", lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("expand_dims", lambda x: x.expand_dims(1), lambda a: np.expand_dims(a, 1)),
    ("squeeze", lambda x: x.expand_dims(0).squeeze(0), lambda a: a),
    ("getitem_int", lambda x: x[1], lambda a: a[1]),
    ("getitem_slice", lambda x: x[:, 1:3, ::2], lambda a: a[:, 1:3, ::2]),
    ("getitem_neg", lambda x: x[-1, :, -1], lambda a: a[-1, :, -1]),
    ("getitem_array", lambda x: x[[0, 1, 1, 0]], lambda a: a[[0, 1, 1, 0]]),
    ("getitem_pairs", lambda x: x[np.array([0, 1, 1]), np.array([2, 0, 2])],
     lambda a: a[[0, 1, 1], [2, 0, 2]]),
    ("getitem_mask", lambda x: x[x.data > 0], lambda a: a[a > 0]),
    ("getitem_ellipsis", lambda x: x[..., 1], lambda a: a[..., 1]),
]


@pytest.mark.parametrize("name,fn,ref", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(name, fn, ref):
    a = r(2, 3, 4, seed=9)
    np.testing.assert_array_equal(fn(t(a, False)).data, ref(a))
    assert gradcheck(fn, t(a))


def test_integer_index_with_repeats_accumulates():
    x = t([10.0, 20.0, 30.0])
    x[np.array([0, 2, 2, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad, [1, 0, 3])


def test_concatenate_and_stack():
    a, b, c = r(2, 3, seed=1), r(2, 1, seed=2), r(2, 3, seed=3)
    np.testing.assert_array_equal(npgrad.concatenate([t(a), t(b)], axis=1).data, np.concatenate([a, b], 1))
    np.testing.assert_array_equal(npgrad.stack([t(a), t(c)], axis=1).data, np.stack([a, c], 1))
    assert gradcheck(lambda x, y: npgrad.concatenate([x, y, x], axis=1), t(a), t(b))
    assert gradcheck(lambda x, y: npgrad.stack([x, y], axis=2), t(a), t(c))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xshape", [(5, 3), (2, 5, 3)])
def test_linear(bias, xshape):
    x, w, b = r(*xshape, seed=1), r(4, 3, seed=2), r(4, seed=3)
    args = (t(x), t(w), t(b)) if bias else (t(x), t(w))
    expected = x @ w.T + (b if bias else 0)
    np.testing.assert_allclose(npgrad.linear(*args).data, expected, rtol=1e-12)
    assert gradcheck(npgrad.linear, *args)


def test_linear_skips_input_gradient_when_not_needed():
    x = t(r(5, 3), grad=False)
    w, b = t(r(4, 3, seed=1)), t(r(4, seed=2))
    out = npgrad.linear(x, w, b)
    assert out._ctx.needs_input_grad == (False, True, True)
    out.sum().backward()
    assert x.grad is None and w.grad.shape == (4, 3) and b.grad.shape == (4,)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_class_indices(reduction):
    z, y = r(6, 4, seed=1), np.array([0, 3, 1, 1, 2, 0])
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    per = -logp[np.arange(6), y]
    ref = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(npgrad.cross_entropy(t(z), y, reduction).data, ref, rtol=1e-12)
    assert gradcheck(lambda a: npgrad.cross_entropy(a, y, reduction), t(z))


def test_cross_entropy_probability_targets_match_one_hot_and_soft():
    z, y = r(5, 3, seed=2), np.array([2, 0, 1, 1, 2])
    onehot = np.eye(3)[y]
    hard = npgrad.cross_entropy(t(z, False), y).item()
    assert npgrad.cross_entropy(t(z, False), onehot).item() == pytest.approx(hard, rel=1e-12)
    soft = np.random.default_rng(0).dirichlet(np.ones(3), size=5)
    assert gradcheck(lambda a: npgrad.cross_entropy(a, soft), t(z))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_soft_targets_every_reduction(reduction):
    z = r(5, 3, seed=7) * 3
    soft = np.random.default_rng(1).dirichlet(np.ones(3), size=5) * 1.5  # rows need not sum to 1
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    per = -(soft * logp).sum(1)
    ref = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(npgrad.cross_entropy(t(z), soft, reduction).data, ref, rtol=1e-12)
    assert gradcheck(lambda a: npgrad.cross_entropy(a, soft, reduction), t(z))


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z, y = r(4, 3, seed=5), np.array([1, 0, 2, 2])
    zt = t(z)
    npgrad.cross_entropy(zt, y).backward()
    sm = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(zt.grad, (sm - np.eye(3)[y]) / 4, rtol=1e-12)
    assert zt._ctx is None  # a leaf; the loss graph had a single op node


def test_extreme_values_are_stable():
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        s = t(big).sigmoid().data
        ce = npgrad.cross_entropy(t(big), np.array([1, 0]))
        sm = t(big).softmax().data
        lsm = t(big).log_softmax().data
    assert np.all(np.isfinite(s)) and s[0, 0] == 1.0 and s[0, 1] == 0.0
    assert ce.item() == pytest.approx(2e4, rel=1e-9)  # both rows: true class 2e4 below the top
    assert np.all(np.isfinite(sm)) and np.all(np.isfinite(lsm))
    f32 = npgrad.tensor(big.astype(np.float32), requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss = npgrad.cross_entropy(f32, np.array([1, 0]))
        loss.backward()
    assert np.all(np.isfinite(f32.grad))


def test_cross_entropy_large_logits_value():
    z = np.array([[1e4, 0.0]])
    assert npgrad.cross_entropy(t(z), np.array([1])).item() == pytest.approx(1e4)
    assert npgrad.cross_entropy(t(z), np.array([0])).item() == pytest.approx(0.0, abs=1e-12)


def test_sigmoid_precise_in_tails():
    x = np.array([-40.0, -5.0, 0.0, 5.0, 40.0])
    np.testing.assert_allclose(t(x).sigmoid().data, 1 / (1 + np.exp(-x)), rtol=1e-14)
