"""npgrad.optim: update rules against steps computed by hand, in-place float32 updates without
per-step allocation, parameter groups, validation, state_dict / load_state_dict."""
import math
import tracemalloc

import numpy as np
import pytest

import npgrad
from npgrad.optim import SGD, Adam, AdamW, RMSprop


def param(values, dtype=np.float64):
    return npgrad.tensor(np.array(values, dtype=dtype), requires_grad=True)


def run(opt_cls, p0, grads, **kw):
    """Values of a float64 parameter after each step, the gradients given per step."""
    p = param(p0)
    opt = opt_cls([p], **kw)
    out = []
    for g in grads:
        p.grad = np.array(g, dtype=np.float64)
        opt.step()
        out.append(p.data.copy())
    return np.array(out)


# ---- hand-computed sequences (scalar parameters, numbers written out) ---------------------------
def test_sgd_plain():
    assert run(SGD, [1.0, 2.0], [[0.5, -1.0]], lr=0.1)[0] == pytest.approx([0.95, 2.1], abs=1e-15)


def test_sgd_momentum_by_hand():
    # b1 = g1 = 1, p = 1 - .1*1 = .9; b2 = .9*1 + 2 = 2.9, p = .9 - .29 = .61;
    # b3 = .9*2.9 - 1 = 1.61, p = .61 - .161 = .449
    got = run(SGD, [1.0], [[1.0], [2.0], [-1.0]], lr=0.1, momentum=0.9)
    assert got[:, 0] == pytest.approx([0.9, 0.61, 0.449], abs=1e-14)


def test_sgd_nesterov_by_hand():
    # step 1: b = 1, g + .9 b = 1.9, p = .81; step 2: b = 2.9, 2 + 2.61 = 4.61, p = .349;
    # step 3: b = 1.61, -1 + 1.449 = .449, p = .3041
    got = run(SGD, [1.0], [[1.0], [2.0], [-1.0]], lr=0.1, momentum=0.9, nesterov=True)
    assert got[:, 0] == pytest.approx([0.81, 0.349, 0.3041], abs=1e-14)


def test_sgd_weight_decay_and_dampening_by_hand():
    # g' = g + .1 p: 1.1, b = 1.1, p = .89; g' = 1.089, b = .99 + 1.089 = 2.079, p = .6821
    got = run(SGD, [1.0], [[1.0], [1.0]], lr=0.1, momentum=0.9, weight_decay=0.1)
    assert got[:, 0] == pytest.approx([0.89, 0.6821], abs=1e-14)
    # dampening .5 applies from the second step: b = 1, p = .9; b = .9 + .5*2 = 1.9, p = .71
    got = run(SGD, [1.0], [[1.0], [2.0]], lr=0.1, momentum=0.9, dampening=0.5)
    assert got[:, 0] == pytest.approx([0.9, 0.71], abs=1e-14)
    # weight decay without momentum: p = 1 - .1*(1 + .1) = .89
    assert run(SGD, [1.0], [[1.0]], lr=0.1, weight_decay=0.1)[0, 0] == pytest.approx(0.89, abs=1e-15)


