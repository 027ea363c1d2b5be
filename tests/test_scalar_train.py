"""Training: the tutorial's examples, the losses, vector outputs."""
import math

import numpy as np
import pytest

from npgrad.scalar import (
    MLP, Input, Model, Parameter, ReLU, Sigmoid, Softmax, get_loss, train_model,
)
from npgrad.scalar.examples import above_line_data, above_line_demo, celsius_data, celsius_demo


@pytest.mark.parametrize("compiled", [False, True])
def test_fahrenheit_to_celsius_recovers_exact_coefficients(compiled):
    data = celsius_data(1000, seed=0)
    assert all(-1 <= x[0] <= 1 for x, _ in data) and len(data) == 1000
    F = Input("F")
    w, b = Parameter(seed=1), Parameter(seed=2)
    model = Model(w * F + b)
    hist = train_model(model.compile() if compiled else model, "mse", data, epochs=5, lr=0.1)
    assert len(hist) == 5 and hist[-1] < hist[0]
    assert round(w.value, 3) == round(5 / 9, 3) and abs(w.value - 5 / 9) < 5e-4
    assert round(b.value, 3) == round(-160 / 9, 3) and abs(b.value + 160 / 9) < 5e-4
    assert str(model) == "0.5556*F - 17.78"


def test_celsius_demo(capsys):
    model, hist = celsius_demo(verbose=True)
    assert "0.5556*F - 17.78" in capsys.readouterr().out
    w, b = model.parameters()
    assert abs(w.value - 5 / 9) < 5e-4 and abs(b.value + 160 / 9) < 5e-4


def test_points_above_the_line_reach_97_percent():
    rng = np.random.default_rng(7)
    x1, x2 = Input("x1"), Input("x2")
    # sigmoid(v1*relu(w.x + b1) + v2*relu(-w.x + b2) + c), built explicitly
    hidden = [ReLU(Parameter(seed=rng) * x1 + Parameter(seed=rng) * x2 + Parameter(0.0)) for _ in range(3)]
    out = Sigmoid(sum((Parameter(seed=rng) * h for h in hidden), Parameter(0.0)))
    model = Model(out)
    train = above_line_data(1000, seed=1)
    test = above_line_data(1000, seed=2)
    hist = train_model(model.compile(), "bce", train, epochs=10, lr=0.1, shuffle=True, seed=3)
    assert hist[-1] < hist[0]
    acc = np.mean([(model.predict(x) > 0.5) == (t > 0.5) for x, t in test])
    assert acc >= 0.97


def test_above_line_demo():
    model, hist, acc = above_line_demo(verbose=False)
    assert acc >= 0.97 and len(hist) == 10 and str(model).startswith("sigmoid(")


def test_softmax_classifier_with_categorical_crossentropy():
    rng = np.random.default_rng(0)
    centers = np.array([[1.0, 0.0], [-1.0, 0.5], [0.0, -1.0]])
    labels = rng.integers(0, 3, 300)
    X = centers[labels] + 0.2 * rng.normal(size=(300, 2))
    data = [(x.tolist(), int(c)) for x, c in zip(X, labels)]
    m = MLP(2, [6, 3], activation="tanh", output_activation="softmax", seed=1)
    hist = train_model(m.compile(), "categorical_crossentropy", data, epochs=5, lr=0.1)
    assert hist[-1] < 0.1 < hist[0]
    preds = [int(np.argmax(m.predict(x))) for x, _ in data]
    assert np.mean(np.array(preds) == labels) > 0.97
    one_hot = [(x, np.eye(3)[c].tolist()) for x, c in data[:5]]
    assert len(train_model(m, "categorical_crossentropy", one_hot, epochs=1, lr=0.0)) == 1


@pytest.mark.parametrize("name", ["mse", "bce", "categorical_crossentropy", "hinge"])
def test_loss_gradients_match_finite_differences(name):
    fn = get_loss(name)
    rng = np.random.default_rng(1)
    if name == "categorical_crossentropy":
        p = rng.dirichlet(np.ones(3)).tolist()
        t = [0.0, 1.0, 0.0]
    elif name == "hinge":
        p, t = [0.3, -2.0], [1.0, 1.0]
    else:
        p, t = [0.3, 0.8], [0.0, 1.0]
    loss, grad = fn.sample(p, t)
    for k in range(len(p)):
        h = 1e-7
        up = list(p); up[k] += h
        down = list(p); down[k] -= h
        num = (fn.sample(up, t)[0] - fn.sample(down, t)[0]) / (2 * h)
        assert grad[k] == pytest.approx(num, rel=1e-5, abs=1e-8)
    lb, gb = fn.batch(np.array([p, p]), np.array([t, t]))
    np.testing.assert_allclose(lb, [loss, loss], rtol=1e-12)
    np.testing.assert_allclose(gb, [grad, grad], rtol=1e-12)


def test_bce_is_clamped():
    loss, grad = get_loss("bce").sample(1.0, 0.0)
    assert math.isfinite(loss) and math.isfinite(grad) and loss == pytest.approx(-math.log(1e-7), rel=1e-6)
    loss, grad = get_loss("bce").sample(0.0, 0.0)
    assert loss < 1e-6


def test_custom_loss_pair_and_errors():
    x = Input("x")
    w = Parameter(0.0)
    m = Model(w * x)
    pair = (lambda p, t: abs(p - t), lambda p, t: 1.0 if p > t else -1.0)
    hist = train_model(m, pair, [([1.0], 2.0)] * 10, epochs=3, lr=0.1)
    assert w.value == pytest.approx(2.0) and hist[-1] < hist[0]
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        train_model(m, "l1", [([1.0], 2.0)])
    with pytest.raises(ValueError, match="no data"):
        train_model(m, "mse", [])
    with pytest.raises(ValueError, match="expected inputs: x"):
        train_model(m, "mse", [([1.0, 2.0], 2.0)])


def test_train_model_accepts_dict_inputs_and_prints(capsys):
    a, b = Input("a"), Input("b")
    w = Parameter(0.0)
    m = Model(w * a + b)
    data = [({"a": 1.0, "b": 0.5}, 2.5), ({"b": 0.0, "a": -1.0}, -2.0)]
    hist = train_model(m, "mse", data, epochs=40, lr=0.2, print_every=20)
    assert w.value == pytest.approx(2.0, abs=1e-6)
    out = capsys.readouterr().out
    assert "epoch   20/40" in out and "epoch   40/40" in out and len(hist) == 40


def test_softmax_vector_output_trains_from_one_gradient_per_output():
    a, b = Parameter(0.0), Parameter(0.0)
    m = Model(Softmax([a, b]))
    hist = train_model(m, "categorical_crossentropy", [([], 1)] * 50, epochs=2, lr=0.5)
    p = m.predict()
    assert p[1] > 0.95 and hist[1] < hist[0]
