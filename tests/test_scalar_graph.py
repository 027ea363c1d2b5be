"""Models over DAGs: ordering, predict, caching, backward over shared nodes, errors, depth, GC."""
import gc
import math
import sys

import pytest

from npgrad.scalar import (
    SGD, Add, Constant, Exp, Input, Model, Multiply, Parameter, ReLU, Sigmoid, Sub, Tanh, sgd_step,
    topological_order, zero_grad,
)


class CountingExp(Exp):
    """Exp that counts how often it is evaluated."""
    __slots__ = ()
    calls = 0

    def forward(self):
        type(self).calls += 1
        super().forward()


def test_weight_used_twice_sums_both_paths():
    w, x = Parameter(3.0), Input("x")
    m = Model(Add([Multiply([w, x]), Multiply([w, w])]))  # w*x + w*w
    assert m.predict([2.0]) == 15.0
    m.backward()
    assert w.grad == 2.0 + 2 * 3.0
    assert x.grad == 3.0


def test_shared_subexpression_is_computed_once_and_gets_all_gradients():
    x = Input("x")
    CountingExp.calls = 0
    e = CountingExp(x)                       # shared by three parents
    out = Add([Multiply([e, e]), Sigmoid(e), Sub(e, 1.0)])
    m = Model(out)
    v = m.predict([0.3])
    E = math.exp(0.3)
    assert v == pytest.approx(E * E + 1 / (1 + math.exp(-E)) + E - 1)
    assert CountingExp.calls == 1
    assert m.last_evaluated == len([n for n in m.nodes if n.children])
    m.backward()
    s = 1 / (1 + math.exp(-E))
    assert e.grad == pytest.approx(2 * E + s * (1 - s) + 1)
    assert x.grad == pytest.approx(E * (2 * E + s * (1 - s) + 1))


def test_forward_cache_recomputes_exactly_what_depends_on_changed_inputs():
    x1, x2 = Input("x1"), Input("x2")
    CountingExp.calls = 0
    left = CountingExp(Multiply([x1, 2.0]))          # depends on x1 only
    right = Tanh(Add([x2, 1.0]))                     # depends on x2 only
    m = Model(Add([left, right]))
    m.predict([0.5, 0.25])
    assert CountingExp.calls == 1 and m.last_evaluated == 5
    m.predict([0.5, 0.25])                           # nothing changed: nothing recomputed
    assert CountingExp.calls == 1 and m.last_evaluated == 0
    v = m.predict([0.5, -0.75])                      # x2 changed: Add, Tanh and the root
    assert CountingExp.calls == 1 and m.last_evaluated == 3
    assert v == pytest.approx(math.exp(1.0) + math.tanh(0.25))
    m.predict({"x1": 1.0, "x2": -0.75})              # x1 changed: Multiply, Exp and the root
    assert CountingExp.calls == 2 and m.last_evaluated == 3
    assert m.forward() == pytest.approx(math.exp(2.0) + math.tanh(0.25))


def test_parameter_update_invalidates_the_cache():
    w, x = Parameter(1.0), Input("x")
    m = Model(ReLU(w * x))
    assert m.predict([2.0]) == 2.0
    w.value = 3.0
    assert m.predict([2.0]) == 6.0
    m.zero_grad()
    m.backward()
    sgd_step(m, 0.1)  # w -= 0.1 * 2
    assert w.value == pytest.approx(2.8)
    m.backward()      # stale values are recomputed before backpropagating
    assert x.grad == pytest.approx(2.8)


def test_models_sharing_nodes_do_not_read_each_others_stale_values():
    x = Input("x")
    h = Multiply([x, 3.0])
    m1, m2 = Model(h + 1), Model(h - 1)
    assert m1.predict([1.0]) == 4.0
    assert m2.predict([2.0]) == 5.0     # overwrites h
    assert m1.predict([1.0]) == 4.0     # must recompute h, although x equals its last value for m1


def test_predict_by_position_or_name_in_creation_order():
    b = Input("b")
    a = Input("a")
    m = Model(Sub(a, b))                # a appears first in the graph, but b was created first
    assert m.input_names == ["b", "a"]
    assert m.predict([1.0, 5.0]) == 4.0
    assert m.predict({"a": 5.0, "b": 1.0}) == 4.0
    m2 = Model(Sub(a, b), inputs=[a, b])
    assert m2.input_names == ["a", "b"] and m2.predict([5.0, 1.0]) == 4.0


def test_unnamed_inputs_get_positional_names():
    u, v = Input(), Input()
    m = Model(u * v)
    assert m.input_names == ["x1", "x2"]
    assert m.predict({"x1": 2.0, "x2": 4.0}) == 8.0


