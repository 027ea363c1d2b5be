"""Per-sample stochastic gradient descent for scalar models (compiled or not)."""
from __future__ import annotations

from .losses import get_loss
from .nodes import as_generator

__all__ = ["train_model"]


def train_model(model, loss, data, epochs: int = 1, lr: float = 0.1, print_every: int = 0, *,
                shuffle: bool = False, seed=None) -> list[float]:
    """Train ``model`` one sample at a time and return the mean loss of each epoch.

    ``data`` is a list of ``(inputs, target)`` pairs: ``inputs`` a list of floats in the model's
    input order (or a dict by name), ``target`` a float, or a list / class index for vector outputs.
    ``loss`` is "mse", "bce" (probabilities clamped to [1e-7, 1 - 1e-7]), "categorical_crossentropy",
    "hinge", or a ``(loss_fn, grad_fn)`` pair of functions of ``(prediction, target)``. For each
    sample: predict, loss, zero_grad, backward, then ``p.value -= lr * p.grad``. Samples are visited
    in order unless ``shuffle`` (then ``seed`` fixes the order). Prints every ``print_every`` epochs.
    """
    fn = get_loss(loss).sample
    data = list(data)
    if not data:
        raise ValueError("train_model() got no data")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    params = model.parameters()
    rng = as_generator(seed) if shuffle else None
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(data)).tolist() if shuffle else range(len(data))
        total = 0.0
        for i in order:
            inputs, target = data[i]
            pred = model.predict(inputs)
            value, grad = fn(pred, target)
            total += value
            for p in params:
                p.grad = 0.0
            model.backward(grad)
            for p in params:
                p.value -= lr * p.grad
        history.append(total / len(data))
        if print_every and (epoch + 1) % print_every == 0:
            print(f"epoch {epoch + 1:>4}/{epochs}  loss {history[-1]:.6g}")
    return history
