"""``DataLoader``: minibatches ``(xb, yb)`` of in-memory arrays, reproducible per (seed, epoch).

Each epoch's order is a pure function of ``(seed, epoch)``, never of how many epochs ran before,
so a run resumed at epoch k sees exactly the batches an uninterrupted run sees at epoch k.

Batches are views of ``X``/``y`` when not shuffling, and gathers ``X[idx]`` (``idx`` a slice of
the epoch's permutation) when shuffling. ``X[idx]`` and ``np.take(X, idx, axis=0)`` measure the
same on 2-D/4-D float data (within 5%, 32..4096 rows) and ``X[idx]`` is 3-6x faster on 1-D labels;
sorting ``idx`` first does not pay for itself, so batches keep the permutation's order.
"""
import numpy as np

__all__ = ["DataLoader"]


def _array(a, name):
    a = getattr(a, "data", a)  # a Tensor shares its ndarray
    a = np.asarray(a)
    if a.ndim == 0:
        raise ValueError(f"DataLoader: {name} must have a batch axis, got a scalar of shape {a.shape}")
    return a


class DataLoader:
    """Iterate over ``(xb, yb)`` minibatches of ``X`` (n, ...) and ``y`` (n, ...).

    batch_size: rows per batch (the last may be smaller unless ``drop_last``); ``None`` = the
        whole data set as one batch, yielded as views and never shuffled (order does not change a
        full-batch gradient).
    shuffle: draw a new order each epoch: ``np.random.default_rng([seed, epoch]).permutation(n)``.
    seed: a non-negative int; ``None`` draws one at random (kept in ``self.seed``).
    y: may be ``None``; iteration then yields ``xb`` alone.

    Each ``iter()`` uses epoch ``self.epoch`` and then advances it by one; ``set_epoch(e)``
    chooses the epoch of the next iteration (``fit`` calls it every epoch). ``len()`` is the
    number of batches per epoch.
    """

    def __init__(self, X, y=None, batch_size=32, shuffle=True, drop_last=False, seed=None):
        self.X = _array(X, "X")
        self.y = None if y is None else _array(y, "y")
        n = self.X.shape[0]
        if self.y is not None and self.y.shape[0] != n:
            raise ValueError(
                f"DataLoader: X and y must have the same number of samples, got X of shape "
                f"{self.X.shape} and y of shape {self.y.shape}"
            )
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
                raise TypeError(
                    f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}")
            if batch_size <= 0:
                raise ValueError(
                    f"DataLoader: batch_size must be a positive int or None, got {batch_size}")
            batch_size = int(batch_size)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"DataLoader: seed must be a non-negative int or None, got {seed!r}")
        self.n = n
        self.full_batch = batch_size is None
        self.batch_size = max(n, 1) if batch_size is None else batch_size
        self.shuffle = bool(shuffle) and not self.full_batch
        self.drop_last = bool(drop_last)
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch):
        """Make the next iteration use epoch ``epoch``'s order."""
        self.epoch = int(epoch)

    def permutation(self, epoch):
        """The sample order of ``epoch`` (an int64 array of length n)."""
        return np.random.default_rng([self.seed, int(epoch)]).permutation(self.n)

    def __len__(self):
        if self.drop_last:
            return self.n // self.batch_size
        return -(-self.n // self.batch_size)

    def __iter__(self):
        epoch = self.epoch
        self.epoch = epoch + 1
        return self._batches(epoch)

    def _batches(self, epoch):
        X, y, bs = self.X, self.y, self.batch_size
        stop = (self.n // bs) * bs if self.drop_last else self.n
        if not self.shuffle:
            for i in range(0, stop, bs):
                if y is None:
                    yield X[i:i + bs]
                else:
                    yield X[i:i + bs], y[i:i + bs]
            return
        perm = self.permutation(epoch)
        for i in range(0, stop, bs):
            idx = perm[i:i + bs]
            if y is None:
                yield X[idx]
            else:
                yield X[idx], y[idx]

    def __repr__(self):
        bs = "None" if self.full_batch else self.batch_size
        return (f"DataLoader(n={self.n}, batch_size={bs}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed})")
