"""Fahrenheit -> Celsius with the scalar engine: the model ``w*F + b`` learns w = 5/9, b = -160/9.

Runs :func:`npgrad.scalar.examples.celsius_demo` (MSE, per-sample SGD, Fahrenheit in [-1, 1])
and prints the learned formula.
"""
from ..scalar import funcify
from ..scalar.examples import celsius_demo
from ._report import Report
from ._util import curve_plot

DESCRIPTION = "scalar engine: fit Celsius = w*F + b by per-sample SGD and print the learned formula"


def run(epochs=5, n=1000, lr=0.1, out=None, quiet=False, seed=0):
    """Returns ``{"w", "b", "formula", "loss"}`` (the final epoch's mean squared error)."""
    report = Report(out, quiet)
    model, history = celsius_demo(n=n, epochs=epochs, lr=lr, seed=seed, verbose=False)
    for i, loss in enumerate(history, 1):
        report.info(f"epoch {i}/{epochs}  mse {loss:.6g}")
    w, b = (p.value for p in model.parameters())
    formula = funcify(model)
    report.headline(f"formula: Celsius = {formula}")
    report.headline(f"w: {w:.6f}  b: {b:.6f}  (exact: {5 / 9:.6f}, {-160 / 9:.6f})")
    report.plot("loss.png", curve_plot, {"loss": history}, title="celsius: w*F + b, MSE per epoch")
    return {"w": w, "b": b, "formula": formula, "loss": history[-1], "plots": report.plots}
