"""npgrad.optim.lr_scheduler: sequences against the closed forms, resuming from a state_dict."""
import math

import numpy as np
import pytest

import npgrad
from npgrad.optim import SGD
from npgrad.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR


def make_opt(lrs=(0.1,)):
    groups = [{"params": [npgrad.tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return SGD(groups, lr=1.0)


def sequence(sched, n):
    """Learning rates for epochs 0..n-1 (from get_last_lr and from the optimizer's groups)."""
    out = [sched.get_last_lr()]
    for _ in range(n - 1):
        sched.step()
        assert [g["lr"] for g in sched.optimizer.param_groups] == sched.get_last_lr()
        out.append(sched.get_last_lr())
    return out


def test_step_lr():
    sched = StepLR(make_opt((0.1, 1.0)), step_size=3, gamma=0.5)
    assert sched.last_epoch == 0
    got = sequence(sched, 10)
    assert sched.last_epoch == 9
    want = [[base * 0.5 ** (e // 3) for base in (0.1, 1.0)] for e in range(10)]
    assert got == want
    assert got[2] == [0.1, 1.0] and got[3] == [0.05, 0.5] and got[9] == [0.0125, 0.125]


def test_exponential_lr():
    got = sequence(ExponentialLR(make_opt((0.2,)), gamma=0.9), 8)
    assert got == [[0.2 * 0.9 ** e] for e in range(8)]
    assert got[2][0] == pytest.approx(0.162)


def test_cosine_annealing_lr():
    base, eta_min, T = 0.1, 0.001, 10
    got = sequence(CosineAnnealingLR(make_opt((base,)), T_max=T, eta_min=eta_min), 2 * T + 1)
    want = [[eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / T)) / 2] for e in range(2 * T + 1)]
    assert got == want
    assert got[0][0] == pytest.approx(base)
    assert got[T // 2][0] == pytest.approx((base + eta_min) / 2)
    assert got[T][0] == pytest.approx(eta_min)
    assert got[2 * T][0] == pytest.approx(base)  # back up after T_max, period 2 T_max
    assert all(a[0] > b[0] for a, b in zip(got[:T], got[1:T + 1]))


def test_scheduler_drives_the_optimizer_update():
    opt = make_opt((1.0,))
    p = opt.param_groups[0]["params"][0]
    sched = StepLR(opt, step_size=1, gamma=0.1)
    p.grad = np.ones(2)
    opt.step()  # lr 1
    sched.step()
    opt.step()  # lr .1
    assert p.data.tolist() == pytest.approx([-1.1, -1.1])


@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, step_size=2, gamma=0.3),
    lambda o: ExponentialLR(o, gamma=0.7),
    lambda o: CosineAnnealingLR(o, T_max=5, eta_min=0.01),
])
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_resumes(make, through_file, tmp_path):
    sched = make(make_opt((0.1, 0.5)))
    for _ in range(4):
        sched.step()
    sd = sched.state_dict()
    assert sd["last_epoch"] == 4 and "optimizer" not in sd and sd["base_lrs"] == [0.1, 0.5]
    if through_file:
        npgrad.save({"scheduler": sd, "optimizer": sched.optimizer.state_dict()}, tmp_path / "s.npz")
        back = npgrad.load(tmp_path / "s.npz")
        sd = back["scheduler"]
    opt2 = make_opt((0.1, 0.5))
    resumed = make(opt2)
    resumed.load_state_dict(sd)
    if through_file:
        opt2.load_state_dict(back["optimizer"])
        assert [g["lr"] for g in opt2.param_groups] == sched.get_last_lr()
    assert resumed.last_epoch == 4 and resumed.get_last_lr() == sched.get_last_lr()
    assert sequence(resumed, 6) == sequence(sched, 6)


def test_load_state_dict_mismatches():
    sched = StepLR(make_opt((0.1, 0.5)), step_size=2)
    with pytest.raises(ValueError, match="keys"):
        sched.load_state_dict({"last_epoch": 3})
    sd = StepLR(make_opt((0.1,)), step_size=2).state_dict()
    with pytest.raises(ValueError, match="1 value.*2 parameter group"):
        sched.load_state_dict(sd)
    assert sched.last_epoch == 0


@pytest.mark.parametrize("make, bad", [
    (lambda o: StepLR(o, step_size=0), "step_size"),
    (lambda o: StepLR(o, step_size=1.5), "step_size"),
    (lambda o: ExponentialLR(o, gamma=-0.5), "-0.5"),
    (lambda o: CosineAnnealingLR(o, T_max=0), "T_max"),
    (lambda o: CosineAnnealingLR(o, T_max=5, eta_min=-1), "eta_min"),
])
def test_invalid_arguments(make, bad):
    with pytest.raises(ValueError, match=bad):
        make(make_opt())


def test_needs_an_optimizer():
    with pytest.raises(TypeError, match="not an optimizer"):
        StepLR([0.1], step_size=1)


@pytest.mark.parametrize("name, kw", [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
])
def test_against_torch(name, kw):
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    sched = getattr(npgrad.optim.lr_scheduler, name)(make_opt((0.1,)), **kw)
    for _ in range(20):
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12, atol=1e-15)
        topt.step()
        tsched.step()
        sched.step()
