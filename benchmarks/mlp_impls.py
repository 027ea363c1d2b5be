"""The MLP training-epoch benchmark's implementations, and the worker process that runs one of them.

784-100-200-10 ReLU network, softmax cross-entropy on the logits (mean over the batch), plain SGD
with lr=0.1, over a synthetic data set (fixed seed): X ~ N(0, 1) * DATA_SCALE, y = argmax of a fixed
random linear teacher, so the loss falls as the network learns it.

Every implementation gets the same data, the same initial weights (drawn in NumPy, float64, then
cast; the worker resets them before each epoch, untimed) and the same shuffle per epoch (``np.random.default_rng([seed, epoch]).permutation(n)``),
gathers each minibatch with the shuffled indices (``X[idx]``), and adds up ``loss.item() *
len(batch)`` per batch the way a user's logging loop does; an epoch returns that sum over the number
of samples (the same sample-weighted mean ``npgrad.train.fit`` logs). So the losses of the
implementations agree to rounding (float64: to ~1e-15; float32: to ~1e-4 after one epoch, drifting
apart slowly as the BLAS libraries round differently).

Implementations (``IMPLS``):

* ``numpy``  — hand-written forward/backward with in-place SGD: the floor for a NumPy program.
* ``numpy_tuned`` — the same program with glibc's malloc thresholds raised the way ``import
  npgrad`` raises them (``npgrad/_malloc.py``), so the allocator's share of a gap shows (information).
* ``torch``  — PyTorch eager: ``nn.Sequential``, ``F.cross_entropy``, ``optim.SGD``.
* ``npgrad`` — npgrad the way a user writes it: ``nn.Sequential`` + ``nn.CrossEntropyLoss`` +
  ``optim.SGD`` and the usual loop.
* ``npgrad_fit`` — ``npgrad.train.fit`` one epoch per call (``initial_epoch=k, epochs=k + 1``; its
  DataLoader shuffles with the same ``(seed, epoch)`` permutation), as information.
* ``none``   — only the data (for the memory baseline).

Run as a worker: ``python benchmarks/mlp_impls.py --impl numpy --dtype float32 --batch 32
--threads 1``; it then answers JSON lines on stdin/stdout (``{"cmd": "epoch"}``, ``{"cmd": "rss"}``,
``{"cmd": "quit"}``), see ``common.serve``.
"""
import argparse
import os
import sys
import time

SIZES = (784, 100, 200, 10)
LR = 0.1
N_SAMPLES = 50_000
SEED = 0
DATA_SCALE = 1.0
IMPLS = ("numpy", "numpy_tuned", "torch", "npgrad", "npgrad_fit")
# glibc malloc settings of numpy_tuned (the values npgrad/_malloc.py sets): read by glibc at start-up
TUNED_MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(32 << 20)}


# ---- the shared problem ---------------------------------------------------------------------------
def make_data(n=N_SAMPLES, dtype="float32", seed=SEED, scale=DATA_SCALE):
    """X (n, 784) ~ N(0, 1) * scale in ``dtype``; y (n,) int64 = argmax of a fixed linear teacher.

    X is drawn directly in ``dtype`` (no float64 temporary), so the process holds only the data set.
    """
    import numpy as np
    dtype = np.dtype(dtype)
    X = np.random.default_rng(seed).standard_normal((n, SIZES[0]), dtype=dtype)
    if scale != 1.0:
        X *= dtype.type(scale)
    teacher = np.random.default_rng(seed + 1).standard_normal((SIZES[0], SIZES[-1])).astype(dtype)
    y = np.empty(n, dtype=np.int64)
    for i in range(0, n, 10_000):  # in chunks: no (n, 10) float temporary of note
        y[i:i + 10_000] = np.argmax(X[i:i + 10_000] @ teacher, axis=1)
    return X, y


def init_params(dtype="float32", seed=SEED, sizes=SIZES):
    """[(W, b), ...] with W (out, in), b (out,): U(-1/sqrt(in), 1/sqrt(in)) like PyTorch's default,
    drawn in float64 from a fixed seed and cast to ``dtype``."""
    import numpy as np
    rng = np.random.default_rng(seed + 2)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(n_in)
        W = rng.uniform(-bound, bound, (n_out, n_in)).astype(dtype)
        b = rng.uniform(-bound, bound, n_out).astype(dtype)
        params.append((W, b))
    return params


