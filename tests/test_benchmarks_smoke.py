"""The benchmark's hand-written NumPy MLP (the floor npgrad is measured against) computes the right
gradients, and trains exactly like npgrad's nn/optim loop. No timing here: benchmarks run with
`make bench`, never in the tests."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import npgrad

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "mlp_impls.py"


@pytest.fixture(scope="module")
def impls():
    spec = importlib.util.spec_from_file_location("bench_mlp_impls", PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tiny(impls, seed=3):
    rng = np.random.default_rng(seed)
    sizes = (6, 5, 4, 3)
    params = impls.init_params("float64", seed=seed, sizes=sizes)
    x = rng.standard_normal((7, sizes[0]))
    y = rng.integers(0, sizes[-1], 7)
    return params, x, y


def test_numpy_mlp_gradients_match_central_differences(impls):
    params, x, y = _tiny(impls)
    mlp = impls.NumpyMLP(params)
    loss, grads = mlp.forward_backward(x, y)
    arrays = [a for pair in zip(mlp.W, mlp.b) for a in pair]  # W1, b1, W2, b2, W3, b3 (in, out) layout
    eps = 1e-6
    for arr, g in zip(arrays, grads):
        assert g.shape == arr.shape
        num = np.zeros_like(arr)
        flat, nflat = arr.reshape(-1), num.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            up = mlp.forward_backward(x, y)[0]
            flat[i] = orig - eps
            down = mlp.forward_backward(x, y)[0]
            flat[i] = orig
            nflat[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_numpy_mlp_matches_npgrad_autograd(impls):
    params, x, y = _tiny(impls)
    loss, grads = impls.NumpyMLP(params).forward_backward(x, y)
    ts = [npgrad.tensor(a, requires_grad=True, dtype="float64") for pair in params for a in pair]
    h = npgrad.tensor(x, dtype="float64")
    for k in range(3):
        h = npgrad.linear(h, ts[2 * k], ts[2 * k + 1])
        if k < 2:
            h = h.relu()
    ref = npgrad.cross_entropy(h, y)
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    for k in range(3):
        np.testing.assert_allclose(grads[2 * k], ts[2 * k].grad.T, rtol=1e-10, atol=1e-12)  # W is (in, out)
        np.testing.assert_allclose(grads[2 * k + 1], ts[2 * k + 1].grad, rtol=1e-10, atol=1e-12)


def test_numpy_sgd_step_is_w_minus_lr_grad(impls):
    params, x, y = _tiny(impls)
    mlp = impls.NumpyMLP(params, lr=0.1)
    before = [a.copy() for pair in zip(mlp.W, mlp.b) for a in pair]
    _, grads = mlp.forward_backward(x, y)
    mlp.step(x, y)
    after = [a for pair in zip(mlp.W, mlp.b) for a in pair]
    for b, a, g in zip(before, after, grads):
        np.testing.assert_allclose(a, b - 0.1 * g, rtol=1e-12, atol=1e-15)


def test_numpy_epoch_equals_npgrad_training_loop(impls):
    """float64: the benchmark's NumPy floor and its npgrad loop train identically (same batches)."""
    pytest.importorskip("npgrad.nn")
    pytest.importorskip("npgrad.optim")
    X, y = impls.make_data(96, "float64", seed=1)
    params = impls.init_params("float64", seed=1)
    a, b = impls.NumpyMLP(params), impls.NpgradMLP(params)
    for epoch in range(2):
        perm = impls.permutation(len(X), epoch, seed=1)
        la = a.epoch(X, y, perm, 32)
        lb = b.epoch(X, y, perm, 32)
        assert la == pytest.approx(lb, rel=1e-10)
    linears = [m for m in impls._children(b.model) if isinstance(m, npgrad.nn.Linear)]
    for (W, bias), layer in zip(a.weights_out_in(), linears):
        np.testing.assert_allclose(layer.weight.data, W, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.bias.data, bias, rtol=1e-9, atol=1e-12)


def test_minimal_autograd_floor_computes_npgrads_gradient():
    """The per-op benchmark's pure-Python floor (benchmarks/minimal_autograd.py) does the same work:
    its chain's input gradient equals npgrad's and a central difference."""
    spec = importlib.util.spec_from_file_location("bench_minimal", PATH.parent / "minimal_autograd.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(0)
    x0, a0, m0 = rng.standard_normal((3, 4, 4)) * np.array([1.0, 0.1, 1.0])[:, None, None]

    def chain(x, a, m, n=30):
        for i in range(n):
            x = x + a if i % 3 == 0 else x * m if i % 3 == 1 else x.tanh()
        return x.sum()

    xm = mod.Value(x0.copy(), requires_grad=True)
    chain(xm, mod.Value(a0), mod.Value(m0)).backward()
    xn = npgrad.tensor(x0, requires_grad=True)
    chain(xn, npgrad.tensor(a0), npgrad.tensor(m0)).backward()
    np.testing.assert_allclose(xm.grad, xn.grad, rtol=1e-12)
    e = np.zeros_like(x0)
    e[1, 2] = 1e-6
    value = lambda x: chain(mod.Value(x), mod.Value(a0), mod.Value(m0)).data  # noqa: E731
    assert (value(x0 + e) - value(x0 - e)) / 2e-6 == pytest.approx(xm.grad[1, 2], rel=1e-6)
