"""Two small worked examples from the tutorial, ready for demos (each runs in well under a second)."""
from __future__ import annotations

import numpy as np

from .formula import funcify
from .graph import Model
from .macros import MLP
from .nodes import Input, Parameter, as_generator
from .train import train_model

__all__ = ["celsius_data", "celsius_demo", "above_line_data", "above_line_demo"]


def celsius_data(n: int = 1000, seed=0):
    """(inputs, target) pairs: Fahrenheit x uniform in [-1, 1] and Celsius (x - 32) * 5/9."""
    x = as_generator(seed).uniform(-1.0, 1.0, n)
    return [([float(f)], (float(f) - 32.0) * 5.0 / 9.0) for f in x]


def celsius_demo(n: int = 1000, epochs: int = 5, lr: float = 0.1, seed=0, verbose: bool = True,
                 compiled: bool = True):
    """Learn Fahrenheit -> Celsius with the linear model ``w*F + b`` (MSE, per-sample SGD).

    Returns ``(model, history)``; the learned w, b approach 5/9 and -160/9.
    """
    rng = as_generator(seed)
    data = celsius_data(n, rng)
    F = Input("F")
    w, b = Parameter(name="w", seed=rng), Parameter(name="b", seed=rng)
    model = Model(w * F + b)
    runner = model.compile() if compiled else model
    history = train_model(runner, "mse", data, epochs=epochs, lr=lr)
    if verbose:
        print(f"Celsius = {funcify(model)}   (exact: 0.5556*F - 17.78; "
              f"w = {w.value:.6f}, b = {b.value:.6f}, final MSE {history[-1]:.3g})")
    return model, history


def above_line_data(n: int = 1000, seed=0):
    """Points uniform in [-1, 1]^2 labelled 1 above the line y = x, else 0."""
    pts = as_generator(seed).uniform(-1.0, 1.0, size=(n, 2))
    return [([float(a), float(b)], 1.0 if b > a else 0.0) for a, b in pts]


def above_line_demo(n_train: int = 1000, n_test: int = 1000, hidden: int = 4, epochs: int = 10,
                    lr: float = 0.1, seed=0, verbose: bool = True, compiled: bool = True):
    """Classify points above/below y = x with ``sigmoid(sum_j v_j relu(w_j . x + b_j) + c)`` (BCE).

    Returns ``(model, history, accuracy)`` with the accuracy on ``n_test`` fresh points.
    """
    rng = as_generator(seed)
    train = above_line_data(n_train, rng)
    test = above_line_data(n_test, rng)
    model = MLP(2, [hidden, 1], activation="relu", output_activation="sigmoid", seed=rng,
                input_names=["x", "y"])
    runner = model.compile() if compiled else model
    history = train_model(runner, "bce", train, epochs=epochs, lr=lr, shuffle=True, seed=rng)
    if compiled:
        probs = runner.predict_batch(np.array([x for x, _ in test]))
    else:
        probs = np.array([runner.predict(x) for x, _ in test])
    labels = np.array([t for _, t in test])
    accuracy = float(np.mean((probs > 0.5) == (labels > 0.5)))
    if verbose:
        print(f"above y = x: test accuracy {accuracy:.1%} after {epochs} epochs (final BCE {history[-1]:.4f})")
        print(funcify(model, digits=3))
    return model, history, accuracy
