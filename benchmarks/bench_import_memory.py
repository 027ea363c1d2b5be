"""Import time and peak memory.

Import time: wall-clock time of fresh ``python -c "import X"`` processes for numpy (the baseline),
npgrad and torch, interleaved, median of ``--runs``; ``python -c pass`` gives the interpreter's own
start-up. The time the import statement itself takes inside the process is reported beside it.

Peak memory: one fresh process per MLP implementation (``mlp_impls.py``, float32, batch 32, 50,000
samples) runs one training epoch and reports its peak resident set size (``ru_maxrss``); ``none``
only generates the data set, the baseline of a Python + NumPy process holding it. Target: npgrad's
peak <= the data set's size (X.nbytes + y.nbytes) + 40 MiB.

    python benchmarks/bench_import_memory.py [--quick] [--runs 7]
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from bench_mlp import worker_env  # noqa: E402
from mlp_impls import N_SAMPLES  # noqa: E402

MODULES = ("pass", "numpy", "npgrad", "torch")
IMPORT_TARGET_S = 0.25
RSS_SLACK = 40 * common.MiB
RSS_IMPLS = ("none", "numpy", "npgrad", "npgrad_fit", "torch")


def time_import(module, threads=1):
    """(wall seconds of the whole process, seconds of the import statement inside it)."""
    code = "pass" if module == "pass" else (
        f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)")
    t = time.perf_counter()
    proc = subprocess.run([common.PYTHON, "-c", code], env=common.thread_env(threads), cwd=str(common.ROOT),
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise common.WorkerError(f"import {module} failed:\n{proc.stderr[-2000:]}")
    inner = float(proc.stdout.strip().splitlines()[-1]) if module != "pass" else 0.0
    return wall, inner


def peak_rss(impl, samples, threads=1, batch=32, dtype="float32"):
    args = ["benchmarks/mlp_impls.py", "--impl", impl, "--dtype", dtype, "--batch", batch,
            "--threads", threads, "--samples", samples]
    with common.Worker(args, threads, name=f"rss {impl}", env=worker_env(impl, threads)) as w:
        w.wait_ready()
        if impl != "none":
            w.request(cmd="epoch")
        return w.request(cmd="rss")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--runs", type=int, default=None)
    p.add_argument("--samples", type=int, default=None)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    samples = args.samples or (10_000 if args.quick else N_SAMPLES)
    have_npgrad_nn = (common.ROOT / "npgrad" / "nn" / "__init__.py").exists()
    t0 = time.perf_counter()

    walls = {m: [] for m in MODULES}
    inner = {m: [] for m in MODULES}
    for m in MODULES:  # warm the file-system cache once
        time_import(m)
    for _ in range(runs):
        for m in MODULES:
            w, i = time_import(m)
            walls[m].append(w)
            inner[m].append(i)
    imports = {m: {"wall": common.summarize(walls[m]), "import_statement": common.summarize(inner[m])}
               for m in MODULES}

    print(f"\nImport time: fresh `python -c \"import X\"`, median of {runs} (1 thread)")
    base = imports["pass"]["wall"]["median"]
    rows = []
    for m in MODULES:
        w, i = imports[m]["wall"], imports[m]["import_statement"]
        rows.append(["(python -c pass)" if m == "pass" else f"import {m}", f"{w['median'] * 1e3:.0f}",
                     common.fmt_range(w, 1e3, 0), f"{(w['median'] - base) * 1e3:.0f}",
                     "" if m == "pass" else f"{i['median'] * 1e3:.0f}"])
    print(common.table(["command", "wall ms", "min–max", "minus python start-up, ms", "import statement ms"], rows))

    impls = [i for i in RSS_IMPLS if have_npgrad_nn or not i.startswith("npgrad")]
    rss = {}
    for impl in impls:
        rss[impl] = peak_rss(impl, samples)
    dataset = rss["none"]["dataset_bytes"]
    print(f"\nPeak RSS after one epoch, float32, batch 32, {samples:,} samples (one fresh process each); "
          f"data set {dataset / common.MiB:.1f} MiB")
    rows = []
    for impl in impls:
        r = rss[impl]["maxrss_bytes"]
        rows.append([impl if impl != "none" else "none (data only)", f"{r / common.MiB:.1f}",
                     f"{(r - dataset) / common.MiB:+.1f}", f"{(r - rss['none']['maxrss_bytes']) / common.MiB:+.1f}"])
    print(common.table(["implementation", "peak RSS MiB", "minus data set", "minus data-only process"], rows))

    targets = [common.target("import npgrad, wall s (fresh process)", imports["npgrad"]["wall"]["median"],
                             IMPORT_TARGET_S, unit="s")]
    if "npgrad" in rss:
        limit = dataset + RSS_SLACK
        targets.append(common.target("peak RSS npgrad MLP, MiB (≤ data + 40)", rss["npgrad"]["maxrss_bytes"] / common.MiB,
                                     limit / common.MiB, unit="MiB"))
    out = {"benchmark": "import_memory", "runs": runs, "samples": samples, "imports": imports,
           "rss": rss, "dataset_bytes": dataset, "targets": targets,
           "import_ratio_torch_over_npgrad": imports["torch"]["wall"]["median"] / imports["npgrad"]["wall"]["median"],
           "seconds": time.perf_counter() - t0}
    if not args.no_save:
        common.write_result("import_memory_quick" if args.quick else "import_memory", out)
    return out


if __name__ == "__main__":
    main()
