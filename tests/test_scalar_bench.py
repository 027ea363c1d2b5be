"""The benchmark's problem is micrograd's demo: same data recipe, weights and loss."""
import importlib.util
import random
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_scalar", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scalar.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _numpy_loss(X, y, weights):
    """The demo loss written directly with NumPy arrays."""
    w = iter(weights)
    h = X
    sizes = bench.SIZES
    for layer, (nin, nout) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = np.empty((nout, nin))
        b = np.empty(nout)
        for j in range(nout):
            W[j] = [next(w) for _ in range(nin)]
            b[j] = next(w)
        h = h @ W.T + b
        if layer < len(sizes) - 2:
            h = np.maximum(h, 0.0)
    score = h[:, 0]
    return np.mean(np.maximum(1 - y * score, 0)) + bench.ALPHA * np.sum(np.square(weights))


def test_moons_data():
    X, y = bench.make_moons()
    assert X.shape == (100, 2) and set(y.tolist()) == {-1.0, 1.0} and y.sum() == 0
    X2, _ = bench.make_moons()
    assert np.array_equal(X, X2)


def test_initial_weights_are_micrographs():
    mg = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    model = mg.MLP(2, [16, 16, 1])
    assert [p.data for p in model.parameters()] == bench.micrograd_initial_weights()


def test_graphs_compute_the_demo_loss_and_agree():
    X, y = bench.make_moons()
    w0 = bench.micrograd_initial_weights()
    model, params, _ = bench.full_batch_graph()
    assert len(params) == 337 and len(model) > 35_000
    loss = model.predict()
    assert loss == pytest.approx(_numpy_loss(X, y, w0), rel=1e-12)
    batch = bench.run_scalar_batch(steps=3)
    full = bench.run_scalar(steps=3, gc_on=True, compiled=False)
    assert batch["losses"][0] == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(batch["losses"], full["losses"], rtol=1e-12)
