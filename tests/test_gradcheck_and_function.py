"""The shipped gradient checker, and custom ops through the public Function base."""
import numpy as np
import pytest

import npgrad
from npgrad import Function, GradcheckError, gradcheck, numerical_gradient


class Cube(Function):
    """The documented custom-op example."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return x * grad  # should be 2 * x * grad


class ScaledAdd(Function):
    """Two inputs, an option, and needs_input_grad."""

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.scale = scale
        return a + scale * b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (ctx.scale * grad if need_b else None)


def test_custom_function_example():
    x = npgrad.tensor([1.0, 2.0, -3.0], requires_grad=True, dtype=np.float64)
    y = Cube.apply(x)
    np.testing.assert_array_equal(y.data, [1.0, 8.0, -27.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 12.0, 27.0])
    assert gradcheck(Cube.apply, npgrad.tensor([0.3, -1.2], requires_grad=True))


def test_custom_function_with_options_and_constant_input():
    a = npgrad.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    out = ScaledAdd.apply(a, np.array([10.0, 20.0]), scale=0.5)
    assert out._ctx.needs_input_grad == (True, False)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])
    assert gradcheck(lambda p, q: ScaledAdd.apply(p, q, scale=-2.0),
                     npgrad.tensor([0.1, 0.2], requires_grad=True), npgrad.tensor([1.0, 3.0], requires_grad=True))


def test_gradcheck_catches_a_wrong_gradient_and_names_it():
    x = npgrad.tensor([[0.5, -1.5], [2.0, 1.0]], requires_grad=True)
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda a: WrongSquare.apply(a).sum(), x, names=["x"])
    msg = str(err.value)
    assert "x element (1, 0)" in msg  # the worst element: largest |x| = 2.0
    assert "autograd 2" in msg and "central differences 4" in msg and "relative error 0.5" in msg
    with pytest.raises(GradcheckError, match="random direction"):
        gradcheck(WrongSquare.apply, x, mode="random")


def test_gradcheck_random_mode_on_a_larger_input():
    rng = np.random.default_rng(0)
    x = npgrad.tensor(rng.standard_normal((10, 32)), requires_grad=True)
    w = npgrad.tensor(rng.standard_normal((64, 32)), requires_grad=True)
    assert gradcheck(lambda a, b: npgrad.linear(a, b).tanh(), x, w, mode="random", n_directions=5)


def test_gradcheck_runs_in_float64_even_for_float32_inputs():
    x = npgrad.tensor([0.1, 0.2, 0.3], requires_grad=True)  # float32
    seen = []

    def f(a):
        seen.append(a.dtype)
        return (a * a).sum()

    assert gradcheck(f, x)
    assert set(seen) == {np.dtype(np.float64)}


def test_gradcheck_leaves_integer_inputs_alone():
    z = npgrad.tensor(np.random.default_rng(1).standard_normal((4, 3)))
    labels = np.array([0, 2, 1, 1])
    assert gradcheck(npgrad.cross_entropy, z, labels)
    assert gradcheck(npgrad.cross_entropy, z, labels, mode="random")


def test_numerical_gradient():
    x = np.array([1.0, -2.0, 0.5])
    g = numerical_gradient(lambda a: (a ** 3).sum(), x)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-8)
    g2 = numerical_gradient(lambda a: (npgrad.tensor(a) ** 2).sum(), npgrad.tensor(x))
    np.testing.assert_allclose(g2, 2 * x, rtol=1e-8)
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda a: a * 2, x)


def test_gradcheck_and_numerical_gradient_handle_column_major_inputs():
    w = npgrad.tensor(np.asfortranarray(np.random.default_rng(0).standard_normal((3, 4))), requires_grad=True)
    assert gradcheck(lambda a: (a * a).sum(), w)
    np.testing.assert_allclose(numerical_gradient(lambda a: (a ** 2).sum(), w.data), 2 * w.data, rtol=1e-7)
    with pytest.raises(GradcheckError):
        gradcheck(lambda a: WrongSquare.apply(a).sum(), w)


class TooFewGradients(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        return (grad,)  # two inputs, one gradient


class BareGradientForTwoInputs(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad  # a bare array counts as one gradient


class TooManyGradients(Function):
    @staticmethod
    def forward(ctx, a):
        return 2 * a

    @staticmethod
    def backward(ctx, grad):
        return 2 * grad, grad


@pytest.mark.parametrize("op, n_inputs, n_returned", [
    (TooFewGradients, 2, 1), (BareGradientForTwoInputs, 2, 1), (TooManyGradients, 1, 2),
])
def test_backward_returning_the_wrong_number_of_gradients_is_named(op, n_inputs, n_returned):
    xs = [npgrad.tensor([1.0, 2.0], requires_grad=True) for _ in range(n_inputs)]
    out = op.apply(*xs).sum()
    with pytest.raises(RuntimeError,
                       match=f"{op.__name__}.backward returned {n_returned} gradients for "
                             f"{n_inputs} inputs"):
        out.backward()
    assert all(x.grad is None for x in xs)


def test_a_function_subclass_may_not_define_init():
    with pytest.raises(TypeError, match="must not define __init__"):
        class WithInit(Function):  # noqa: F841
            def __init__(self, k):
                self.k = k


def test_every_function_subclass_gets_its_own_fast_paths():
    assert Cube._apply1 is not WrongSquare._apply1
    assert Cube._apply1.__code__ is not WrongSquare._apply1.__code__  # own inline caches
    x = npgrad.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    y = Cube._apply1(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 12.0])
    # Tensor's operators and elementwise methods are the ops' fast paths themselves
    from npgrad.autograd import ops
    assert npgrad.Tensor.__add__ is ops.Add._apply2
    assert npgrad.Tensor.tanh is ops.Tanh._apply1


def test_a_forward_replaced_after_the_class_is_made_takes_effect(monkeypatch):
    from npgrad.autograd import ops
    calls = []
    original = ops.Sigmoid.forward

    def counted(ctx, a):
        calls.append(a.shape)
        return original(ctx, a)

    monkeypatch.setattr(ops.Sigmoid, "forward", staticmethod(counted))
    x = npgrad.tensor([0.5, -0.5], requires_grad=True, dtype=np.float64)
    x.sigmoid().sum().backward()
    assert calls == [(2,)]
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(x.grad, s * (1 - s))


def _ufunc_ops():
    from npgrad.autograd import ops
    found = [c for c in vars(ops).values()
             if isinstance(c, type) and issubclass(c, ops.Ufunc) and c.ufunc is not None]
    assert {c.__name__ for c in found} >= {"Add", "Mul", "Tanh", "Exp", "Log"}
    return found


@pytest.mark.parametrize("op", _ufunc_ops(), ids=lambda c: c.__name__)
def test_a_one_ufunc_op_records_the_same_through_its_fast_path_and_its_forward(op):
    # the fast paths run ``op.ufunc`` themselves; they must store what ``op.forward`` stores
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(0.5, 2.0, (3, 4)) for _ in range(2)]
    unary = op.grads_match_inputs
    inputs = [npgrad.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays[:1 if unary else 2]]
    out = (op._apply1 if unary else op._apply2)(*inputs)
    ctx = op()
    expected = op.forward(ctx, *[t.data for t in inputs])
    np.testing.assert_array_equal(out.data, expected)
    saved, want = getattr(out._ctx, "saved_tensors", None), getattr(ctx, "saved_tensors", None)
    assert type(saved) is type(want)
    for s, w in zip(saved if isinstance(saved, tuple) else [saved], want if isinstance(want, tuple) else [want]):
        if w is not None:
            np.testing.assert_array_equal(s, w)
    assert gradcheck(lambda *ts: (op._apply1 if unary else op._apply2)(*ts), *inputs)


def test_state_kept_on_ctx_is_freed_by_backward_unless_retained():
    a = npgrad.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    out = ScaledAdd.apply(a, a, scale=3.0)
    ctx = out._ctx
    out.sum().backward(retain_graph=True)
    assert ctx.scale == 3.0
    out.sum().backward()
    assert "scale" not in vars(ctx) and ctx.parents is None
    np.testing.assert_array_equal(a.grad, [8.0, 8.0])


class WrongShapeGradient(Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(-1)  # (2, 3) input, (6,) gradient


def test_a_gradient_of_the_wrong_shape_is_named():
    x = npgrad.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient of shape \(6,\) cannot be reduced to shape \(2, 3\)"):
        WrongShapeGradient.apply(x).sum().backward()


def _elementwise_ops():
    from npgrad.autograd import ops
    found = [c for c in vars(ops).values()
             if isinstance(c, type) and issubclass(c, Function) and c.grads_match_inputs]
    assert {c.__name__ for c in found} >= {"Tanh", "Sigmoid", "ReLU", "Exp", "Log", "Neg"}
    return [c for c in found if c is not ops.Elementwise]


@pytest.mark.parametrize("op", _elementwise_ops(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_ops_that_skip_the_engine_checks_return_input_shaped_and_typed_gradients(op, dtype):
    # grads_match_inputs lets the engine skip its shape and dtype checks: hold every flagged op
    # to it, for each float dtype, through a chain where the gradient flows into another op
    x = npgrad.tensor(np.linspace(0.5, 2.0, 6).reshape(2, 3), requires_grad=True, dtype=dtype)
    h = x * 1.5
    y = op.apply(h)
    assert y.dtype == dtype
    grads = op.backward(y._ctx, np.ones(y.shape, dtype))
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert [(g.shape, g.dtype) for g in grads] == [((2, 3), np.dtype(dtype))]
    y.sum().backward()
    assert x.grad.shape == (2, 3) and x.grad.dtype == dtype
