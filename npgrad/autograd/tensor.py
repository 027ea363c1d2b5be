"""``Tensor``: an ndarray with a gradient, and the reverse-mode ``backward()`` over the graph."""
import gc
from heapq import heappop, heappush
from sys import getrefcount

import numpy as np

from .dtype import check_numeric, get_default_dtype

_new = object.__new__


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    ``data`` is the ndarray; ``grad`` the accumulated gradient (an ndarray of ``data``'s shape and
    dtype, or None); ``requires_grad`` marks tensors whose gradient ``backward()`` computes;
    ``_ctx`` is the Function that produced this tensor (None for leaves).

    ``Tensor(data)`` wraps an ndarray without copying; ``npgrad.tensor(data)`` copies.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad=False, dtype=None):
        if type(data) is np.ndarray and dtype is None and data.dtype.kind in "biuf":
            self.data, self.grad, self._ctx, self.requires_grad = data, None, None, False
            if requires_grad:
                self.requires_grad_(True)
            return
        if isinstance(data, Tensor):
            data = data.data
        arr = np.asarray(data, dtype=dtype)
        check_numeric(arr)
        if dtype is None and arr.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
            arr = arr.astype(get_default_dtype())
        self.data = arr
        self.grad = None
        self._ctx = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- attributes -------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The shape, a tuple.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    size = property(lambda self: self.data.size, doc="Number of elements.")
    is_leaf = property(lambda self: self._ctx is None, doc="True unless made by a recorded op.")

    @property
    def T(self):
        """The transpose (all axes reversed)."""
        return self.transpose()

    def numpy(self):
        """The data as an ndarray (shared, not copied)."""
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A tensor sharing this data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (floating tensors only); returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self):
        self.grad = None

    def __len__(self):
        return len(self.data)

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extra = ""
        if self.data.dtype != get_default_dtype() or self.data.dtype.kind != "f":
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn={type(self._ctx).__name__}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ---- backward ---------------------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``grad`` is d(loss)/d(self); it may be omitted only for a one-element tensor. Gradients
        *add* to what ``.grad`` already holds (zero them between steps, as in PyTorch). The graph's
        saved arrays are freed afterwards unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the graph has "
                "requires_grad=True (or it was computed under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without grad= needs a one-element output, got shape {self.shape}; "
                    "pass grad= (d loss / d output, same shape) or reduce the output first"
                )
            grad = np.empty(self.data.shape, self.data.dtype)
            grad.fill(1)
        else:
            grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
            if grad.shape != self.data.shape:
                raise ValueError(
                    f"backward(): grad has shape {grad.shape} but the tensor has shape {self.shape}"
                )
        if self._ctx is None:
            _accumulate_leaf(self, grad, set())
            return
        run_backward(self, grad, retain_graph)

    # ---- operators ---------------------------------------------------------------------------
    # ``x + y``, ``x - y``, ``x * y``, ``x / y``, ``x @ y``, ``-x`` and the elementwise methods
    # ``exp log sqrt abs tanh sigmoid relu`` are the ops' own fast paths (``Add._apply2``, ...),
    # bound at the bottom of this file; the reflected forms (``2 * x``) wrap the constant first.
    def __radd__(self, other):  # ``2 + tensor``
        return _Add._apply2(_operand(other, self), self)

    def __rsub__(self, other):  # ``2 - tensor``
        return _Sub._apply2(_operand(other, self), self)

    def __rmul__(self, other):  # ``2 * tensor``
        return _Mul._apply2(_operand(other, self), self)

    def __rtruediv__(self, other):  # ``2 / tensor``
        return _Div._apply2(_operand(other, self), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _Pow._apply2(self, exponent)
        return _PowConst.apply(self, exponent=exponent)

    def __rpow__(self, base):
        return _Pow._apply2(_operand(base, self), self)

    def __pos__(self):
        return self

    def __rmatmul__(self, other):
        return _MatMul._apply2(_operand(other, self), self)

    def __getitem__(self, index):
        return _GetItem.apply(self, index=_index(index))

    # comparisons: elementwise, no gradient (as in PyTorch)
    def _compare(self, other, op):
        return Tensor(op(self.data, other.data if isinstance(other, Tensor) else other))

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    __hash__ = object.__hash__

    # ---- reductions -------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return _Sum.apply(self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _Mean.apply(self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum; the gradient goes to the arg-max, split evenly between ties."""
        return _Max.apply(self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum; the gradient goes to the arg-min, split evenly between ties."""
        return _Min.apply(self, axis=_axis(axis), keepdims=keepdims)

    def argmax(self, axis=None):
        return Tensor(self.data.argmax(axis=axis))

    def argmin(self, axis=None):
        return Tensor(self.data.argmin(axis=axis))

    # ---- elementwise ------------------------------------------------------------------------
    def leaky_relu(self, negative_slope=0.01):
        return _LeakyReLU.apply(self, slope=negative_slope)

    def clip(self, min=None, max=None):
        return _Clip.apply(self, low=min, high=max)

    def softmax(self, axis=-1):
        return _Softmax.apply(self, axis=axis)

    def log_softmax(self, axis=-1):
        return _LogSoftmax.apply(self, axis=axis)

    def astype(self, dtype):
        """A copy in another dtype; the gradient is cast back."""
        return _Cast.apply(self, dtype=np.dtype(dtype))

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _Reshape.apply(self, shape=tuple(shape))

    view = reshape

    def flatten(self, start_dim=0):
        """Merge the axes from ``start_dim`` on (``flatten(1)`` keeps the batch axis)."""
        start = start_dim % self.data.ndim if self.data.ndim else 0
        return self.reshape(self.data.shape[:start] + (-1,))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _Transpose.apply(self, axes=tuple(axes) if axes else None)

    def permute(self, *dims):
        return self.transpose(*dims)

    def expand_dims(self, axis):
        return self.reshape(np.expand_dims(self.data, axis).shape)

    unsqueeze = expand_dims

    def squeeze(self, axis=None):
        return self.reshape(np.squeeze(self.data, axis).shape)


def _operand(x, like):
    """The other operand of a binary op as a Tensor; constants take ``like``'s float dtype, so a
    float32 tensor is never upcast by a Python number or a float64 array."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    check_numeric(arr, "operand")
    dt = like.data.dtype
    if dt.kind == "f" and arr.dtype != dt:
        arr = arr.astype(dt)
    t = _new(Tensor)
    t.data = arr
    t.grad = None
    t.requires_grad = False
    t._ctx = None
    return t


def as_tensor(x):
    """``x`` if it is a Tensor, else a constant Tensor wrapping it (no copy for ndarrays)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _index(index):
    """Turn Tensors and lists inside an index into ndarrays."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ---- the engine ---------------------------------------------------------------------------------
_FREED = (
    "backward through a graph whose saved arrays were already freed: backward() frees them unless "
    "called with retain_graph=True (the first backward through this graph needs it)"
)


def _count_error(ctx, in_grads, parents):
    return RuntimeError(
        f"{type(ctx).__name__}.backward returned {len(in_grads)} gradients for {len(parents)} inputs"
    )


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"gradient of shape {grad.shape} cannot be reduced to shape {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        raise ValueError(f"gradient of shape {grad.shape} does not match its tensor's shape {shape}")
    return grad


def _accumulate_leaf(t, g, owned):
    """Add ``g`` into a leaf's ``.grad``. A first gradient is stored without a copy only when no
    other array can share its memory: a fresh array, or a view (``dW.T``) whose base nothing else
    references (refcount: the view's own reference and getrefcount's argument), and not already
    handed to another leaf."""
    if t.grad is not None:
        t.grad += g
        return
    base = g.base
    if base is None:
        if id(g) in owned or not g.flags.writeable:
            g = g.copy()
    # refcount of the base: the view's reference, getrefcount's argument, and `base` here
    elif id(base) in owned or getrefcount(base) > 3 or not g.flags.writeable:
        g = g.copy()
    else:
        owned.add(id(base))
    owned.add(id(g))
    t.grad = g


def run_backward(root, grad, retain_graph=False):
    """Reverse-mode sweep from ``root`` (a non-leaf) seeded with ``grad``.

    Every recorded op carries its creation number ``seq``; an op is always created after its
    inputs, so visiting nodes in decreasing ``seq`` (a heap) is a reverse topological order, and
    a node is reached only once all its consumers have passed their gradients to it.
    """
    if root._ctx.parents is None:
        raise RuntimeError(_FREED)
    # the graph has no reference cycles, so the cyclic collector has nothing to find here; pausing
    # it keeps the sweep's short-lived tuples from triggering collections mid-sweep
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _sweep(root, grad, retain_graph)
    finally:
        if gc_was_enabled:
            gc.enable()


def _sweep(root, grad, retain_graph):
    # each recorded op's context collects the gradient of its output in ``ctx._out_grad``. Nodes
    # wait in a heap keyed by -seq; ``nxt`` holds the node to visit next when it is known without
    # the heap (a chain of ops: every node's input is the next node), invariant: ``nxt.seq`` >
    # every seq in the heap.
    ctx = root._ctx
    ctx._out_grad = grad
    heap = []
    owned = set()
    nxt = None
    try:
        while True:
            g = ctx._out_grad
            ctx._out_grad = None
            parents = ctx.parents
            if parents is None:
                raise RuntimeError(_FREED)
            in_grads = type(ctx).backward(ctx, g)
            n = len(parents)
            if type(in_grads) is not tuple:  # one array: the gradient of a one-input op
                if n != 1:
                    raise _count_error(ctx, (in_grads,), parents)
                pg = in_grads
            elif len(in_grads) == n:
                pg = in_grads[0]
            else:
                raise _count_error(ctx, in_grads, parents)
            has_dict, checked = ctx._sweep_flags  # (see Function.__init_subclass__)
            if not retain_graph:  # free saved arrays and the links to the inputs
                ctx.parents = ctx.saved_tensors = None
                if has_dict:
                    ctx.__dict__.clear()
            i = 0
            while True:  # over the inputs by index: no iterator objects (zip's cost more than this)
                p = parents[i]
                if pg is not None and p.requires_grad:
                    if not checked:
                        data = p.data
                        if pg.shape != data.shape:
                            pg = unbroadcast(pg, data.shape)
                        if pg.dtype is not data.dtype and pg.dtype != data.dtype:
                            pg = pg.astype(data.dtype)
                    pctx = p._ctx
                    if pctx is None:
                        _accumulate_leaf(p, pg, owned)
                    elif pctx._out_grad is not None:
                        pctx._out_grad = pctx._out_grad + pg
                    else:  # pctx's first gradient: it joins the nodes waiting
                        pctx._out_grad = pg
                        if nxt is None:
                            if not heap or pctx.seq > -heap[0][0]:
                                nxt = pctx
                            else:
                                heappush(heap, (-pctx.seq, pctx))
                        elif pctx.seq > nxt.seq:
                            heappush(heap, (-nxt.seq, nxt))
                            nxt = pctx
                        else:
                            heappush(heap, (-pctx.seq, pctx))
                i += 1
                if i == n:
                    break
                pg = in_grads[i]
            if nxt is not None:
                ctx, nxt = nxt, None
            elif heap:
                ctx = heappop(heap)[1]
            else:
                return
    except BaseException:
        if nxt is not None:  # leave no half-summed gradient behind for a retried backward
            nxt._out_grad = None
        for _, pending in heap:
            pending._out_grad = None
        raise


# the ops import Tensor from this module, so they are bound at its end
from .ops import (  # noqa: E402
    Abs as _Abs,
    Add as _Add,
    Cast as _Cast,
    Clip as _Clip,
    Div as _Div,
    Exp as _Exp,
    GetItem as _GetItem,
    LeakyReLU as _LeakyReLU,
    Log as _Log,
    LogSoftmax as _LogSoftmax,
    MatMul as _MatMul,
    Max as _Max,
    Mean as _Mean,
    Min as _Min,
    Mul as _Mul,
    Neg as _Neg,
    Pow as _Pow,
    PowConst as _PowConst,
    ReLU as _ReLU,
    Reshape as _Reshape,
    Sigmoid as _Sigmoid,
    Softmax as _Softmax,
    Sqrt as _Sqrt,
    Sub as _Sub,
    Sum as _Sum,
    Tanh as _Tanh,
    Transpose as _Transpose,
)

Tensor.__add__ = _Add._apply2
Tensor.__sub__ = _Sub._apply2
Tensor.__mul__ = _Mul._apply2
Tensor.__truediv__ = _Div._apply2
Tensor.__matmul__ = _MatMul._apply2
Tensor.__neg__ = _Neg._apply1
Tensor.exp = _Exp._apply1
Tensor.log = _Log._apply1
Tensor.sqrt = _Sqrt._apply1
Tensor.abs = _Abs._apply1
Tensor.tanh = _Tanh._apply1
Tensor.sigmoid = _Sigmoid._apply1
Tensor.relu = _ReLU._apply1
