"""npgrad.nn: modules, parameter discovery, state dicts, layers, inits, activations, losses."""
import numpy as np
import pytest

import npgrad
from npgrad import gradcheck, nn
from npgrad.nn import functional as F


def mlp(seed=0, dtype=None):
    return nn.Sequential(nn.Linear(4, 3, seed=seed, dtype=dtype), nn.ReLU(),
                         nn.Linear(3, 2, seed=seed + 1, dtype=dtype))


class Block(nn.Module):
    def __init__(self):
        self.body = mlp()
        self.scale = nn.Parameter(np.ones(2))
        self.act = nn.Tanh()
        self.not_a_param = np.zeros(3)

    def forward(self, x):
        return self.act(self.body(x)) * self.scale


# ---- discovery and state ----------------------------------------------------------------------
def test_named_parameters_use_dotted_names_in_order():
    names = [n for n, _ in Block().named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"]  # own first, as PyTorch
    assert Block().num_parameters() == 4 * 3 + 3 + 3 * 2 + 2 + 2
    assert [type(m).__name__ for m in Block().modules()] == ["Block", "Sequential", "Linear", "ReLU", "Linear", "Tanh"]
    assert [type(m).__name__ for m in Block().children()] == ["Sequential", "Tanh"]


def test_shared_parameter_is_listed_once():
    a = nn.Linear(3, 3, seed=0)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert len(model.parameters()) == 2


def test_train_eval_zero_grad():
    b = Block()
    b.eval()
    assert not any(m.training for m in b.modules())
    b.train()
    assert all(m.training for m in b.modules())
    b(np.ones((5, 4))).sum().backward()
    assert all(p.grad is not None for p in b.parameters())
    b.zero_grad()
    assert all(p.grad is None for p in b.parameters())


def test_state_dict_round_trip_is_a_copy():
    a, b = mlp(seed=0), mlp(seed=10)
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    assert not np.allclose(a(x).data, b(x).data)
    state = a.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    b.load_state_dict(state)
    np.testing.assert_array_equal(a(x).data, b(x).data)
    state["0.weight"][...] = 0  # the dict holds copies
    assert not np.all(a[0].weight.data == 0)


def test_load_state_dict_strict_errors_name_keys_and_shapes():
    model = mlp()
    other = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(ValueError, match=r"0\.weight: checkpoint \(5, 4\), model \(3, 4\)"):
        model.load_state_dict(other.state_dict())
    state = model.state_dict()
    del state["2.bias"]
    state["extra.weight"] = np.zeros(1)
    with pytest.raises(ValueError) as e:
        model.load_state_dict(state)
    assert "missing keys: 2.bias" in str(e.value) and "unexpected keys: extra.weight" in str(e.value)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["2.bias"] and unexpected == ["extra.weight"]


def test_load_keeps_parameter_dtype():
    m64 = mlp(dtype=np.float64)
    m64.load_state_dict(mlp().state_dict())
    assert all(p.dtype == np.float64 for p in m64.parameters())


def test_parameter_keeps_dtype():
    assert nn.Parameter(np.zeros(2)).dtype == np.float64
    assert nn.Parameter(npgrad.zeros(2)).dtype == np.float32
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32
    assert nn.Parameter(np.zeros(2)).requires_grad


def test_repr_lists_layers_and_sizes():
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1, bias=False), nn.Sigmoid()))
    assert text == ("Sequential(\n  (0): Linear(2, 3)\n  (1): LeakyReLU(negative_slope=0.2)\n"
                    "  (2): Linear(3, 1, bias=False)\n  (3): Sigmoid()\n)")


# ---- Sequential ---------------------------------------------------------------------------------
def test_sequential_container_protocol():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    s.append(nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[2], nn.Linear) and [type(m) for m in s][1] is nn.ReLU
    assert len(s[:2]) == 2 and "2.weight" in dict(s.named_parameters())
    with pytest.raises(TypeError, match="Modules"):
        s.append(lambda x: x)


def test_sequential_checks_sizes_at_construction():
    with pytest.raises(ValueError, match=r"layer 0 \(Linear\(4, 3\)\) outputs 3 features but layer 2 \(Linear\(5, 2\)\) expects 5"):
        nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(ValueError, match="expects 7"):
        nn.Sequential(nn.Linear(4, 3)).append(nn.Linear(7, 1))


