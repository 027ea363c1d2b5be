"""npgrad.viz: PNGs written headless, lazy matplotlib, decision-boundary model handling and
computation graphs as DOT (with and without a Graphviz ``dot`` program)."""
import contextlib
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import npgrad
from npgrad.viz import plot_decision_boundary, plot_graph, plot_history, plot_learning_curves
from npgrad.viz import plots as viz_plots
from npgrad.viz.graph import tensor_to_dot, to_dot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def rgb(path):
    from matplotlib.image import imread

    return imread(str(path))[..., :3]


def has_color(img, hex_color, tol=0.02):
    target = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return bool(np.any(np.all(np.abs(img - target) < tol, axis=-1)))


HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "val_loss": [1.1, 0.8, 0.6, 0.55],
    "accuracy": [0.5, 0.7, 0.8, 0.9],
    "val_accuracy": [0.45, 0.6, 0.7, 0.75],
}


def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, npgrad.viz; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- plot_history

def test_plot_history_writes_png(tmp_path):
    path = tmp_path / "nested" / "dir" / "history.png"
    out = plot_history(HISTORY, path)
    assert out == path and path.is_file()
    assert png_size(path) == (1000, 360)  # two panels of 5 x 3.6 inches at 100 dpi
    assert path.stat().st_size > 5000
    img = rgb(path)
    assert has_color(img, "#1f77b4") and has_color(img, "#ff7f0e")  # train and validation
    assert [p.name for p in path.parent.iterdir()] == ["history.png"]  # no temp files left


def test_plot_history_accepts_history_objects_and_train_only(tmp_path):
    class History:
        history = {"loss": [3, 2, 1], "accuracy": [0.1, 0.2, 0.3], "val_mae": [1.0, 0.5],
                   "lr": [0.1, 0.1, 0.01]}

    path = plot_learning_curves(History(), tmp_path / "h.png", title="run 1")
    assert png_size(path) == (1500, 720)  # four panels: 3 columns x 2 rows
    path = plot_history({"loss": list(np.linspace(2, 0.1, 50))}, tmp_path / "train_only.png")
    assert png_size(path) == (500, 360)
    img = rgb(path)
    assert has_color(img, "#1f77b4") and not has_color(img, "#ff7f0e")


