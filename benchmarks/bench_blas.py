"""The MLP step's matrix products alone: NumPy's BLAS against PyTorch's, same shapes, same run.

A training step of the 784-100-200-10 MLP does eight matrix products: three forward (``x @ W.T``),
three weight gradients (``g.T @ x``) and two input gradients (``g @ W``; none for the data batch).
This times exactly those, in the memory layouts npgrad uses (weights column-major, dW in W's
order) and PyTorch's own, each library in its own worker process at 1 thread, interleaved rounds,
medians. Their ratio is the floor of the MLP benchmark's npgrad ÷ torch: no framework overhead at
all, only the BLAS libraries (NumPy ships OpenBLAS, the PyTorch CPU wheel MKL).

    python benchmarks/bench_blas.py [--quick] [--configs 256:float64,256:float32,32:float32]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from mlp_impls import SIZES  # noqa: E402

LIBS = ("numpy", "torch")
CONFIGS = "256:float64,256:float32,32:float32"


def _products(lib, batch, dtype):
    """[(name, thunk)] for the eight matrix products of one training step."""
    import numpy as np
    rng = np.random.default_rng(0)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        x = rng.standard_normal((batch, n_in)).astype(dtype)
        g = rng.standard_normal((batch, n_out)).astype(dtype)
        w = np.asfortranarray(rng.standard_normal((n_out, n_in)).astype(dtype))  # npgrad's layout
        layers.append((f"{n_in}->{n_out}", x, g, w))
    out = []
    if lib == "numpy":
        for i, (name, x, g, w) in enumerate(layers):
            out.append((f"fwd {name}", lambda x=x, w=w: x @ w.T))
            out.append((f"dW {name}", lambda x=x, g=g: (x.T @ g).T))
            if i:
                out.append((f"dX {name}", lambda g=g, w=w: g @ w))
        return out
    import torch
    for i, (name, x, g, w) in enumerate(layers):
        x, g, w = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(np.ascontiguousarray(w))
        out.append((f"fwd {name}", lambda x=x, w=w: x @ w.T))
        out.append((f"dW {name}", lambda x=x, g=g: g.T @ x))
        if i:
            out.append((f"dX {name}", lambda g=g, w=w: g @ w))
    return out


def worker(lib, configs, reps, threads):
    common.set_threads_in_this_process(threads)
    if lib == "torch":
        import torch
        torch.set_num_threads(threads)
    clock = time.perf_counter
    res = {}
    for batch, dtype in configs:
        prods = _products(lib, batch, dtype)
        times = {}
        for name, f in prods:
            f()
            ts = []
            for _ in range(reps):
                t = clock()
                f()
                ts.append(clock() - t)
            ts.sort()
            times[name] = ts[len(ts) // 2]
        res[f"{batch}:{dtype}"] = times
    out = {"lib": lib, "times": res}
    if lib == "numpy":
        out["blas"] = common.numpy_blas_info()
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--configs", default=CONFIGS)
    p.add_argument("--reps", type=int, default=None, help="timed calls per product per process")
    p.add_argument("--rounds", type=int, default=None, help="alternating worker processes per library")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    configs = [(int(b), d) for b, d in (c.split(":") for c in args.configs.split(","))]
    reps = args.reps or (20 if args.quick else 60)
    if args.worker:
        import json
        print(json.dumps(worker(args.worker, configs, reps, args.threads)))
        return None

    rounds = args.rounds or (1 if args.quick else 4)
    t0 = time.perf_counter()
    runs = {lib: [] for lib in LIBS}
    for r in range(rounds):
        for lib in (LIBS if r % 2 == 0 else LIBS[::-1]):
            runs[lib].append(common.run_json(["benchmarks/bench_blas.py", "--worker", lib, "--configs", args.configs,
                                              "--reps", reps, "--threads", args.threads], args.threads))
    blas = runs["numpy"][0].get("blas", {})
    print(f"\nThe MLP step's 8 matrix products alone (784-100-200-10; fwd x@W.T, dW, dX), {args.threads} thread, "
          f"{rounds} process(es) per library x {reps} calls; median µs per step")
    rows, targets, results = [], [], {}
    for batch, dtype in configs:
        key = f"{batch}:{dtype}"
        per = {}
        for lib in LIBS:
            # per product: the median over processes of each process's median; a step is their sum
            names = runs[lib][0]["times"][key]
            per[lib] = {n: sorted(r["times"][key][n] for r in runs[lib])[len(runs[lib]) // 2] for n in names}
        total = {lib: sum(per[lib].values()) for lib in LIBS}
        ratio = total["numpy"] / total["torch"]
        tag = f"b{batch} {'f32' if dtype == 'float32' else 'f64'}"
        rows.append([tag, f"{total['numpy'] * 1e6:.0f}", f"{total['torch'] * 1e6:.0f}", f"{ratio:.2f}"])
        results[key] = {"numpy": per["numpy"], "torch": per["torch"], "ratio": ratio}
        targets.append(common.target(f"MLP {tag} matrix products alone, numpy ÷ torch (info)", ratio, None))
    print(common.table(["config", "NumPy µs/step", "PyTorch µs/step", "NumPy ÷ PyTorch"], rows))
    print(f"NumPy BLAS: OpenBLAS kernels {blas.get('corename', '?')} "
          f"(OPENBLAS_CORETYPE={blas.get('OPENBLAS_CORETYPE') or 'unset'}); PyTorch: its bundled BLAS "
          "(MKL in the CPU wheel). A ratio above a target's limit means no NumPy program meets that target.")
    out = {"benchmark": "blas", "threads": args.threads, "reps": reps, "rounds": rounds, "results": results,
           "numpy_blas": blas, "targets": targets, "seconds": time.perf_counter() - t0}
    if not args.no_save:
        common.write_result("blas_quick" if args.quick else "blas", out)
    return out


if __name__ == "__main__":
    main()