def test_sgd_nesterov_with_weight_decay_by_hand():
    # step 1: g' = 1.1, b = 1.1, g' + .9 b = 2.09, p = .791
    # step 2: g' = 1 + .0791 = 1.0791, b = .99 + 1.0791 = 2.0691, 1.0791 + 1.86219 = 2.94129,
    #         p = .791 - .294129 = .496871
    got = run(SGD, [1.0], [[1.0], [1.0]], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    assert got[:, 0] == pytest.approx([0.791, 0.496871], abs=1e-14)


def test_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    # step 1, g = 2: m = .2, v = .004, m_hat = .2/.1 = 2, v_hat = .004/.001 = 4
    p1 = 1.0 - lr * 2.0 / (math.sqrt(4.0) + eps)
    # step 2, g = -1: m = .18 - .1 = .08, v = .003996 + .001 = .004996
    m_hat, v_hat = 0.08 / (1 - 0.81), 0.004996 / (1 - 0.998001)
    p2 = p1 - lr * m_hat / (math.sqrt(v_hat) + eps)
    got = run(Adam, [1.0], [[2.0], [-1.0]], lr=lr, betas=(b1, b2), eps=eps)
    assert got[:, 0] == pytest.approx([p1, p2], abs=1e-13)
    assert p1 == pytest.approx(0.9)  # the first Adam step moves by lr
    assert p2 == pytest.approx(0.9 - 0.1 * 0.42105263157894735 / 1.5809015228066567, abs=1e-8)


def test_adamw_decays_before_the_adam_step_by_hand():
    lr, wd = 0.1, 0.5
    # p = 1 * (1 - .1 * .5) = .95, then the first Adam step moves by lr * g / (|g| + eps)
    p1 = 1.0 * (1 - lr * wd) - lr * 2.0 / (2.0 + 1e-8)
    assert run(AdamW, [1.0], [[2.0]], lr=lr, weight_decay=wd)[0, 0] == pytest.approx(p1, abs=1e-14)
    # Adam's weight decay is an L2 term in the gradient instead: g' = 2 + .5, still a step of lr
    p1_adam = 1.0 - lr * 2.5 / (2.5 + 1e-8)
    assert run(Adam, [1.0], [[2.0]], lr=lr, weight_decay=wd)[0, 0] == pytest.approx(p1_adam, abs=1e-14)
    assert AdamW([param([1.0])]).param_groups[0]["weight_decay"] == 1e-2


def test_rmsprop_by_hand():
    lr, a, eps = 0.01, 0.99, 1e-8
    # step 1, g = 2: v = .01 * 4 = .04, p = 1 - .01 * 2 / (.2 + eps)
    p1 = 1.0 - lr * 2.0 / (math.sqrt(0.04) + eps)
    # step 2, g = 1: v = .0396 + .01 = .0496
    p2 = p1 - lr * 1.0 / (math.sqrt(0.0496) + eps)
    got = run(RMSprop, [1.0], [[2.0], [1.0]], lr=lr, alpha=a, eps=eps)
    assert got[:, 0] == pytest.approx([p1, p2], abs=1e-14)
    # centered: a1 = .02, avg = sqrt(.04 - .0004); a2 = .0198 + .01 = .0298
    c1 = 1.0 - lr * 2.0 / (math.sqrt(0.04 - 0.02 ** 2) + eps)
    c2 = c1 - lr * 1.0 / (math.sqrt(0.0496 - 0.0298 ** 2) + eps)
    assert run(RMSprop, [1.0], [[2.0], [1.0]], centered=True)[:, 0] == pytest.approx([c1, c2], abs=1e-14)
    # momentum .5: b1 = 2/.2 = 10, p = .9; b2 = 5 + 1/sqrt(.0496), p = .9 - .01 b2 (eps aside)
    b1 = 2.0 / (0.2 + eps)
    b2 = 0.5 * b1 + 1.0 / (math.sqrt(0.0496) + eps)
    got = run(RMSprop, [1.0], [[2.0], [1.0]], momentum=0.5)
    assert got[:, 0] == pytest.approx([1.0 - lr * b1, 1.0 - lr * b1 - lr * b2], abs=1e-14)
    assert got[1, 0] == pytest.approx(0.9 - 0.01 * (5 + 1 / 0.22271057451320087), abs=1e-8)


# ---- the documented algorithms, written element by element in plain Python floats --------------
def ref_sgd(p, grads, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    p, b, out = list(p), [None] * len(p), []
    for g in grads:
        for i in range(len(p)):
            gi = g[i] + weight_decay * p[i]
            if momentum:
                b[i] = gi if b[i] is None else momentum * b[i] + (1 - dampening) * gi
                gi = gi + momentum * b[i] if nesterov else b[i]
            p[i] = p[i] - lr * gi
        out.append(list(p))
    return np.array(out)


def ref_adam(p, grads, lr, betas, eps, weight_decay=0.0, decoupled=False):
    b1, b2 = betas
    p, m, v, out = list(p), [0.0] * len(p), [0.0] * len(p), []
    for t, g in enumerate(grads, start=1):
        for i in range(len(p)):
            gi = g[i]
            if decoupled:
                p[i] = p[i] * (1 - lr * weight_decay)
            else:
                gi = gi + weight_decay * p[i]
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            m_hat, v_hat = m[i] / (1 - b1 ** t), v[i] / (1 - b2 ** t)
            p[i] = p[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(list(p))
    return np.array(out)


def ref_rmsprop(p, grads, lr, alpha, eps, weight_decay=0.0, momentum=0.0, centered=False):
    n = len(p)
    p, v, a, b, out = list(p), [0.0] * n, [0.0] * n, [0.0] * n, []
    for g in grads:
        for i in range(n):
            gi = g[i] + weight_decay * p[i]
            v[i] = alpha * v[i] + (1 - alpha) * gi * gi
            if centered:
                a[i] = alpha * a[i] + (1 - alpha) * gi
                avg = math.sqrt(v[i] - a[i] ** 2) + eps
            else:
                avg = math.sqrt(v[i]) + eps
            if momentum:
                b[i] = momentum * b[i] + gi / avg
                p[i] = p[i] - lr * b[i]
            else:
                p[i] = p[i] - lr * gi / avg
        out.append(list(p))
    return np.array(out)


CASES = [
    (SGD, dict(lr=0.05), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.8), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01), ref_sgd),
    (Adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6), ref_adam),
    (Adam, dict(lr=0.01, betas=(0.0, 0.5), eps=1e-6, weight_decay=0.1), ref_adam),
    (AdamW, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1),
     lambda p, g, **kw: ref_adam(p, g, decoupled=True, **kw)),
    (RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6), ref_rmsprop),
    (RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.7, centered=True),
     ref_rmsprop),
]


