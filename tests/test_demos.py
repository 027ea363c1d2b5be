"""The classic experiments in fast mode: headline figures move the right way, plots are PNGs."""
import sys

import numpy as np
import pytest

from npgrad import demos, nn, tensor
from npgrad.demos import (
    above_line, cartoon, celsius, mnist, or_gate, quadrants, xor, zeros,
)

PNG = b"\x89PNG\r\n\x1a\n"


def assert_pngs(result, names, out):
    assert sorted(result["plots"]) == sorted(str(out / n) for n in names)
    for path in result["plots"]:
        with open(path, "rb") as f:
            assert f.read(8) == PNG, path


def test_registry_lists_every_demo_with_a_description():
    assert demos.names() == ["cartoon", "or", "xor", "mnist", "quadrants", "zeros", "celsius",
                             "above-line"]
    for name in demos.names():
        text = demos.describe(name)
        assert text and "\n" not in text
        assert callable(demos.get(name).run)
    with pytest.raises(KeyError, match="unknown demo"):
        demos.get("nope")


def test_cartoon_loss_falls_every_epoch(tmp_path):
    r = cartoon.run(epochs=6, n=10, out=tmp_path, quiet=True)
    assert all(b < a for a, b in zip(r["losses"], r["losses"][1:]))
    assert r["loss_last"] < 0.7 * r["loss_first"]
    assert_pngs(r, ["loss.png"], tmp_path)


def test_column_vector_form_is_batch_first_transposed():
    rng = np.random.default_rng(0)
    layer = nn.Linear(10, 4, bias=False, seed=0)
    X = rng.standard_normal((5, 10)).astype(np.float32)
    batch_first = layer(X).data                              # X @ W.T, rows are samples
    columns = (layer.weight @ tensor(X.T)).data.T            # W @ x, columns are samples
    np.testing.assert_allclose(columns, batch_first, rtol=1e-6)


def test_or_first_step_matches_hand_computation_and_learns(tmp_path):
    r = or_gate.run(out=tmp_path, quiet=True)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 1], float)
    a = 1 / (1 + np.exp(-(X @ [0.1, 0.6])))
    delta = (a - y) * a * (1 - a) / 4                         # d(1/(2m) sum (a-y)^2)/dz, m = 4
    first = r["first_steps"][0]
    assert first["cost"] == pytest.approx(((a - y) ** 2).sum() / 8, rel=1e-5)
    np.testing.assert_allclose(first["dw"], X.T @ delta, rtol=1e-4)
    assert first["db"] == pytest.approx(delta.sum(), rel=1e-4)
    assert len(r["first_steps"]) == 3
    assert r["cost_after"] < r["cost_before"] / 50
    assert r["accuracy"] == 1.0
    assert_pngs(r, ["cost.png", "boundary.png"], tmp_path)


def test_xor_reaches_100_percent_both_ways(tmp_path, capsys):
    r = xor.run(out=tmp_path, quiet=True)
    assert r["accuracy"] == 1.0 and r["cross_accuracy"] == 1.0
    assert r["cost_after"] < r["cost_before"] / 10
    out = capsys.readouterr().out
    assert "accuracy: 100.00%" in out.splitlines()
    assert "(b)" not in out  # quiet: no progress lines
    assert_pngs(r, ["cost.png", "boundary.png", "cross_boundary.png"], tmp_path)


def test_mnist_fast_mode_on_the_sample(tmp_path):
    r = mnist.run(data="sample", n=2000, epochs=2, out=tmp_path, quiet=True)
    assert r["data"] == "sample" and r["epochs"] == 2
    assert r["history"]["loss"][1] < r["history"]["loss"][0]
    assert r["test_accuracy"] > 0.7
    assert_pngs(r, ["curves.png"], tmp_path)


def test_mnist_without_full_mnist_uses_the_sample_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NPGRAD_DATA", str(tmp_path))
    kind, arrays, why = mnist.load("auto")
    assert kind == "sample" and "not found" in why
    assert [len(a) for a in arrays] == [7000, 7000, 1000, 1000, 2000, 2000]
    with pytest.raises(FileNotFoundError):
        mnist.load("full")
    r = mnist.run(n=100, epochs=1, quiet=True)
    out = capsys.readouterr().out
    assert r["data"] == "sample"
    assert "data: shipped MNIST sample (full MNIST not found" in out
    assert "download_mnist" in out and "test accuracy: " in out


def test_quadrants_accuracy_rises(tmp_path):
    r = quadrants.run(n=3000, n_test=300, out=tmp_path, quiet=True)
    assert r["accuracy_after"] > max(0.8, r["accuracy_before"] + 0.15)
    assert_pngs(r, ["boundary.png"], tmp_path)


def test_zeros_loss_drops_by_orders_of_magnitude(tmp_path):
    r = zeros.run(epochs=1500, out=tmp_path, quiet=True)
    assert r["loss_after"] < r["loss_before"] / 1000
    assert_pngs(r, ["loss.png"], tmp_path)


def test_celsius_learns_the_formula(tmp_path, capsys):
    r = celsius.run(epochs=2, n=200, out=tmp_path, quiet=True)
    assert r["w"] == pytest.approx(5 / 9, abs=1e-3) and r["b"] == pytest.approx(-160 / 9, abs=1e-2)
    assert "formula: Celsius = 0.5556*F - 17.78" in capsys.readouterr().out
    assert_pngs(r, ["loss.png"], tmp_path)


def test_above_line_prints_a_formula_and_classifies(tmp_path, capsys):
    r = above_line.run(epochs=2, n=200, n_test=200, out=tmp_path, quiet=True)
    assert r["accuracy"] > 0.9
    assert "formula: sigmoid(" in capsys.readouterr().out
    assert_pngs(r, ["loss.png", "boundary.png"], tmp_path)


def test_quiet_hides_progress_but_not_headlines(capsys):
    zeros.run(epochs=200, quiet=False)
    loud = capsys.readouterr().out
    zeros.run(epochs=200, quiet=True)
    quiet = capsys.readouterr().out
    assert "step 20/200" in loud and "step" not in quiet
    assert quiet.startswith("loss before: ") and quiet in loud


def test_same_seed_same_numbers_and_no_global_random_state():
    state = np.random.get_state()[1].copy()
    a = cartoon.run(epochs=2, n=5, quiet=True, seed=3)
    b = cartoon.run(epochs=2, n=5, quiet=True, seed=3)
    c = cartoon.run(epochs=2, n=5, quiet=True, seed=4)
    assert a["losses"] == b["losses"] != c["losses"]
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_without_matplotlib_the_demo_runs_and_says_plots_are_skipped(tmp_path, monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    r = or_gate.run(epochs=10, out=tmp_path, quiet=True)
    out = capsys.readouterr().out
    assert r["plots"] == [] and not any(tmp_path.iterdir())
    assert out.count("plots skipped") == 1 and "npgrad[plot]" in out
    assert "accuracy: " in out
