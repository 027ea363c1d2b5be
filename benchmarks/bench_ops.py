"""Per-op overhead: a chain of 1,000 tiny ops, forward and backward, npgrad against PyTorch.

The chain cycles ``h = h + a``, ``h = h * m``, ``h = h.tanh()`` on a (4, 4) float32 tensor with
constant (4, 4) tensors ``a`` and ``m`` (made once, outside the timed loop), starting from a leaf
that requires grad; then ``h.sum().backward()``. At this size the arithmetic is nothing: what is
timed is the framework's work per op (dispatch, graph recording, the backward sweep).

Reported, in microseconds per op (median of all chains: ``rounds`` worker processes, each running
``reps`` chains of every library, one chain of each in turn, at 1 thread): forward+backward, and
forward only (graph recorded, no backward). The libraries share each process so that the samples
are paired: a busy moment of the machine slows all of them alike (with one process per library,
the same npgrad code measured 1.18x the minimal engine below in one run and 0.84-0.85x in three
paired runs). The tiny ops use no BLAS, so NumPy's and PyTorch's thread pools do not meet. Plain
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


def worker(n_ops, reps, threads):
    """Run in a subprocess: every library's chain ``reps`` times, one chain of each library after
    another in rotating order (paired samples: a busy moment of the machine hits all of them);
    returns seconds per chain, per library."""
    common.set_threads_in_this_process(threads)
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    setups = {lib: _chain_setup(lib) for lib in LIBS}
    tanh = np.tanh

    def chain(lib, x):
        _, a, m = setups[lib]
        plain = lib == "numpy"
        h = x
        for i in range(n_ops):
            k = i % 3
            if k == 0:
                h = h + a
            elif k == 1:
                h = h * m
            else:
                h = tanh(h) if plain else h.tanh()
        return h

    def fwd_bwd(lib):
        x = setups[lib][0]()
        t = time.perf_counter()
        chain(lib, x).sum().backward()
        return time.perf_counter() - t

    def fwd(lib):
        x = setups[lib][0]()
        t = time.perf_counter()
        h = chain(lib, x)
        s = time.perf_counter() - t
        del h
        return s

    out = {lib: {"fwd_bwd": [], "fwd": []} for lib in LIBS}
    graph_libs = [lib for lib in LIBS if lib != "numpy"]
    for lib in graph_libs:
        for _ in range(3):
            fwd_bwd(lib)
        x = setups[lib][0]()
        chain(lib, x).sum().backward()
        g = x.grad
        out[lib]["grad_checksum"] = float(np.asarray(g.numpy() if hasattr(g, "numpy") else g, np.float64).sum())
    for r in range(reps):
        for lib in graph_libs[r % len(graph_libs):] + graph_libs[:r % len(graph_libs)]:
            out[lib]["fwd_bwd"].append(fwd_bwd(lib))
    for r in range(reps):
        for lib in LIBS[r % len(LIBS):] + LIBS[:r % len(LIBS)]:
            out[lib]["fwd"].append(fwd(lib))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--ops", type=int, default=1000)
    p.add_argument("--reps", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=None, help="worker processes")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    reps = args.reps or (10 if args.quick else 15)
    if args.worker:
        import json
        print(json.dumps(worker(args.ops, reps, args.threads)))
        return None

    rounds = args.rounds or (1 if args.quick else 6)
    t0 = time.perf_counter()
    runs = [common.run_json(["benchmarks/bench_ops.py", "--worker", "--ops", args.ops, "--reps", reps,
                             "--threads", args.threads], args.threads) for _ in range(rounds)]
    res = {}
    for lib in LIBS:
        entry = {}
        for key in ("fwd_bwd", "fwd"):
            vals = [v / args.ops for r in runs for v in r[lib].get(key, [])]
            if vals:
                entry[key] = common.summarize(vals)
        if "grad_checksum" in runs[0][lib]:
            entry["grad_checksum"] = runs[0][lib]["grad_checksum"]
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
