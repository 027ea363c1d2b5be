"""The cartoon network: a sigmoid MLP 10-60-140-50-10-1 written in the column-vector form.

The textbook form: one sample is a column x of shape (features, 1), a layer is ``sigmoid(W @ a)``
with W of shape (out, in), no biases. Trained one sample at a time with plain SGD on the half
squared error 1/2 (a - y)^2 against random targets.

This is the library's batch-first math transposed: ``nn.Linear`` computes ``X @ W.T`` on rows
X (batch, in) with the same W (out, in), and (W @ x).T == x.T @ W.T, so both forms give the same
numbers. npgrad's convention everywhere else is batch-first.
"""
import numpy as np

from ..autograd.creation import tensor
from ..autograd.grad_mode import no_grad
from ..nn import init as initializers
from ._report import Report
from ._util import curve_plot

DESCRIPTION = "sigmoid MLP 10-60-140-50-10-1 as W @ x on columns, per-sample SGD: the loss falls"

SIZES = (10, 60, 140, 50, 10, 1)


def run(epochs=100, n=50, lr=0.05, sizes=SIZES, out=None, quiet=False, seed=0):
    """Train on ``n`` random samples for ``epochs``; returns ``{"loss_first", "loss_last",
    "losses"}`` (per-epoch mean half squared error)."""
    report = Report(out, quiet)
    rng = np.random.default_rng(seed)
    xavier = initializers.get("xavier")
    Ws = [tensor(xavier((o, i), rng, np.float32), requires_grad=True)
          for i, o in zip(sizes[:-1], sizes[1:])]
    X = rng.standard_normal((n, sizes[0], 1)).astype(np.float32)  # n columns (features, 1)
    Y = rng.uniform(0.0, 1.0, (n, sizes[-1], 1)).astype(np.float32)
    report.info(f"network {'-'.join(map(str, sizes))} (sigmoid, no biases), {n} samples, "
                f"per-sample SGD lr={lr}, {epochs} epochs")

    losses = []
    for epoch in range(epochs):
        total = 0.0
        for x, y in zip(X, Y):
            a = tensor(x)
            for W in Ws:
                a = (W @ a).sigmoid()
            loss = 0.5 * ((a - y) ** 2).sum()
            for W in Ws:
                W.grad = None
            loss.backward()
            with no_grad():
                for W in Ws:
                    W.data -= lr * W.grad
            total += loss.item()
        losses.append(total / n)
        report.info(f"epoch {epoch + 1}/{epochs}  loss {losses[-1]:.6f}")

    report.headline(f"loss first epoch: {losses[0]:.6f}  last epoch: {losses[-1]:.6f}")
    report.plot("loss.png", curve_plot, {"loss": losses},
                title="cartoon network: half squared error per epoch")
    return {"loss_first": losses[0], "loss_last": losses[-1], "losses": losses,
            "plots": report.plots}

