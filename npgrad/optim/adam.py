"""Adam and AdamW (Adam with decoupled weight decay)."""
import math

import numpy as np

from .optimizer import Optimizer, _check_nonneg


class Adam(Optimizer):
    """Adam (Kingma & Ba) as in PyTorch. With ``g`` the gradient and ``t`` the step count::

        g = g + weight_decay * p                 (if weight_decay; L2 penalty, coupled)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    ``state[p]`` holds ``step`` (an int), ``exp_avg`` (m) and ``exp_avg_sq`` (v).
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _check(self, group):
        for name in ("lr", "eps", "weight_decay"):
            _check_nonneg(name, group[name])
        betas = group["betas"] = tuple(group["betas"])
        if len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r} (need two values)")
        for i, beta in enumerate(betas):
            if not 0 <= beta < 1:
                raise ValueError(
                    f"Invalid beta parameter at index {i}: {beta!r} (must be in [0, 1))"
                )

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        mul, add, sub, div, sqrt = np.multiply, np.add, np.subtract, np.divide, np.sqrt
        for group in self.param_groups:
            # Python floats: NumPy treats them as weak scalars, so float32 stays float32
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = map(float, group["betas"])
            coupled = wd and not self._decoupled
            nbuf = 2 if coupled else 1
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                d = p.data
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {
                        "step": 0, "exp_avg": np.zeros_like(d), "exp_avg_sq": np.zeros_like(d)
                    }
                t = state["step"] = state["step"] + 1
                m, v = state["exp_avg"], state["exp_avg_sq"]
                bufs = self._buffers(p, nbuf)
                s = bufs[0]
                if coupled:
                    mul(d, wd, out=bufs[1])
                    add(bufs[1], g, out=bufs[1])
                    g = bufs[1]
                elif wd:
                    d *= 1 - lr * wd  # AdamW: shrink the weights, apart from the gradient
                # m += (1 - beta1) * (g - m), i.e. m = beta1 * m + (1 - beta1) * g (PyTorch's lerp)
                sub(g, m, out=s)
                s *= 1 - beta1
                m += s
                mul(g, g, out=s)
                s *= 1 - beta2
                v *= beta2
                v += s
                step_size = lr / (1 - beta1 ** t)
                sqrt(v, out=s)
                s /= math.sqrt(1 - beta2 ** t)
                s += eps
                div(m, s, out=s)
                s *= step_size
                sub(d, s, out=d)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter) as in PyTorch: each step first does
    ``p = p * (1 - lr * weight_decay)``, then the Adam update with the plain gradient."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