def permutation(n, epoch, seed=SEED):
    """The shuffle of epoch ``epoch`` (the same in every implementation)."""
    import numpy as np
    return np.random.default_rng([seed, epoch]).permutation(n)


def batches(n, batch_size):
    """(start, stop) of each minibatch; the last one may be short (drop_last=False)."""
    return [(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


# ---- hand-written NumPy ---------------------------------------------------------------------------
class NumpyMLP:
    """What a careful person writes in NumPy: weights stored (in, out) so the forward is ``x @ W``,
    a max-shifted softmax, the backward with transposes as views (``.T``), no gradient for the data
    batch, and SGD in place (``W -= lr * dW``)."""

    def __init__(self, params, lr=LR):
        import numpy as np
        self.np = np
        # (in, out) layout, contiguous
        self.W = [np.ascontiguousarray(W.T) for W, _ in params]
        self.b = [b.copy() for _, b in params]
        self.lr = lr

    def load(self, params):
        """Set the weights back to ``params`` (in place)."""
        for W, b, (W0, b0) in zip(self.W, self.b, params):
            W[...] = W0.T
            b[...] = b0

    def forward_backward(self, x, y):
        """Mean softmax cross-entropy of the batch and the gradients [dW1, db1, dW2, db2, dW3, db3]."""
        np = self.np
        W1, W2, W3 = self.W
        b1, b2, b3 = self.b
        n = x.shape[0]
        h1 = np.maximum(x @ W1 + b1, 0)
        h2 = np.maximum(h1 @ W2 + b2, 0)
        z = h2 @ W3 + b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.log(s[:, 0]).sum() - z[rows, y].sum()) / n
        d = e
        d /= s                       # softmax
        d[rows, y] -= 1
        d /= n                       # d loss / d logits
        dW3 = h2.T @ d
        db3 = d.sum(axis=0)
        dh = d @ W3.T
        dh *= h2 > 0
        dW2 = h1.T @ dh
        db2 = dh.sum(axis=0)
        dh = dh @ W2.T
        dh *= h1 > 0
        dW1 = x.T @ dh               # no gradient for x: it is data
        db1 = dh.sum(axis=0)
        return loss, [dW1, db1, dW2, db2, dW3, db3]

    def step(self, x, y):
        loss, (dW1, db1, dW2, db2, dW3, db3) = self.forward_backward(x, y)
        lr = self.lr
        W1, W2, W3 = self.W
        b1, b2, b3 = self.b
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        W3 -= lr * dW3
        b3 -= lr * db3
        return loss

    def epoch(self, X, y, perm, batch_size):
        total = 0.0
        for i, j in batches(len(perm), batch_size):
            idx = perm[i:j]
            total += self.step(X[idx], y[idx]) * (j - i)
        return total / len(perm)

    def weights_out_in(self):
        return [(W.T, b) for W, b in zip(self.W, self.b)]


# ---- PyTorch eager --------------------------------------------------------------------------------
class TorchMLP:
    def __init__(self, params, lr=LR, dtype="float32"):
        import numpy as np
        import torch
        import torch.nn.functional as F
        from torch import nn
        self.torch, self.F, self.np = torch, F, np
        self.model = nn.Sequential(
            nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 200), nn.ReLU(), nn.Linear(200, 10)
        ).to(getattr(torch, np.dtype(dtype).name))
        self.load(params)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def load(self, params):
        torch = self.torch
        with torch.no_grad():
            for layer, (W, b) in zip(self.model[::2], params):
                layer.weight.copy_(torch.from_numpy(W))
                layer.bias.copy_(torch.from_numpy(b))

    def epoch(self, X, y, perm, batch_size):
        torch, F, model, opt = self.torch, self.F, self.model, self.opt
        model.train()
        total = 0.0
        for i, j in batches(len(perm), batch_size):
            idx = perm[i:j]
            xb = torch.from_numpy(X[idx])
            yb = torch.from_numpy(y[idx])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * (j - i)
        return total / len(perm)


# ---- npgrad ---------------------------------------------------------------------------------------
def _npgrad_model(params):
    """The user's model; float64 runs pass ``dtype`` (npgrad's parameters default to float32)."""
    import npgrad
    nn = npgrad.nn
    dt = params[0][0].dtype
    model = nn.Sequential(nn.Linear(784, 100, dtype=dt), nn.ReLU(), nn.Linear(100, 200, dtype=dt), nn.ReLU(),
                          nn.Linear(200, 10, dtype=dt))
    linears = [m for m in _children(model) if isinstance(m, nn.Linear)]
    for layer, (W, b) in zip(linears, params):
        layer.weight.data[...] = W
        layer.bias.data[...] = b
    return model


