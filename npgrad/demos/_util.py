"""Small helpers shared by the demos: accuracy of a model and the two kinds of plot."""
import numpy as np

from ..train import metrics, predict


def accuracy(model, X, y):
    """Fraction of correct predictions of ``model`` on (X, y): probabilities (n, 1) against 0/1
    targets (threshold 0.5), or class scores (n, k) against labels / one-hot rows (argmax)."""
    return metrics.accuracy(predict(model, X), y)


def curve_plot(history, path, title=None):
    """Per-epoch curves: ``history`` a dict of lists or a ``History``."""
    from ..viz import plot_history

    plot_history(history, path, title=title)


def boundary_plot(model, X, y, path, title=None):
    """Shaded decision regions of a 2-feature classifier with the points on top."""
    from ..viz import plot_decision_boundary

    plot_decision_boundary(model, np.asarray(X), y, path, title=title)