@pytest.mark.parametrize("opt_cls, kw, ref", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_matches_reference(opt_cls, kw, ref):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(6)
    grads = rng.standard_normal((5, 6))
    got = run(opt_cls, p0, grads, **kw)
    assert got == pytest.approx(ref(list(p0), grads.tolist(), **kw), abs=1e-12)


@pytest.mark.parametrize("opt_cls, kw, ref", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_float32_stays_float32(opt_cls, kw, ref):
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal((3, 4)).astype(np.float32)
    p = param(p0, np.float32)
    opt = opt_cls([p], **kw)
    data = p.data
    grads = rng.standard_normal((4, 3, 4)).astype(np.float32)
    for g in grads:
        p.grad = g.copy()
        opt.step()
    assert p.data is data and p.data.dtype == np.float32  # updated in place, not replaced
    for v in opt.state.get(p, {}).values():
        assert not isinstance(v, np.ndarray) or v.dtype == np.float32
    for buf in opt._scratch[p][1]:
        assert buf.dtype == np.float32
    want = ref(p0.ravel().astype(float).tolist(), grads.reshape(4, -1).astype(float).tolist(), **kw)
    assert p.data.ravel() == pytest.approx(want[-1], rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("opt_cls, kw, ref", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_step_allocates_nothing_after_the_first(opt_cls, kw, ref):
    rng = np.random.default_rng(2)
    p = param(rng.standard_normal((100, 784)), np.float32)
    p.grad = rng.standard_normal((100, 784)).astype(np.float32)
    opt = opt_cls([p], **kw)
    opt.step()  # creates the state and work buffers
    tracemalloc.start()
    try:
        for _ in range(3):
            opt.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes // 10, f"step() allocated {peak} bytes for a {p.data.nbytes}-byte parameter"


def test_params_of_mixed_sizes_and_dtypes_share_work_buffers_correctly():
    rng = np.random.default_rng(4)
    kw = dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)
    ps = [param(rng.standard_normal(n), dt) for n, dt in
          [(5, np.float64), (2, np.float64), (7, np.float32), (3, np.float32)]]
    p0 = [p.data.astype(float).tolist() for p in ps]
    opt = Adam(ps[:3], **kw)
    grads = [rng.standard_normal((4, p.data.size)) for p in ps]
    for t in range(4):
        if t == 2:
            opt.add_param_group({"params": [ps[3]]})
            big = param(rng.standard_normal(40))  # larger than every earlier parameter
            opt.add_param_group({"params": [big]})
            big.grad = np.ones(40)
        for p, g in zip(ps, grads):
            p.grad = g[t].astype(p.data.dtype)
        opt.step()
    for i, p in enumerate(ps):
        gs = grads[i].tolist() if i < 3 else grads[i][2:].tolist()
        want = ref_adam(p0[i], gs, **kw)[-1]
        tol = 1e-12 if p.data.dtype == np.float64 else 1e-5
        assert p.data == pytest.approx(want, abs=tol), i


# ---- behaviour ----------------------------------------------------------------------------------
def test_zero_grad():
    a, b = param([1.0]), param([2.0])
    opt = SGD([a, b], lr=0.1)
    a.grad = np.array([3.0])
    b.grad = np.array([4.0])
    g = b.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0] and b.grad is g and g.tolist() == [0.0]
    opt.zero_grad()
    assert a.grad is None and b.grad is None


@pytest.mark.parametrize("opt_cls", [SGD, Adam, AdamW, RMSprop])
def test_params_without_grad_are_skipped(opt_cls):
    a, b = param([1.0, 2.0]), param([3.0])
    opt = opt_cls([a, b], lr=0.1, momentum=0.9) if opt_cls in (SGD, RMSprop) else opt_cls([a, b], lr=0.1)
    a.grad = np.array([1.0, 1.0])
    opt.step()
    assert b.data.tolist() == [3.0] and b not in opt.state
    assert a.data[0] < 1.0


def test_param_groups_with_their_own_lr():
    a, b = param([1.0]), param([1.0])
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0 and opt.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    opt.param_groups[0]["lr"] = 0.01  # what a scheduler does
    opt.step()
    assert a.data[0] == pytest.approx(0.89)
    c = param([1.0])
    opt.add_param_group({"params": [c], "lr": 1.0})
    c.grad = np.array([0.25])
    opt.step()
    assert c.data[0] == pytest.approx(0.75)


def test_generator_of_params_and_closure():
    ps = [param([1.0]), param([2.0])]
    opt = Adam(p for p in ps)
    assert len(opt.param_groups[0]["params"]) == 2

    def closure():
        for p in ps:
            p.grad = np.array([1.0])
        return 42.0

    assert opt.step(closure) == 42.0 and ps[0].data[0] < 1.0


@pytest.mark.parametrize("make, bad", [
    (lambda p: SGD(p, lr=-0.1), "-0.1"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.5), "-0.5"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1e-3), "-0.001"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "momentum=0"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
    (lambda p: SGD(p), "lr"),
    (lambda p: SGD([{"params": p, "lr": -2.0}], lr=0.1), "-2.0"),
    (lambda p: Adam(p, lr=-1e-3), "-0.001"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "-0.1"),
    (lambda p: Adam(p, eps=-1.0), "-1.0"),
    (lambda p: AdamW(p, weight_decay=-0.01), "-0.01"),
    (lambda p: RMSprop(p, alpha=-0.5), "-0.5"),
    (lambda p: RMSprop(p, momentum=-0.25), "-0.25"),
    (lambda p: SGD([{"params": p, "lr": 0.1, "betas": (0.9, 0.9)}]), "betas"),
    (lambda p: SGD([], lr=0.1), "empty"),
    (lambda p: SGD(p + p, lr=0.1), "more than once"),
])
def test_invalid_hyperparameters(make, bad):
    with pytest.raises(ValueError, match=bad.replace(".", r"\.").replace("(", r"\(")):
        make([param([1.0])])


def test_invalid_params_type():
    with pytest.raises(TypeError, match="iterable"):
        SGD(param([1.0]), lr=0.1)
    with pytest.raises(TypeError, match="tensors"):
        SGD([np.ones(3)], lr=0.1)
    with pytest.raises(TypeError, match="floating"):
        SGD([npgrad.tensor(np.array([1, 2]))], lr=0.1)


# ---- state_dict ---------------------------------------------------------------------------------
def make_trained(opt_cls, seed=0, steps=3, **kw):
    rng = np.random.default_rng(seed)
    ps = [param(rng.standard_normal((2, 3))), param(rng.standard_normal(3)), param(rng.standard_normal(4))]
    opt = opt_cls([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}], **kw)
    for _ in range(steps):
        for p in ps[:2]:  # ps[2] never gets a gradient, so it has no state
            p.grad = rng.standard_normal(p.data.shape)
        opt.step()
    return ps, opt


