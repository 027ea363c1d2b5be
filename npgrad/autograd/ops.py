"""The primitive ops. Each is a Function: forward on ndarrays, and beside it the local gradient.

Binary ops may return gradients in the broadcast shape; the engine (``tensor.unbroadcast``) sums
them back to each input's shape in one place. ``ctx.needs_input_grad`` lets an op skip work for
inputs that need no gradient (the data batch of a matmul, the targets of a loss).
"""
import numpy as np

from .function import Function


def _shape_error(op, a, b, detail="cannot be broadcast together"):
    return ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} {detail}")


def _binary(op, fn, a, b):
    try:
        return fn(a, b)
    except ValueError:
        raise _shape_error(op, a, b) from None


class Elementwise(Function):
    """Base of the unary elementwise ops: ``backward`` returns ``g`` times the local derivative, in
    ``g``'s shape and dtype, which are the input's, so the engine skips its shape and dtype checks
    (``grads_match_inputs``). They keep their one saved array in ``ctx.saved_tensors`` itself, not
    in a tuple: one object fewer per op for the cyclic garbage collector to track."""

    __slots__ = ()
    grads_match_inputs = True


class Ufunc(Function):
    """Base of the ops whose forward is one NumPy ufunc call, ``ufunc(*inputs)``. ``saves`` says
    what backward finds in ``ctx.saved_tensors``: nothing (None), ``"input"`` (the one input
    array), ``"inputs"`` (a tuple of them) or ``"output"``. The engine's fast paths call the ufunc
    themselves, one Python call fewer per op; ``forward`` below does the same for ``apply``."""

    __slots__ = ()
    ufunc = None
    saves = None

    @classmethod
    def forward(cls, ctx, *arrays):
        if len(arrays) == 2:
            out = _binary(cls.__name__.lower(), cls.ufunc, *arrays)  # names both shapes
        else:
            out = cls.ufunc(*arrays)
        saves = cls.saves
        if saves is not None:
            ctx.saved_tensors = (out if saves == "output" else arrays[0] if saves == "input"
                                 else arrays)
        return out


# ---- arithmetic ---------------------------------------------------------------------------------
class Add(Ufunc):
    __slots__ = ()
    ufunc = np.add

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Ufunc):
    __slots__ = ()
    ufunc = np.subtract

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Ufunc):
    __slots__ = ()
    ufunc, saves = np.multiply, "inputs"

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Ufunc):
    __slots__ = ()
    ufunc, saves = np.divide, "inputs"

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None  # d(a/b)/db = -a/b^2
        return ga, gb


class Neg(Elementwise, Ufunc):
    __slots__ = ()
    ufunc = np.negative

    @staticmethod
    def backward(ctx, g):
        return -g


class PowConst(Function):
    """``x ** c`` for a constant exponent c."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return a ** exponent

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        c = ctx.exponent
        return g * (c * a ** (c - 1))


class Pow(Function):
    """``a ** b`` with both sides tensors."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        out = _binary("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g * b * a ** (b - 1) if need_a else None
        if need_b:  # d(a^b)/db = a^b ln a, taken as 0 where a^b = 0
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where(out == 0, 0, out * np.log(np.where(a > 0, a, 1)))
        else:
            gb = None
        return ga, gb


class MatMul(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: scalar operands are not allowed, got shapes {a.shape} and {b.shape}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            k_b = b.shape[-2 if b.ndim > 1 else 0]
            raise _shape_error("matmul", a, b, f"are not aligned ({a.shape[-1]} != {k_b})")
        ctx.save_for_backward(a, b)
        try:
            return a @ b
        except ValueError:
            raise _shape_error("matmul", a, b, "cannot be multiplied (batch axes do not broadcast)") from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
            if need_a:
                ga = (g[..., None, :] @ np.swapaxes(b, -1, -2))[..., 0, :]
            if need_b:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            if need_a:
                ga = g[..., :, None] * b
            if need_b:
                gb = (np.swapaxes(a, -1, -2) @ g[..., :, None])[..., 0]
            return ga, gb
        # dA = G @ B^T, dB = A^T @ G (batch axes are summed back by the engine)
        if need_a:
            ga = g @ np.swapaxes(b, -1, -2)
        if need_b:
            gb = np.swapaxes(a, -1, -2) @ g
        return ga, gb


# ---- reductions ---------------------------------------------------------------------------------
def _expand_to(g, shape, axis, keepdims):
    """Broadcast a reduced gradient back over the reduced axes (a read-only view)."""
    if not keepdims and axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[i] for i in axes]))


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return _expand_to(g, ctx.shape, ctx.axis, ctx.keepdims)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return a.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        g = g / _count(ctx.shape, ctx.axis)
        return _expand_to(g, ctx.shape, ctx.axis, ctx.keepdims)


