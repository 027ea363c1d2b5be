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
        ctx = _new(cls)
        # one- and two-input ops are nearly all ops: spelled out, they skip the generic path's
        # iterator machinery (this function's cost is the engine's per-op overhead)
        n = len(inputs)
        if n == 1 and isinstance(inputs[0], Tensor):
            a = inputs[0]
            record = a.requires_grad and STATE.enabled
            ctx.needs_input_grad = (record,)
            data = cls.forward(ctx, a.data, **options) if options else cls.forward(ctx, a.data)
        elif n == 2 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor):
            a, b = inputs
            if STATE.enabled:
                needs = ctx.needs_input_grad = (a.requires_grad, b.requires_grad)
                record = True in needs
            else:
                ctx.needs_input_grad = (False, False)
                record = False
            data = cls.forward(ctx, a.data, b.data, **options) if options else cls.forward(ctx, a.data, b.data)
        elif n == 3 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor) \
                and isinstance(inputs[2], Tensor):  # linear with a bias
            a, b, c = inputs
            if STATE.enabled:
                needs = ctx.needs_input_grad = (a.requires_grad, b.requires_grad, c.requires_grad)
                record = True in needs
            else:
                ctx.needs_input_grad = (False, False, False)
                record = False
            data = cls.forward(ctx, a.data, b.data, c.data, **options)
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
