"""Gradient-check cost: ``npgrad.gradcheck`` on a Linear(32, 64) layer at batch 10.

Checked inputs: x (10, 32), W (64, 32), b (64,) — 2,432 elements. ``mode="full"`` perturbs every
element (two forward passes each: 4,864 forwards); ``mode="random"`` checks 10 random directions
(20 forwards). As information, PyTorch's ``torch.autograd.gradcheck`` on the same function (float64;
``fast_mode=False`` builds the full Jacobian, ``fast_mode=True`` checks one random projection).
Each library runs in its own process at 1 thread; median of several calls.

    python benchmarks/bench_gradcheck.py [--quick]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BATCH, N_IN, N_OUT = 10, 32, 64


def _inputs():
    import numpy as np
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(N_IN)
    x = rng.standard_normal((BATCH, N_IN))
    W = rng.uniform(-bound, bound, (N_OUT, N_IN))
    b = rng.uniform(-bound, bound, N_OUT)
    return x, W, b


def _time(fn, reps):
    fn()  # warm-up, and it must pass
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        ok = fn()
        out.append(time.perf_counter() - t)
        if ok is not True:
            raise AssertionError(f"gradcheck returned {ok!r}")
    return out


def worker(lib, reps_full, reps_random, threads):
    common.set_threads_in_this_process(threads)
    x, W, b = _inputs()
    res = {"lib": lib}
    if lib == "npgrad":
        import npgrad
        try:  # the layer itself, when npgrad.nn exists: its weight and bias become the checked inputs
            layer = npgrad.nn.Linear(N_IN, N_OUT, dtype="float64")
            layer.weight.data[...] = W
            layer.bias.data[...] = b

            def fn(xt, wt, bt):
                layer.weight, layer.bias = wt, bt
                return layer(xt)
            res["function"] = "npgrad.nn.Linear(32, 64) with its weight and bias as gradcheck inputs"
        except (AttributeError, ImportError):
            fn = npgrad.linear
            res["function"] = "npgrad.linear(x, W, b)"
        tx, tW, tb = (npgrad.tensor(a, requires_grad=True, dtype="float64") for a in (x, W, b))
        res["full"] = _time(lambda: npgrad.gradcheck(fn, tx, tW, tb, mode="full"), reps_full)
        res["random"] = _time(lambda: npgrad.gradcheck(fn, tx, tW, tb, mode="random", n_directions=10),
                              reps_random)
    else:
        import torch
        torch.set_num_threads(threads)
        tx, tW, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, W, b))
        F = torch.nn.functional
        res["function"] = "torch.nn.functional.linear(x, W, b)"
        res["full"] = _time(lambda: torch.autograd.gradcheck(F.linear, (tx, tW, tb)), reps_full)
        res["random"] = _time(lambda: torch.autograd.gradcheck(F.linear, (tx, tW, tb), fast_mode=True),
                              reps_random)
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--worker", choices=("npgrad", "torch"), help=argparse.SUPPRESS)
    p.add_argument("--reps-full", type=int, default=None)
    p.add_argument("--reps-random", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    reps_full = args.reps_full or (2 if args.quick else 5)
    reps_random = args.reps_random or (10 if args.quick else 30)
    if args.worker:
        import json
        print(json.dumps(worker(args.worker, reps_full, reps_random, args.threads)))
        return None

    t0 = time.perf_counter()
    res = {}
    for lib in ("npgrad", "torch"):
        r = common.run_json(["benchmarks/bench_gradcheck.py", "--worker", lib, "--reps-full", reps_full,
                             "--reps-random", reps_random, "--threads", args.threads], args.threads)
        res[lib] = {"function": r["function"], "full": common.summarize(r["full"]),
                    "random": common.summarize(r["random"])}
    print(f"\nGradient check of Linear({N_IN}, {N_OUT}) at batch {BATCH} (float64, 1 thread; "
          f"{BATCH * N_IN + N_OUT * N_IN + N_OUT:,} checked elements)")
    rows = []
    for lib, label_full, label_rand in (("npgrad", 'gradcheck(mode="full")', 'gradcheck(mode="random"), 10 dirs'),
                                        ("torch", "autograd.gradcheck", "autograd.gradcheck(fast_mode=True)")):
        for label, key in ((label_full, "full"), (label_rand, "random")):
            s = res[lib][key]
            rows.append([lib, label, common.fmt_time(s["median"]),
                         f"{common.fmt_time(s['min'])}–{common.fmt_time(s['max'])}"])
    print(common.table(["library", "call", "median", "min–max"], rows, align="llrr"))
    ratio_full = res["npgrad"]["full"]["median"] / res["torch"]["full"]["median"]
    ratio_random = res["npgrad"]["random"]["median"] / res["torch"]["random"]["median"]
    print(f"npgrad ÷ torch: element-wise {ratio_full:.2f}, random directions / fast mode {ratio_random:.2f}")
    info = [
        common.target("gradcheck Linear(32,64) b10 full, s (info)", res["npgrad"]["full"]["median"], None,
                      holds=None, unit="s", note=f"torch {res['torch']['full']['median']:.3f} s"),
        common.target("gradcheck Linear(32,64) b10 random, ms (info)", res["npgrad"]["random"]["median"] * 1e3,
                      None, holds=None, unit="ms", note=f"torch fast_mode {res['torch']['random']['median'] * 1e3:.1f} ms"),
    ]
    out = {"benchmark": "gradcheck", "results": res, "ratio_full": ratio_full, "ratio_random": ratio_random,
           "targets": info, "seconds": time.perf_counter() - t0}
    if not args.no_save:
        common.write_result("gradcheck_quick" if args.quick else "gradcheck", out)
    return out


if __name__ == "__main__":
    main()
