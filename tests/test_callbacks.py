"""Callbacks: hooks and their order, stopping, EarlyStopping, ModelCheckpoint, CSVLogger, Lambda."""
import csv

import numpy as np
import pytest

import npgrad
from npgrad import nn, optim
from npgrad.train import (
    Callback, CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint, fit, load_checkpoint,
)


def _blobs(n=96, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[2, 0], [-2, 1], [0, -2]], dtype=np.float32)
    X = (centers[y] + 0.6 * rng.standard_normal((n, 2))).astype(np.float32)
    return X, y


def _model(seed=0):
    return nn.Sequential(nn.Linear(2, 8, seed=seed), nn.Tanh(), nn.Linear(8, 3, seed=seed + 1))


def _fit(model=None, lr=0.1, **kw):
    X, y = _blobs()
    model = model or _model()
    opt = optim.SGD(model.parameters(), lr=lr)
    args = dict(epochs=3, batch_size=32, seed=0, progress=False, validation_data=(X[:32], y[:32]))
    args.update(kw)
    return model, fit(model, nn.CrossEntropyLoss(), opt, X, y, **args)


# ---- hooks -------------------------------------------------------------------------------------
class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        # the epoch is already recorded in the history when callbacks see it
        assert self.trainer.history.epoch[-1] == epoch and self.trainer.epoch == epoch
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", sorted(logs)))


def test_hook_order_and_logs():
    rec = Recorder()
    model, _ = _fit(callbacks=[rec], epochs=2)
    assert rec.model is model and rec.trainer.params["steps"] == 3
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    batch = ["batch", "loss", "size"]
    expected = [("train_begin",)]
    for e in range(2):
        expected += [("epoch_begin", e)] + [("batch_end", b, batch) for b in range(3)]
        expected += [("epoch_end", e, keys)]
    expected += [("train_end", keys)]
    assert rec.calls == expected


def test_only_defined_hooks_are_called_and_duck_typed_callbacks_work():
    class OnlyEpochEnd:
        def __init__(self):
            self.epochs = []

        def on_epoch_end(self, epoch, logs):
            self.epochs.append(epoch)

    cb = OnlyEpochEnd()
    _fit(callbacks=[cb])
    assert cb.epochs == [0, 1, 2]


def test_stop_training_from_epoch_end_and_from_a_batch():
    class StopAfter(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.trainer.stop_training = True

    _, hist = _fit(callbacks=[StopAfter()], epochs=10)
    assert hist.epoch == [0, 1]

    batches = []

    def on_batch_end(batch, logs):
        batches.append(batch)
        if batch == 1:
            cb.trainer.stop_training = True

    cb = LambdaCallback(on_batch_end=on_batch_end)
    _, hist = _fit(callbacks=[cb], epochs=10)
    assert batches == [0, 1] and hist.epoch == [0]  # the partial epoch is still recorded
    assert np.isfinite(hist.history["loss"][0])


def test_lambda_callback():
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append((epoch, round(logs["loss"], 6))),
        on_train_end=lambda logs: events.append("end"),
    )
    _, hist = _fit(callbacks=[cb], epochs=2)
    assert events == ["begin", (0, round(hist.history["loss"][0], 6)),
                      (1, round(hist.history["loss"][1], 6)), "end"]
    with pytest.raises(TypeError, match="callable"):
        LambdaCallback(on_epoch_end=3)


# ---- EarlyStopping --------------------------------------------------------------------------------
def _scripted(values):
    """A callback that overwrites logs['val_loss'] with scripted values (runs before the others)."""
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("val_loss", values[epoch]))


def test_early_stopping_patience_and_min_delta():
    vals = [1.0, 0.8, 0.79, 0.85, 0.9, 0.5, 0.4]
    es = EarlyStopping(patience=2, min_delta=0.05)
    _, hist = _fit(callbacks=[_scripted(vals), es], epochs=len(vals))
    # epoch 2 (0.79) is not an improvement by more than 0.05; epochs 2 and 3 fail -> stop at 3
    assert hist.epoch == [0, 1, 2, 3] and es.stopped_epoch == 3
    assert es.best == 0.8 and es.best_epoch == 1

    es0 = EarlyStopping(patience=0)
    _, hist = _fit(callbacks=[_scripted(vals), es0], epochs=len(vals))
    assert hist.epoch == [0, 1, 2, 3] and es0.stopped_epoch == 3


