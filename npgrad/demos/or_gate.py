"""One sigmoid neuron learns OR: full-batch gradient descent on the half squared error.

cost C = 1/(2m) * sum_i (sigmoid(w . x_i + b) - y_i)^2 over the m = 4 rows of the truth table,
starting from w = (0.1, 0.6), b = 0 with lr = 1, as in the worked example: the first steps'
cost and gradients can be checked by hand.
"""
import numpy as np

from .. import nn, optim
from ..data import or_gate
from ._report import Report
from ._util import accuracy, boundary_plot, curve_plot

DESCRIPTION = "one sigmoid neuron learns OR from w=(0.1, 0.6), lr=1: first steps, cost, boundary"

W0, B0 = (0.1, 0.6), 0.0


def neuron(w=W0, b=B0):
    """A 2-input sigmoid neuron with the given weights and bias."""
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    model[0].weight.data[...] = np.asarray(w, dtype=np.float32).reshape(1, 2)
    model[0].bias.data[...] = b
    return model


def run(epochs=5000, lr=1.0, show_steps=3, out=None, quiet=False, seed=0):
    """Train for ``epochs`` full-batch steps; returns ``{"cost_before", "cost_after",
    "accuracy", "w", "b", "first_steps", "costs"}``. (``seed`` is unused: nothing is random.)"""
    report = Report(out, quiet)
    X, y = or_gate()
    model = neuron()
    layer = model[0]
    cost_fn = nn.HalfMSELoss()
    opt = optim.SGD(model.parameters(), lr=lr)
    costs, first = [], []
    for epoch in range(epochs):
        cost = cost_fn(model(X), y)
        opt.zero_grad()
        cost.backward()
        costs.append(cost.item())
        if epoch < show_steps:
            dw, db = layer.weight.grad[0].tolist(), float(layer.bias.grad[0])
            first.append({"cost": costs[-1], "dw": dw, "db": db})
            report.info(f"step {epoch + 1}: cost {costs[-1]:.6f}  "
                        f"dC/dw = [{dw[0]:.6f}, {dw[1]:.6f}]  dC/db = {db:.6f}")
        opt.step()
    final = cost_fn(model(X), y).item()
    acc = accuracy(model, X, y)
    w, b = layer.weight.data[0].tolist(), float(layer.bias.data[0])
    report.headline(f"cost before: {costs[0]:.6f}  after: {final:.6f}")
    report.headline(f"w: [{w[0]:.4f}, {w[1]:.4f}]  b: {b:.4f}")
    report.headline(f"accuracy: {acc:.2%}")
    report.plot("cost.png", curve_plot, {"cost": costs}, title="OR: one sigmoid neuron")
    report.plot("boundary.png", boundary_plot, model, X, y, title="OR: decision regions")
    return {"cost_before": costs[0], "cost_after": final, "accuracy": acc, "w": w, "b": b,
            "first_steps": first, "costs": costs, "plots": report.plots}
