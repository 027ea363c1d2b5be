"""fit / evaluate / predict: History, metrics, progress output, divergence, bad inputs."""
import io as _io
import math
import re

import numpy as np
import pytest

import npgrad
from npgrad import nn, optim
from npgrad.train import (
    Accuracy, History, ModelCheckpoint, TrainingDivergedError, accuracy, evaluate, fit, predict,
)
from npgrad.train.metrics import resolve_metrics
from npgrad.train.progress import BarProgress, SummaryProgress, make_progress


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[2, 0], [-2, 1], [0, -2]], dtype=np.float32)
    X = (centers[y] + 0.5 * rng.standard_normal((n, 2))).astype(np.float32)
    return X, y


def _classifier(seed=0):
    return nn.Sequential(nn.Linear(2, 8, seed=seed), nn.Tanh(), nn.Linear(8, 3, seed=seed + 1))


def _run(**kw):
    X, y = _blobs()
    model = _classifier()
    opt = optim.SGD(model.parameters(), lr=0.1)
    args = dict(epochs=3, batch_size=32, seed=0, progress=False)
    args.update(kw)
    return model, fit(model, nn.CrossEntropyLoss(), opt, X, y, **args)


# ---- History ---------------------------------------------------------------------------------
def test_history_contents():
    X, y = _blobs()
    model, hist = _run(validation_data=(X[:40], y[:40]), epochs=4)
    assert isinstance(hist, History)
    assert hist.epoch == [0, 1, 2, 3]
    assert list(hist.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 4 for v in hist.history.values())
    assert all(isinstance(v, float) for vs in hist.history.values() for v in vs)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.params["steps"] == 4 and hist.params["seed"] == 0 and hist.params["epochs"] == 4
    # the validation numbers equal evaluate() on the same data after training
    ev = evaluate(model, nn.CrossEntropyLoss(), X[:40], y[:40])
    assert ev["loss"] == pytest.approx(hist.history["val_loss"][-1], rel=1e-6)
    assert ev["accuracy"] == hist.history["val_accuracy"][-1]


def test_epoch_loss_is_the_exact_sample_mean_with_a_ragged_last_batch():
    """With lr=0 nothing changes, so the epoch loss must equal the full-data loss."""
    X, y = _blobs(50)
    model = _classifier()
    opt = optim.SGD(model.parameters(), lr=0.0)
    hist = fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=1, batch_size=16, seed=0,
               progress=False)  # batches of 16, 16, 16, 2
    ev = evaluate(model, nn.CrossEntropyLoss(), X, y)
    assert hist.history["loss"][0] == pytest.approx(ev["loss"], rel=1e-6)
    assert hist.history["accuracy"][0] == pytest.approx(ev["accuracy"], abs=1e-12)


def test_initial_epoch_keras_semantics_and_no_op():
    _, hist = _run(epochs=5, initial_epoch=3)
    assert hist.epoch == [3, 4]
    _, hist = _run(epochs=2, initial_epoch=2)
    assert hist.epoch == [] and hist.history == {}


def test_scheduler_logs_the_epochs_lr():
    X, y = _blobs()
    model = _classifier()
    opt = optim.SGD(model.parameters(), lr=0.4)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=3, scheduler=sched, seed=0,
               progress=False)
    assert hist.history["lr"] == [0.4, 0.2, 0.1]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


def test_model_modes_and_no_graph_in_eval():
    X, y = _blobs()
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Dropout(0.5, seed=1), nn.Linear(8, 3, seed=2))
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append((self.training, npgrad.is_grad_enabled()))
            return x

    model.append(Spy())
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=1,
        batch_size=60, validation_data=(X, y), validation_batch_size=120, progress=False, seed=0)
    assert seen == [(True, True), (True, True), (False, False)]
    assert model.training  # mode restored
    seen.clear()
    model.eval()
    predict(model, X)
    evaluate(model, nn.CrossEntropyLoss(), X, y)
    assert seen == [(False, False), (False, False)] and not model.training


def test_inputs_are_wrapped_without_copy():
    X, y = _blobs(40)
    ids = []

    class Spy(nn.Module):
        def forward(self, x):
            ids.append(np.shares_memory(x.data, X))
            return x

    model = nn.Sequential(Spy(), nn.Linear(2, 3, seed=0))
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=1,
        batch_size=20, shuffle=False, progress=False)
    assert ids == [True, True]


