"""Per-op overhead: a chain of 1,000 tiny ops, forward and backward, npgrad against PyTorch.

The chain cycles ``h = h + a``, ``h = h * m``, ``h = h.tanh()`` on a (4, 4) float32 tensor with
constant (4, 4) tensors ``a`` and ``m`` (made once, outside the timed loop), starting from a leaf
that requires grad; then ``h.sum().backward()``. At this size the arithmetic is nothing: what is
timed is the framework's work per op (dispatch, graph recording, the backward sweep).

Reported, in microseconds per op (median of all chains: ``rounds`` alternating worker processes per
library, ``reps`` chains each, at 1 thread; many short alternating processes spread a busy minute on a
shared machine over both libraries): forward+backward, and forward only (graph recorded, no backward). Plain
NumPy on the same arrays (forward only, no graph) is the floor of a Python loop.

    python benchmarks/bench_ops.py [--quick] [--ops 1000] [--reps 30]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

LIBS = ("npgrad", "torch", "minimal", "numpy")
TARGET = 0.5  # npgrad's per-op time <= 0.5x PyTorch's (forward + backward)


def _chain_setup(lib):
    import numpy as np
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 4)).astype(np.float32)
    a0 = rng.standard_normal((4, 4)).astype(np.float32) * 0.1
    m0 = np.full((4, 4), 0.9, dtype=np.float32)
    if lib == "npgrad":
        import npgrad
        return (lambda: npgrad.tensor(x0, requires_grad=True)), npgrad.tensor(a0), npgrad.tensor(m0)
    if lib == "torch":
        import torch
        a, m = torch.from_numpy(a0.copy()), torch.from_numpy(m0.copy())
        return (lambda: torch.tensor(x0, requires_grad=True)), a, m
    if lib == "minimal":
        from minimal_autograd import Value
        return (lambda: Value(x0.copy(), requires_grad=True)), Value(a0), Value(m0)
    return (lambda: x0.copy()), a0, m0


def worker(lib, n_ops, reps, threads):
    """Run in a subprocess: time ``reps`` chains; returns seconds per chain."""
    common.set_threads_in_this_process(threads)
    import numpy as np
    if lib == "torch":
        import torch
        torch.set_num_threads(threads)
    make_leaf, a, m = _chain_setup(lib)
    tanh = np.tanh

    def chain(x):
        h = x
        for i in range(n_ops):
            k = i % 3
            if k == 0:
                h = h + a
            elif k == 1:
                h = h * m
            else:
                h = tanh(h) if lib == "numpy" else h.tanh()
        return h

    def fwd_bwd():
        x = make_leaf()
        t = time.perf_counter()
        chain(x).sum().backward()
        return time.perf_counter() - t

    def fwd():
        x = make_leaf()
        t = time.perf_counter()
        h = chain(x)
        s = time.perf_counter() - t
        del h
        return s

    out = {"lib": lib, "n_ops": n_ops, "reps": reps}
    if lib != "numpy":
        for _ in range(3):
            fwd_bwd()
        out["fwd_bwd"] = [fwd_bwd() for _ in range(reps)]
        x = make_leaf()
        chain(x).sum().backward()
        g = x.grad
        out["grad_checksum"] = float(np.asarray(g.numpy() if hasattr(g, "numpy") else g, np.float64).sum())
    for _ in range(3):
        fwd()
    out["fwd"] = [fwd() for _ in range(reps)]
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--ops", type=int, default=1000)
    p.add_argument("--reps", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=None, help="alternating worker processes per library")
    p.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    reps = args.reps or (10 if args.quick else 15)
    if args.worker:
        import json
        print(json.dumps(worker(args.worker, args.ops, reps, args.threads)))
        return None

    rounds = args.rounds or (1 if args.quick else 6)
    t0 = time.perf_counter()
    runs = {lib: [] for lib in LIBS}
    for r in range(rounds):
        for lib in (LIBS if r % 2 == 0 else LIBS[::-1]):
            runs[lib].append(common.run_json(["benchmarks/bench_ops.py", "--worker", lib, "--ops", args.ops,
                                              "--reps", reps, "--threads", args.threads], args.threads))
    res = {}
    for lib, rs in runs.items():
        entry = {}
        for key in ("fwd_bwd", "fwd"):
            vals = [v / args.ops for r in rs for v in r.get(key, [])]
            if vals:
                entry[key] = common.summarize(vals)
        if rs and "grad_checksum" in rs[0]:
            entry["grad_checksum"] = rs[0]["grad_checksum"]
        res[lib] = entry
    ratio = res["npgrad"]["fwd_bwd"]["median"] / res["torch"]["fwd_bwd"]["median"]
    ratio_fwd = res["npgrad"]["fwd"]["median"] / res["torch"]["fwd"]["median"]
    ratio_minimal = res["npgrad"]["fwd_bwd"]["median"] / res["minimal"]["fwd_bwd"]["median"]
    ref = res["torch"]["grad_checksum"]
    checks_agree = all(abs(res[lib]["grad_checksum"] - ref) <= 1e-4 * max(1.0, abs(ref))
                       for lib in ("npgrad", "minimal"))

    print(f"\nPer-op overhead: chain of {args.ops:,} ops (add/mul/tanh on (4, 4) float32), "
          f"{args.threads} thread, {rounds} process(es) x {reps} reps; µs per op")
    rows = []
    for lib in LIBS:
        e = res[lib]
        fb, f = e.get("fwd_bwd"), e.get("fwd")
        rows.append([lib,
                     f"{fb['median'] * 1e6:.2f}" if fb else "—", common.fmt_range(fb, 1e6, 2) if fb else "",
                     f"{f['median'] * 1e6:.2f}", common.fmt_range(f, 1e6, 2)])
    print(common.table(["library", "fwd+bwd µs/op", "min–max", "fwd µs/op", "min–max"], rows))
    print(f"npgrad ÷ torch: forward+backward {ratio:.2f}, forward only {ratio_fwd:.2f}; "
          f"npgrad ÷ minimal (pure-Python floor): {ratio_minimal:.2f}; gradients agree: {checks_agree}")
    targets = [common.target("per-op overhead npgrad ÷ torch (fwd+bwd)", ratio, TARGET),
               common.target("per-op overhead npgrad ÷ minimal Python autograd (info)", ratio_minimal, None),
               common.target("per-op gradients npgrad = torch = minimal", None, None, holds=checks_agree)]
    out = {"benchmark": "ops", "n_ops": args.ops, "reps": reps, "rounds": rounds, "threads": args.threads,
           "results": res, "ratio_fwd_bwd": ratio, "ratio_fwd": ratio_fwd, "ratio_minimal": ratio_minimal,
           "targets": targets, "seconds": time.perf_counter() - t0}
    if not args.no_save:
        common.write_result("ops_quick" if args.quick else "ops", out)
    return out


if __name__ == "__main__":
    main()
