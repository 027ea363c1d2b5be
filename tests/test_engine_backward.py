"""Backward over a DAG: accumulation, retain_graph, freeing, no_grad, errors, memory, depth."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import npgrad
from npgrad import Tensor, gradcheck


def t(x, grad=True, dtype=np.float64):
    return npgrad.tensor(x, requires_grad=grad, dtype=dtype)


def test_reused_tensor_accumulates_within_one_backward():
    x = t([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 1)


def test_diamond_dag():
    x = t(0.7)
    a = x.tanh()
    b = a * 2.0
    c = a.exp()
    (b * c).backward()
    th = np.tanh(0.7)
    expected = (2 * np.exp(th) + 2 * th * np.exp(th)) * (1 - th ** 2)
    assert x.grad == pytest.approx(expected, rel=1e-12)


def test_an_input_consumed_again_by_a_later_input_waits_for_it():
    """``a + f(a)``: the op's first input ``a`` is also consumed by its second input ``f(a)``,
    created later; ``a`` must wait until ``f(a)`` has passed its gradient on."""
    x0 = np.array([[0.3, -1.2, 2.0]])
    for build in (lambda a: a + a.tanh(), lambda a: a.tanh() * a, lambda a: a - (a * a).sigmoid() * a):
        x = npgrad.tensor(x0, requires_grad=True)
        build(x * 2.0).sum().backward()
        assert gradcheck(lambda t: build(t * 2.0).sum(), npgrad.tensor(x0, requires_grad=True))
        num = np.array([(build(npgrad.tensor(x0 + e) * 2.0).sum().item()
                         - build(npgrad.tensor(x0 - e) * 2.0).sum().item()) / 2e-6
                        for e in np.eye(3)[:, None, :] * 1e-6])
        np.testing.assert_allclose(x.grad.ravel(), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", range(8))
def test_random_dags_visit_every_node_after_all_its_consumers(seed):
    """Nodes that consume earlier nodes, several at a time and in any order: the sweep (a heap
    plus a hand-off for the next node) must reach each node only after every consumer passed its
    gradient on, or a gradient would be lost. Checked against central differences."""
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal((2, 3))

    def f(x):
        nodes = [x]
        for _ in range(12):
            i, j = rng_graph.integers(0, len(nodes), 2)
            op = rng_graph.integers(0, 3)
            a, b = nodes[i], nodes[j]
            nodes.append((a * b).tanh() if op == 0 else a + b * 0.5 if op == 1 else (a - b).sigmoid())
        out = nodes[-1]
        for k in rng_graph.integers(1, len(nodes) - 1, 3):  # extra consumers of earlier nodes
            out = out + nodes[k] * 0.3
        return out.sum()

    rng_graph = np.random.default_rng(seed + 100)
    x = npgrad.tensor(x0, requires_grad=True)
    f(x).backward()
    num = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        e = np.zeros_like(x0)
        e[idx] = 1e-6
        vals = []
        for sign in (1, -1):
            rng_graph = np.random.default_rng(seed + 100)  # the same graph every time
            vals.append(f(npgrad.tensor(x0 + sign * e)).item())
        num[idx] = (vals[0] - vals[1]) / 2e-6
    np.testing.assert_allclose(x.grad, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("flag", [np.True_, 1, 1.0])
def test_requires_grad_assigned_a_truthy_non_bool(flag):
    a, b = npgrad.tensor([1.0, 2.0]), npgrad.tensor([3.0, 4.0])
    a.requires_grad = flag  # as a user may write it
    out = a * b + b
    assert out._ctx.needs_input_grad == (True, False)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    assert b.grad is None


def test_gradients_accumulate_across_calls_until_zeroed():
    x = t([1.0, 2.0])
    for _ in range(3):
        (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [9.0, 9.0])
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_leaf_grads_never_share_memory():
    a, b = t(np.ones(3)), t(np.ones(3))
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad *= 2  # in-place edit of one gradient must not touch the other
    np.testing.assert_array_equal(b.grad, np.ones(3))
    seed = np.full((2,), 5.0)
    c = t([1.0, 2.0])
    c.backward(seed)
    assert not np.shares_memory(c.grad, seed)
    assert a.grad.flags.writeable and b.grad.flags.writeable


def test_no_grad_for_inputs_that_do_not_require_it():
    x = t(np.ones((2, 3)), grad=False)
    w = t(np.ones((3, 4)))
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, np.full((3, 4), 2.0))


def test_retain_graph_allows_second_backward_and_frees_otherwise():
    x = t([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, 4 * x.data)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_frees_saved_arrays():
    x = t(np.ones(1000))
    y = (x * 2.0).log()  # log saves its input, the intermediate x * 2 (bare, not in a tuple)
    out = y.sum()
    saved = weakref.ref(y._ctx.saved_tensors)
    assert saved().shape == (1000,)
    out.backward()
    gc.collect()
    assert saved() is None


def test_backward_on_non_scalar_needs_grad():
    x = t(np.ones((2, 2)))
    with pytest.raises(RuntimeError, match=r"one-element output, got shape \(2, 2\)"):
        (x * 2.0).backward()
    y = x * 2.0
    y.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 2.0))
    with pytest.raises(ValueError, match=r"grad has shape \(3,\)"):
        (x * 2.0).backward(np.ones(3))


def test_backward_without_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        t([1.0], grad=False).sum().backward()


def test_no_grad_records_nothing_and_works_as_decorator():
    x = t([1.0, 2.0])
    with npgrad.no_grad():
        y = x * 2
        with npgrad.enable_grad():
            z = x * 2
    assert not y.requires_grad and y._ctx is None
    assert z.requires_grad and z._ctx is not None
    assert npgrad.is_grad_enabled()

    @npgrad.no_grad()
    def f(a):
        return a.exp()

    assert f(x)._ctx is None and npgrad.is_grad_enabled()


def test_deep_chain_has_no_recursion_error():
    x = t(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 10_000, rel=1e-9)


def test_detach_cuts_the_graph():
    x = t([2.0])
    y = x * x.detach()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0])


def test_no_graph_memory_leak_over_training_iterations():
    rng = np.random.default_rng(0)
    w = npgrad.tensor(rng.standard_normal((10, 20)), requires_grad=True)
    b = npgrad.tensor(np.zeros(10), requires_grad=True)
    X = rng.standard_normal((64, 20)).astype(np.float32)
    y = rng.integers(0, 10, 64)

    def step():
        loss = npgrad.cross_entropy(npgrad.linear(X, w, b).relu(), y)
        loss.backward()
        w.data -= 0.01 * w.grad
        w.grad = b.grad = None

    for _ in range(20):
        step()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        step()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 100_000, f"memory grew by {grown} bytes over 1000 iterations"
    # the graph is plain reference counting: no cycles for the collector to find
    gc.collect()
    gc.disable()
    try:
        step()
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_graph_is_released_when_output_is_dropped():
    x = t(np.ones(100))
    y = (x * 2.0).exp()
    ref = weakref.ref(y._ctx)
    del y
    assert ref() is None


def test_bad_data_is_a_type_error():
    with pytest.raises(TypeError, match="numeric"):
        npgrad.tensor(["a", "b"])
    with pytest.raises(TypeError, match="numeric"):
        npgrad.tensor([1.0]) + "x"
    with pytest.raises(TypeError, match="numeric"):
        npgrad.tensor({"a": 1})


def test_shape_mismatch_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        npgrad.zeros(2, 3) @ npgrad.zeros(4, 5)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        npgrad.zeros(2, 3) + npgrad.zeros(4, 5)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        npgrad.zeros(2, 3) * np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"\(3, 7\).*\(4, 5\)"):
        npgrad.linear(npgrad.zeros(3, 7), npgrad.zeros(4, 5))
    with pytest.raises(ValueError, match="cannot reshape"):
        npgrad.zeros(2, 3).reshape(4, 2)


def test_integer_tensors_index_but_cannot_require_grad():
    i = npgrad.tensor([0, 2, 2])
    assert i.dtype == np.int64
    x = t([1.0, 2.0, 3.0])
    x[i].sum().backward()
    np.testing.assert_array_equal(x.grad, [1, 0, 2])
    with pytest.raises(TypeError, match="floating-point"):
        npgrad.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        i.requires_grad_()


def test_cross_entropy_bad_targets():
    z = npgrad.zeros(3, 4)
    with pytest.raises(ValueError, match=r"\[0, 3\].*\[7\]"):
        npgrad.cross_entropy(z, np.array([0, 7, 1]))
    with pytest.raises(ValueError, match="integers.*float"):
        npgrad.cross_entropy(z, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"mismatch.*\(3, 4\).*\(2,\)"):
        npgrad.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="-1"):
        npgrad.cross_entropy(z, np.array([0, -1, 1]))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", ">i4", "uint8", "uint64"])
def test_cross_entropy_label_range_check_every_integer_dtype(dtype):
    z = npgrad.zeros(3, 4)
    ok = np.array([0, 3, 1], dtype=dtype)
    assert npgrad.cross_entropy(z, ok).item() == pytest.approx(np.log(4))
    with pytest.raises(ValueError, match=r"\[0, 3\].*\[4\]"):
        npgrad.cross_entropy(z, np.array([0, 4, 1], dtype=dtype))
    if np.dtype(dtype).kind == "i":
        with pytest.raises(ValueError, match=r"\[0, 3\].*\[-1\]"):
            npgrad.cross_entropy(z, np.array([0, -1, 1], dtype=dtype))
        strided = np.array([0, 9, -2, 9, 1, 9], dtype=dtype)[::2]  # a view with gaps
        with pytest.raises(ValueError, match=r"\[-2\]"):
            npgrad.cross_entropy(z, strided)


def test_tensor_api_basics():
    x = npgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float32
    assert x.T.shape == (3, 2) and isinstance(x.numpy(), np.ndarray)
    assert x.sum().item() == 21.0 and isinstance(x.sum().item(), float)
    assert not x.detach().requires_grad
    assert "requires_grad=True" in repr(x) and "grad_fn=Mul" in repr(x * 2)
    assert npgrad.zeros(2, 3).shape == npgrad.ones((2, 3)).shape == (2, 3)
    assert npgrad.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert npgrad.arange(4).data.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(npgrad.randn(3, seed=1).data, npgrad.randn(3, seed=1).data)
    gen = np.random.default_rng(5)
    a, b = npgrad.rand(2, seed=gen), npgrad.rand(2, seed=gen)
    assert not np.array_equal(a.data, b.data)
    assert 0 <= a.data.min() and a.data.max() < 1
    with pytest.raises(ValueError, match="one element"):
        x.item()


def test_reflected_operators_with_ndarrays_and_scalars():
    x = t([1.0, 2.0])
    arr = np.array([10.0, 20.0])
    for out, ref in [(arr + x, arr + x.data), (arr - x, arr - x.data), (arr * x, arr * x.data),
                     (arr / x, arr / x.data), (2 - x, 2 - x.data), (x @ arr, x.data @ arr)]:
        assert isinstance(out, Tensor)
        np.testing.assert_allclose(out.data, ref)


def test_view_gradients_are_kept_only_when_nothing_else_shares_them():
    w = npgrad.tensor(np.asfortranarray(np.ones((2, 3))), requires_grad=True)
    x = np.arange(12.0).reshape(4, 3)
    npgrad.linear(x, w).sum().backward()
    assert w.grad.flags.f_contiguous and w.grad.flags.writeable  # dW.T kept, in W's layout
    np.testing.assert_allclose(w.grad, np.ones((4, 2)).T @ x)
    # two leaves fed views of one array must not share memory
    a, b = t(np.ones((2, 3))), t(np.ones((3, 2)))
    s = t(np.ones((2, 3)))
    (s + a).sum().backward()
    y = s * 1.0
    (y + a + b.T).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(s.grad, a.grad)


def test_every_backward_into_a_freed_part_of_the_graph_raises():
    x = t([1.0, 2.0])
    h = x * 2.0
    h.sum().backward()  # frees h's op
    for k in (3.0, 4.0):  # the second attempt must raise too (no stale gradient left behind)
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            (h * k).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