def test_state_dict_layout():
    ps, opt = make_trained(Adam, lr=0.01, betas=(0.8, 0.9))
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][0]["step"] == 3
    assert sd["param_groups"][0] == {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-8,
                                     "weight_decay": 0, "params": [0, 1]}
    assert sd["param_groups"][1]["params"] == [2] and sd["param_groups"][1]["lr"] == 0.05
    sd["state"][0]["exp_avg"][...] = 123.0  # a copy: the optimizer is not affected
    assert not np.any(opt.state[ps[0]]["exp_avg"] == 123.0)


@pytest.mark.parametrize("opt_cls, kw", [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)), (Adam, dict(lr=0.01)),
    (AdamW, dict(lr=0.01)), (RMSprop, dict(momentum=0.5, centered=True)),
])
@pytest.mark.parametrize("through_file", [False, True])
def test_load_state_dict_resumes_exactly(opt_cls, kw, through_file, tmp_path):
    ps, opt = make_trained(opt_cls, **kw)
    sd = opt.state_dict()
    if through_file:
        npgrad.save(sd, tmp_path / "opt.npz")
        sd = npgrad.load(tmp_path / "opt.npz")
    ps2 = [param(p.data.copy()) for p in ps]
    kw2 = dict(kw, lr=0.5)  # the loaded lr wins
    opt2 = opt_cls([{"params": ps2[:2]}, {"params": ps2[2:], "lr": 0.7}], **kw2)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert opt2.param_groups[1]["lr"] == 0.05
    if "betas" in opt.param_groups[0]:
        assert opt2.param_groups[0]["betas"] == opt.param_groups[0]["betas"]
        assert isinstance(opt2.param_groups[0]["betas"], tuple)
    if through_file:
        for v in sd["state"][0].values():  # loading copies: the dict is not aliased
            if isinstance(v, np.ndarray):
                v[...] = np.nan
    rng = np.random.default_rng(9)
    for _ in range(3):
        grads = [rng.standard_normal(p.data.shape) for p in ps[:2]]
        for o, qs in ((opt, ps), (opt2, ps2)):
            for q, g in zip(qs, grads):
                q.grad = g.copy()
            o.step()
    for p, q in zip(ps, ps2):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_mismatches():
    ps, opt = make_trained(SGD, lr=0.1, momentum=0.9)
    good = opt.state_dict()
    before = {k: v.copy() for k, v in opt.state[ps[0]].items()}

    one_group = {"state": good["state"], "param_groups": good["param_groups"][:1]}
    with pytest.raises(ValueError, match="1 parameter group.*has 2"):
        opt.load_state_dict(one_group)

    fewer = opt.state_dict()
    fewer["param_groups"][0]["params"] = [0]
    with pytest.raises(ValueError, match="group 0.*1 parameter.*has 2"):
        opt.load_state_dict(fewer)

    bad_shape = opt.state_dict()
    bad_shape["state"][1]["momentum_buffer"] = np.zeros(5)
    bad_shape["param_groups"][0]["lr"] = 99.0
    with pytest.raises(ValueError, match=r"momentum_buffer.*parameter 1.*\(5,\).*\(3,\)"):
        opt.load_state_dict(bad_shape)
    assert opt.param_groups[0]["lr"] == 0.1  # a failed load changes nothing

    twice = opt.state_dict()
    twice["param_groups"][0]["params"] = [0, 0]
    with pytest.raises(ValueError, match="parameter 0 more than once"):
        opt.load_state_dict(twice)

    unknown = opt.state_dict()
    unknown["state"][7] = {"momentum_buffer": np.zeros(3)}
    with pytest.raises(ValueError, match="7"):
        opt.load_state_dict(unknown)

    bad_lr = opt.state_dict()
    bad_lr["param_groups"][1]["lr"] = -1.0
    with pytest.raises(ValueError, match="-1.0"):
        opt.load_state_dict(bad_lr)

    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"state": {}})

    for k, v in before.items():
        np.testing.assert_array_equal(opt.state[ps[0]][k], v)