@pytest.mark.parametrize("values, words", [
    ([1.0], "got 1 input value.*has 2.*expected inputs: x, y"),
    ([1.0, 2.0, 3.0], "got 3 input value.*expected inputs: x, y"),
    ({"x": 1.0, "z": 2.0}, "unknown input name.*'z'.*expected inputs: x, y"),
    ({"x": 1.0}, "missing.*'y'.*expected inputs: x, y"),
])
def test_bad_inputs_raise_value_error_naming_the_inputs(values, words):
    m = Model(Input("x") * Input("y"))
    with pytest.raises(ValueError, match=words):
        m.predict(values)


def test_non_numeric_input_and_missing_values():
    m = Model(Input("x") * 2)
    with pytest.raises(TypeError, match="'x' must be a real number"):
        m.predict(["a"])
    with pytest.raises(ValueError, match="needs input values"):
        m.predict()
    with pytest.raises(ValueError, match="no value"):
        m.forward()
    with pytest.raises(RuntimeError, match="forward pass first"):
        m.backward()


def test_duplicate_input_names_and_unlisted_inputs_are_rejected():
    with pytest.raises(ValueError, match="named 'x'"):
        Model(Input("x") + Input("x"))
    a, b = Input("a"), Input("b")
    with pytest.raises(ValueError, match="not listed"):
        Model(a + b, inputs=[a])


def test_cycle_raises_clear_error():
    x = Input("x")
    a = Add([x, 1.0])
    b = Multiply([a, 2.0])
    a.children = (b, x)   # b -> a -> b
    with pytest.raises(ValueError, match="cycle"):
        Model(b)
    with pytest.raises(ValueError, match="cycle"):
        topological_order([b])
    self_loop = Tanh(x)
    self_loop.children = (self_loop,)
    with pytest.raises(ValueError, match="cycle"):
        Model(self_loop)


def test_topological_order_is_children_first_and_deterministic():
    x, y = Input("x"), Input("y")
    s = Add([x, y])
    out = Multiply([s, Sigmoid(s), x])
    order = topological_order([out])
    assert order == [x, y, s, order[3], out] and isinstance(order[3], Sigmoid)
    assert order == topological_order([out])


@pytest.mark.parametrize("compiled", [False, True])
def test_deep_chain_of_10000_nodes_has_no_recursion_limit(compiled):
    assert sys.getrecursionlimit() < 20000
    x = Input("x")
    node = x
    for _ in range(10_000):
        node = Add([node, 1e-4])       # x + 10000 * 1e-4
    m = Model(node)
    assert len(m) == 20_001
    run = m.compile() if compiled else m
    assert run.predict([1.0]) == pytest.approx(2.0, rel=1e-12)
    run.backward()
    grads = run.input_grads()
    assert grads == [1.0]
    assert str(m).startswith("x + 0.0001 + 0.0001")


def test_deep_nonlinear_chain_gradient():
    x = Input("x")
    node = x
    for _ in range(5000):
        node = Tanh(node)
    m = Model(node)
    v = 0.5
    m.predict([v])
    m.backward()
    g = 1.0
    for _ in range(5000):   # chain rule by hand
        t = math.tanh(v)
        g *= 1 - t * t
        v = t
    assert x.grad == pytest.approx(g, rel=1e-10)


def test_parameter_grads_accumulate_until_zero_grad_others_reset():
    w, x = Parameter(2.0), Input("x")
    h = w * x
    m = Model(h)
    m.predict([3.0])
    m.backward()
    m.backward()
    assert w.grad == 6.0       # accumulated over two backward passes
    assert h.grad == 1.0 and x.grad == 2.0   # reset each pass
    zero_grad(m)
    assert w.grad == 0.0 and h.grad == 0.0
    m.backward(0.5)
    assert w.grad == 1.5
    zero_grad([w])
    assert w.grad == 0.0


def test_vector_outputs_predict_and_backward():
    x = Input("x")
    m = Model([x * 2, x * x])
    assert m.predict([3.0]) == [6.0, 9.0]
    m.backward([1.0, 10.0])
    assert x.grad == 2.0 + 10.0 * 6.0
    with pytest.raises(ValueError, match="2 output"):
        m.backward([1.0])


def test_sgd_class_and_step():
    w = Parameter(1.0)
    m = Model(w * w)
    opt = SGD(m, lr=0.25)
    m.predict()
    opt.zero_grad()
    m.backward()
    opt.step()
    assert w.value == 0.5
    with pytest.raises(TypeError, match="Parameters"):
        SGD([Input("x")])


def test_graph_has_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Input("x")
        params = [Parameter(0.1 * k) for k in range(20)]
        h = [ReLU(Add([Multiply([p, x]), 1.0])) for p in params]
        m = Model(Sigmoid(Add(h)))
        m.predict([0.5])
        m.backward()
        m.predict([0.7])  # partial recomputation path
        del x, params, h, m
        assert gc.collect() == 0   # everything was freed by reference counting alone
    finally:
        gc.enable()


def test_constants_get_no_gradient_work_but_model_still_runs():
    c = Constant(2.0)
    m = Model(Exp(Multiply([c, 3.0])))
    assert m.predict() == pytest.approx(math.exp(6.0))
    m.backward()
    assert m.parameters() == [] and m.inputs == []
