"""Synthetic data sets: shapes, dtypes, label rules, determinism and argument checks."""
import numpy as np
import pytest

from npgrad.data import datasets as ds


# ---------------------------------------------------------------- gates

@pytest.mark.parametrize("fn, outputs", [
    (ds.or_gate, [0, 1, 1, 1]),
    (ds.and_gate, [0, 0, 0, 1]),
    (ds.xor_gate, [0, 1, 1, 0]),
])
def test_gates_truth_tables(fn, outputs):
    X, y = fn()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y[:, 0], outputs)
    X64, y64 = fn(dtype=np.float64)
    assert X64.dtype == np.float64 and y64.dtype == np.float64


def test_gate_rejects_integer_dtype():
    with pytest.raises(ValueError, match="floating dtype"):
        ds.xor_gate(dtype=np.int32)


# ---------------------------------------------------------------- one_hot, feature_cross

def test_one_hot():
    out = ds.one_hot(np.array([2, 0, 1, 2]), 4)
    assert out.shape == (4, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out.argmax(axis=1), [2, 0, 1, 2])
    np.testing.assert_array_equal(out.sum(axis=1), 1)
    assert out[:, 3].sum() == 0
    assert ds.one_hot([1, 0]).shape == (2, 2)  # num_classes inferred


@pytest.mark.parametrize("labels, k, match", [
    ([0, 3], 3, r"\[0, 3\)"),
    ([-1, 0], 2, r"\[0, 2\)"),
    ([[0, 1]], 2, "1-D"),
    ([0.5, 1.0], 2, "integers"),
    ([0, 1], 0, "num_classes"),
])
def test_one_hot_rejects(labels, k, match):
    with pytest.raises(ValueError, match=match):
        ds.one_hot(labels, k)


def test_feature_cross_appends_products():
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 4.0, 0.5]], dtype=np.float32)
    out = ds.feature_cross(X)
    assert out.shape == (2, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :3], X)
    np.testing.assert_array_equal(out[:, 3], [2.0, -4.0])
    out = ds.feature_cross(X, pairs=[(0, 2), (1, 1)])
    np.testing.assert_array_equal(out[:, 3:], [[3.0, 4.0], [-0.5, 16.0]])
    assert ds.feature_cross(np.array([[1, 2]])).dtype == np.float32  # ints promoted


def test_feature_cross_makes_xor_linearly_separable():
    X, y = ds.xor_gate()
    Xc = ds.feature_cross(X)
    # x1 + x2 - 2*x1*x2 is exactly XOR on {0,1}: a linear function of the crossed features.
    np.testing.assert_array_equal(Xc @ np.array([1, 1, -2], np.float32), y[:, 0])


@pytest.mark.parametrize("X, pairs, match", [
    (np.zeros(3), ((0, 1),), "2-D"),
    (np.zeros((3, 2)), ((0, 2),), "outside"),
    (np.zeros((3, 2)), ((0,),), r"\(i, j\)"),
    (np.zeros((3, 2)), ((0, 1.0),), "ints"),
])
def test_feature_cross_rejects(X, pairs, match):
    with pytest.raises(ValueError, match=match):
        ds.feature_cross(X, pairs)


# ---------------------------------------------------------------- classification sets

def test_quadrants():
    X, y = ds.quadrants(500, seed=3)
    assert X.shape == (500, 2) and X.dtype == np.float32
    assert y.shape == (500,) and y.dtype == np.int64
    assert X.min() >= -2 and X.max() < 2
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))
    assert 0.35 < y.mean() < 0.65
    Xo, yo = ds.quadrants(500, seed=3, one_hot=True)
    np.testing.assert_array_equal(Xo, X)
    assert yo.shape == (500, 2) and yo.dtype == np.float32
    np.testing.assert_array_equal(yo.argmax(axis=1), y)
    X, _ = ds.quadrants(100, low=5, high=6)
    assert X.min() >= 5 and X.max() < 6


def test_above_line():
    X, y = ds.above_line(400, seed=1)
    assert X.shape == (400, 2) and y.shape == (400,) and y.dtype == np.int64
    np.testing.assert_array_equal(y, (X[:, 1] > X[:, 0]).astype(np.int64))
    assert 0.35 < y.mean() < 0.65


