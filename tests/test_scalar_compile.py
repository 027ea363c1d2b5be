"""Compiled models: identical values and gradients to the graph, per sample and per batch."""
import numpy as np
import pytest

from npgrad.scalar import (
    MLP, Add, CompiledModel, Constant, Input, Linear, Model, Multiply, Node, Parameter, ReLU, Softmax,
    compile, train_model,
)
from npgrad.scalar.testing import build_recipe, random_recipe

# ops whose NumPy batch versions round exactly like the per-sample Python ones
EXACT_OPS = ("add", "add3", "mul", "mul3", "sub", "div", "square", "neg", "relu")


def _random_model(seed, n_ops=14, ops=None):
    rng = np.random.default_rng(seed)
    kw = {} if ops is None else {"ops": ops}
    recipe = random_recipe(5, n_ops=n_ops, seed=rng, **kw)
    inputs = [Input(f"x{i + 1}") for i in range(2)]
    params = [Parameter(seed=rng) for _ in range(3)]
    nodes = build_recipe(recipe, inputs + params)
    # two outputs sharing the graph, one an intermediate node
    return Model([nodes[-1], nodes[-3]], inputs=inputs), rng


def _snapshot(model):
    return [(n.value, n.grad) for n in model.nodes]


@pytest.mark.parametrize("seed", range(25))
def test_compiled_matches_uncompiled_exactly(seed):
    model, rng = _random_model(seed)
    xs = rng.uniform(-1.2, 1.2, 2).tolist()
    d = rng.normal(size=2).tolist()
    model.zero_grad()
    for p in model.parameters():
        p.grad = 0.125                      # accumulation onto existing grads must match too
    out = model.predict(xs)
    model.backward(d)
    expected = _snapshot(model)
    expected_in = model.input_grads()

    cm = compile(model)
    model.zero_grad()
    for p in model.parameters():
        p.grad = 0.125
    assert cm.predict(xs) == out
    cm.backward(d)
    assert cm.input_grads() == expected_in
    cm.sync()
    got = _snapshot(model)
    for (ev, eg), (gv, gg), n in zip(expected, got, model.nodes):
        assert gv == ev, n
        assert gg == eg, n


def test_compiled_code_is_straight_line():
    model, _ = _random_model(0)
    src = compile(model).source
    body = [ln.strip() for ln in src.splitlines()]
    assert not any(ln.startswith(("for ", "while ", "if ")) for ln in body)
    assert src.count("def ") == 2


@pytest.mark.parametrize("seed", range(15))
def test_batch_matches_per_sample_exactly_for_exact_ops(seed):
    model, rng = _random_model(seed, ops=EXACT_OPS)
    cm = compile(model)
    X = rng.uniform(-1.5, 1.5, size=(7, 2))
    D = rng.normal(size=(7, 2))
    init = [0.25, -0.5, 1.0]
    # per-sample reference: predict and backward each sample, parameter grads accumulating
    for p, g in zip(model.parameters(), init):
        p.grad = g
    outs, in_grads = [], []
    for x, d in zip(X, D):
        outs.append(model.predict(x.tolist()))
        model.backward(d.tolist())
        in_grads.append(model.input_grads())
    ref_grads = [p.grad for p in model.parameters()]

    for p, g in zip(model.parameters(), init):
        p.grad = g
    got = cm.predict_batch(X)
    assert got.shape == (7, 2)
    assert np.array_equal(got, np.array(outs))
    gin = cm.backward_batch(D)
    assert np.array_equal(gin, np.array(in_grads))
    assert [p.grad for p in model.parameters()] == ref_grads


@pytest.mark.parametrize("seed", range(15))
def test_batch_matches_per_sample_for_all_ops(seed):
    model, rng = _random_model(seed)
    cm = compile(model)
    X = rng.uniform(-1.2, 1.2, size=(5, 2))
    ref = np.array([model.predict(x.tolist()) for x in X])
    if not np.all(np.isfinite(ref)) or np.abs(ref).max() > 1e6:
        pytest.skip("values out of range")
    np.testing.assert_allclose(cm.predict_batch(X), ref, rtol=1e-13, atol=1e-15)
    model.zero_grad()
    for x in X:
        model.predict(x.tolist())
        model.backward([1.0, -1.0])
    ref_grads = [p.grad for p in model.parameters()]
    cm.zero_grad()
    cm.backward_batch(np.tile([1.0, -1.0], (5, 1)))
    np.testing.assert_allclose([p.grad for p in model.parameters()], ref_grads, rtol=1e-12, atol=1e-14)


def test_parameter_used_several_times_per_sample_sums_like_a_loop():
    w, x = Parameter(0.3), Input("x")
    m = Model(Add([Multiply([w, x]), Multiply([w, w, x]), ReLU(Multiply([x, w]))]))
    cm = m.compile()
    X = np.linspace(-1, 1, 9)
    w.grad = 0.0
    for v in X:
        m.predict([v])
        m.backward()
    ref = w.grad
    w.grad = 0.0
    cm.predict_batch(X)
    cm.backward_batch(np.ones(9))
    assert w.grad == ref


def test_softmax_model_compiled_and_batched():
    rng = np.random.default_rng(1)
    m = MLP(3, [5, 4], activation="tanh", output_activation="softmax", seed=rng)
    cm = compile(m)
    X = rng.normal(size=(6, 3))
    ref = [m.predict(x.tolist()) for x in X]
    assert [cm.predict(x.tolist()) for x in X] == ref
    np.testing.assert_allclose(cm.predict_batch(X), np.array(ref), rtol=1e-13)
    np.testing.assert_allclose(cm.predict_batch(X).sum(axis=1), 1.0, rtol=1e-14)
    d = rng.normal(size=4).tolist()
    m.zero_grad()
    m.predict(X[0].tolist())
    m.backward(d)
    g_ref = [p.grad for p in m.parameters()]
    m.zero_grad()
    cm.predict(X[0].tolist())
    cm.backward(d)
    assert [p.grad for p in m.parameters()] == g_ref


