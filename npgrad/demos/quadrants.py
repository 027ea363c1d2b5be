"""Quadrants: is x1 * x2 > 0? A 2-3-2 LeakyReLU network, one-hot targets, MSE, per-sample SGD.

The points are uniform in [-2, 2]^2 (label 1 in the first and third quadrants); one pass of
per-sample SGD (lr = 0.05) over 100,000 of them, accuracy measured on 1,000 held-out points
before and after.
"""
import numpy as np

from .. import nn, optim
from ..data import quadrants
from ..train import fit
from ._report import Report
from ._util import accuracy, boundary_plot

DESCRIPTION = "is x1*x2 > 0? 2-3-2 LeakyReLU, per-sample SGD, 100,000 points: accuracy before/after"


def network(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 3, init="he", seed=rng), nn.LeakyReLU(),
                         nn.Linear(3, 2, init="he", seed=rng))


def run(epochs=1, n=100_000, n_test=1000, lr=0.05, out=None, quiet=False, seed=0):
    """``epochs`` passes of per-sample SGD over ``n`` points; returns ``{"accuracy_before",
    "accuracy_after", "loss"}`` (accuracies on ``n_test`` held-out points)."""
    report = Report(out, quiet)
    s_data, s_test, s_model, s_order = np.random.SeedSequence(seed).generate_state(4)
    X, y = quadrants(n, seed=int(s_data), one_hot=True)
    X_test, y_test = quadrants(n_test, seed=int(s_test), one_hot=True)
    model = network(int(s_model))
    before = accuracy(model, X_test, y_test)
    report.info(f"2-3-2 LeakyReLU network, MSE on one-hot targets, per-sample SGD lr={lr}, "
                f"{n:,} points x {epochs} epoch(s)")
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=lr), X, y,
                  epochs=epochs, batch_size=1, metrics=(), seed=int(s_order),
                  progress=not quiet)
    after = accuracy(model, X_test, y_test)
    report.headline(f"accuracy before: {before:.2%}  after: {after:.2%}")
    report.plot("boundary.png", boundary_plot, model, X_test, y_test,
                title=f"quadrants: 2-3-2 LeakyReLU, test accuracy {after:.1%}")
    return {"accuracy_before": before, "accuracy_after": after,
            "loss": history.history["loss"][-1], "plots": report.plots}
