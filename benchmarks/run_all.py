"""Run every benchmark, print one summary table (measured value, target, whether it holds) and write
``benchmarks/results/summary.json`` with the machine's description.

    python benchmarks/run_all.py            # the full suite (`make bench`), a few minutes on 2 cores
    python benchmarks/run_all.py --quick    # a smoke run: smaller data, fewer rounds (~1-2 minutes)
    python benchmarks/run_all.py --only mlp,ops

Benchmarks: mlp (bench_mlp.py), ops (bench_ops.py), scalar (bench_scalar.py, when present),
import_memory (bench_import_memory.py), gradcheck (bench_gradcheck.py). Each one measures in
subprocesses of its own; a benchmark that fails is reported and the others still run. The exit
status is 0 when all ran (whether targets hold is in the table, not in the exit status: benchmarks
are not tests).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BENCHMARKS = ("mlp", "blas", "ops", "scalar", "import_memory", "gradcheck")


def run_scalar(argv):
    """bench_scalar.main(argv) in a subprocess at 1 thread (its own GC settings and imports stay
    there); its printed output is passed through, its returned dict comes back as JSON."""
    path = common.BENCH_DIR / "bench_scalar.py"
    if not path.exists():
        return None
    code = ("import json, sys; sys.path.insert(0, 'benchmarks'); import bench_scalar; "
            f"r = bench_scalar.main({argv!r}); print('\\n@@RESULT@@' + json.dumps(r, default=str))")
    proc = subprocess.run([common.PYTHON, "-c", code], env=common.thread_env(1), cwd=str(common.ROOT),
                          capture_output=True, text=True, timeout=900)
    text, _, result = proc.stdout.partition("\n@@RESULT@@")
    print(text.rstrip())
    if proc.returncode != 0 or not result:
        raise common.WorkerError(f"bench_scalar failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(result.strip().splitlines()[0])


def _fmt_value(t):
    v = t.get("value")
    if v is None:
        return "—"
    if isinstance(v, (int, float)):
        unit = t.get("unit", "")
        if unit == "s":
            return f"{v:.3f} s"
        if unit:
            return f"{v:.1f} {unit}"
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _fmt_target(t):
    lim = t.get("target")
    if lim is None:
        return "—"
    if isinstance(lim, (int, float)):
        sign = {"max": "≤ ", "min": "≥ "}.get(t.get("kind"), "")
        unit = t.get("unit", "")
        s = f"{lim:.3f}".rstrip("0").rstrip(".") if unit != "MiB" else f"{lim:.1f}"
        return sign + s + (f" {unit}" if unit else "")
    return str(lim)


def _fmt_holds(t):
    h = t.get("holds")
    if h is None:
        return "info"
    return "yes" if h else "NO"


def info_rows(results):
    """Figures without a target that belong in the summary."""
    rows = []
    mlp = results.get("mlp")
    if mlp:
        for r in mlp["results"]:
            e = r["impls"].get("npgrad")
            if not e:
                continue
            tag = f"b{r['batch']} {'f32' if r['dtype'] == 'float32' else 'f64'}"
            if r["threads"] == 1 and (r["batch"], r["dtype"]) == (32, "float64"):
                for vs in ("torch", "numpy"):
                    if f"ratio_vs_{vs}" in e:
                        rows.append(common.target(f"MLP {tag} npgrad ÷ {vs} (1 thread)", e[f"ratio_vs_{vs}"], None))
            if r["threads"] == 1 and "ratio_vs_numpy_tuned" in e:
                rows.append(common.target(f"MLP {tag} npgrad ÷ numpy+malloc tuning (1 thread)",
                                          e["ratio_vs_numpy_tuned"], None))
            if r["threads"] != 1 and "ratio_vs_torch" in e:
                rows.append(common.target(f"MLP {tag} npgrad ÷ torch ({r['threads']} threads)", e["ratio_vs_torch"], None))
        for r in mlp["results"]:
            if r["threads"] == 1 and (r["batch"], r["dtype"]) == (32, "float32"):
                for impl in ("npgrad", "numpy", "torch"):
                    if impl in r["impls"]:
                        rows.append(common.target(f"MLP f32 b32 {impl} s/epoch (1 thread)",
                                                  r["impls"][impl]["seconds"]["median"], None, unit="s"))
    ops = results.get("ops")
    if ops:
        for lib in ("npgrad", "torch", "minimal"):
            rows.append(common.target(f"per-op {lib} µs/op fwd+bwd", ops["results"][lib]["fwd_bwd"]["median"] * 1e6, None,
                                      unit="µs"))
    im = results.get("import_memory")
    if im:
        rows.append(common.target("import torch, wall s", im["imports"]["torch"]["wall"]["median"], None, unit="s"))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a smoke run: small data, few rounds")
    p.add_argument("--only", default=None, help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    p.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    args = p.parse_args(argv)
    chosen = [b for b in (args.only.split(",") if args.only else BENCHMARKS) if b and b not in args.skip.split(",")]
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)}")
    sub_argv = ["--quick"] if args.quick else []

    t0 = time.perf_counter()
    machine = common.machine_info()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"npgrad benchmarks{' (quick)' if args.quick else ''} — {machine['cpu']}, {machine['usable_cores']} cores, "
          f"Python {machine['python']}, NumPy {machine['numpy']}, PyTorch {machine['torch']}, "
          f"OPENBLAS_CORETYPE={machine['OPENBLAS_CORETYPE'] or 'unset'}, load average {_load(load_start)}")

    results, status = {}, {}
    for name in chosen:
        t = time.perf_counter()
        try:
            if name == "scalar":
                res = run_scalar(sub_argv)
                if res is None:
                    status[name] = {"ran": False, "note": "benchmarks/bench_scalar.py not present"}
                    print("\n(scalar engine: benchmarks/bench_scalar.py is not there yet; skipped)")
                    continue
            else:
                module = __import__(f"bench_{name}")
                res = module.main(list(sub_argv))
            results[name] = res
            status[name] = {"ran": True, "seconds": time.perf_counter() - t}
        except Exception as exc:  # report and go on with the others
            status[name] = {"ran": False, "seconds": time.perf_counter() - t,
                            "error": f"{type(exc).__name__}: {exc}"}
            print(f"\n!! benchmark {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc()
        sys.stdout.flush()

    targets = []
    for name in chosen:
        for tgt in (results.get(name) or {}).get("targets", []):
            targets.append({"benchmark": name, **tgt})
    info = [{"benchmark": "info", **r} for r in info_rows(results)]
    total = time.perf_counter() - t0
    load_end = os.getloadavg() if hasattr(os, "getloadavg") else None

    print(f"\n=== Summary{' (quick: indicative only)' if args.quick else ''}: targets "
          f"(ratios from this run, 1 thread) ===")
    rows = [[t["benchmark"], t["name"], _fmt_value(t), _fmt_target(t), _fmt_holds(t)] for t in targets]
    print(common.table(["bench", "target", "measured", "target", "holds"], rows, align="llrrl"))
    if info:
        print("\nInformation (no target):")
        print(common.table(["measure", "value"], [[r["name"], _fmt_value(r)] for r in info], align="lr"))
    if results.get("mlp"):
        import bench_mlp
        print("\n" + bench_mlp.blas_line(results["mlp"]["results"]))
    for name, st in status.items():
        if not st["ran"]:
            print(f"not run: {name}: {st.get('error') or st.get('note')}")
    n_fail = sum(1 for t in targets if t.get("holds") is False)
    n_ok = sum(1 for t in targets if t.get("holds") is True)
    times = ", ".join(f"{k} {v.get('seconds', 0):.0f} s" for k, v in status.items())
    print(f"\n{n_ok} targets hold, {n_fail} do not; total {total:.0f} s ({times}); "
          f"load average at start {_load(load_start)}, at end {_load(load_end)}")
    summary = {"quick": args.quick, "machine": machine, "load_average_start": load_start,
               "load_average_end": load_end, "total_seconds": total, "status": status,
               "targets": targets, "info": info, "blas": _blas(results)}
    path = common.write_result("summary_quick" if args.quick else "summary", summary)
    print(f"results: {path.parent}/")
    return 0 if all(st["ran"] or "note" in st for st in status.values()) else 1


def _load(la):
    return "n/a" if la is None else "/".join(f"{x:.2f}" for x in la)


def _blas(results):
    mlp = results.get("mlp")
    if not mlp:
        return None
    out = {}
    for r in mlp["results"]:
        out[f"t{r['threads']}"] = {"numpy_openblas": r["blas"].get("numpy"), "npgrad_openblas": r["blas"].get("npgrad"),
                                   "torch": r.get("torch_info")}
    return out


if __name__ == "__main__":
    sys.exit(main())