# ---- evaluate / predict ---------------------------------------------------------------------
def test_evaluate_and_predict():
    X, y = _blobs()
    model, _ = _run(epochs=20)
    out = predict(model, X)
    assert out.shape == (120, 3) and isinstance(out, np.ndarray)
    np.testing.assert_allclose(predict(model, npgrad.Tensor(X), batch_size=7), out, rtol=1e-5,
                               atol=1e-6)
    ev = evaluate(model, nn.CrossEntropyLoss(), X, y)
    assert set(ev) == {"loss", "accuracy"}
    assert ev["accuracy"] == float(np.mean(out.argmax(1) == y)) > 0.9
    ev_b = evaluate(model, nn.CrossEntropyLoss(), X, y, batch_size=7)
    assert ev_b["loss"] == pytest.approx(ev["loss"], rel=1e-5)
    assert ev_b["accuracy"] == ev["accuracy"]
    assert evaluate(model, None, X, y) == {"accuracy": ev["accuracy"]}
    assert set(evaluate(model, nn.CrossEntropyLoss(), X, y, metrics=())) == {"loss"}


# ---- accuracy for the three target kinds ------------------------------------------------------
def test_accuracy_class_scores_with_labels_and_one_hot():
    out = np.array([[0.1, 2.0, 0.3], [3.0, 0.1, 0.2], [0.0, 0.1, 0.5], [1.0, 0.0, 0.0]])
    labels = np.array([1, 0, 2, 2])
    assert accuracy(out, labels) == 0.75
    assert accuracy(out, np.eye(3)[labels]) == 0.75
    assert accuracy(npgrad.Tensor(out), labels.reshape(-1, 1)) == 0.75


def test_accuracy_single_output_probabilities_and_logits():
    probs = np.array([[0.9], [0.2], [0.6], [0.4]], dtype=np.float32)
    target = np.array([[1.0], [0.0], [0.0], [0.0]], dtype=np.float32)
    assert accuracy(probs, target) == 0.75
    assert accuracy(probs.ravel(), target.ravel()) == 0.75
    logits = np.array([2.0, -1.0, 0.5, -0.1])
    assert Accuracy(threshold=0.0)(logits, np.array([1, 0, 0, 0])) == 0.75
    # the threshold follows the loss: 0 for BCEWithLogitsLoss, 0.5 for BCELoss
    (_, with_logits), = resolve_metrics(["accuracy"], nn.BCEWithLogitsLoss())
    (_, with_probs), = resolve_metrics(["acc"], nn.BCELoss())
    assert with_logits.threshold == 0.0 and with_probs.threshold == 0.5
    z = np.array([0.3, -0.3])  # logits: 0.3 -> class 1; as probabilities 0.3 -> class 0
    assert with_logits(z, np.array([1, 0])) == 1.0
    assert with_probs(z, np.array([1, 0])) == 0.5


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3,\)"):
        accuracy(np.zeros((4, 3)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="0/1 targets"):
        accuracy(np.zeros((2, 1)), np.array([0.5, 2.0]))
    with pytest.raises(ValueError, match="one-hot"):
        accuracy(np.zeros((2, 3)), np.zeros((2, 2)))


def test_binary_fit_with_logits_reports_threshold_zero_accuracy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32).reshape(-1, 1)
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    hist = fit(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=1.0), X, y,
               epochs=30, batch_size=None, progress=False)
    logits = predict(model, X)
    assert hist.history["accuracy"][-1] == pytest.approx(np.mean((logits > 0) == (y > 0.5)), abs=0.05)
    assert evaluate(model, nn.BCEWithLogitsLoss(), X, y)["accuracy"] >= 0.95


def test_custom_and_regression_metrics():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    model = nn.Sequential(nn.Linear(3, 1, seed=0))

    def max_err(out, target):
        return float(np.max(np.abs(out - target)))

    hist = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=5,
               batch_size=16, metrics=["mae", "mse", max_err], progress=False, seed=0)
    assert {"loss", "mae", "mse", "max_err"} <= set(hist.history)
    assert hist.history["mse"][0] == pytest.approx(hist.history["loss"][0], rel=1e-5)
    with pytest.raises(ValueError, match="unknown metric"):
        resolve_metrics(["f2"])


