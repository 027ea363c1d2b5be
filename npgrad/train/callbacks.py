"""Callbacks for ``fit``, Keras style: ``EarlyStopping``, ``ModelCheckpoint``, ``CSVLogger``,
``LambdaCallback``; subclass ``Callback`` for your own.

``fit`` calls, with ``logs`` a dict of floats::

    on_train_begin(logs)                      once, before the first epoch
    on_epoch_begin(epoch, logs)               epoch: the 0-based index, as in History.epoch
    on_batch_end(batch, logs)                 {"batch", "size", "loss"}; only called for
                                              callbacks that define it, so others cost nothing
    on_epoch_end(epoch, logs)                 {"loss", "accuracy", "val_loss", ...}, after the
                                              epoch is recorded in trainer.history
    on_train_end(logs)                        once, with the last epoch's logs

Each callback sees the run through ``self.trainer`` (a :class:`Trainer`: ``model``,
``optimizer``, ``scheduler``, ``loss_fn``, ``history``, ``epoch``, ``params``, ``seed``) and
``self.model``. To stop training, set ``self.trainer.stop_training = True``: ``fit`` finishes the
current epoch (or stops after the current batch when set in ``on_batch_end``) and returns.
"""
import csv
import io as _io
import math
import os

import numpy as np

__all__ = ["Callback", "Trainer", "EarlyStopping", "ModelCheckpoint", "CSVLogger", "LambdaCallback"]

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_end")


class Trainer:
    """The state of one ``fit`` run, shared with its callbacks."""

    def __init__(self, model, loss_fn, optimizer, scheduler=None, history=None, params=None,
                 seed=None):
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.history = history
        self.params = dict(params or {})
        self.seed = seed
        self.epoch = None
        self.stop_training = False

    def __repr__(self):
        return f"Trainer(epoch={self.epoch}, stop_training={self.stop_training}, params={self.params})"


class Callback:
    """Base class: override the hooks you need (all are no-ops here)."""

    trainer = None

    def set_trainer(self, trainer):
        self.trainer = trainer

    @property
    def model(self):
        return None if self.trainer is None else self.trainer.model

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


def defines(callback, hook):
    """True when ``callback`` does something in ``hook`` (an override or an instance attribute)."""
    if hook in vars(callback):
        return True
    fn = getattr(type(callback), hook, None)
    return fn is not None and fn is not getattr(Callback, hook)


def _resolve_mode(mode, monitor, who):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        name = monitor.lower()
        mode = "max" if ("acc" in name or name.endswith(("auc", "f1", "precision", "recall"))) else "min"
    return mode


def _monitored(logs, monitor, who):
    if monitor not in logs:
        hint = " (pass validation_data= to fit, or monitor 'loss')" if monitor.startswith("val_") else ""
        raise ValueError(f"{who} monitors {monitor!r}, but the logs only have {sorted(logs)}{hint}")
    return float(logs[monitor])