@pytest.mark.parametrize("history, error, match", [
    ({}, ValueError, "no values"),
    ({"loss": []}, ValueError, "no values"),
    ({"loss": ["a", "b"]}, ValueError, r"history\['loss'\]"),
    ({"loss": [[1, 2], [3, 4]]}, ValueError, "1-D"),
    ([1, 2, 3], TypeError, "dict of per-epoch lists"),
])
def test_plot_history_rejects(tmp_path, history, error, match):
    with pytest.raises(error, match=match):
        plot_history(history, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


# ---------------------------------------------------------------- missing matplotlib

def test_missing_matplotlib_gives_install_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install npgrad\[plot\]"):
        plot_history(HISTORY, tmp_path / "h.png")
    called = []
    with pytest.raises(ImportError, match=r"pip install npgrad\[plot\]"):
        plot_decision_boundary(lambda g: called.append(1), np.zeros((3, 2)), [0, 1, 0],
                               tmp_path / "d.png")
    assert called == []  # fails before running the model
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- decision boundaries

def _points():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(60, 2)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def test_decision_boundary_probabilities(tmp_path):
    X, y = _points()
    calls = []

    def model(grid):
        calls.append(grid)
        return 1 / (1 + np.exp(-8 * grid[:, :1]))  # (m, 1), class 1 where x1 > 0

    path = plot_decision_boundary(model, X, y, tmp_path / "a" / "db.png", resolution=50)
    assert png_size(path) == (600, 500) and path.stat().st_size > 5000
    (grid,) = calls
    assert grid.shape == (2500, 2) and grid.dtype == np.float32
    span = X.max(axis=0) - X.min(axis=0)
    np.testing.assert_allclose(grid.min(axis=0), X.min(axis=0) - 0.1 * span, rtol=1e-5)
    np.testing.assert_allclose(grid.max(axis=0), X.max(axis=0) + 0.1 * span, rtol=1e-5)
    # Shading: blue on the left (class 0), red on the right (class 1), at mid height.
    img = rgb(path)
    row = img[img.shape[0] // 2]
    left, right = row[int(0.2 * img.shape[1])], row[int(0.6 * img.shape[1])]
    assert left[2] > left[0] + 0.1 and right[0] > right[2] + 0.1


def test_interpret_outputs():
    prob = np.array([0.1, 0.7, 0.5])
    kind, z = viz_plots._interpret(prob[:, None], 3)
    assert kind == "binary"
    np.testing.assert_array_equal(z, prob)
    kind, z = viz_plots._interpret(np.array([-3.0, 0.0, 2.0]), 3)  # logits
    assert kind == "binary"
    np.testing.assert_allclose(z, 1 / (1 + np.exp([3.0, 0.0, -2.0])))
    kind, z = viz_plots._interpret(np.array([[1, 5, 2], [9, 0, 0.0]]), 2)
    assert kind == 3
    np.testing.assert_array_equal(z, [1, 0])
    with pytest.raises(ValueError, match="returned shape"):
        viz_plots._interpret(np.zeros(4), 3)
    with pytest.raises(ValueError, match="non-finite"):
        viz_plots._interpret(np.array([0.0, np.nan, 1.0]), 3)


def test_decision_boundary_multiclass_and_label_forms(tmp_path):
    X, y = _points()
    scores = lambda g: np.stack([g[:, 0], g[:, 1], -g[:, 0] - g[:, 1]], axis=1)  # noqa: E731
    one_hot = np.eye(3)[np.arange(60) % 3]
    for labels in (one_hot, np.arange(60) % 3, None):
        path = plot_decision_boundary(scores, X, labels, tmp_path / "mc.png", resolution=30)
        assert png_size(path) == (600, 500)
    # (n, 1) float 0/1 targets, as used with a single sigmoid output.
    plot_decision_boundary(lambda g: g[:, 0] * 3, X, y[:, None].astype(np.float32),
                           tmp_path / "b.png", resolution=30)


class FakeTensor:
    def __init__(self, data):
        self.data = np.asarray(data)

    def numpy(self):
        return self.data


def test_decision_boundary_falls_back_to_tensor_under_no_grad(monkeypatch, tmp_path):
    state = {"no_grad": False, "calls": []}

    @contextlib.contextmanager
    def no_grad():
        state["no_grad"] = True
        yield
        state["no_grad"] = False

    monkeypatch.setattr(npgrad, "tensor", FakeTensor, raising=False)
    monkeypatch.setattr(npgrad, "no_grad", no_grad, raising=False)

    def tensor_model(x):
        state["calls"].append((type(x).__name__, state["no_grad"]))
        if not isinstance(x, FakeTensor):
            raise TypeError("expected a Tensor")
        return FakeTensor(x.data[:, :1] - x.data[:, 1:])

    X, y = _points()
    plot_decision_boundary(tensor_model, X, y, tmp_path / "t.png", resolution=20)
    assert state["calls"] == [("ndarray", True), ("FakeTensor", True)]
    assert state["no_grad"] is False


def test_decision_boundary_with_real_tensor_engine(tmp_path):
    if not callable(getattr(npgrad, "tensor", None)) or not hasattr(npgrad, "Tensor"):
        pytest.skip("the tensor engine is not available")

    def model(x):
        if not isinstance(x, npgrad.Tensor):
            raise TypeError("tensor only")
        return (x * 4.0).sigmoid()  # (m, 2) -> two class scores

    X, y = _points()
    path = plot_decision_boundary(model, X, y, tmp_path / "engine.png", resolution=20)
    assert png_size(path) == (600, 500)


def test_scalar_values_outputs_are_converted():
    class Value:
        def __init__(self, data):
            self.data = data

    out = viz_plots._to_numpy([Value(0.25), Value(0.75)])
    np.testing.assert_array_equal(out, [0.25, 0.75])


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((5, 3)), np.zeros(5), r"shape \(n, 2\)"),
    (np.zeros((5, 2)), np.zeros(4), "4 labels for 5 points"),
])
def test_decision_boundary_rejects(tmp_path, X, y, match):
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(lambda g: g[:, 0], X, y, tmp_path / "x.png")