def test_early_stopping_mode_max_for_accuracy_and_no_stop():
    es = EarlyStopping(monitor="val_accuracy", patience=100)
    assert es.mode == "max"
    _, hist = _fit(callbacks=[es], epochs=3)
    assert es.stopped_epoch is None and len(hist.epoch) == 3
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_early_stopping_restore_best_weights():
    vals = [1.0, 0.5, 0.7, 0.9, 1.1]
    snapshots = {}
    snap = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.__setitem__(e, snap.model.state_dict()))
    es = EarlyStopping(patience=2, restore_best_weights=True)
    model, hist = _fit(callbacks=[_scripted(vals), snap, es], epochs=5)
    assert hist.epoch == [0, 1, 2, 3] and es.best_epoch == 1
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snapshots[1][k])


def test_early_stopping_missing_monitor_explains():
    with pytest.raises(ValueError, match="validation_data"):
        _fit(callbacks=[EarlyStopping()], validation_data=None)


# ---- ModelCheckpoint ---------------------------------------------------------------------------
def test_model_checkpoint_every_epoch_with_format(tmp_path):
    ck = ModelCheckpoint(str(tmp_path / "sub" / "m-{epoch:02d}-{val_loss:.3f}.npz"))
    model, hist = _fit(callbacks=[ck])
    names = [p.rsplit("/", 1)[-1] for p in ck.saved]
    assert names == [f"m-{e + 1:02d}-{hist.history['val_loss'][e]:.3f}.npz" for e in range(3)]
    fresh = _model(seed=9)
    ckpt = load_checkpoint(ck.last_path, fresh)
    assert ckpt.epoch == 3 and ckpt.history.epoch == [0, 1, 2]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k], v)


def test_model_checkpoint_save_best_only_weights_only(tmp_path):
    vals = [1.0, 0.6, 0.8, 0.5]
    path = tmp_path / "best.npz"
    ck = ModelCheckpoint(path, save_best_only=True, save_weights_only=True)
    snapshots = {}
    snap = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.__setitem__(e, snap.model.state_dict()))
    _fit(callbacks=[_scripted(vals), snap, ck], epochs=4)
    assert len(ck.saved) == 3 and ck.best == 0.5 and ck.best_epoch == 3
    weights = npgrad.load(path)
    assert list(weights) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for k, v in weights.items():
        np.testing.assert_array_equal(v, snapshots[3][k])


def test_model_checkpoint_bad_format_field(tmp_path):
    with pytest.raises(ValueError, match="unknown field"):
        _fit(callbacks=[ModelCheckpoint(str(tmp_path / "{nope}.npz"))], epochs=1)


# ---- CSVLogger ------------------------------------------------------------------------------------
def _rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_csv_logger_rows_and_append(tmp_path):
    path = tmp_path / "log.csv"
    _, hist = _fit(callbacks=[CSVLogger(path)], epochs=2)
    rows = _rows(path)
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    assert float(rows[2][1]) == hist.history["loss"][1]  # full precision
    # a resumed run appends under the same header
    _fit(callbacks=[CSVLogger(path, append=True)], epochs=4, initial_epoch=2)
    rows = _rows(path)
    assert rows[0][0] == "epoch" and [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    # without append the file starts afresh
    _fit(callbacks=[CSVLogger(path)], epochs=1)
    assert len(_rows(path)) == 2


def test_csv_logger_leaves_complete_rows_when_training_crashes(tmp_path):
    path = tmp_path / "log.csv"

    def boom(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fit(callbacks=[CSVLogger(path), LambdaCallback(on_epoch_begin=boom)], epochs=5)
    text = path.read_text()
    assert text.endswith("\n")
    rows = _rows(path)
    assert len(rows) == 3 and all(len(r) == 5 for r in rows)