def test_compiled_training_is_identical_to_uncompiled():
    def run(compiled):
        m = MLP(2, [3, 1], activation="relu", output_activation="sigmoid", seed=5)
        data = [([a, b], float(b > a)) for a, b in np.random.default_rng(2).uniform(-1, 1, (50, 2)).tolist()]
        runner = m.compile() if compiled else m
        hist = train_model(runner, "bce", data, epochs=3, lr=0.2)
        return hist, [p.value for p in m.parameters()]
    assert run(False) == run(True)


def test_compiled_backward_recomputes_after_parameter_change():
    w, x = Parameter(1.0), Input("x")
    cm = Model(ReLU(w * x) * w).compile()
    cm.predict([2.0])
    w.value = 3.0
    cm.zero_grad()
    cm.backward()
    assert w.grad == 2 * 3.0 * 2.0     # d(w*w*x)/dw at w = 3, x = 2


def test_step_batch_is_gradient_descent_on_the_mean_loss():
    rng = np.random.default_rng(4)
    m = MLP(2, [4, 1], seed=rng)
    cm = m.compile()
    X = rng.normal(size=(10, 2))
    y = np.sign(rng.normal(size=10))
    w0 = [p.value for p in m.parameters()]
    # reference: per-sample graph, gradients accumulated over the batch, then one step
    m.zero_grad()
    total = 0.0
    for x, t in zip(X, y):
        s = m.predict(x.tolist())
        margin = 1.0 - t * s
        total += max(margin, 0.0)
        m.backward((-t if margin > 0 else 0.0) / 10)
    total = total / 10 + 1e-3 * sum(v * v for v in w0)
    ref = [v - 0.5 * (p.grad + 2e-3 * v) for v, p in zip(w0, m.parameters())]
    for p, v in zip(m.parameters(), w0):
        p.value = v
    loss = cm.step_batch(X, y, "hinge", lr=0.5, l2=1e-3)
    assert loss == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose([p.value for p in m.parameters()], ref, rtol=1e-12, atol=1e-15)


def test_train_batch_learns_and_handles_minibatches():
    rng = np.random.default_rng(0)
    x = Input("x")
    w, b = Parameter(0.0), Parameter(0.0)
    cm = Model(w * x + b).compile()
    X = rng.uniform(-1, 1, 200)
    hist = cm.train_batch(X, 3 * X - 1, "mse", epochs=60, lr=0.3, batch_size=32, shuffle=True, seed=1)
    assert hist[-1] < 1e-8 < hist[0]
    assert w.value == pytest.approx(3.0, abs=1e-4) and b.value == pytest.approx(-1.0, abs=1e-4)


def test_compiled_errors():
    x, y = Input("x"), Input("y")
    cm = compile(x * y)
    assert isinstance(cm, CompiledModel) and compile(cm) is cm
    with pytest.raises(RuntimeError, match="predict"):
        cm.backward()
    with pytest.raises(ValueError, match="expected inputs: x, y"):
        cm.predict([1.0])
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        cm.predict_batch(np.ones((4, 3)))
    with pytest.raises(ValueError, match="unknown input"):
        cm.predict_batch({"x": [1.0], "z": [2.0]})
    cm.predict_batch({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(ValueError, match="gradients of shape"):
        cm.backward_batch(np.ones(3))
    with pytest.raises(TypeError, match="unexpected"):
        compile(x * y, fast=True)

    class Weird(Node):
        __slots__ = ()

        def forward(self):
            self.value = 1.0

    w = Weird((x,))
    with pytest.raises(TypeError, match="Weird"):
        compile(Model(Add([w, y])))


def test_linear_macro_expands_to_elementary_nodes():
    xs = [Input("a"), Input("b")]
    outs = Linear(xs, 3, activation="relu", weights=[[1, 2], [3, 4], [-5, -6]], bias=[0.5, 0.0, 0.0], name="L")
    m = Model(outs)
    assert m.predict([1.0, 1.0]) == [3.5, 7.0, 0.0]
    assert [p.name for p in m.parameters()][:3] == ["L.w[0,0]", "L.w[0,1]", "L.b[0]"]
    kinds = {type(n).__name__ for n in m.nodes}
    assert kinds == {"Input", "Parameter", "Multiply", "Add", "ReLU"}
    assert sum(isinstance(n, Multiply) for n in m.nodes) == 6
    with pytest.raises(ValueError, match="weights"):
        Linear(xs, 2, weights=[[1, 2]])
    with pytest.raises(ValueError, match="activation"):
        Linear(xs, 2, activation="swish")


def test_mlp_parameter_count_and_order_match_micrograd():
    m = MLP(2, [16, 16, 1], seed=0)
    assert len(m.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert [len(layer) for layer in m.layers] == [16, 16, 1]
    assert all(p.value == 0.0 for p in m.parameters()[2::3][:16])  # biases start at 0 (w, w, b per neuron)
    assert isinstance(m.predict([0.1, 0.2]), float)
    assert isinstance(Constant(1.0), Node)
    assert isinstance(m.outputs[0], Add) and not isinstance(m.outputs[0], Softmax)
