"""Learning-rate schedulers, stepped once per epoch with ``scheduler.step()``.

Each sets ``group["lr"]`` of every parameter group from the closed form of its schedule at
``last_epoch`` (PyTorch's ``_get_closed_form_lr``), so the values do not drift with the number of
steps; a learning rate changed by hand is overwritten at the next ``step()``. Creating a scheduler
counts as epoch 0 (``last_epoch == 0``, learning rates unchanged), as in PyTorch.
"""
import math
import numbers


class LRScheduler:
    """Base class: subclasses implement ``_lr(base_lr, epoch)``."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{type(optimizer).__name__} is not an optimizer (no param_groups)")
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def _lr(self, base_lr, epoch):
        raise NotImplementedError

    def get_lr(self):
        """The learning rates for ``last_epoch``, one per parameter group."""
        return [self._lr(base, self.last_epoch) for base in self.base_lrs]

    def step(self):
        """Advance one epoch and set the optimizer's learning rates."""
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self):
        """The learning rates set by the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Every attribute but the optimizer (numbers and lists)."""
        return {k: list(v) if isinstance(v, list) else v
                for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore from ``state_dict()`` output. The optimizer's learning rates are not changed
        (they come back with the optimizer's own state dict), as in PyTorch."""
        expected = set(self.state_dict())
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                f"{type(self).__name__} state_dict needs the keys {sorted(expected)}, got {got}"
            )
        for key in ("base_lrs", "_last_lr"):
            if len(state_dict[key]) != len(self.optimizer.param_groups):
                raise ValueError(
                    f"{type(self).__name__} state_dict has {len(state_dict[key])} value(s) in "
                    f"{key!r}, the optimizer has {len(self.optimizer.param_groups)} parameter "
                    "group(s)"
                )
        for k, v in state_dict.items():
            is_list = k in ("base_lrs", "_last_lr")
            self.__dict__[k] = [_number(x) for x in v] if is_list else _number(v)

    def __repr__(self):
        items = self.state_dict().items()
        args = ", ".join(f"{k}={v!r}" for k, v in items if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def _number(x):
    return x.item() if hasattr(x, "item") else x


def _check_positive(name, value, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {what}, got {value!r}")


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (epoch // step_size)``: decay by ``gamma`` every ``step_size``
    epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        _check_positive("step_size", step_size, integer=True)
        _check_positive("gamma", gamma)
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer)

    def _lr(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** epoch``."""

    def __init__(self, optimizer, gamma):
        _check_positive("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def _lr(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``: half a cosine
    from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs (and back up after, with period
    ``2 * T_max``, as in PyTorch)."""

    def __init__(self, optimizer, T_max, eta_min=0):
        _check_positive("T_max", T_max, integer=True)
        if not isinstance(eta_min, numbers.Real) or eta_min < 0:
            raise ValueError(f"eta_min must be a number >= 0, got {eta_min!r}")
        self.T_max = int(T_max)
        self.eta_min = eta_min
        super().__init__(optimizer)

    def _lr(self, base_lr, epoch):
        cos = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + cos) / 2