def test_wrong_input_width_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 0, Linear\(4, 3\) expects input of shape \(batch, 4\), got \(2, 5\)"):
        nn.Sequential(nn.Linear(4, 3), nn.ReLU())(np.zeros((2, 5)))


# ---- Linear and inits -------------------------------------------------------------------------
def test_linear_forward_and_gradients():
    layer = nn.Linear(3, 2, seed=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data)
    assert layer.weight.shape == (2, 3) and np.all(layer.bias.data == 0)
    assert gradcheck(lambda a, w, b: F.linear(a, w, b), npgrad.tensor(x, requires_grad=True), layer.weight, layer.bias)
    assert nn.Dense is nn.Linear


def test_linear_is_seeded():
    np.testing.assert_array_equal(nn.Linear(5, 4, seed=3).weight.data, nn.Linear(5, 4, seed=3).weight.data)
    assert not np.array_equal(nn.Linear(5, 4, seed=3).weight.data, nn.Linear(5, 4, seed=4).weight.data)


@pytest.mark.parametrize("name,var", [
    ("xavier", 2 / (400 + 300)), ("glorot_normal", 2 / (400 + 300)), ("xavier_uniform", 2 / 700),
    ("he", 2 / 400), ("kaiming_uniform", 2 / 400), ("lecun", 1 / 400), ("lecun_uniform", 1 / 400),
    ("plain", 1e-4),
])
def test_init_variances(name, var):
    w = nn.Linear(400, 300, init=name, seed=0, dtype=np.float64).weight.data
    assert w.var() == pytest.approx(var, rel=0.03)
    assert abs(w.mean()) < 0.05 * np.sqrt(var) + 1e-4
    uniform = "uniform" in name or name == "xavier"
    assert (np.abs(w).max() <= np.sqrt(3 * var) + 1e-12) == uniform


def test_init_by_callable_and_unknown_name():
    layer = nn.Linear(2, 2, init=lambda shape, rng, dtype: np.full(shape, 0.5, dtype))
    assert np.all(layer.weight.data == 0.5)
    with pytest.raises(ValueError, match="unknown init 'bogus'; valid names: .*he.*xavier"):
        nn.Linear(2, 2, init="bogus")
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(0, 2)


