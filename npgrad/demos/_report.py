"""``Report``: what every demo prints and draws, honouring ``quiet`` and ``out``.

Headline lines (``accuracy: 100.00%``) always print; ``info`` lines (per-epoch figures, first
steps) only without ``quiet``. ``plot`` writes a PNG into ``out`` (nothing when ``out`` is None)
and records its path; without matplotlib it says once that plots are skipped and goes on.
"""
import sys
from pathlib import Path


class Report:
    def __init__(self, out=None, quiet=False, file=None):
        self.out = None if out is None else Path(out)
        self.quiet = bool(quiet)
        self.file = file
        self.plots = []
        self._no_matplotlib = False

    def _print(self, text):
        print(text, file=self.file if self.file is not None else sys.stdout, flush=True)

    def headline(self, text):
        """A result line, printed even with ``quiet``."""
        self._print(text)

    def info(self, text):
        """A progress line (per epoch, per step), hidden by ``quiet``."""
        if not self.quiet:
            self._print(text)

    def plot(self, name, draw, *args, **kwargs):
        """``draw(*args, path=out/name, **kwargs)``; returns the path, or None when not drawn."""
        if self.out is None or self._no_matplotlib:
            return None
        path = self.out / name
        try:
            draw(*args, path=path, **kwargs)
        except ImportError as e:
            self._no_matplotlib = True
            hint = "" if "npgrad[plot]" in str(e) else " (pip install npgrad[plot])"
            self.headline(f"plots skipped: {e}{hint}")
            return None
        self.plots.append(str(path))
        self.headline(f"plot: {path}")
        return path
