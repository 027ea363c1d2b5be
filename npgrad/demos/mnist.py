"""MNIST with a 784-100-200-10 ReLU network: softmax cross-entropy, SGD lr=0.1, batch 32.

On full MNIST (50,000 train / 10,000 validation / 10,000 test) 25 epochs reach about 98%
validation accuracy. When full MNIST is not in the cache (``npgrad.data.load_mnist(download=
False)`` raises), the demo runs offline on the real MNIST sample shipped with npgrad: the
10,000-image MNIST test set split 7,000 train / 1,000 validation / 2,000 test (25 epochs take
about 5 s of training on 2 idle cores, 30 s on busy ones; about 97% validation accuracy).
"""
import numpy as np

from .. import nn, optim
from ..data import default_data_dir, load_mnist, load_mnist_sample
from ..train import evaluate, fit
from ._report import Report
from ._util import curve_plot

DESCRIPTION = "MNIST, 784-100-200-10 ReLU, SGD: accuracy curves (the shipped sample offline)"

SIZES = (784, 100, 200, 10)
EPOCHS = 25
SAMPLE_VAL = 1000
GET_FULL = 'python -c "import npgrad.data as d; d.download_mnist()"'


def load(data="auto"):
    """``(kind, (X_train, y_train, X_val, y_val, X_test, y_test), why)``: kind "full" or
    "sample"; ``why`` says why the sample is used (None otherwise). data: "auto" (full when
    cached, else the sample), "full" (raises FileNotFoundError when missing) or "sample"."""
    if data not in ("auto", "full", "sample"):
        raise ValueError(f"data must be 'auto', 'full' or 'sample', got {data!r}")
    why = "requested"
    if data != "sample":
        try:
            return "full", load_mnist(download=False), None
        except FileNotFoundError:
            if data == "full":
                raise
            why = f"full MNIST not found in {default_data_dir()}"
    X, y, X_test, y_test = load_mnist_sample()
    cut = len(X) - SAMPLE_VAL
    return "sample", (X[:cut], y[:cut], X[cut:], y[cut:], X_test, y_test), why


def network(sizes=SIZES, seed=0):
    """Linear + ReLU layers (he init), a linear output of class scores."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out, init="he", seed=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def run(epochs=EPOCHS, lr=0.1, batch_size=32, data="auto", n=None, out=None, quiet=False, seed=0):
    """Train and test; returns ``{"data", "epochs", "accuracy", "val_accuracy", "test_accuracy",
    "test_loss", "history"}``. n: use only the first n training images (fast mode)."""
    report = Report(out, quiet)
    kind, (X, y, X_val, y_val, X_test, y_test), why = load(data)
    if n is not None:
        X, y = X[:n], y[:n]
    sizes = f"{len(X):,} train / {len(X_val):,} validation / {len(X_test):,} test images"
    if kind == "full":
        report.headline(f"data: full MNIST, {sizes}")
    else:
        report.headline(f"data: shipped MNIST sample ({why}), {sizes}")
        if why != "requested":
            report.headline(f"for full MNIST (about 98% validation accuracy): {GET_FULL}")
    report.headline(f"training: 784-100-200-10 ReLU, softmax cross-entropy, SGD lr={lr}, "
                    f"batch {batch_size}, {epochs} epochs")

    seeds = np.random.SeedSequence(seed).generate_state(2)
    model = network(SIZES, seed=int(seeds[0]))
    loss_fn = nn.CrossEntropyLoss()
    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=lr), X, y, epochs=epochs,
                  batch_size=batch_size, validation_data=(X_val, y_val), seed=int(seeds[1]),
                  progress=not quiet, validation_batch_size=1000)
    test = evaluate(model, loss_fn, X_test, y_test, batch_size=1000)
    last = history.last()
    report.headline(f"train accuracy: {last['accuracy']:.2%}")
    report.headline(f"validation accuracy: {last['val_accuracy']:.2%}")
    report.headline(f"test accuracy: {test['accuracy']:.2%}")
    name = "full MNIST" if kind == "full" else "MNIST sample"
    report.plot("curves.png", curve_plot, history, title=f"{name}: 784-100-200-10 ReLU")
    return {"data": kind, "epochs": epochs, "accuracy": last["accuracy"],
            "val_accuracy": last["val_accuracy"], "test_accuracy": test["accuracy"],
            "test_loss": test["loss"], "history": history.history, "plots": report.plots}
