"""Loss modules: ``loss_fn(prediction, target) -> scalar Tensor`` (or per-sample with "none")."""
from ..autograd import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """mean((pred - target) ** 2). ``HalfMSELoss`` is the classic 1/(2m) sum form."""

    def forward(self, pred, target):
        return F.mse_loss(pred, target, self.reduction)


class HalfMSELoss(Module):
    """The classic cost of the worked examples: 1/(2m) * sum((y - y_hat) ** 2), m = batch size."""

    def forward(self, pred, target):
        return F.half_mse_loss(pred, target)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (after a sigmoid); logs clamped, never log(0)."""

    def forward(self, probs, target):
        return F.binary_cross_entropy(probs, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, the sigmoid folded in; stable for any logit."""

    def forward(self, logits, target):
        return F.binary_cross_entropy_with_logits(logits, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (batch, classes); targets are integer labels (batch,) or
    one-hot / probability rows (batch, classes)."""

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities (e.g. after ``LogSoftmax``)."""

    def forward(self, log_probs, target):
        return F.nll_loss(log_probs, target, self.reduction)
