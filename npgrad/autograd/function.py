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
from .grad_mode import STATE
from .tensor import Tensor, as_tensor

_new = object.__new__


class Function:
    """Base class of every op. Subclasses define ``forward(ctx, *arrays, **options)`` and
    ``backward(ctx, grad_output)``; call them with ``Op.apply(*tensors, **options)``."""

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
        inputs = tuple(x if type(x) is Tensor else as_tensor(x) for x in inputs)
        ctx = _new(cls)
        if STATE.enabled:
            needs = tuple([x.requires_grad for x in inputs])
            record = True in needs
        else:
            needs = (False,) * len(inputs)
            record = False
        ctx.needs_input_grad = needs
        data = cls.forward(ctx, *[x.data for x in inputs], **options)
        out = _new(Tensor)
        out.data = data
        out.grad = None
        if record:
            ctx.parents = inputs
            out.requires_grad = True
            out._ctx = ctx
        else:
            out.requires_grad = False
            out._ctx = None
        return out

    def __repr__(self):
        return f"<{type(self).__name__} backward>"