class _Extremum(Function):
    """Max / min; the gradient goes to the extreme elements, split evenly between ties."""

    reduce = None

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False):
        if a.size == 0:
            raise ValueError(f"{cls.__name__.lower()} of an empty tensor (shape {a.shape})")
        out = cls.reduce(a, axis=axis, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        return out if keepdims else (out.reshape(()) if axis is None else np.squeeze(out, axis))

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        mask = a == out
        share = mask / mask.sum(axis=ctx.axis, keepdims=True)
        return share * g.reshape(out.shape)


class Max(_Extremum):
    reduce = staticmethod(np.max)


class Min(_Extremum):
    reduce = staticmethod(np.min)


# ---- elementwise --------------------------------------------------------------------------------
class Exp(Elementwise, Ufunc):
    __slots__ = ()
    ufunc, saves = np.exp, "output"

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors


class Log(Elementwise, Ufunc):
    __slots__ = ()
    ufunc, saves = np.log, "input"

    @staticmethod
    def backward(ctx, g):
        return g / ctx.saved_tensors


class Sqrt(Elementwise, Ufunc):
    __slots__ = ()
    ufunc, saves = np.sqrt, "output"

    @staticmethod
    def backward(ctx, g):
        return g / (2 * ctx.saved_tensors)


class Abs(Elementwise, Ufunc):
    __slots__ = ()
    ufunc, saves = np.abs, "input"

    @staticmethod
    def backward(ctx, g):
        return g * np.sign(ctx.saved_tensors)


class Tanh(Elementwise, Ufunc):
    __slots__ = ()
    ufunc, saves = np.tanh, "output"

    @staticmethod
    def backward(ctx, g):
        out = ctx.saved_tensors
        # g * (1 - out**2), written with array operands only: at small sizes NumPy takes about
        # twice as long for an operation with a Python number as for one between two arrays
        return g - g * out * out


def sigmoid_array(a):
    """1 / (1 + exp(-a)) without overflow: exp only ever sees -|a|."""
    e = np.exp(-np.abs(a))
    r = 1 / (1 + e)
    return np.where(a >= 0, r, e * r)


class Sigmoid(Elementwise):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        out = sigmoid_array(a)
        ctx.saved_tensors = out
        return out

    @staticmethod
    def backward(ctx, g):
        s = ctx.saved_tensors
        gs = g * s
        return gs - gs * s  # g * s * (1 - s), array operands only (see Tanh)


class ReLU(Elementwise):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.saved_tensors = out
        return out

    @staticmethod
    def backward(ctx, g):
        return g * (ctx.saved_tensors > 0)


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, a, slope=0.01):
        positive = a > 0
        ctx.save_for_backward(positive)
        ctx.slope = slope
        return np.where(positive, a, a * slope)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.saved_tensors[0], g, g * ctx.slope)


class Clip(Function):
    """Clamp into [low, high]; the gradient passes where the input was inside the range."""

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        if low is None and high is None:
            raise ValueError("clip needs min or max (or both)")
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        inside = np.ones(a.shape, dtype=bool)
        if ctx.low is not None:
            inside &= a >= ctx.low
        if ctx.high is not None:
            inside &= a <= ctx.high
        return g * inside


