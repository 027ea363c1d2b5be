"""``Function``: an op's forward on ndarrays and its backward, recorded on the graph.

A Function instance is the op's *context* (``ctx``): forward stores what backward needs on it,
and the engine stores the op's input tensors in ``ctx.parents``. Example::

    class Cube(npgrad.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad

    y = Cube.apply(t)          # t: a Tensor; y records Cube for backward()

``backward`` returns one gradient per input (``None`` where ``ctx.needs_input_grad`` is False).
Gradients of broadcast inputs may be returned in the broadcast shape: the engine sums them back.
Never modify ``grad`` in place: the same array may be handed to several ops.
"""
from itertools import count
from operator import attrgetter

from .grad_mode import STATE
from .tensor import Tensor, as_tensor

_new = object.__new__
_data = attrgetter("data")
_requires_grad = attrgetter("requires_grad")
_sequence = count()  # creation order of recorded ops: a valid topological order of the graph


class Function:
    """Base class of every op. Subclasses define ``forward(ctx, *arrays, **options)`` and
    ``backward(ctx, grad_output)``; call them with ``Op.apply(*tensors, **options)``."""

    # engine bookkeeping in slots; a subclass that sets other attributes on ctx gets an instance
    # __dict__ as usual, and one that declares ``__slots__ = ()`` stays dict-free (cheaper)
    __slots__ = ("parents", "needs_input_grad", "saved_tensors", "seq", "_out_grad", "__weakref__")

    def save_for_backward(self, *arrays):
        self.saved_tensors = arrays

    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        """Run forward on the inputs' arrays; record the op when grad mode is on and an input
        requires grad. Inputs that are not Tensors are wrapped as constants."""
        n = len(inputs)
        if not options and n <= 3:
            if n == 1 and isinstance(inputs[0], Tensor):
                return apply1(cls, inputs[0])
            if n == 2 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor):
                return apply2(cls, inputs[0], inputs[1])
            if n == 3 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor) \
                    and isinstance(inputs[2], Tensor):
                return apply3(cls, inputs[0], inputs[1], inputs[2])
        ctx = _new(cls)
        if n == 1 and isinstance(inputs[0], Tensor):  # reductions, reshapes, losses: options
            a = inputs[0]
            record = a.requires_grad and STATE.enabled
            ctx.needs_input_grad = (record,)
            data = cls.forward(ctx, a.data, **options)
        else:
            inputs = tuple(map(as_tensor, inputs))
            if STATE.enabled:
                needs = ctx.needs_input_grad = tuple(map(_requires_grad, inputs))
                record = True in needs
            else:
                ctx.needs_input_grad = (False,) * n
                record = False
            data = cls.forward(ctx, *map(_data, inputs), **options)
        out = _new(Tensor)
        out.data = data
        out.grad = None
        if record:
            ctx.parents = inputs
            ctx.seq = next(_sequence)
            ctx._out_grad = None  # d(loss)/d(output), summed here during backward
            out.requires_grad = True
            out._ctx = ctx
        else:
            out.requires_grad = False
            out._ctx = None
        return out

    def __repr__(self):
        return f"<{type(self).__name__} backward>"


# The engine's per-op cost is mostly these few lines: the operators of Tensor call them directly
# (fixed arguments: no tuple or dict packed per call, no type dispatch).
def apply1(cls, a):
    """``cls.apply(a)`` for a Tensor ``a`` and no options."""
    ctx = _new(cls)
    out = _new(Tensor)
    out.grad = None
    if a.requires_grad and STATE.enabled:
        ctx.needs_input_grad = _TRUE1
        out.data = cls.forward(ctx, a.data)
        ctx.parents = (a,)
        ctx.seq = next(_sequence)
        ctx._out_grad = None
        out.requires_grad = True
        out._ctx = ctx
    else:
        ctx.needs_input_grad = _FALSE1
        out.data = cls.forward(ctx, a.data)
        out.requires_grad = False
        out._ctx = None
    return out


def apply2(cls, a, b):
    """``cls.apply(a, b)`` for Tensors ``a``, ``b`` and no options."""
    ctx = _new(cls)
    out = _new(Tensor)
    out.grad = None
    if (a.requires_grad or b.requires_grad) and STATE.enabled:
        try:
            ctx.needs_input_grad = _NEEDS2[a.requires_grad][b.requires_grad]
        except (IndexError, TypeError):  # requires_grad was assigned a non-bool (np.True_, 1.0)
            ctx.needs_input_grad = (bool(a.requires_grad), bool(b.requires_grad))
        out.data = cls.forward(ctx, a.data, b.data)
        ctx.parents = (a, b)
        ctx.seq = next(_sequence)
        ctx._out_grad = None
        out.requires_grad = True
        out._ctx = ctx
    else:
        ctx.needs_input_grad = _FALSE2
        out.data = cls.forward(ctx, a.data, b.data)
        out.requires_grad = False
        out._ctx = None
    return out


def apply3(cls, a, b, c):
    """``cls.apply(a, b, c)`` for Tensors and no options (a linear layer with a bias)."""
    ctx = _new(cls)
    out = _new(Tensor)
    out.grad = None
    if (a.requires_grad or b.requires_grad or c.requires_grad) and STATE.enabled:
        ctx.needs_input_grad = (a.requires_grad, b.requires_grad, c.requires_grad)
        out.data = cls.forward(ctx, a.data, b.data, c.data)
        ctx.parents = (a, b, c)
        ctx.seq = next(_sequence)
        ctx._out_grad = None
        out.requires_grad = True
        out._ctx = ctx
    else:
        ctx.needs_input_grad = _FALSE3
        out.data = cls.forward(ctx, a.data, b.data, c.data)
        out.requires_grad = False
        out._ctx = None
    return out


_TRUE1, _FALSE1, _FALSE2, _FALSE3 = (True,), (False,), (False, False), (False, False, False)
# needs_input_grad of a binary op, indexed by the inputs' requires_grad: shared tuples, one fewer
# object to allocate (and for the garbage collector to visit) per op
_NEEDS2 = ((_FALSE2, (False, True)), ((True, False), (True, True)))
