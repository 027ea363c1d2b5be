"""Where an MLP training batch spends its time, per implementation: not part of `make bench`, a tool
for finding out why a target does not hold.

Phase timing: the training loop of ``mlp_impls.py`` re-written with a clock between the phases
(gather, forward, loss, zero_grad, backward, step, item); per phase the median over all batches of
an epoch (robust to a busy machine), in microseconds per batch. With ``--ops`` (npgrad), every op's
``forward`` and ``backward`` is wrapped with a clock, which splits each phase into the time spent
inside the ops (their NumPy work) and the rest (the engine, modules, Python). With ``--cprofile``,
also the functions with the most own time (cProfile, which inflates small Python calls), per batch.

    python benchmarks/profile_mlp.py --impl npgrad --batch 32 --dtype float32
    python benchmarks/profile_mlp.py --impl numpy,npgrad,torch --batch 256 --cprofile
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import mlp_impls as M  # noqa: E402


def phases_numpy(impl, X, y, perm, bs):
    rec = []
    clock = time.perf_counter
    for i, j in M.batches(len(perm), bs):
        t0 = clock()
        idx = perm[i:j]
        xb, yb = X[idx], y[idx]
        t1 = clock()
        loss, grads = impl.forward_backward(xb, yb)
        t2 = clock()
        lr = impl.lr
        for p, g in zip([a for pair in zip(impl.W, impl.b) for a in pair], grads):
            p -= lr * g
        t3 = clock()
        rec.append((t1 - t0, t2 - t1, t3 - t2))
    return ("gather", "forward+backward", "step"), rec


def phases_npgrad(impl, X, y, perm, bs):
    Tensor, model, loss_fn, opt = impl.npgrad.Tensor, impl.model, impl.loss_fn, impl.opt
    rec = []
    clock = time.perf_counter
    for i, j in M.batches(len(perm), bs):
        t0 = clock()
        idx = perm[i:j]
        xb, yb = X[idx], y[idx]
        t1 = clock()
        out = model(Tensor(xb))
        t2 = clock()
        loss = loss_fn(out, yb)
        t3 = clock()
        opt.zero_grad()
        t4 = clock()
        loss.backward()
        t5 = clock()
        opt.step()
        t6 = clock()
        loss.item()
        t7 = clock()
        rec.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6))
    return ("gather", "forward", "loss", "zero_grad", "backward", "step", "item"), rec


def phases_torch(impl, X, y, perm, bs):
    torch, F, model, opt = impl.torch, impl.F, impl.model, impl.opt
    rec = []
    clock = time.perf_counter
    for i, j in M.batches(len(perm), bs):
        t0 = clock()
        idx = perm[i:j]
        xb, yb = torch.from_numpy(X[idx]), torch.from_numpy(y[idx])
        t1 = clock()
        out = model(xb)
        t2 = clock()
        loss = F.cross_entropy(out, yb)
        t3 = clock()
        opt.zero_grad()
        t4 = clock()
        loss.backward()
        t5 = clock()
        opt.step()
        t6 = clock()
        loss.item()
        t7 = clock()
        rec.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6))
    return ("gather", "forward", "loss", "zero_grad", "backward", "step", "item"), rec


def wrap_npgrad_ops():
    """Clock every Function subclass's forward/backward; returns the accumulator {(op, fn): [s, n]}.
    An op called inside another (a fused op reusing ``Linear.forward``) counts in the outer one."""
    from npgrad.autograd.function import Function
    acc = {}
    clock = time.perf_counter
    depth = [0]

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    for cls in set(subclasses(Function)):
        for name in ("forward", "backward"):
            raw = cls.__dict__.get(name)
            if not isinstance(raw, staticmethod):
                continue
            fn = raw.__func__
            slot = acc.setdefault((cls.__name__, name), [0.0, 0])

            def timed(*a, _fn=fn, _slot=slot, **k):
                if depth[0]:
                    return _fn(*a, **k)
                depth[0] = 1
                t = clock()
                try:
                    return _fn(*a, **k)
                finally:
                    _slot[0] += clock() - t
                    _slot[1] += 1
                    depth[0] = 0
            setattr(cls, name, staticmethod(timed))
    return acc


def profile(impl_name, batch, dtype, samples, epochs, use_cprofile, top, ops=False):
    import numpy as np
    X, y = M.make_data(samples, dtype)
    params = M.init_params(dtype)
    if impl_name == "torch":
        import torch
        torch.set_num_threads(1)
        impl, fn = M.TorchMLP(params, dtype=dtype), phases_torch
    elif impl_name == "npgrad":
        impl, fn = M.NpgradMLP(params), phases_npgrad
    else:
        impl, fn = M.NumpyMLP(params), phases_numpy
    acc = wrap_npgrad_ops() if ops and impl_name == "npgrad" else None
    impl.epoch(X, y, M.permutation(samples, 0), batch)  # warm-up
    if acc is not None:
        for slot in acc.values():
            slot[0], slot[1] = 0.0, 0
    names, rec = None, []
    t = time.perf_counter()
    for e in range(epochs):
        impl.load(params)
        names, r = fn(impl, X, y, M.permutation(samples, e + 1), batch)
        rec += r
    wall = (time.perf_counter() - t) / epochs
    arr = np.array(rec) * 1e6
    med = np.median(arr, axis=0)
    mean = arr.mean(axis=0)
    nb = len(M.batches(samples, batch))
    print(f"\n{impl_name}: batch {batch} {dtype}, {samples:,} samples ({nb} batches), {epochs} epoch(s): "
          f"{wall:.3f} s/epoch = {wall / nb * 1e6:.0f} µs/batch (wall, instrumented)")
    print(common.table(["phase", "median µs/batch", "mean µs/batch"],
                       [[n, f"{a:.1f}", f"{b:.1f}"] for n, a, b in zip(names, med, mean)] +
                       [["total", f"{med.sum():.1f}", f"{mean.sum():.1f}"]]))
    out = {"impl": impl_name, "batch": batch, "dtype": dtype, "seconds_per_epoch": wall,
           "phases_median_us": dict(zip(names, med.tolist())), "phases_mean_us": dict(zip(names, mean.tolist()))}
    if acc is not None:
        n_batches = nb * epochs
        rows = sorted(((k, v) for k, v in acc.items() if v[1]), key=lambda kv: -kv[1][0])
        inside = {"forward": 0.0, "backward": 0.0}
        trs = []
        for (op, fn), (sec, calls) in rows:
            inside[fn] += sec
            trs.append([f"{op}.{fn}", f"{sec / n_batches * 1e6:.1f}", f"{calls / n_batches:.1f}"])
        print("inside the ops (their NumPy work; mean µs per batch, clock overhead ~0.1 µs per call included):")
        print(common.table(["op", "µs/batch", "calls/batch"], trs, align="lrr"))
        fwd_in = inside["forward"] / n_batches * 1e6
        bwd_in = inside["backward"] / n_batches * 1e6
        f_tot = mean[names.index("forward")] + mean[names.index("loss")]
        b_tot = mean[names.index("backward")]
        print(f"forward+loss: {f_tot:.1f} µs/batch (mean), of which inside ops {fwd_in:.1f}, outside (engine, "
              f"modules, Python) {f_tot - fwd_in:.1f}\nbackward: {b_tot:.1f} µs/batch, of which inside ops "
              f"{bwd_in:.1f}, outside (engine) {b_tot - bwd_in:.1f}")
        out["ops_us_per_batch"] = {f"{op}.{fn}": sec / n_batches * 1e6 for (op, fn), (sec, _) in rows}
    if use_cprofile:
        import cProfile
        import pstats
        impl.load(params)
        pr = cProfile.Profile()
        pr.enable()
        impl.epoch(X, y, M.permutation(samples, 99), batch)
        pr.disable()
        st = pstats.Stats(pr)
        rows = sorted(((v[2], v[3], v[0], k) for k, v in st.stats.items()), reverse=True)
        total = sum(r[0] for r in rows)
        print(f"cProfile (one epoch, {total / nb * 1e6:.0f} µs/batch under the profiler), top {top} by own time:")
        trs = []
        for tt, ct, nc, k in rows[:top]:
            where = f"{os.path.basename(k[0])}:{k[1]} {k[2]}" if k[0] != "~" else k[2]
            trs.append([where, f"{tt / nb * 1e6:.1f}", f"{ct / nb * 1e6:.1f}", f"{nc / nb:.1f}"])
        print(common.table(["function", "own µs/batch", "cumulative µs/batch", "calls/batch"], trs, align="lrrr"))
        out["cprofile_top"] = [dict(zip(("function", "own_us", "cum_us", "calls"), r)) for r in trs]
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--impl", default="numpy,npgrad,torch")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--samples", type=int, default=M.N_SAMPLES)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--ops", action="store_true", help="npgrad: time inside each op's forward/backward")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        common.set_threads_in_this_process(args.threads)
        import json
        out = profile(args.impl, args.batch, args.dtype, args.samples, args.epochs, args.cprofile, args.top,
                      args.ops)
        print("@@" + json.dumps(out))
        return out
    import subprocess
    for impl in args.impl.split(","):  # one process each, like the benchmark
        cmd = [common.PYTHON, __file__, "--worker", "--impl", impl, "--batch", str(args.batch), "--dtype",
               args.dtype, "--samples", str(args.samples), "--epochs", str(args.epochs), "--top", str(args.top),
               "--threads", str(args.threads)] + (["--cprofile"] if args.cprofile else []) + (
                   ["--ops"] if args.ops else [])
        proc = subprocess.run(cmd, env=common.thread_env(args.threads), capture_output=True, text=True)
        print("\n".join(ln for ln in proc.stdout.splitlines() if not ln.startswith("@@")))
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