def test_load_state_dict_casts_to_param_dtype():
    p = param(np.ones(3), np.float32)
    opt = Adam([p])
    opt.load_state_dict({"state": {0: {"step": 4, "exp_avg": np.ones(3), "exp_avg_sq": np.ones(3)}},
                         "param_groups": [{"lr": 0.1, "betas": [0.9, 0.99], "eps": 1e-8,
                                           "weight_decay": 0, "params": [0]}]})
    assert opt.state[p]["exp_avg"].dtype == np.float32 and opt.state[p]["step"] == 4
    assert opt.param_groups[0]["betas"] == (0.9, 0.99)


# ---- with the autograd engine -------------------------------------------------------------------
@pytest.mark.parametrize("opt_cls, kw", [
    (SGD, dict(lr=0.1, momentum=0.9)), (Adam, dict(lr=0.05)), (AdamW, dict(lr=0.05)),
    (RMSprop, dict(lr=0.01)),
])
def test_fits_a_linear_regression(opt_cls, kw):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3
    w = param(np.zeros((3, 1)), np.float32)
    b = param(np.zeros(1), np.float32)
    opt = opt_cls([w, b], **kw)
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = ((npgrad.tensor(x) @ w + b - npgrad.tensor(y)) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]
    assert w.data.dtype == np.float32


