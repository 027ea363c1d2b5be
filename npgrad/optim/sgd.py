"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
import numpy as np

from .optimizer import Optimizer, _check_nonneg, required


class SGD(Optimizer):
    """SGD as in PyTorch. With ``g`` the gradient, each step does::

        g = g + weight_decay * p                         (if weight_decay)
        b = g on the first step, else momentum * b + (1 - dampening) * g   (if momentum)
        g = g + momentum * b if nesterov else b          (if momentum)
        p = p - lr * g

    ``state[p]["momentum_buffer"]`` holds ``b``. Updates are in place on ``p.data``.
    """

    def __init__(self, params, lr=required, momentum=0, dampening=0, nesterov=False,
                 weight_decay=0):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _check(self, group):
        for name in ("lr", "momentum", "weight_decay"):
            _check_nonneg(name, group[name])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        mul, add, sub = np.multiply, np.add, np.subtract
        for group in self.param_groups:
            # Python floats: NumPy treats them as weak scalars, so float32 stays float32
            lr, mu, wd = float(group["lr"]), float(group["momentum"]), float(group["weight_decay"])
            damp, nesterov = float(group["dampening"]), group["nesterov"]
            nbuf = 2 if nesterov and wd else 1
            if not wd and not mu:  # plain SGD, the common case: p -= lr * g, nothing else
                scratch = self._scratch
                dt = None
                for p in group["params"]:
                    g = p.grad
                    if g is not None:
                        d = p.data
                        entry = scratch.get(p)  # (see _buffers), looked up here: no call
                        buf = entry[1][0] if entry is not None and entry[0] is d \
                            else self._buffers(p, 1)[0]
                        if d.dtype is not dt:
                            dt = d.dtype
                            r = _scalar(lr, dt)
                        mul(g, r, buf)  # out= given positionally: NumPy parses no keywords
                        sub(d, buf, d)
                continue
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                d = p.data
                bufs = self._buffers(p, nbuf)
                s = bufs[0]
                if wd:
                    mul(d, wd, out=s)
                    add(s, g, out=s)
                    g = s
                if mu:
                    state = self.state.setdefault(p, {})
                    b = state.get("momentum_buffer")
                    if b is None:
                        b = state["momentum_buffer"] = np.array(g, dtype=d.dtype, copy=True)
                    else:
                        b *= mu
                        if damp:
                            mul(g, 1 - damp, out=s)
                            b += s
                        else:
                            b += g
                    if nesterov:
                        t = bufs[1] if g is s else s
                        mul(b, mu, out=t)
                        add(g, t, out=s)
                        g = s
                    else:
                        g = b
                # p -= lr * g through a preallocated buffer: ~10% faster than `d -= lr * g`,
                # which allocates a temporary each step (timeit, (100, 784) float32)
                mul(g, _scalar(lr, d.dtype), out=s)
                sub(d, s, out=d)
        return loss


def _scalar(x, dtype):
    """``x`` as a 0-d array of ``dtype``: the same value NumPy would use for the Python number
    (a float32 step stays float32), at about half the cost per operation on small arrays."""
    return np.asarray(x, dtype=dtype)
