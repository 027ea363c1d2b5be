"""funcify / str(model): exact formula strings; to_dot: the graph as DOT text."""
import re

import pytest

from npgrad.scalar import (
    Add, Constant, Div, Exp, Input, Log, Model, Multiply, Neg, Parameter, Pow, ReLU, Sigmoid, Softmax,
    Sub, Tanh, funcify, to_dot,
)


def test_tutorial_example():
    x1, x2 = Input("x1"), Input("x2")
    out = Sigmoid([Add([
        Multiply([Parameter(0.52), x1]),
        Multiply([Parameter(1.7), ReLU([Sub([x2, Constant(0.3)])])]),
        Parameter(-1.3),
    ])])
    assert funcify(Model(out)) == "sigmoid(0.52*x1 + 1.7*relu(x2 - 0.3) - 1.3)"
    assert str(Model(out)) == funcify(out)


def test_celsius_formula_rounds_parameters():
    F = Input("F")
    m = Model(Parameter(5 / 9) * F + Parameter(-160 / 9))
    assert str(m) == "0.5556*F - 17.78"
    assert funcify(m, digits=2) == "0.56*F - 18"
    assert funcify(m.compile()) == "0.5556*F - 17.78"


x, y = Input("x"), Input("y")


@pytest.mark.parametrize("node, text", [
    (Sub(x, Add([y, 1.0])), "x - (y + 1)"),
    (Sub(x, Constant(-2.0)), "x + 2"),
    (Sub(x, Neg(y)), "x + y"),
    (Sub(Add([x, y]), y), "x + y - y"),
    (Add([x, Neg(y)]), "x - y"),
    (Add([x, Multiply([Parameter(-0.5), y])]), "x - 0.5*y"),
    (Add([Multiply([Parameter(-0.5), x]), Parameter(2.0)]), "-0.5*x + 2"),
    (Add([x, Neg(Add([x, y]))]), "x - (x + y)"),
    (Multiply([Add([x, 1.0]), y]), "(x + 1)*y"),
    (Multiply([x, -2.0]), "x*(-2)"),
    (Multiply([x, Neg(y)]), "x*(-y)"),
    (Multiply([Neg(x), y]), "-x*y"),
    (Multiply([x, Div(y, 2.0)]), "x*y/2"),
    (Div(x, Multiply([y, 2.0])), "x/(y*2)"),
    (Div(Add([x, 1.0]), y), "(x + 1)/y"),
    (Div(x, Neg(y)), "x/(-y)"),
    (10.0 / x, "10/x"),
    (Neg(Add([x, y])), "-(x + y)"),
    (Neg(Neg(x)), "-(-x)"),
    (Neg(x), "-x"),
    (Pow(Add([x, 1.0]), 2), "(x + 1)**2"),
    (Pow(x, 0.5), "x**0.5"),
    (Pow(x, -1), "x**(-1)"),
    (Pow(Neg(x), 2), "(-x)**2"),
    (Neg(Pow(x, 2)), "-x**2"),
    (Pow(Pow(x, 2), 3), "(x**2)**3"),
    (Pow(Constant(-2.0), 3), "(-2)**3"),
    (Exp(Multiply([x, x])), "exp(x*x)"),
    (Log(Add([Multiply([x, x]), 1.0])), "log(x*x + 1)"),
    (Tanh(Sub(x, y)), "tanh(x - y)"),
    (Parameter(-0.0) * x, "0*x"),
    (Parameter(123456.0) + Parameter(1e-5), "1.235e+05 + 1e-05"),
])
def test_exact_formula_strings(node, text):
    assert funcify(Model(node, inputs=[x, y])) == text


def test_shared_subexpressions_are_named_once():
    x = Input("x")
    h = ReLU(Sub(x, 1.0))
    m = Model(Add([Multiply([h, h]), h]))
    assert str(m) == "h1 = relu(x - 1)\ny = h1*h1 + h1"


def test_binding_names_avoid_input_names():
    h1, y = Input("h1"), Input("y")
    t = Tanh(h1)
    m = Model(t * t + y)
    assert str(m) == "h2 = tanh(h1)\ny1 = h2*h2 + y"


def test_multiple_outputs_and_softmax():
    x = Input("x")
    assert str(Model([x + 1, x * 2])) == "y1 = x + 1\ny2 = x*2"
    m = Model(Softmax([x, Multiply([2.0, x])]))
    assert str(m) == "h1 = softmax(x, 2*x)\ny1 = h1[0]\ny2 = h1[1]"
    assert str(Model(Softmax([x, Neg(x)])[1])) == "softmax(x, -x)[1]"


def test_unnamed_inputs_use_positional_names():
    a, b = Input(), Input()
    assert str(Model(Multiply([a, Parameter(2.0), b]))) == "x1*2*x2"


def test_deep_formula_does_not_recurse():
    x = Input("x")
    node = x
    for _ in range(3000):
        node = Tanh(node)
    s = str(Model(node))
    assert s.startswith("tanh(tanh(") and s.endswith("(x" + ")" * 3000)


def test_to_dot_lists_every_node_with_value_and_grad():
    x1 = Input("x1")
    w = Parameter(0.5, name="w")
    out = Sigmoid(Add([Multiply([w, x1]), Constant(1.0)]))
    m = Model(out)
    m.predict([2.0])
    m.backward()
    dot = to_dot(m)
    assert dot.startswith("digraph model {") and dot.rstrip().endswith("}")
    labels = re.findall(r'n\d+ \[label="\{(.*?)\}"', dot)
    assert len(labels) == len(m.nodes) == 6
    assert "w: param | value 0.5 | grad 0.21" in labels   # x1 * s(1-s), s = sigmoid(2)
    assert "x1 | value 2 | grad 0.0525" in labels
    assert "sigmoid | value 0.8808 | grad 1" in labels
    assert len(re.findall(r"n\d+ -> n\d+;", dot)) == sum(len(n.children) for n in m.nodes)
    assert "-> out0;" in dot


def test_to_dot_escapes_record_characters():
    p = Parameter(1.0, name='a|b{"c"}')
    dot = to_dot(Model(p * 2))
    assert r'a\|b\{\"c\"\}: param' in dot