# ---- optional cross-check with PyTorch ----------------------------------------------------------
@pytest.mark.parametrize("opt_cls, kw", [(c, k) for c, k, _ in CASES])
def test_against_torch(opt_cls, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    p0 = rng.standard_normal((4, 5))
    grads = rng.standard_normal((6, 4, 5))
    got = run(opt_cls, p0, grads, **kw)
    tp = torch.tensor(p0, requires_grad=True)
    topt = getattr(torch.optim, opt_cls.__name__)([tp], **kw)
    for g, want in zip(grads, got):
        tp.grad = torch.tensor(g)
        topt.step()
        np.testing.assert_allclose(tp.detach().numpy(), want, rtol=1e-10, atol=1e-12)


def test_numpy_float64_hyperparameters_do_not_upcast():
    p = param(np.ones((100, 784)), np.float32)
    opt = SGD([p], lr=np.float64(0.1), momentum=np.float64(0.5), weight_decay=np.float64(0.0))
    p.grad = np.ones((100, 784), np.float32)
    opt.step()
    tracemalloc.start()
    try:
        opt.step()  # a float64 scalar would make NumPy compute in float64 through cast buffers
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes // 10
    assert p.data.dtype == np.float32 and opt.state[p]["momentum_buffer"].dtype == np.float32
    assert p.data[0, 0] == pytest.approx(1 - 0.1 - 0.1 * 1.5)


@pytest.mark.parametrize("opt_cls, kw, ref", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_step_after_the_parameter_array_is_replaced(opt_cls, kw, ref):
    """Work buffers belong to the array they were made for: a new ``p.data`` (another shape,
    dtype or memory order) gets new ones, and the update is the same as a fresh optimizer's."""
    rng = np.random.default_rng(5)
    p = param(rng.standard_normal((3, 4)), np.float32)
    p.grad = rng.standard_normal((3, 4)).astype(np.float32)
    opt = opt_cls([p], **kw)
    opt.step()
    for new in (rng.standard_normal((4, 3)), np.asfortranarray(rng.standard_normal((5, 2)))):
        opt.state.clear()  # a new parameter shape: start its state afresh
        p.data, p.grad = new.copy(), rng.standard_normal(new.shape)
        twin = param(new.copy())
        twin.grad = p.grad.copy()
        opt_cls([twin], **kw).step()
        opt.step()
        assert p.data.dtype == np.float64 and p.data.shape == new.shape
        np.testing.assert_allclose(p.data, twin.data, rtol=1e-12)