def _children(model):
    for name in ("layers", "_layers", "modules_list"):
        if hasattr(model, name):
            return list(getattr(model, name))
    try:
        return list(model)
    except TypeError:
        return [m for m in model.modules() if m is not model]


class NpgradMLP:
    """npgrad as a user writes it (see the README's training loop)."""

    def __init__(self, params, lr=LR):
        import npgrad
        self.npgrad = npgrad
        self.model = _npgrad_model(params)
        self.loss_fn = npgrad.nn.CrossEntropyLoss()
        self.opt = npgrad.optim.SGD(self.model.parameters(), lr=lr)

    def load(self, params):
        linears = [m for m in _children(self.model) if isinstance(m, self.npgrad.nn.Linear)]
        for layer, (W, b) in zip(linears, params):
            layer.weight.data[...] = W
            layer.bias.data[...] = b

    def epoch(self, X, y, perm, batch_size):
        Tensor, model, loss_fn, opt = self.npgrad.Tensor, self.model, self.loss_fn, self.opt
        total = 0.0
        for i, j in batches(len(perm), batch_size):
            idx = perm[i:j]
            xb, yb = X[idx], y[idx]
            out = model(Tensor(xb))
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * (j - i)
        return total / len(perm)


class NpgradFit(NpgradMLP):
    """``npgrad.train.fit``, one epoch per call; its loader draws the same (seed, epoch) shuffle."""

    def __init__(self, params, lr=LR, seed=SEED):
        super().__init__(params, lr)
        from npgrad import train
        self.fit = train.fit
        self.seed = seed
        self.calls = 0

    def epoch(self, X, y, perm, batch_size):
        k = self.calls
        self.calls += 1
        history = self.fit(self.model, self.loss_fn, self.opt, X, y, epochs=k + 1, initial_epoch=k,
                           batch_size=batch_size, metrics=(), progress=False, seed=self.seed)
        return _history_loss(history)


def _history_loss(history):
    h = getattr(history, "history", history)
    for key in ("loss", "train_loss"):
        try:
            v = h[key]
            return float(v[-1] if hasattr(v, "__len__") else v)
        except (KeyError, TypeError, IndexError):
            continue
    return float("nan")


# ---- the worker -----------------------------------------------------------------------------------
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--impl", choices=IMPLS + ("none",), required=True)
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=N_SAMPLES)
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import common
    common.set_threads_in_this_process(args.threads)
    t0 = time.perf_counter()
    import numpy  # noqa: F401  (after the thread settings; startup_seconds includes it)

    X, y = make_data(args.samples, args.dtype, args.seed)
    params = init_params(args.dtype, args.seed)
    info = {"impl": args.impl, "dtype": args.dtype, "batch": args.batch, "threads": args.threads,
            "samples": args.samples, "dataset_bytes": X.nbytes + y.nbytes, "pid": os.getpid()}
    if args.impl == "torch":
        import torch
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(args.threads)
        impl = TorchMLP(params, dtype=args.dtype)
        info["torch"] = common.torch_info()
    elif args.impl in ("numpy", "numpy_tuned"):
        impl = NumpyMLP(params)
        info["malloc_env"] = {k: os.environ.get(k) for k in TUNED_MALLOC_ENV}
    elif args.impl == "npgrad":
        impl = NpgradMLP(params)
    elif args.impl == "npgrad_fit":
        impl = NpgradFit(params, seed=args.seed)
    else:
        impl = None
    info["blas"] = common.numpy_blas_info()
    info["startup_seconds"] = time.perf_counter() - t0
    state = {"epoch": 0}

    def epoch(reset=True):
        """One epoch with this epoch's shuffle; by default from the initial weights (reset before
        the clock starts), so every epoch's loss is comparable across implementations."""
        if reset:
            impl.load(params)
        perm = permutation(len(X), state["epoch"], args.seed)
        t = time.perf_counter()
        loss = impl.epoch(X, y, perm, args.batch)
        seconds = time.perf_counter() - t
        state["epoch"] += 1
        return {"epoch": state["epoch"] - 1, "seconds": seconds, "loss": loss}

    def rss():
        return {"maxrss_bytes": common.max_rss_bytes(), "dataset_bytes": X.nbytes + y.nbytes}

    common.serve({"epoch": epoch, "rss": rss}, info)


if __name__ == "__main__":
    main()