def test_decision_boundary_bad_model_output(tmp_path):
    X, y = _points()
    with pytest.raises(ValueError, match="returned shape"):
        plot_decision_boundary(lambda g: np.zeros(7), X, y, tmp_path / "x.png", resolution=10)
    assert not (tmp_path / "x.png").exists()


# ---------------------------------------------------------------- graphs

class T:
    """A minimal stand-in for a tensor: data, requires_grad and the producing op's ctx."""

    def __init__(self, data, ctx=None, requires_grad=False):
        self.data, self._ctx, self.requires_grad = np.asarray(data), ctx, requires_grad


class Mul:
    pass


class Add:
    pass


def _op(cls, *parents):
    ctx = cls()
    ctx.parents = parents
    return ctx


def _small_graph():
    a = T(np.ones((2, 3)), requires_grad=True)
    b = T(np.ones((2, 3)))
    c = T(np.ones((2, 3)), _op(Mul, a, b))
    return T(np.float32(6.0), _op(Add, c, a))  # `a` feeds two ops but is drawn once


def test_tensor_to_dot_walks_ctx_parents():
    dot = tensor_to_dot(_small_graph())
    assert dot.startswith("digraph")
    assert dot.count("shape=box") == 4 and dot.count("shape=ellipse") == 2
    assert dot.count("->") == 6
    assert 'label="Mul"' in dot and 'label="Add"' in dot
    assert "shape (2, 3)\\nfloat64" in dot and "6\\nfloat32" in dot
    assert dot.count("fillcolor") == 1  # the one leaf that requires grad


def test_plot_graph_without_dot_writes_dot_text(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.warns(UserWarning, match="Graphviz 'dot' not found.*graph.dot"):
        out = plot_graph(_small_graph(), tmp_path / "g" / "graph.png")
    assert out == tmp_path / "g" / "graph.dot"
    assert out.read_text().startswith("digraph") and "Mul" in out.read_text()
    assert not (tmp_path / "g" / "graph.png").exists()


def test_plot_graph_with_a_dot_path_needs_no_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: pytest.fail("looked for dot"))

    class Model:
        def to_dot(self):
            return "digraph { x -> y }"

    out = plot_graph(Model(), tmp_path / "m.dot")
    assert out.read_text() == "digraph { x -> y }"


def _fake_dot(tmp_path, body):
    exe = tmp_path / "bin" / "dot"
    exe.parent.mkdir()
    exe.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    exe.chmod(0o755)
    return exe


def test_plot_graph_runs_dot(monkeypatch, tmp_path):
    exe = _fake_dot(tmp_path, """
        import sys
        args = sys.argv[1:]
        out = args[args.index("-o") + 1]
        with open(out, "w") as f:
            f.write(" ".join(args[:1]) + "\\n" + sys.stdin.read())
    """)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(exe) if name == "dot" else None)
    out = plot_graph(_small_graph(), tmp_path / "out" / "graph.svg")
    assert out == tmp_path / "out" / "graph.svg"
    text = out.read_text()
    assert text.startswith("-Tsvg\ndigraph") and "Add" in text
    assert [p.name for p in out.parent.iterdir()] == ["graph.svg"]


def test_plot_graph_reports_dot_failure(monkeypatch, tmp_path):
    exe = _fake_dot(tmp_path, """
        import sys
        sys.stderr.write("syntax error in line 1")
        sys.exit(1)
    """)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(exe))
    with pytest.raises(RuntimeError, match="syntax error in line 1"):
        plot_graph("digraph { ", tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()


def test_plot_graph_real_engine(monkeypatch, tmp_path):
    if not hasattr(npgrad, "Function") or not callable(getattr(npgrad, "tensor", None)):
        pytest.skip("the tensor engine is not available")

    class Cube(npgrad.Function):
        @staticmethod
        def forward(ctx, x):
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = npgrad.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    dot = to_dot(Cube.apply(x))
    assert 'label="Cube"' in dot and dot.count("shape=box") == 2 and dot.count("->") == 2


def test_to_dot_rejects_unknown_objects():
    with pytest.raises(TypeError, match="cannot draw a graph of int"):
        to_dot(42)
