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
