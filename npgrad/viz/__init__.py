"""Plots (needs matplotlib: ``pip install npgrad[plot]``) and computation-graph drawings.

Importing this package imports neither matplotlib nor Graphviz; they are used only when a
function draws.
"""
from .graph import plot_graph, tensor_to_dot, to_dot
from .plots import plot_decision_boundary, plot_history, plot_learning_curves

__all__ = [
    "plot_history",
    "plot_learning_curves",
    "plot_decision_boundary",
    "plot_graph",
    "to_dot",
    "tensor_to_dot",
]