# ---- activations and dropout ---------------------------------------------------------------
@pytest.mark.parametrize("module,ref", [
    (nn.ReLU(), lambda a: np.maximum(a, 0)),
    (nn.LeakyReLU(0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
    (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(), lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
    (nn.LogSoftmax(), lambda a: a - np.log(np.exp(a).sum(-1, keepdims=True))),
    (nn.Identity(), lambda a: a),
])
def test_activation_modules(module, ref):
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(module(npgrad.tensor(x)).data, ref(x), rtol=1e-12)
    assert gradcheck(module, npgrad.tensor(x, requires_grad=True))


def test_flatten():
    x = npgrad.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 12)
    assert gradcheck(nn.Flatten(), x)


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    x = npgrad.ones(2000, 50)
    d = nn.Dropout(0.3, seed=0)
    out = d(x).data
    kept = out != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(nn.Dropout(0.3, seed=0)(x).data, out)
    d.eval()
    assert d(x) is not None and np.array_equal(d(x).data, x.data)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        nn.Dropout(1.0)
    y = npgrad.tensor(np.ones((4, 4)), requires_grad=True)
    z = nn.Dropout(0.5, seed=1)(y)
    z.sum().backward()
    np.testing.assert_array_equal(y.grad, z.data)  # gradient = the mask, scaled


# ---- losses -------------------------------------------------------------------------------------
def test_mse_and_half_mse():
    p = np.array([[0.5], [1.0], [2.0]])
    y = np.array([[1.0], [1.0], [0.0]])
    assert nn.MSELoss()(npgrad.tensor(p), y).item() == pytest.approx(((p - y) ** 2).mean())
    assert nn.MSELoss("sum")(npgrad.tensor(p), y).item() == pytest.approx(((p - y) ** 2).sum())
    assert nn.MSELoss("none")(npgrad.tensor(p), y).shape == (3, 1)
    assert nn.HalfMSELoss()(npgrad.tensor(p), y).item() == pytest.approx(((y - p) ** 2).sum() / (2 * 3))
    two = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert nn.HalfMSELoss()(npgrad.tensor(two), np.zeros((2, 2))).item() == pytest.approx(30 / 4)
    assert nn.MSELoss()(npgrad.tensor(p), y.ravel()).item() == pytest.approx(((p - y) ** 2).mean())
    with pytest.raises(ValueError, match=r"\(3, 1\) and targets of shape \(4,\)"):
        nn.MSELoss()(npgrad.tensor(p), np.zeros(4))
    assert gradcheck(lambda a: nn.HalfMSELoss()(a, y), npgrad.tensor(p, requires_grad=True))


def test_bce_matches_formula_and_never_logs_zero():
    p = np.array([0.1, 0.8, 0.5, 0.999])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert nn.BCELoss()(npgrad.tensor(p), t).item() == pytest.approx(ref, rel=1e-12)
    assert gradcheck(lambda a: nn.BCELoss()(a, t), npgrad.tensor(p, requires_grad=True))
    with np.errstate(all="raise"):
        edge = npgrad.tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
        loss = nn.BCELoss()(edge, np.array([1.0, 0.0, 0.0, 1.0]))
        loss.backward()
    assert loss.item() == pytest.approx(50.0)  # two clamped terms of 100 over 4 samples
    assert np.all(np.isfinite(edge.grad))
    with pytest.raises(ValueError, match="probabilities"):
        nn.BCELoss()(npgrad.tensor([1.5]), np.array([1.0]))


def test_bce_with_logits_stable_and_consistent():
    z = np.array([-3.0, 0.2, 4.0])
    t = np.array([1.0, 0.0, 1.0])
    sig = 1 / (1 + np.exp(-z))
    ref = -(t * np.log(sig) + (1 - t) * np.log(1 - sig)).mean()
    assert nn.BCEWithLogitsLoss()(npgrad.tensor(z), t).item() == pytest.approx(ref, rel=1e-12)
    assert gradcheck(lambda a: nn.BCEWithLogitsLoss()(a, t), npgrad.tensor(z, requires_grad=True))
    big = npgrad.tensor(np.array([1e4, -1e4, 1e4, -1e4]), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = nn.BCEWithLogitsLoss()(big, np.array([1.0, 0.0, 0.0, 1.0]))
        loss.backward()
    assert loss.item() == pytest.approx(1e4 / 2)
    np.testing.assert_allclose(big.grad, [0, 0, 0.25, -0.25])


def test_cross_entropy_and_nll_agree():
    z = np.random.default_rng(0).standard_normal((5, 3))
    y = np.array([0, 2, 1, 1, 0])
    ce = nn.CrossEntropyLoss()(npgrad.tensor(z), y).item()
    nll = nn.NLLLoss()(nn.LogSoftmax()(npgrad.tensor(z)), y).item()
    assert ce == pytest.approx(nll, rel=1e-12)
    assert gradcheck(lambda a: nn.NLLLoss()(a, y), npgrad.tensor(z, requires_grad=True))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\]"):
        nn.CrossEntropyLoss()(npgrad.tensor(z), np.array([0, 3, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\]"):
        nn.NLLLoss()(npgrad.tensor(z), np.array([0, 3, 1, 1, 0]))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")


def test_functional_one_hot_and_dropout():
    np.testing.assert_array_equal(F.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    x = npgrad.ones(100, 100)
    assert F.dropout(x, 0.5, training=False) is x
    assert (F.dropout(x, 0.5, seed=0).data == 0).mean() == pytest.approx(0.5, abs=0.03)


def test_sequential_fuses_linear_relu_with_identical_results():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    fused = nn.Sequential(nn.Linear(4, 5, seed=0, dtype=np.float64), nn.ReLU(),
                          nn.Linear(5, 2, seed=1, dtype=np.float64))
    assert [type(getattr(step, "__self__", step)).__name__ for _, step in fused._plan] == ["Linear", "Linear"]
    out = fused(x)
    assert type(out._ctx).__name__ == "Linear" and type(out._ctx.parents[0]._ctx).__name__ == "LinearReLU"
    l1, l2 = fused[0], fused[2]
    manual = npgrad.linear(npgrad.linear(x, l1.weight, l1.bias).relu(), l2.weight, l2.bias)
    np.testing.assert_array_equal(out.data, manual.data)
    out.sum().backward()
    grads = [p.grad.copy() for p in fused.parameters()]
    fused.zero_grad()
    manual.sum().backward()
    for g, p in zip(grads, fused.parameters()):
        np.testing.assert_allclose(g, p.grad, rtol=1e-12)
    assert gradcheck(lambda a, w, b: npgrad.autograd.ops.LinearReLU.apply(a, w, b),
                     npgrad.tensor(x, requires_grad=True), l1.weight, l1.bias)
