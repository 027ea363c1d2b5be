"""Above or below the line y = x, with the scalar engine: a 2-4-1 ReLU/sigmoid MLP of scalar nodes.

Runs :func:`npgrad.scalar.examples.above_line_demo` (binary cross-entropy, per-sample SGD) and
prints the learned network as one formula.
"""
import numpy as np

from ..scalar import funcify
from ..scalar.examples import above_line_data, above_line_demo
from ._report import Report
from ._util import boundary_plot, curve_plot

DESCRIPTION = "scalar engine: classify points above y = x with a tiny MLP and print it as a formula"


def run(epochs=10, n=1000, n_test=1000, hidden=4, lr=0.1, out=None, quiet=False, seed=0):
    """Returns ``{"accuracy", "formula", "loss"}`` (accuracy on ``n_test`` fresh points)."""
    report = Report(out, quiet)
    model, history, acc = above_line_demo(n_train=n, n_test=n_test, hidden=hidden, epochs=epochs,
                                          lr=lr, seed=seed, verbose=False)
    for i, loss in enumerate(history, 1):
        report.info(f"epoch {i}/{epochs}  bce {loss:.6g}")
    formula = funcify(model, digits=3)
    report.headline(f"formula: {formula}")
    report.headline(f"test accuracy: {acc:.2%}")
    report.plot("loss.png", curve_plot, {"loss": history}, title="above y = x: BCE per epoch")
    if report.out is not None:
        batch = model.compile().predict_batch
        pts = above_line_data(300, np.random.default_rng([seed, 1]))
        X = np.array([x for x, _ in pts])
        y = np.array([t for _, t in pts]).reshape(-1, 1)
        report.plot("boundary.png", boundary_plot, lambda g: batch(np.asarray(g, np.float64)),
                    X, y, title="above y = x: scalar-engine MLP")
    return {"accuracy": acc, "formula": formula, "loss": history[-1], "plots": report.plots}
