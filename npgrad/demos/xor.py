"""XOR, which no single neuron can draw a line for, solved two ways.

(a) Feature engineering: add the feature cross x1*x2. XOR = x1 + x2 - 2*x1*x2 is linear in
    [x1, x2, x1*x2], so one sigmoid neuron separates it.
(b) A hidden layer: a 2-3-1 sigmoid network (xavier init) learns its own features.

Both train with full-batch gradient descent, lr = 1, on the half squared error.
"""
import numpy as np

from .. import nn, optim
from ..data import feature_cross, xor_gate
from ._report import Report
from ._util import accuracy, boundary_plot, curve_plot

DESCRIPTION = "XOR: one neuron on [x1, x2, x1*x2], then a 2-3-1 sigmoid network: 100% accuracy"


def _train(model, X, y, epochs, lr):
    """Full-batch gradient descent on the half squared error; returns the per-epoch costs."""
    cost_fn = nn.HalfMSELoss()
    opt = optim.SGD(model.parameters(), lr=lr)
    costs = []
    for _ in range(epochs):
        cost = cost_fn(model(X), y)
        opt.zero_grad()
        cost.backward()
        opt.step()
        costs.append(cost.item())
    costs.append(cost_fn(model(X), y).item())  # the cost after the last step
    return costs


class CrossedNeuron(nn.Module):
    """sigmoid(w . [x1, x2, x1*x2] + b): takes the raw (n, 2) points, adds the cross itself."""

    def __init__(self, seed=None):
        self.neuron = nn.Sequential(nn.Linear(3, 1, init="xavier", seed=seed), nn.Sigmoid())

    def forward(self, x):
        return self.neuron(feature_cross(np.asarray(getattr(x, "data", x))))


def network(seed=0):
    """The 2-3-1 sigmoid network, xavier init."""
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 3, init="xavier", seed=rng), nn.Sigmoid(),
                         nn.Linear(3, 1, init="xavier", seed=rng), nn.Sigmoid())


def run(epochs=5000, lr=1.0, out=None, quiet=False, seed=0):
    """Train both models for ``epochs``; returns ``{"cross_accuracy", "cost_before",
    "cost_after", "accuracy", "costs"}`` (``accuracy`` and costs: the 2-3-1 network)."""
    report = Report(out, quiet)
    X, y = xor_gate()
    seeds = np.random.SeedSequence(seed).spawn(2)

    crossed = CrossedNeuron(seed=np.random.default_rng(seeds[0]))
    cross_costs = _train(crossed, X, y, epochs, lr)
    cross_acc = accuracy(crossed, X, y)
    report.info(f"(a) one sigmoid neuron on [x1, x2, x1*x2]: cost {cross_costs[0]:.6f} -> "
                f"{cross_costs[-1]:.6f}")
    report.headline(f"feature cross accuracy: {cross_acc:.2%}")

    net = network(np.random.default_rng(seeds[1]))
    costs = _train(net, X, y, epochs, lr)
    acc = accuracy(net, X, y)
    report.info(f"(b) 2-3-1 sigmoid network, lr={lr}, {epochs} epochs full batch")
    report.headline(f"cost before: {costs[0]:.6f}  after: {costs[-1]:.6f}")
    report.headline(f"accuracy: {acc:.2%}")

    report.plot("cost.png", curve_plot, {"cost": costs[:-1]}, title="XOR: 2-3-1 sigmoid network")
    report.plot("boundary.png", boundary_plot, net, X, y, title="XOR: 2-3-1 network")
    report.plot("cross_boundary.png", boundary_plot, crossed, X, y,
                title="XOR: one neuron on [x1, x2, x1*x2]")
    return {"cross_accuracy": cross_acc, "cost_before": costs[0], "cost_after": costs[-1],
            "accuracy": acc, "costs": costs, "plots": report.plots}
