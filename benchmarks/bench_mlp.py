"""MLP training epoch: npgrad against hand-written NumPy and PyTorch eager, in the same run.

784-100-200-10 ReLU, softmax cross-entropy, SGD lr=0.1, 50,000 synthetic samples, shuffled, at
batch 32 and 256, float32 and float64 (see ``mlp_impls.py`` for the implementations).

Each implementation runs in worker processes of its own (NumPy's OpenBLAS pool and PyTorch's
OpenMP pool contend when they share one), all with the same thread count. Per configuration the
workers start together, run one untimed warm-up epoch, then timed epochs, interleaved: round r runs
one epoch of every implementation (the order rotated each round), so a slow minute on a shared
machine hits every implementation alike. At 1 thread the rounds are spread over ``--processes``
fresh generations of workers (default 3): glibc's malloc settles per process into serving large
temporaries from its heap or from fresh mmaps (the latter measured 1.3-1.8x slower for the same NumPy
program), so one process per implementation would make a ratio a coin toss. Every epoch starts from the same initial weights
(reset before the clock starts) with that epoch's shuffle, so each epoch's mean loss must agree
across implementations: to 1e-9 relative in float64 (they agree to ~1e-15), 1e-2 in float32 (the BLAS
libraries round differently and 1,563 SGD steps amplify it: 1e-4 to 3e-3 at batch 32, ~1e-6 at 256);
a disagreement is flagged. Reported: median and min-max seconds per
epoch, ratios of medians, the loss of the last epoch and the largest relative loss difference.

    python benchmarks/bench_mlp.py                 # 1 thread (targets) and 2 threads (information)
    python benchmarks/bench_mlp.py --quick         # 10,000 samples, 2 rounds, 1 thread
    python benchmarks/bench_mlp.py --threads 1 --configs 32:float32 --rounds 9
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from mlp_impls import IMPLS, N_SAMPLES, TUNED_MALLOC_ENV  # noqa: E402

CONFIGS = ((32, "float32"), (256, "float32"), (256, "float64"), (32, "float64"))
# the implementations whose losses are compared (all train on the same batches)
TARGETS = (
    # (batch, dtype, vs, limit)
    (32, "float32", "torch", 0.75),
    (32, "float32", "numpy", 1.10),
    (256, "float32", "torch", 0.90),
    (256, "float32", "numpy", 1.05),
    (256, "float64", "torch", 0.90),
    (256, "float64", "numpy", 1.05),
)
# loss agreement with the hand-written NumPy run, relative, every epoch (each epoch starts from the
# initial weights). float64 runs agree to ~1e-15: that is the check that the implementations compute
# the same thing. float32 runs differ by BLAS rounding (MKL vs OpenBLAS, summation order), which
# 1,563 SGD steps amplify: 1e-4 to 3e-3 after one epoch at batch 32, ~1e-6 at batch 256.
LOSS_TOL = {"float32": 1e-2, "float64": 1e-9}
SHORT = {"float32": "f32", "float64": "f64"}


def worker_env(impl, threads):
    env = common.thread_env(threads)
    for k in TUNED_MALLOC_ENV:
        env.pop(k, None)
    if impl == "numpy_tuned":
        env.update(TUNED_MALLOC_ENV)
    return env


def run_config(batch, dtype, threads, impls, rounds, samples, processes=1):
    """``rounds`` interleaved epochs of every implementation, spread over ``processes`` fresh
    worker generations (each: start, untimed warm-up epoch, its share of the rounds); returns the
    figures."""
    failed = {}
    times = {impl: [] for impl in impls}
    losses = {impl: [] for impl in impls}
    warmup, ready, rss = {}, {}, {}
    shares = [rounds // processes + (g < rounds % processes) for g in range(processes)]
    done = 0
    for share in shares:
        workers = {}

        def call(impl, **msg):
            """A request to one worker; a worker that fails is dropped (the others go on)."""
            try:
                return workers[impl].request(**msg) if msg else workers[impl].wait_ready()
            except common.WorkerError as exc:
                failed[impl] = str(exc)[-2000:]
                print(f"!! {impl} b{batch} {dtype} t{threads} failed and is left out:\n{failed[impl]}",
                      file=sys.stderr)
                return None

        live = [i for i in impls if i not in failed]
        try:
            for impl in live:  # start them all at once: data generation and imports overlap
                args = ["benchmarks/mlp_impls.py", "--impl", impl, "--dtype", dtype, "--batch", batch,
                        "--threads", threads, "--samples", samples]
                workers[impl] = common.Worker(args, threads, name=f"{impl} b{batch} {dtype} t{threads}",
                                              env=worker_env(impl, threads))
            for impl in live:
                r = call(impl)
                if r:
                    ready.setdefault(impl, r)
            for impl in live:  # the warm-up epoch: its loss is compared, its time is not used
                r = call(impl, cmd="epoch") if impl not in failed else None
                if r:
                    warmup.setdefault(impl, r["seconds"])
                    losses[impl].append(r["loss"])
            for rnd in range(done, done + share):
                k = rnd % len(live)
                for impl in live[k:] + live[:k]:
                    r = call(impl, cmd="epoch") if impl not in failed else None
                    if r:
                        times[impl].append(r["seconds"])
                        losses[impl].append(r["loss"])
            for impl in live:
                if impl not in failed:
                    m = (call(impl, cmd="rss") or {}).get("maxrss_bytes")
                    rss[impl] = max(rss.get(impl) or 0, m or 0) or None
        finally:
            for w in workers.values():
                w.close()
        done += share
    impls = tuple(i for i in impls if i not in failed)
    stats = {impl: common.summarize(times[impl]) for impl in impls}
    out = {"batch": batch, "dtype": dtype, "threads": threads, "samples": samples, "rounds": rounds,
           "processes": processes, "impls": {}, "blas": {}, "losses_agree": True, "failed": failed}
    ref = losses.get("numpy")
    tol = LOSS_TOL[dtype]
    for impl in impls:
        entry = {"seconds": stats[impl], "warmup_seconds": warmup[impl], "losses": losses[impl],
                 "maxrss_bytes": rss[impl], "startup_seconds": ready[impl]["startup_seconds"]}
        if ref is not None and impl != "numpy":
            rel = [abs(a - b) / abs(b) for a, b in zip(losses[impl], ref)]
            entry["loss_rel_diff"] = rel
            entry["loss_agrees"] = max(rel) <= tol
            out["losses_agree"] &= entry["loss_agrees"]
        for other in ("torch", "numpy", "numpy_tuned"):
            if other in stats and other != impl:
                entry[f"ratio_vs_{other}"] = stats[impl]["median"] / stats[other]["median"]
        out["impls"][impl] = entry
        blas = ready[impl].get("blas", {})
        out["blas"][impl] = {"corename": blas.get("corename"), "openblas_threads": blas.get("num_threads"),
                             "config": blas.get("config")}
        if "torch" in ready[impl]:
            out["torch_info"] = ready[impl]["torch"]
    return out


def print_config_rows(res):
    rows = []
    cfg = f"b{res['batch']} {SHORT[res['dtype']]}"
    for impl, e in res["impls"].items():
        s = e["seconds"]
        rel = e.get("loss_rel_diff")
        agree = "" if rel is None else f"{max(rel):.1e}" + ("" if e["loss_agrees"] else " DISAGREE")
        rows.append([cfg, impl, f"{s['median']:.3f}", common.fmt_range(s),
                     _ratio(e.get("ratio_vs_torch")), _ratio(e.get("ratio_vs_numpy")),
                     _ratio(e.get("ratio_vs_numpy_tuned")), f"{e['losses'][-1]:.6f}", agree])
        cfg = ""
    return rows


def _ratio(r):
    return "" if r is None else f"{r:.2f}"


def blas_line(results):
    """One line per library saying which kernels ran."""
    cores, threads = set(), set()
    for res in results:
        for impl, b in res["blas"].items():
            if b.get("corename"):
                cores.add(b["corename"])
                threads.add((res["threads"], b.get("openblas_threads")))
    t = next((r["torch_info"] for r in results if "torch_info" in r), None)
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    line = (f"NumPy BLAS: OpenBLAS kernels {'/'.join(sorted(cores)) or '?'} "
            f"(OPENBLAS_CORETYPE={coretype or 'unset'}), OpenBLAS threads "
            + ", ".join(f"{n} (asked {t_})" for t_, n in sorted(threads, key=str)))
    if t:
        line += (f"\nPyTorch: BLAS={t['blas']} ({t['mkl']}), oneDNN {t['mkldnn']} "
                 f"(available: {t['mkldnn_available']}), CPU capability {t['cpu_capability']}")
    return line


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="10,000 samples, 2 rounds, 1 thread")
    p.add_argument("--threads", default=None, help="comma-separated thread counts (default 1,2)")
    p.add_argument("--rounds", type=int, default=None, help="timed epochs per implementation at 1 thread")
    p.add_argument("--rounds-info", type=int, default=None, help="timed epochs at other thread counts")
    p.add_argument("--processes", type=int, default=None,
                   help="fresh worker processes per implementation over which the 1-thread rounds are spread")
    p.add_argument("--samples", type=int, default=None)
    p.add_argument("--configs", default=None, help="e.g. 32:float32,256:float64")
    p.add_argument("--impls", default=",".join(IMPLS))
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)

    threads = [int(t) for t in (args.threads or ("1" if args.quick else "1,2")).split(",")]
    rounds = args.rounds or (2 if args.quick else 6)
    rounds_info = args.rounds_info or (2 if args.quick else 3)
    processes = max(1, min(rounds, args.processes or (1 if args.quick else 3)))
    samples = args.samples or (10_000 if args.quick else N_SAMPLES)
    configs = CONFIGS if not args.configs else [
        (int(b), d) for b, d in (c.split(":") for c in args.configs.split(","))]
    impls = tuple(i for i in args.impls.split(",") if i)
    if not _npgrad_ready():
        print("npgrad.nn / npgrad.optim not importable: npgrad is left out", file=sys.stderr)
        impls = tuple(i for i in impls if not i.startswith("npgrad"))

    t0 = time.perf_counter()
    results = []
    for t in threads:
        n_rounds, n_proc = (rounds, processes) if t == 1 else (rounds_info, 1)
        print(f"\nMLP training epoch, 784-100-200-10, {samples:,} samples, {t} thread{'s' * (t > 1)}, "
              f"{n_rounds} interleaved rounds in {n_proc} fresh process{'es' * (n_proc > 1)} per "
              f"implementation (each after a warm-up epoch); seconds per epoch")
        rows = []
        for batch, dtype in configs:
            res = run_config(batch, dtype, t, impls, n_rounds, samples, n_proc)
            results.append(res)
            rows += print_config_rows(res)
        print(common.table(["config", "impl", "median s", "min–max", "÷torch", "÷numpy", "÷numpy_tuned",
                            "mean loss (last epoch)", "max rel Δloss vs numpy"], rows, align="llrrrrrrl"))
    print(blas_line(results))
    targets = []
    for batch, dtype, vs, limit in TARGETS:
        res = next((r for r in results if r["threads"] == 1 and r["batch"] == batch and r["dtype"] == dtype), None)
        value = None
        if res and "npgrad" in res["impls"]:
            value = res["impls"]["npgrad"].get(f"ratio_vs_{vs}")
        note = ""
        if value is None:
            note = "npgrad failed" if res and "npgrad" in res.get("failed", {}) else "not run"
        targets.append(common.target(f"MLP {SHORT[dtype]} b{batch} npgrad ÷ {vs} (1 thread)", value, limit,
                                     note=note))
    agree = all(r["losses_agree"] for r in results)
    targets.append(common.target("MLP losses agree (npgrad, torch vs numpy)", None, None, holds=agree,
                                 note="" if agree else "see the tables"))
    out = {"benchmark": "mlp", "samples": samples, "threads": threads, "rounds": rounds, "processes": processes,
           "rounds_info": rounds_info, "impls": impls, "results": results, "targets": targets,
           "seconds": time.perf_counter() - t0}
    if not args.no_save:
        common.write_result("mlp_quick" if args.quick else "mlp", out)
    return out


def _npgrad_ready():
    """npgrad's nn and optim exist (checked without importing npgrad into the driver)."""
    return all((common.ROOT / "npgrad" / m / "__init__.py").exists() for m in ("nn", "optim"))


if __name__ == "__main__":
    main()
