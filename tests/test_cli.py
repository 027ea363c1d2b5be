"""The npgrad command through its entry point ``main(argv)``, plus one real subprocess."""
import csv
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import npgrad
from npgrad import demos
from npgrad.cli import main

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``npgrad ARGV``."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("npgrad: error: ")
    return lines[0]


def test_python_m_npgrad_cli_help_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "npgrad.cli", "--help"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for command in ("demo", "train", "eval", "info"):
        assert command in proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"], ["train", "--help"],
                                  ["eval", "--help"], ["info", "--help"]])
def test_help_everywhere(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.startswith("usage: npgrad")


def test_demo_help_lists_the_demos_and_train_help_the_data_sets(capsys):
    _, out, _ = run(capsys, "demo", "--help")
    assert all(name in out for name in demos.names())
    _, out, _ = run(capsys, "train", "--help")
    assert all(name in out for name in ("mnist-sample", "xor", "moons", "spirals"))


def test_demo_list_one_line_per_demo(capsys):
    code, out, _ = run(capsys, "demo", "--list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(demos.names())
    for name, line in zip(demos.names(), lines):
        assert line.split()[0] == name and len(line.split()) > 3


def test_demo_xor_quiet_prints_headlines_and_writes_plots(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "xor", "--quiet", "--out", tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert "accuracy: 100.00%" in lines
    assert lines[0] == "feature cross accuracy: 100.00%"
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["boundary.png", "cost.png",
                                                            "cross_boundary.png"]
    assert (tmp_path / "cost.png").read_bytes()[:8] == PNG


def test_demo_options_reach_the_demo(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "demo", "cartoon", "--epochs", 2, "--seed", 1, "--no-plots")
    assert code == 0 and "epoch 2/2" in out and "epoch 3/" not in out
    assert not (tmp_path / "runs").exists()
    code, out, _ = run(capsys, "demo", "zeros", "--epochs", 50, "--quiet")
    assert code == 0 and out.splitlines()[0].startswith("loss before: ")
    assert (tmp_path / "runs" / "zeros" / "loss.png").exists()  # the default --out


@pytest.mark.parametrize("argv", [
    [], ["demo"], ["demo", "nope"], ["demo", "xor", "--epochs", "0"],
    ["demo", "xor", "--seed", "-1"], ["train"], ["train", "--data", "imagenet"],
    ["train", "--data", "xor", "--lr", "-1"], ["train", "--data", "xor", "--activation", "swish"],
    ["train", "--data", "xor", "--epochs", "x"],
    ["train", "--data", "mnist", "--layers", "784,abc"],
    ["train", "--data", "mnist", "--layers", "784"],
    ["train", "--data", "mnist-sample", "--layers", "700,10"],
    ["train", "--data", "spirals", "--layers", "2,8,2"], ["eval"], ["info"], ["frobnicate"],
])
def test_bad_arguments_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.strip().splitlines()[-1].startswith(("npgrad: error: ", "npgrad demo: error: ",
                                                    "npgrad train: error: ", "npgrad eval: error: ",
                                                    "npgrad info: error: "))


@pytest.mark.parametrize("argv, words", [
    (["train", "--data", "mnist", "--layers", "784,abc"], "784,abc"),
    (["train", "--data", "mnist-sample", "--layers", "700,100,10"], "784 features"),
    (["train", "--data", "xor", "--layers", "2,3,4"], "2 classes"),
    (["demo"], "--list"),
])
def test_checks_argparse_cannot_do_give_one_line(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2 and words in one_error_line(err)


def test_missing_full_mnist_says_how_to_get_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NPGRAD_DATA", str(tmp_path))
    code, _, err = run(capsys, "train", "--data", "mnist", "--epochs", 1)
    line = one_error_line(err)
    assert code == 1
    assert "--download" in line and "mnist-sample" in line and str(tmp_path) in line


def test_train_eval_info_round_trip_on_xor(capsys, tmp_path):
    model = tmp_path / "xor.npz"
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", 2, "--save", model,
                         "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    assert "test accuracy: " in out and f"saved model: {model}" in out
    rows = list(csv.DictReader(open(tmp_path / "run" / "history.csv")))
    assert [r["epoch"] for r in rows] == ["0", "1"] and "val_accuracy" in rows[0]
    assert (tmp_path / "run" / "curves.png").read_bytes()[:8] == PNG

    saved = npgrad.load(model)
    assert saved["config"]["layers"] == [2, 3, 1] and saved["config"]["data"] == "xor"

    code, out, _ = run(capsys, "eval", model)
    assert code == 0
    assert "data: xor test split, 4 samples" in out
    assert any(l.startswith("loss: ") for l in out.splitlines())
    assert any(l.startswith("accuracy: ") and l.endswith("%") for l in out.splitlines())

    code, out, _ = run(capsys, "info", model)
    assert code == 0
    assert "layers: 2-3-1" in out and "parameters: 13" in out and "Linear(2, 3)" in out


def test_train_eval_info_round_trip_on_the_mnist_sample(capsys, tmp_path):
    model = tmp_path / "mnist.npz"
    code, out, err = run(capsys, "train", "--data", "mnist-sample", "--layers", "784,32,10",
                         "--optimizer", "adam", "--lr", 0.002, "--epochs", 1, "--batch-size", 64,
                         "--save", model, "--out", tmp_path, "--quiet")
    assert code == 0, err
    trained = float(out.split("test accuracy: ")[1].split("%")[0])
    assert trained > 80

    code, out, _ = run(capsys, "eval", model)
    assert code == 0 and "data: mnist-sample test split, 2,000 samples" in out
    assert f"accuracy: {trained:.2f}%" in out.splitlines()

    code, out, _ = run(capsys, "info", model)
    assert code == 0 and f"parameters: {784 * 32 + 32 + 32 * 10 + 10:,}" in out
    assert "activation: relu  init: he" in out


@pytest.mark.parametrize("data", ["or", "quadrants", "moons", "spirals"])
def test_train_on_each_toy_data_set(capsys, tmp_path, data):
    code, out, err = run(capsys, "train", "--data", data, "--epochs", 2, "--out", tmp_path,
                         "--quiet")
    assert code == 0, err
    assert "test accuracy: " in out


def test_train_progress_lines_when_not_quiet(capsys, tmp_path):
    code, out, _ = run(capsys, "train", "--data", "xor", "--epochs", 20, "--out", tmp_path)
    assert code == 0
    assert out.startswith("data: xor, 4 train")
    assert "Epoch 20/20 - loss: " in out and out.count("Epoch ") == 10  # every tenth of the run


def test_eval_on_a_data_set_that_does_not_fit_exits_2(capsys, tmp_path):
    model = tmp_path / "xor.npz"
    assert run(capsys, "train", "--data", "xor", "--epochs", 1, "--save", model, "--out",
               tmp_path, "--quiet")[0] == 0
    code, _, err = run(capsys, "eval", model, "--data", "mnist-sample")
    assert code == 2 and "784 features" in one_error_line(err)


def test_missing_or_corrupt_model_files_exit_1_with_one_line(capsys, tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(b"PK\x03\x04" + b"\0" * 20)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.zeros(3))
    other = tmp_path / "other.npz"
    npgrad.save({"weights": np.zeros(3)}, other)
    bad_shape = tmp_path / "bad_shape.npz"
    npgrad.save({"model": {"0.weight": np.zeros((3, 3))}, "config": {"layers": [2, 3, 1],
                 "activation": "relu"}}, bad_shape)
    for path, words in [(tmp_path / "missing.npz", "not found"), (garbage, "garbage.npz"),
                        (truncated, "truncated.npz"), (foreign, "foreign.npz"),
                        (other, "not a model"), (bad_shape, "do not fit"),
                        (tmp_path, "cannot read")]:
        for command in ("eval", "info"):
            code, _, err = run(capsys, command, path)
            assert code == 1, (command, path)
            assert words in one_error_line(err)


def test_examples_are_the_demos(capsys, monkeypatch):
    scripts = [p for p in (ROOT / "examples").glob("*.py") if p.name != "two_layer_gradients.py"]
    named = {p.read_text().split('main(["demo", "')[1].split('"')[0] for p in scripts}
    assert named == set(demos.names())
    monkeypatch.setattr(sys, "argv", ["celsius.py", "--quiet", "--no-plots"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(ROOT / "examples" / "celsius.py"), run_name="__main__")
    assert exit_info.value.code == 0
    assert "formula: Celsius = 0.5556*F - 17.78" in capsys.readouterr().out
