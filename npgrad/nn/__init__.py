"""Neural-network building blocks: ``Module``, ``Parameter``, layers, activations and losses."""
from . import functional, init
from .layers import (
    Dense, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh,
)
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HalfMSELoss, MSELoss, NLLLoss
from .module import Module, Sequential
from .parameter import Parameter

__all__ = [
    "Module", "Parameter", "Sequential", "Linear", "Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Identity", "Flatten", "Dropout", "MSELoss", "HalfMSELoss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "functional", "init",
]
