"""Progress reporting for ``fit``: a tqdm bar per epoch, one summary line per epoch, or nothing.

``progress=True`` ("auto") picks the bar when stdout is a terminal and the one-line summaries
otherwise (logs, CI, notebooks captured to files)::

    Epoch 3/25 - loss: 0.1234 - accuracy: 0.9712 - val_loss: 0.1400 - val_accuracy: 0.9650 - 1.2s

The bar's postfix (running loss and metrics) is refreshed every ``refresh_every`` batches (about
20 times an epoch by default), never per batch, and tqdm is imported only when a bar is shown.
"""
import sys
import time

__all__ = ["make_progress", "Progress", "SummaryProgress", "BarProgress", "format_logs"]


def format_logs(logs):
    """``"loss: 0.1234 - accuracy: 0.9712"`` (the learning rate as ``lr: 0.001``)."""
    parts = []
    for k, v in logs.items():
        parts.append(f"{k}: {v:.4g}" if k == "lr" else f"{k}: {v:.4f}")
    return " - ".join(parts)


class Progress:
    """Silent reporter; the base of the others. ``fit`` calls ``epoch_begin``, then
    ``batch(done, loss, metrics)`` every ``refresh_every`` batches, then ``epoch_end``."""

    refresh_every = 0  # 0: fit never calls batch()

    def __init__(self, epochs, steps, file=None):
        self.epochs, self.steps = epochs, steps
        self.file = file if file is not None else sys.stdout

    def epoch_begin(self, epoch):
        self._t0 = time.perf_counter()

    def batch(self, done, logs):
        pass

    def epoch_end(self, epoch, logs):
        pass

    def close(self):
        pass


class SummaryProgress(Progress):
    """One line per epoch: ``Epoch 3/25 - loss: ... - 1.2s``."""

    def epoch_end(self, epoch, logs):
        dt = time.perf_counter() - self._t0
        body = format_logs(logs)
        line = f"Epoch {epoch + 1}/{self.epochs}" + (f" - {body}" if body else "") + f" - {dt:.1f}s"
        print(line, file=self.file, flush=True)


class BarProgress(Progress):
    """A tqdm bar per epoch with the running loss and metrics as postfix."""

    def __init__(self, epochs, steps, file=None, updates_per_epoch=20):
        super().__init__(epochs, steps, file)
        self.refresh_every = max(1, steps // updates_per_epoch) if steps else 1
        from tqdm import tqdm  # lazy: import cost only when a bar is shown
        self._tqdm = tqdm
        self._bar = None
        self._shown = 0

    def epoch_begin(self, epoch):
        super().epoch_begin(epoch)
        self._shown = 0
        self._bar = self._tqdm(total=self.steps, desc=f"Epoch {epoch + 1}/{self.epochs}",
                               file=self.file, leave=True, unit="batch", dynamic_ncols=True)

    def batch(self, done, logs):
        bar = self._bar
        bar.set_postfix_str(format_logs(logs), refresh=False)
        bar.update(done - self._shown)
        self._shown = done

    def epoch_end(self, epoch, logs):
        bar = self._bar
        if bar is None:
            return
        if self._shown < self.steps:
            bar.update(self.steps - self._shown)
        bar.set_postfix_str(format_logs(logs), refresh=False)
        bar.close()
        self._bar = None

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def make_progress(progress, epochs, steps, file=None):
    """A reporter for ``fit(progress=...)``: True/"auto", "bar", "summary" (or "lines"), False/None."""
    file = file if file is not None else sys.stdout
    if progress is None or progress is False:
        return Progress(epochs, steps, file)
    if progress is True or progress == "auto":
        isatty = getattr(file, "isatty", None)
        progress = "bar" if isatty is not None and isatty() else "summary"
    if progress == "bar":
        return BarProgress(epochs, steps, file)
    if progress in ("summary", "lines", "line"):
        return SummaryProgress(epochs, steps, file)
    raise ValueError(f"progress must be True, False, 'bar' or 'summary', got {progress!r}")