class Maximum(Function):
    """Elementwise max of two tensors; ties split the gradient in half."""

    pick = staticmethod(np.maximum)

    @classmethod
    def forward(cls, ctx, a, b):
        out = _binary(cls.__name__.lower(), cls.pick, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        wa = (a == out) * 1.0
        wb = (b == out) * 1.0
        total = wa + wb
        wa = (wa / total).astype(g.dtype, copy=False)
        wb = (wb / total).astype(g.dtype, copy=False)
        need_a, need_b = ctx.needs_input_grad
        return (g * wa if need_a else None), (g * wb if need_b else None)


class Minimum(Maximum):
    pick = staticmethod(np.minimum)


class Where(Function):
    """``cond ? a : b`` elementwise; ``cond`` is a boolean array (no gradient)."""

    @staticmethod
    def forward(ctx, a, b, cond):
        cond = np.asarray(cond, dtype=bool)
        ctx.cond = cond
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise ValueError(
                f"where: shapes {cond.shape} (condition), {a.shape} and {b.shape} cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        return (np.where(ctx.cond, g, zero) if need_a else None,
                np.where(ctx.cond, zero, g) if need_b else None)


class Cast(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)


# ---- shape --------------------------------------------------------------------------------------
class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape shape {a.shape} ({a.size} elements) into {shape}") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, a, axes=None):
        ctx.axes = axes
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        if ctx.axes is None:
            return g.transpose()
        return g.transpose(np.argsort(ctx.axes))


def _is_basic(index):
    """True for indices of ints, slices, None and Ellipsis only (no element is picked twice)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


class GetItem(Function):
    """``x[index]``; backward scatters with add, so repeated integer indices accumulate."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        try:
            return a[index]
        except IndexError as e:
            raise IndexError(f"index {index!r} is invalid for shape {a.shape}: {e}") from None

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = g
        else:
            np.add.at(out, ctx.index, g)
        return out


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.sizes = [a.shape[axis] for a in arrays]
        ctx.axis = axis
        try:
            return np.concatenate(arrays, axis=axis)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"concatenate along axis {axis}: incompatible shapes {shapes}") from None

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, np.cumsum(ctx.sizes)[:-1], axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis, ctx.n = axis, len(arrays)
        try:
            return np.stack(arrays, axis=axis)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"stack: all shapes must be equal, got {shapes}") from None

    @staticmethod
    def backward(ctx, g):
        return tuple(np.take(g, i, axis=ctx.axis) for i in range(ctx.n))


# ---- softmax family and fused layers ------------------------------------------------------------
class Softmax(Function):
    @staticmethod
    def forward(ctx, a, axis=-1):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(e)
        ctx.axis = axis
        return e

    @staticmethod
    def backward(ctx, g):
        s = ctx.saved_tensors[0]
        # Jacobian-vector product of softmax: s * (g - <g, s>)
        return s * (g - (g * s).sum(axis=ctx.axis, keepdims=True))


