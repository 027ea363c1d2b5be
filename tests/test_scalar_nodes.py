"""Scalar nodes: the two ways to build, each operation's value and derivative, bad arguments."""
import math

import numpy as np
import pytest

from npgrad.scalar import (
    Add, Constant, Div, Exp, Input, Log, Model, Multiply, Neg, Parameter, Pow, ReLU, Sigmoid, Softmax,
    Sub, Tanh, funcify,
)


def value_and_grads(out, leaves):
    m = Model(out)
    v = m.predict() if not m.inputs else None
    m.zero_grad()
    m.backward()
    return v, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("make, f, df", [
    (lambda a: Neg(a), lambda x: -x, lambda x: -1.0),
    (lambda a: ReLU(a), lambda x: max(x, 0.0), lambda x: float(x > 0)),
    (lambda a: Sigmoid(a), lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    (lambda a: Tanh(a), math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    (lambda a: Exp(a), math.exp, math.exp),
    (lambda a: Log(a), math.log, lambda x: 1 / x),
    (lambda a: Pow(a, 3), lambda x: x ** 3, lambda x: 3 * x ** 2),
    (lambda a: Pow(a, 2), lambda x: x * x, lambda x: 2 * x),
    (lambda a: Pow(a, -0.5), lambda x: x ** -0.5, lambda x: -0.5 * x ** -1.5),
])
@pytest.mark.parametrize("x", [0.7, 1.9, -0.4])
def test_unary_ops(make, f, df, x):
    probe = make(Constant(1.0))
    if isinstance(probe, Log) or (isinstance(probe, Pow) and probe.exponent == -0.5):
        x = abs(x)  # stay in the domain
    a = Parameter(x)
    v, (g,) = value_and_grads(make(a), [a])
    assert v == pytest.approx(f(x), rel=1e-14)
    assert g == pytest.approx(df(x), rel=1e-14)


def test_binary_and_nary_ops():
    a, b, c = Parameter(2.0), Parameter(-3.0), Parameter(0.5)
    v, g = value_and_grads(Add([a, b, c]), [a, b, c])
    assert v == -0.5 and g == [1.0, 1.0, 1.0]
    v, g = value_and_grads(Multiply([a, b, c]), [a, b, c])
    assert v == -3.0 and g == [-1.5, 1.0, -6.0]
    v, g = value_and_grads(Sub([a, b]), [a, b])
    assert v == 5.0 and g == [1.0, -1.0]
    v, g = value_and_grads(Div([a, b]), [a, b])
    assert v == pytest.approx(-2 / 3) and g == pytest.approx([-1 / 3, -2 / 9])


def test_multiply_with_a_zero_child_has_correct_gradients():
    a, b, c = Parameter(0.0), Parameter(4.0), Parameter(5.0)
    _, g = value_and_grads(Multiply([a, b, c]), [a, b, c])
    assert g == [20.0, 0.0, 0.0]


def test_explicit_and_operator_construction_are_the_same_graph():
    w, x, b = Parameter(0.5), Input("x"), Parameter(-1.0)
    explicit = Model(Add([Multiply([w, x]), b]))
    ops = Model(w * x + b)
    assert [type(n) for n in explicit.nodes] == [type(n) for n in ops.nodes]
    assert explicit.predict([3.0]) == ops.predict([3.0]) == 0.5
    assert funcify(explicit) == funcify(ops) == "0.5*x - 1"


def test_operators_with_numbers_on_either_side():
    a = Parameter(2.0)
    m = Model([a + 1, 1 + a, a - 1, 1 - a, a * 3, 3 * a, a / 4, 10.0 / a, -a, a ** 3, 2 ** a, +a])
    assert m.predict() == pytest.approx([3, 3, 1, -1, 6, 6, 0.5, 5, -2, 8, 4, 2])
    assert isinstance((10.0 / a), Div) and isinstance(a ** 3, Pow) and isinstance(-a, Neg)
    assert isinstance(np.float64(2.0) * a, Multiply)  # NumPy scalars defer to the node


def test_unary_nodes_accept_bare_child_or_list():
    z = Parameter(-2.0)
    assert ReLU(z).children == ReLU([z]).children == (z,)
    assert Sigmoid([z]).children == (z,)
    assert Sub(z, 1.0).children[0] is z and Sub([z, 1.0]).children[0] is z


def test_children_are_ordered_tuples():
    a, b, c = Parameter(1.0), Parameter(2.0), Parameter(3.0)
    node = Add([c, a, b, a])
    assert node.children == (c, a, b, a)
    assert isinstance(node.children, tuple)


def test_parameter_init_is_seeded():
    assert Parameter(seed=3).value == Parameter(seed=3).value
    assert Parameter(seed=3).value != Parameter(seed=4).value
    rng = np.random.default_rng(0)
    vals = [Parameter(seed=rng).value for _ in range(200)]
    assert all(-1 <= v <= 1 for v in vals) and len(set(vals)) == 200
    assert Parameter(0.25).value == 0.25 and Constant(2).value == 2.0


def test_sigmoid_is_stable_for_large_inputs():
    for x, expected in [(800.0, 1.0), (-800.0, 0.0), (40.0, 1.0), (-40.0, math.exp(-40) / (1 + math.exp(-40)))]:
        a = Parameter(x)
        v, (g,) = value_and_grads(Sigmoid(a), [a])
        assert math.isfinite(v) and math.isfinite(g)
        assert v == pytest.approx(expected, rel=1e-15, abs=0)
        assert g >= 0


def test_softmax_values_grads_and_large_inputs():
    xs = [Parameter(v) for v in (1000.0, 1001.0, 999.0)]
    s = Softmax(xs)
    m = Model(s)
    p = m.predict()
    e = np.exp(np.array([1000.0, 1001.0, 999.0]) - 1001.0)
    np.testing.assert_allclose(p, e / e.sum(), rtol=1e-15)
    assert sum(p) == pytest.approx(1.0)
    m.backward([1.0, 0.0, 0.0])  # d p0 / d x_j = p0 (δ0j - p_j)
    np.testing.assert_allclose([x.grad for x in xs], [p[0] * (1 - p[0]), -p[0] * p[1], -p[0] * p[2]], rtol=1e-14)
    assert len(s) == 3 and [i.index for i in s] == [0, 1, 2] and s[-1].index == 2


@pytest.mark.parametrize("bad, exc, words", [
    (lambda: Add([]), ValueError, "at least one child"),
    (lambda: ReLU([Constant(1.0), Constant(2.0)]), ValueError, "exactly 1 child"),
    (lambda: Sub([Constant(1.0)]), ValueError, "exactly 2 children"),
    (lambda: Add(["x", Constant(1.0)]), TypeError, "nodes or numbers"),
    (lambda: Add("x"), TypeError, "list of nodes"),
    (lambda: Pow(Constant(2.0), Parameter(1.0)), TypeError, "constant exponent"),
    (lambda: Parameter(1.0) ** Parameter(2.0), TypeError, "constant exponent"),
    (lambda: Parameter("a"), TypeError, "must be a number"),
    (lambda: Input(3), TypeError, "name must be a string"),
    (lambda: Softmax([Constant(1.0), Constant(2.0)]) + 1, TypeError, "index it"),
    (lambda: Softmax([Constant(1.0)])[3], IndexError, "out of range"),
])
def test_bad_construction_raises_clear_errors(bad, exc, words):
    with pytest.raises(exc, match=words):
        bad()


def test_non_number_operands_are_rejected():
    with pytest.raises(TypeError):
        Parameter(1.0) + "a"
    with pytest.raises(TypeError):
        [1.0] * Parameter(1.0)


def test_domain_errors_name_the_node():
    x = Input("x")
    m = Model(Log(x))
    with pytest.raises(ValueError, match="Log"):
        m.predict([-1.0])
    assert m.predict([1.0]) == 0.0  # recovers after the error