def test_two_moons_geometry():
    X, y = ds.two_moons(301, noise=0.0, seed=0)
    assert X.shape == (301, 2) and y.shape == (301,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [151, 150]
    upper, lower = X[y == 0], X[y == 1]
    # Without noise: the upper moon lies on the unit circle, the lower on one centred (1, 0.5).
    np.testing.assert_allclose(np.hypot(*upper.T), 1, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1, atol=1e-6)
    assert upper[:, 1].min() >= -1e-6 and lower[:, 1].max() <= 0.5 + 1e-6
    assert not np.all(y[:-1] <= y[1:])  # shuffled
    Xn, _ = ds.two_moons(301, noise=0.2, seed=0)
    assert np.abs(np.hypot(*Xn[y == 0].T) - 1).max() > 0.1


def test_spirals():
    X, y = ds.spirals(301, classes=3, seed=0)
    assert X.shape == (301, 2) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [101, 100, 100]
    r = np.hypot(*X.T)
    assert r.min() > 0 and r.max() <= 1 + 1e-6
    Xo, yo = ds.spirals(40, classes=4, seed=0, one_hot=True)
    assert yo.shape == (40, 4) and np.all(yo.sum(axis=1) == 1)
    with pytest.raises(ValueError, match="n must be >= classes"):
        ds.spirals(2, classes=3)


@pytest.mark.parametrize("fn", [ds.quadrants, ds.above_line, ds.two_moons, ds.spirals])
def test_seeding(fn):
    a, b = fn(50, seed=7), fn(50, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(fn(50, seed=8)[0], a[0])
    # A Generator is used (and advanced) as given; the global NumPy state is never touched.
    state = np.random.get_state()[1].copy()
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(fn(50, seed=g1)[0], fn(50, seed=g2)[0])
    assert not np.array_equal(fn(50, seed=g1)[0], a[0])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "n must be an int >= 1"),
    (dict(n=-3), "n must be an int >= 1"),
    (dict(n=2.5), "n must be an int"),
    (dict(n=True), "n must be an int"),
    (dict(n=10, seed=-1), "seed"),
    (dict(n=10, seed="a"), "seed"),
    (dict(n=10, seed=1.5), "seed"),
    (dict(n=10, low=1, high=1), "low must be < high"),
    (dict(n=10, low=float("nan")), "low"),
    (dict(n=10, dtype=np.int64), "floating dtype"),
])
def test_argument_checks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ds.quadrants(**kwargs)


def test_noise_must_be_nonnegative():
    with pytest.raises(ValueError, match="noise"):
        ds.two_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match="classes"):
        ds.spirals(10, classes=0)


# ---------------------------------------------------------------- regression sets

def test_fahrenheit_celsius():
    F, C = ds.fahrenheit_celsius(200, seed=0)
    assert C.shape == F.shape == (200, 1) and C.dtype == F.dtype == np.float32
    np.testing.assert_allclose(C, (F - 32) * 5 / 9, rtol=1e-5, atol=1e-4)
    assert F.min() >= -1 and F.max() < 1
    C2, F2 = ds.fahrenheit_celsius(200, seed=0, inverse=True)
    np.testing.assert_array_equal(F2, F)
    np.testing.assert_array_equal(C2, C)
    F3, _ = ds.fahrenheit_celsius(50, low=-40, high=212, seed=1)
    assert F3.min() >= -40 and F3.max() < 212 and F3.max() > 100
    _, Cn = ds.fahrenheit_celsius(200, seed=0, noise=1.0)
    assert 0.5 < np.std(Cn - C) < 1.5


def test_random_regression_recovers_coefficients():
    X, y, w, b = ds.random_regression(2000, n_features=3, noise=0.01, seed=4, return_coef=True)
    assert X.shape == (2000, 3) and y.shape == (2000, 1) and w.shape == (3, 1)
    assert X.dtype == y.dtype == np.float32 and isinstance(b, float)
    A = np.hstack([X, np.ones((2000, 1), np.float32)]).astype(np.float64)
    coef, *_ = np.linalg.lstsq(A, y.astype(np.float64), rcond=None)
    np.testing.assert_allclose(coef[:3], w, atol=2e-3)
    np.testing.assert_allclose(coef[3, 0], b, atol=2e-3)
    X2, y2 = ds.random_regression(2000, n_features=3, noise=0.01, seed=4)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    with pytest.raises(ValueError, match="n_features"):
        ds.random_regression(10, n_features=0)