class _Monitor(Callback):
    """Tracks the best value of ``monitor`` (``min_delta`` = smallest change that counts)."""

    def __init__(self, monitor, mode, min_delta=0.0):
        self.monitor = monitor
        self.mode = _resolve_mode(mode, monitor, type(self).__name__)
        self.min_delta = abs(float(min_delta))
        self.reset()

    def reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None

    def improved(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    mode: "min", "max", or "auto" ("max" for accuracy-like names, else "min").
    baseline: stop unless the monitored value beats it within ``patience`` epochs.
    restore_best_weights: at the end of training, load the weights of the best epoch (whether
    or not training stopped early). Afterwards ``stopped_epoch`` (None if it never fired),
    ``best``, ``best_epoch`` tell what happened.
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False,
                 mode="auto", baseline=None):
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        self.patience = int(patience)
        self.restore_best_weights = bool(restore_best_weights)
        self.baseline = baseline
        super().__init__(monitor, mode, min_delta)

    def reset(self):
        super().reset()
        self.wait = 0
        self.stopped_epoch = None
        self.best_weights = None
        self.last_epoch = None

    def on_train_begin(self, logs=None):
        self.reset()

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs or {}, self.monitor, "EarlyStopping")
        self.last_epoch = epoch
        self.wait += 1
        if self.improved(current):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            beats_baseline = self.baseline is None or (
                current < self.baseline if self.mode == "min" else current > self.baseline)
            if beats_baseline:
                self.wait = 0
                return
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs=None):
        if (self.restore_best_weights and self.best_weights is not None
                and self.best_epoch != self.last_epoch):
            self.model.load_state_dict(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save after every epoch, or only when ``monitor`` improves (``save_best_only``).

    path: a file path; ``str.format`` fields are filled from the epoch's logs and ``epoch`` (the
    number of finished epochs, 1-based as in Keras), e.g. ``"ckpt-{epoch:03d}-{val_loss:.3f}.npz"``.
    What is saved: a full checkpoint (model, optimizer, scheduler, epoch, RNG states, history;
    restore with ``npgrad.train.load_checkpoint`` and resume with ``fit(...,
    initial_epoch=ckpt.epoch)``), or with ``save_weights_only=True`` just ``model.state_dict()``
    (restore with ``model.load_state_dict(npgrad.load(path))``). Writes go through
    ``npgrad.io.save``, which is atomic: a crash never leaves a half-written file.
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto",
                 save_weights_only=False, min_delta=0.0):
        self.path = os.fspath(path)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        super().__init__(monitor, mode, min_delta)
        self.saved = []

    def on_train_begin(self, logs=None):
        self.reset()
        self.saved = []

    def filepath(self, epoch, logs):
        try:
            return self.path.format(epoch=epoch + 1, **(logs or {}))
        except (KeyError, IndexError) as e:
            raise ValueError(
                f"ModelCheckpoint: cannot fill {self.path!r}: unknown field {e}; available: "
                f"epoch, {', '.join(sorted(logs or {}))}"
            ) from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not self.improved(current):
                return
            self.best, self.best_epoch = current, epoch
        path = self.filepath(epoch, logs)
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        t = self.trainer
        if self.save_weights_only:
            from .. import io
            io.save(dict(self.model.state_dict()), path)
        else:
            from .checkpoint import save_checkpoint
            save_checkpoint(path, t.model, t.optimizer, epoch + 1, scheduler=t.scheduler,
                            history=t.history, seed=t.seed)
        self.saved.append(path)

    @property
    def last_path(self):
        return self.saved[-1] if self.saved else None


class CSVLogger(Callback):
    """Append one CSV row per epoch: ``epoch`` (0-based) then the logs.

    Each row is written whole, flushed and fsync'ed in one ``open(..., "a")``, so a crash leaves
    only complete rows. ``append=True`` continues an existing file (for a resumed run), reusing
    its header; otherwise the file is started afresh.
    """

    def __init__(self, path, separator=",", append=False):
        self.path = os.fspath(path)
        self.separator = separator
        self.append = bool(append)
        self.keys = None

    def on_train_begin(self, logs=None):
        self.keys = None
        if self.append and os.path.exists(self.path) and os.path.getsize(self.path) > 0:
            with open(self.path, newline="") as f:
                header = next(csv.reader(f, delimiter=self.separator), None)
            self.keys = header or None
        else:
            parent = os.path.dirname(self.path)
            if parent:
                os.makedirs(parent, exist_ok=True)
            open(self.path, "w").close()

    def _line(self, values):
        buf = _io.StringIO()
        csv.writer(buf, delimiter=self.separator, lineterminator="\n").writerow(values)
        return buf.getvalue()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch, **(logs or {})}
        text = ""
        if self.keys is None:
            self.keys = list(row)
            text = self._line(self.keys)
        text += self._line([_fmt(row.get(k, "")) for k in self.keys])
        with open(self.path, "a", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return v


class LambdaCallback(Callback):
    """A callback from plain functions, e.g.
    ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))``.

    Signatures: ``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_epoch_begin(epoch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_batch_end(batch, logs)``.
    """

    def __init__(self, on_train_begin=None, on_train_end=None, on_epoch_begin=None,
                 on_epoch_end=None, on_batch_end=None):
        given = dict(on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_end=on_batch_end)
        for name, fn in given.items():
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: {name} must be callable, got {fn!r}")
                setattr(self, name, fn)
