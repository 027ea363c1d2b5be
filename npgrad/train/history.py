"""``History``: what ``fit`` returns, Keras style."""

__all__ = ["History"]


class History:
    """Per-epoch logs of a training run.

    ``history``: dict of per-epoch lists, e.g. ``{"loss": [...], "accuracy": [...],
    "val_loss": [...], "val_accuracy": [...]}`` (plus ``"lr"`` when a scheduler runs);
    ``epoch``: the epoch indices (0-based) those lists belong to; ``params``: the run's settings
    (epochs, steps per epoch, batch size, seed, ...). ``npgrad.viz.plot_history(history, path)``
    plots it.
    """

    def __init__(self, history=None, epoch=None, params=None):
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.epoch = list(epoch or [])
        self.params = dict(params or {})

    def append(self, epoch, logs):
        """Record the logs of one finished epoch (keys missing so far are padded with NaN)."""
        n = len(self.epoch)
        for key, value in logs.items():
            values = self.history.setdefault(key, [float("nan")] * n)
            values.append(float(value))
        for key, values in self.history.items():
            if len(values) == n:
                values.append(float("nan"))
        self.epoch.append(int(epoch))

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.epoch)

    def last(self):
        """The logs of the last epoch as a dict (empty before any epoch)."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def state_dict(self):
        """Plain lists and dicts, for ``npgrad.io.save``."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state):
        self.epoch = [int(e) for e in state["epoch"]]
        self.history = {k: [float(x) for x in v] for k, v in state["history"].items()}

    @classmethod
    def from_state_dict(cls, state):
        h = cls()
        h.load_state_dict(state)
        return h

    def __repr__(self):
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"
