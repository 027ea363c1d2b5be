"""Gradients of random scalar expressions vs central differences and vs the tensor engine."""
import math

import numpy as np
import pytest

import npgrad
from npgrad.scalar import Input, Model, Parameter, ReLU, Softmax
from npgrad.scalar.testing import build_recipe, random_recipe

N_IN, N_PAR = 2, 3


def _random_case(seed, n_ops=12):
    """(model, inputs, params, input values, values) for a random recipe with tame values."""
    rng = np.random.default_rng(seed)
    recipe = random_recipe(N_IN + N_PAR, n_ops=n_ops, seed=rng)
    inputs = [Input(f"x{i + 1}") for i in range(N_IN)]
    params = [Parameter(seed=rng) for _ in range(N_PAR)]
    nodes = build_recipe(recipe, inputs + params)
    model = Model(nodes[-1], inputs=inputs)
    xs = rng.uniform(-1.5, 1.5, N_IN).tolist()
    model.predict(xs)
    values = [n.value for n in model.nodes]
    tame = all(math.isfinite(v) and abs(v) < 1e3 for v in values)
    # a kink within reach of the finite-difference step would make the check meaningless
    tame = tame and all(abs(n.children[0].value) > 1e-3 for n in model.nodes if isinstance(n, ReLU))
    return recipe, model, inputs, params, xs, tame


def _central(model, leaf, h=1e-6):
    v = leaf.value
    leaf.value = v + h
    up = model.forward()
    leaf.value = v - h
    down = model.forward()
    leaf.value = v
    model.forward()
    return (up - down) / (2 * h)


@pytest.mark.parametrize("seed", range(40))
def test_random_expression_matches_central_differences(seed):
    _, model, inputs, params, xs, tame = _random_case(seed)
    if not tame:
        pytest.skip("values too large or a ReLU too close to its kink for finite differences")
    model.zero_grad()
    model.backward(1.0)
    for leaf in inputs + params:
        num = _central(model, leaf)
        assert leaf.grad == pytest.approx(num, rel=1e-5, abs=1e-6), (seed, leaf, num)


def test_enough_random_cases_are_checked():
    assert sum(_random_case(s)[-1] for s in range(40)) >= 30


def _tensor_ops():
    return {
        "add": lambda a, b: a + b,
        "add3": lambda a, b, c: a + b + c,
        "mul": lambda a, b: a * b,
        "mul3": lambda a, b, c: a * b * c,
        "sub": lambda a, b: a - b,
        "div": lambda a, b: a / (b * b + 1.0),
        "square": lambda a: a ** 2,
        "cube": lambda a: a ** 3,
        "sqrt1p2": lambda a: (a * a + 1.0) ** 0.5,
        "neg": lambda a: -a,
        "relu": lambda a: a.relu(),
        "sigmoid": lambda a: a.sigmoid(),
        "tanh": lambda a: a.tanh(),
        "exp": lambda a: a.exp(),
        "log1p2": lambda a: (a * a + 1.0).log(),
    }


needs_tensor = pytest.mark.skipif(not hasattr(npgrad, "tensor"), reason="tensor engine not available yet")


@needs_tensor
@pytest.mark.parametrize("seed", range(40))
def test_random_expression_matches_tensor_engine(seed):
    recipe, model, inputs, params, xs, tame = _random_case(seed)
    if not tame:
        pytest.skip("values out of range")
    model.zero_grad()
    model.backward(1.0)
    leaf_values = xs + [p.value for p in params]
    leaves = [npgrad.tensor(np.array(v), requires_grad=True, dtype=np.float64) for v in leaf_values]
    out = build_recipe(recipe, leaves, _tensor_ops())[-1]
    assert float(np.asarray(out.data if hasattr(out, "data") else out)) == pytest.approx(model.forward(), rel=1e-12)
    out.sum().backward()
    for node, t in zip(inputs + params, leaves):
        tg = 0.0 if t.grad is None else float(np.asarray(t.grad))
        assert node.grad == pytest.approx(tg, rel=1e-10, abs=1e-12), (seed, node)


@needs_tensor
def test_softmax_matches_tensor_engine():
    rng = np.random.default_rng(3)
    xs = [Parameter(v) for v in rng.normal(size=4)]
    w = rng.normal(size=4)
    s = Softmax(xs)
    out = sum((float(wk) * s[k] for k, wk in enumerate(w)), 0.0)
    m = Model(out)
    m.predict()
    m.backward()
    t = npgrad.tensor(np.array([p.value for p in xs]), requires_grad=True, dtype=np.float64)
    e = (t - float(max(p.value for p in xs))).exp()
    p = e / e.sum()
    (p * npgrad.tensor(w, dtype=np.float64)).sum().backward()
    np.testing.assert_allclose([x.grad for x in xs], np.asarray(t.grad), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s.value, np.asarray(p.data if hasattr(p, "data") else p), rtol=1e-14)