def log_softmax_array(a, axis=-1):
    shifted = a - a.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, axis=-1):
        out = log_softmax_array(a, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        out = ctx.saved_tensors[0]
        return g - np.exp(out) * g.sum(axis=ctx.axis, keepdims=True)


class Linear(Function):
    """``x @ W.T + b`` in one op: x (batch, in), W (out, in), b (out,) -> (batch, out)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.saved_tensors = (x, w)
        out = _linear_matmul(x, w)
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, g):
        return _linear_backward(ctx, g, *ctx.saved_tensors[:2])


def _linear_matmul(x, w):
    """``x @ w.T``; a ValueError that names both shapes when they do not fit."""
    try:
        return x @ w.T
    except ValueError:
        got = x.shape[-1] if x.ndim else "a scalar"
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape {w.shape} "
            f"(expected last axis {w.shape[-1]}, got {got})"
        ) from None


def _linear_backward(ctx, g, x, w):
    """dx = g @ W, dW = g^T @ x, db = sum of g over the batch, each only when needed."""
    needs = ctx.needs_input_grad
    gx = g @ w if needs[0] else None
    if g.ndim != 2:  # (..., out): the batch is every leading axis
        g = g.reshape(-1, g.shape[-1])
        x = x.reshape(-1, x.shape[-1])
    gw = None
    if needs[1]:
        # dW in W's memory order (column-major when its row stride is the smaller one), so the
        # optimizer's in-place update runs over matching strides
        strides = w.strides
        gw = (x.T @ g).T if strides[0] < strides[1] else g.T @ x
    if len(needs) == 2:
        return gx, gw
    return gx, gw, (np.add.reduce(g, axis=0) if needs[2] else None)


class LinearReLU(Function):
    """``relu(x @ W.T + b)`` in one op, the ReLU applied in place: what ``nn.Sequential`` runs
    for a Linear layer followed by ReLU (one graph node and one array fewer per hidden layer)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w, b=None):
        out = _linear_matmul(x, w)
        if b is not None:
            out += b
        np.maximum(out, 0, out=out)
        ctx.saved_tensors = (x, w, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, out = ctx.saved_tensors
        return _linear_backward(ctx, g * (out > 0), x, w)


class CrossEntropy(Function):
    """Softmax cross-entropy on logits (batch, classes) in one op.

    ``target`` is either class indices (batch,) or probabilities / one-hot rows (batch, classes).
    With ``z`` the logits shifted by their row maximum (so ``z <= 0``) and ``s`` the row sums of
    ``exp(z)``, a sample's loss is ``log s - z[label]``: two sums of non-negative terms, so the
    batch total is taken as ``sum(log s) - sum(z[label])`` without cancellation. The gradient is
    the hand-derived one, softmax minus target, scaled by the reduction.
    """

    __slots__ = ("reduction",)

    @staticmethod
    def forward(ctx, logits, target, reduction="mean"):
        # ufunc.reduce directly and as few NumPy calls as possible: at batch 32 each call costs
        # more than its arithmetic
        z = logits - np.maximum.reduce(logits, axis=1, keepdims=True)
        e = np.exp(z)
        s = np.add.reduce(e, axis=1, keepdims=True)
        log_s = np.log(s)
        n = logits.shape[0]
        if target.ndim == 1:
            rows = np.arange(n)
            picked = z[rows, target]  # (batch,)
            if reduction != "none":
                total = np.add.reduce(log_s, axis=None) - np.add.reduce(picked)
        else:
            rows = None
            # -sum_k t_k (z_k - log s) = sum(t) log s - sum_k t_k z_k
            picked = np.add.reduce(target * z, axis=1)
            if reduction != "none":
                total = np.add.reduce(np.add.reduce(target, axis=1) * log_s[:, 0]) - np.add.reduce(picked)
        ctx.saved_tensors = (e, s, target, rows)
        ctx.reduction = reduction
        if reduction == "none":
            return (log_s[:, 0] if rows is not None else np.add.reduce(target, axis=1) * log_s[:, 0]) - picked
        return np.array(total / n if reduction == "mean" else total, dtype=logits.dtype)

    @staticmethod
    def backward(ctx, g):
        if not ctx.needs_input_grad[0]:
            return None
        e, s, target, rows = ctx.saved_tensors
        grad = e / s  # softmax
        if rows is not None:
            grad[rows, target] -= 1
        else:  # d/dz of -sum(t * log softmax(z)) = softmax(z) * sum(t) - t
            grad *= np.add.reduce(target, axis=1, keepdims=True)
            grad -= target
        if ctx.reduction == "mean":
            grad *= g / e.shape[0]
        elif ctx.reduction == "sum":
            grad *= g
        else:
            grad *= g[:, None]
        return grad


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)) on probabilities p, logs clamped at -100 (never log 0)."""

    @staticmethod
    def forward(ctx, p, target, reduction="mean"):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        losses = -(target * log_p + (1 - target) * log_q)
        ctx.save_for_backward(p, target)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, g):
        p, t = ctx.saved_tensors
        # d/dp = (p - t) / (p (1 - p)), the denominator kept away from 0
        grad = (p - t) / np.maximum(p * (1 - p), 1e-12)
        return _scale_by_reduction(grad, g, ctx.reduction)


class BinaryCrossEntropyWithLogits(Function):
    """Binary cross-entropy on logits z: max(z, 0) - z t + log(1 + exp(-|z|)), stable for any z."""

    @staticmethod
    def forward(ctx, z, target, reduction="mean"):
        losses = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
        ctx.save_for_backward(z, target)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, g):
        z, t = ctx.saved_tensors
        return _scale_by_reduction(sigmoid_array(z) - t, g, ctx.reduction)


def _reduce(losses, reduction):
    if reduction == "mean":
        return np.asarray(losses.mean())
    if reduction == "sum":
        return np.asarray(losses.sum())
    return losses


def _scale_by_reduction(grad, g, reduction):
    if reduction == "mean":
        grad *= g / grad.size
    else:  # "sum": g is a scalar; "none": g has grad's shape
        grad *= g
    return grad
