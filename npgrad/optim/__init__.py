"""Optimizers (``SGD``, ``Adam``, ``AdamW``, ``RMSprop``) and learning-rate schedulers
(``npgrad.optim.lr_scheduler``: ``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``), as in
PyTorch: ``opt.zero_grad(); loss.backward(); opt.step()`` and ``scheduler.step()`` per epoch."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