# ---- progress ----------------------------------------------------------------------------------
def test_progress_false_prints_nothing(capsys):
    _run(progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_auto_on_a_non_tty_prints_one_line_per_epoch(capsys):
    X, y = _blobs()
    _run(progress=True, epochs=3, validation_data=(X, y))
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 3 and out.err == ""
    pat = (r"Epoch 2/3 - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - "
           r"val_accuracy: \d\.\d{4} - \d+\.\ds")
    assert re.fullmatch(pat, lines[1]), lines[1]


def test_progress_summary_for_resumed_run_counts_real_epochs(capsys):
    _run(progress="summary", epochs=5, initial_epoch=3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split(" - ")[0] for ln in lines] == ["Epoch 4/5", "Epoch 5/5"]


class _TTY(_io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_tty_updates_postfix_sparingly():
    buf = _TTY()
    rep = make_progress(True, epochs=2, steps=100, file=buf)
    assert isinstance(rep, BarProgress) and rep.refresh_every == 5
    assert isinstance(make_progress(True, 2, 100, file=_io.StringIO()), SummaryProgress)
    rep.epoch_begin(0)
    for done in range(5, 101, 5):
        rep.batch(done, {"loss": 1.0 / done, "accuracy": 0.5})
    rep.epoch_end(0, {"loss": 0.25, "accuracy": 0.75})
    text = buf.getvalue()
    assert "Epoch 1/2" in text and "100/100" in text and "loss: 0.2500" in text
    with pytest.raises(ValueError, match="progress"):
        make_progress("fancy", 1, 1)


def test_fit_with_a_bar_runs(monkeypatch):
    import sys
    buf = _TTY()
    monkeypatch.setattr(sys, "stdout", buf)
    _run(progress=True, epochs=2)
    assert "Epoch 2/2" in buf.getvalue()


# ---- divergence ----------------------------------------------------------------------------------
def test_divergence_raises_a_clear_error_and_keeps_earlier_checkpoints(tmp_path):
    X, y = _blobs()
    X = X * 1e3
    model = _classifier()
    opt = optim.SGD(model.parameters(), lr=0.05)
    path = tmp_path / "last.npz"
    ck = ModelCheckpoint(str(path))
    fit(model, nn.CrossEntropyLoss(), opt, X / 1e3, y, epochs=2, callbacks=[ck], progress=False,
        seed=0)
    saved = path.read_bytes()
    opt.param_groups[0]["lr"] = 1e30  # huge: the loss overflows within the next epochs
    with pytest.raises(TrainingDivergedError) as info, np.errstate(all="ignore"):
        fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=50, initial_epoch=2, callbacks=[ck],
            progress=False, seed=0)
    err = info.value
    assert isinstance(err, FloatingPointError) and isinstance(err, RuntimeError)
    msg = str(err)
    assert f"epoch {err.epoch + 1}/50" in msg and f"batch {err.batch + 1}/4" in msg
    assert "learning rate" in msg and "1e+30" in msg
    assert not math.isfinite(err.loss)
    assert path.read_bytes() == saved  # the checkpoint from before is intact and loads
    restored = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    npgrad.train.load_checkpoint(path, restored)
    for v in restored.state_dict().values():
        assert np.all(np.isfinite(v))


def test_nan_inputs_fail_on_the_first_batch():
    X, y = _blobs()
    X[0, 0] = np.nan
    model = _classifier()
    with pytest.raises(FloatingPointError, match=r"epoch 1/1, batch 1/1.*NaN/inf"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=1,
            batch_size=None, progress=False)


# ---- bad inputs -----------------------------------------------------------------------------------
def test_bad_inputs():
    X, y = _blobs()
    model = _classifier()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match=r"\(120, 2\).*\(119,\)"):
        fit(model, loss, opt, X, y[:-1], epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"X_val.*\(10, 2\).*\(9,\)"):
        fit(model, loss, opt, X, y, epochs=1, validation_data=(X[:10], y[:9]), progress=False)
    with pytest.raises(ValueError, match="pair"):
        fit(model, loss, opt, X, y, epochs=1, validation_data=X, progress=False)
    with pytest.raises(ValueError, match="initial_epoch"):
        fit(model, loss, opt, X, y, epochs=2, initial_epoch=3, progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, loss, opt, X, y, epochs=-1, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="no samples"):
        fit(model, loss, opt, X[:0], y[:0], epochs=1, progress=False)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, loss, opt, X[:10], y[:10], epochs=1, batch_size=32, drop_last=True,
            progress=False)
    with pytest.raises(ValueError, match=r"\(5, 2\).*\(4,\)"):
        evaluate(model, loss, X[:5], y[:4])
    with pytest.raises(ValueError):
        fit(model, loss, opt, X, y.astype(np.float32), epochs=1, progress=False)  # loss rejects


def test_default_accuracy_is_left_out_for_regression_targets():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, 1)).astype(np.float32)
    y = 1.8 * X + 32.0  # Celsius -> Fahrenheit
    model = nn.Sequential(nn.Linear(1, 1, seed=0))
    opt = optim.SGD(model.parameters(), lr=0.1)
    hist = fit(model, nn.MSELoss(), opt, X, y, epochs=2, progress=False, seed=0,
               validation_data=(X, y))
    assert list(hist.history) == ["loss", "val_loss"]
    assert set(evaluate(model, nn.MSELoss(), X, y)) == {"loss"}
    with pytest.raises(ValueError, match="0/1 targets"):  # asked for explicitly: a clear error
        fit(model, nn.MSELoss(), opt, X, y, epochs=1, metrics=["accuracy"], progress=False)


def test_non_scalar_loss_is_explained():
    X, y = _blobs()
    model = _classifier()
    with pytest.raises(ValueError, match=r"scalar.*\(32,\).*reduction='mean'"):
        fit(model, nn.CrossEntropyLoss(reduction="none"), optim.SGD(model.parameters(), lr=0.1),
            X, y, epochs=1, progress=False)
