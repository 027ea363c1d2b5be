"""``Function``: an op's forward on ndarrays and its backward, recorded on the graph.

A Function instance is the op's *context* (``ctx``), made by the engine (a subclass defines no
``__init__``): forward stores what backward needs on it, and the engine stores the op's input
tensors in ``ctx.parents``. ``backward()`` frees all of it unless ``retain_graph=True``. Example::

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
from .tensor import Tensor, _operand, as_tensor

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
    # True in a subclass whose backward always returns each input's gradient in that input's shape
    # and dtype (no broadcast shape): the engine then skips its checks (unary elementwise ops)
    grads_match_inputs = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: a Function subclass must not define __init__ (the engine creates "
                "the context itself); keep what backward needs on ctx in forward"
            )
        cls._apply1, cls._apply2, cls._apply3 = _fast_paths(cls)
        # read by the backward sweep once per node: whether instances have a __dict__ to clear,
        # and grads_match_inputs (one attribute lookup instead of two)
        cls._sweep_flags = (bool(cls.__dictoffset__), bool(cls.grads_match_inputs))

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
                return cls._apply1(inputs[0])
            if n == 2 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor):
                return cls._apply2(inputs[0], inputs[1])
            if n == 3 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor) \
                    and isinstance(inputs[2], Tensor):
                return cls._apply3(inputs[0], inputs[1], inputs[2])
        ctx = cls()
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


# The engine's per-op cost is mostly these few lines. Every op class gets its own copies of them
# (``Op._apply1(a)``, ``Op._apply2(a, b)``, ``Op._apply3(a, b, c)``, made when the class is
# defined): fixed arguments, no tuple or dict packed per call, no type dispatch, and Tensor's
# operators and elementwise methods *are* these functions (``Tensor.__add__ is Add._apply2``), so
# ``x + y`` costs one Python call besides the op's forward. Each copy also gets its own code
# object: CPython's specializing interpreter (3.11+) keeps its attribute caches per code object,
# and a site that sees one class of ctx stays specialized (shared code saw Add, Mul, Tanh, ...
# in turn). ``cls.forward`` is looked up per call, so a forward replaced later (a profiler's
# wrapper) takes effect.
def _fast_paths(cls):
    # an op made of one NumPy ufunc call (ops.Ufunc) is run here directly, without its forward
    ufunc = getattr(cls, "ufunc", None)
    saves = getattr(cls, "saves", None)

    def apply1(a):
        ctx = cls()
        out = _new(Tensor)
        out.grad = None
        if a.requires_grad and STATE.enabled:
            ctx.needs_input_grad = _TRUE1
            if ufunc is None:
                out.data = cls.forward(ctx, a.data)
            else:
                x = a.data
                y = out.data = ufunc(x)
                if saves is not None:
                    ctx.saved_tensors = y if saves == "output" else x
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

    def apply2(a, b):
        if type(b) is not Tensor:  # ``tensor + 2``: a constant of a's dtype
            b = _operand(b, a)
        ctx = cls()
        out = _new(Tensor)
        out.grad = None
        if (a.requires_grad or b.requires_grad) and STATE.enabled:
            try:
                ctx.needs_input_grad = _NEEDS2[a.requires_grad][b.requires_grad]
            except (IndexError, TypeError):  # requires_grad was assigned a non-bool (np.True_, 1.0)
                ctx.needs_input_grad = (bool(a.requires_grad), bool(b.requires_grad))
            if ufunc is None:
                out.data = cls.forward(ctx, a.data, b.data)
            else:
                x = a.data
                y = b.data
                try:
                    out.data = ufunc(x, y)
                except ValueError:  # the op's forward raises its error, naming both shapes
                    cls.forward(ctx, x, y)
                    raise
                if saves is not None:
                    ctx.saved_tensors = (x, y) if saves == "inputs" else out.data
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

    def apply3(a, b, c):  # a linear layer with a bias
        ctx = cls()
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

    name = cls.__name__
    apply1.__doc__ = f"{name}.apply(a) for a Tensor ``a`` (no options)."
    apply2.__doc__ = f"{name}.apply(a, b) for a Tensor ``a``; ``b`` a Tensor or a constant."
    apply3.__doc__ = f"{name}.apply(a, b, c) for Tensors (no options)."
    for f in (apply1, apply2, apply3):
        f.__qualname__ = f"{name}.{f.__name__}"
        f.__code__ = f.__code__.replace()  # a copy: this class's own inline caches
    return apply1, apply2, apply3


_TRUE1, _FALSE1, _FALSE2, _FALSE3 = (True,), (False,), (False, False), (False, False, False)
# needs_input_grad of a binary op, indexed by the inputs' requires_grad: shared tuples, one fewer
# object to allocate (and for the garbage collector to visit) per op
_NEEDS2 = ((_FALSE2, (False, True)), ((True, False), (True, True)))
