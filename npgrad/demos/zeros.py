"""Teach a 2-4-4-3 LeakyReLU network to output zeros for any input.

Each step draws a fresh standard-normal input and takes one SGD step on the squared error
against (0, 0, 0). The reported figure is the loss summed over a fixed set of 100 samples
(each sample's loss: the mean of its 3 squared outputs): it falls by orders of magnitude as
the last layer's weights and bias shrink towards zero.
"""
import numpy as np

from .. import nn, optim
from ..autograd.grad_mode import no_grad
from ._report import Report

DESCRIPTION = "2-4-4-3 LeakyReLU net taught to output zeros (--epochs = SGD steps): loss drops"


def network(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 4, init="he", seed=rng), nn.LeakyReLU(),
                         nn.Linear(4, 4, init="he", seed=rng), nn.LeakyReLU(),
                         nn.Linear(4, 3, init="he", seed=rng))


def summed_loss(model, X):
    """sum over samples of mean(output ** 2)."""
    with no_grad():
        out = model(X).data.astype(np.float64)
    return float((out ** 2).mean(axis=1).sum())


def run(epochs=10_000, n=100, lr=0.05, out=None, quiet=False, seed=0):
    """``epochs`` single-sample SGD steps; returns ``{"loss_before", "loss_after", "ratio"}``
    (the summed loss over ``n`` fixed samples)."""
    report = Report(out, quiet)
    rng = np.random.default_rng(seed)
    model = network(rng)
    X_eval = rng.standard_normal((n, 2)).astype(np.float32)
    X_steps = rng.standard_normal((epochs, 1, 2)).astype(np.float32)
    zero = np.zeros((1, 3), dtype=np.float32)
    loss_fn = nn.MSELoss()
    opt = optim.SGD(model.parameters(), lr=lr)

    before = summed_loss(model, X_eval)
    every = max(1, epochs // 10)
    steps, losses = [0], [before]
    for step, x in enumerate(X_steps, 1):
        loss = loss_fn(model(x), zero)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every == 0 or step == epochs:
            steps.append(step)
            losses.append(summed_loss(model, X_eval))
            report.info(f"step {step}/{epochs}  summed loss {losses[-1]:.6g}")
    after = losses[-1]
    report.headline(f"loss before: {before:.4f}  after: {after:.6f}")
    report.headline(f"ratio before/after: {before / max(after, 1e-300):.3g}")
    report.plot("loss.png", _plot_log, steps, losses)
    return {"loss_before": before, "loss_after": after, "ratio": before / max(after, 1e-300),
            "plots": report.plots}


def _plot_log(steps, losses, path):
    """The summed loss on a log scale against the step."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 4.0))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.semilogy(steps, losses, marker="o", markersize=3)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("loss summed over the samples")
    ax.set_title("zeros: 2-4-4-3 LeakyReLU")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=100)
