"""RMSprop, with optional momentum and centering."""
import numpy as np

from .optimizer import Optimizer, _check_nonneg


class RMSprop(Optimizer):
    """RMSprop as in PyTorch. With ``g`` the gradient::

        g = g + weight_decay * p                       (if weight_decay)
        v = alpha * v + (1 - alpha) * g**2
        avg = sqrt(v) + eps, or if centered, with a = alpha * a + (1 - alpha) * g:
        avg = sqrt(v - a**2) + eps
        b = momentum * b + g / avg; p = p - lr * b     (if momentum)
        p = p - lr * g / avg                           (otherwise)

    ``state[p]`` holds ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, if momentum) and
    ``grad_avg`` (a, if centered), all buffers starting at zero.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    def _check(self, group):
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            _check_nonneg(name, group[name])

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        mul, add, sub, div, sqrt = np.multiply, np.add, np.subtract, np.divide, np.sqrt
        for group in self.param_groups:
            # Python floats: NumPy treats them as weak scalars, so float32 stays float32
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            wd, mu = float(group["weight_decay"]), float(group["momentum"])
            centered = group["centered"]
            nbuf = 2 if wd else 1
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                d = p.data
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(d)}
                state["step"] += 1
                v = state["square_avg"]
                bufs = self._buffers(p, nbuf)
                s = bufs[0]
                if wd:
                    mul(d, wd, out=bufs[1])
                    add(bufs[1], g, out=bufs[1])
                    g = bufs[1]
                mul(g, g, out=s)
                s *= 1 - alpha
                v *= alpha
                v += s
                if centered:
                    a = state.get("grad_avg")
                    if a is None:
                        a = state["grad_avg"] = np.zeros_like(d)
                    sub(g, a, out=s)  # a = alpha * a + (1 - alpha) * g, as PyTorch's lerp
                    s *= 1 - alpha
                    a += s
                    mul(a, a, out=s)
                    sub(v, s, out=s)
                    sqrt(s, out=s)
                else:
                    sqrt(v, out=s)
                s += eps
                div(g, s, out=s)
                if mu:
                    b = state.get("momentum_buffer")
                    if b is None:
                        b = state["momentum_buffer"] = np.zeros_like(d)
                    b *= mu
                    b += s
                    mul(b, lr, out=s)
                else:
                    s *= lr
                sub(d, s, out=d)
        return loss
