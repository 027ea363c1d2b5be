"""Checkpoints and exact resume: N epochs == N/2 epochs, save, load into fresh objects, N/2 more."""
import numpy as np
import pytest

from npgrad import io, nn, optim
from npgrad.train import (
    History, ModelCheckpoint, fit, load_checkpoint, save_checkpoint,
)

N_EPOCHS = 6


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64) + (X[:, 3] > 1)
    return X, y


def _make(opt_name):
    model = nn.Sequential(nn.Linear(5, 16, seed=1), nn.ReLU(), nn.Dropout(0.3, seed=2),
                          nn.Linear(16, 3, seed=3))
    if opt_name == "sgd":
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    else:
        opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    return model, opt, sched


def _fit(model, opt, sched, epochs, initial_epoch=0, history=None, callbacks=()):
    X, y = _data()
    return fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=epochs, batch_size=16,
               validation_data=(X[:30], y[:30]), scheduler=sched, seed=7, progress=False,
               initial_epoch=initial_epoch, history=history, callbacks=callbacks)


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)  # bit-identical, no tolerance


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_resume_is_bit_identical(tmp_path, opt_name):
    full_model, full_opt, full_sched = _make(opt_name)
    full = _fit(full_model, full_opt, full_sched, N_EPOCHS)

    half = N_EPOCHS // 2
    model, opt, sched = _make(opt_name)
    first = _fit(model, opt, sched, half)
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, model, opt, half, scheduler=sched, history=first, seed=7)

    model2, opt2, sched2 = _make(opt_name)  # fresh objects (their dropout RNG restarts too)
    ckpt = load_checkpoint(path, model2, opt2, sched2)
    assert ckpt.epoch == half and ckpt.seed == 7
    assert ckpt.history.history == first.history
    rest = _fit(model2, opt2, sched2, N_EPOCHS, initial_epoch=ckpt.epoch, history=ckpt.history)

    _assert_same_state(full_model, model2)
    assert rest is ckpt.history and rest.epoch == full.epoch == list(range(N_EPOCHS))
    assert rest.history == full.history  # losses, accuracies and lr of every epoch, exactly
    assert opt2.param_groups[0]["lr"] == full_opt.param_groups[0]["lr"]


def test_resume_without_restoring_dropout_rng_differs(tmp_path):
    """The RNG state is what makes it exact: dropping it changes the result (the test has teeth)."""
    full_model, full_opt, full_sched = _make("adam")
    _fit(full_model, full_opt, full_sched, 4)
    model, opt, sched = _make("adam")
    _fit(model, opt, sched, 2)
    model2, opt2, sched2 = _make("adam")
    model2.load_state_dict(model.state_dict())
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    _fit(model2, opt2, sched2, 4, initial_epoch=2)
    assert not np.array_equal(full_model.state_dict()["3.weight"], model2.state_dict()["3.weight"])


def test_model_checkpoint_files_resume_exactly(tmp_path):
    full_model, full_opt, full_sched = _make("sgd")
    _fit(full_model, full_opt, full_sched, 4)

    model, opt, sched = _make("sgd")
    ck = ModelCheckpoint(str(tmp_path / "ep{epoch}.npz"))
    _fit(model, opt, sched, 4, callbacks=[ck])
    assert [p.rsplit("/", 1)[-1] for p in ck.saved] == ["ep1.npz", "ep2.npz", "ep3.npz", "ep4.npz"]

    model2, opt2, sched2 = _make("sgd")
    ckpt = load_checkpoint(tmp_path / "ep2.npz", model2, opt2, sched2)
    assert ckpt.epoch == 2 and len(ckpt.history) == 2 and ckpt.seed == 7
    _fit(model2, opt2, sched2, 4, initial_epoch=ckpt.epoch, history=ckpt.history)
    _assert_same_state(full_model, model2)


def test_checkpoint_contents_and_weights_only_file(tmp_path):
    model, opt, sched = _make("adam")
    hist = _fit(model, opt, sched, 1)
    path = tmp_path / "c.npz"
    save_checkpoint(path, model, opt, 1, scheduler=sched, history=hist, extra={"note": "hi"})
    raw = io.load(path)
    assert raw["format"] == "npgrad.checkpoint" and raw["epoch"] == 1
    assert set(raw) >= {"model", "optimizer", "scheduler", "rng", "history"}
    assert list(raw["rng"]) == ["2"]  # the Dropout at Sequential index 2
    assert load_checkpoint(path, _make("adam")[0]).extra == {"note": "hi"}

    ModelCheckpoint(str(tmp_path / "w.npz"), save_weights_only=True)  # constructible
    weights = tmp_path / "w.npz"
    io.save(dict(model.state_dict()), weights)
    with pytest.raises(ValueError, match="not an npgrad training checkpoint"):
        load_checkpoint(weights, _make("adam")[0])


def test_load_checkpoint_mismatches(tmp_path):
    model, opt, sched = _make("adam")
    path = tmp_path / "c.npz"
    save_checkpoint(path, model, opt, 0)
    other = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    with pytest.raises(ValueError):
        load_checkpoint(path, other)  # parameter names differ
    with pytest.raises(ValueError, match="no scheduler state"):
        load_checkpoint(path, *_make("adam"))


def test_history_state_roundtrip():
    h = History()
    h.append(0, {"loss": 1.0, "accuracy": 0.5})
    h.append(1, {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6})
    assert h.history["val_loss"][0] != h.history["val_loss"][0]  # NaN-padded
    h2 = History.from_state_dict(h.state_dict())
    assert h2.epoch == [0, 1] and h2.history["loss"] == [1.0, 0.5]
