"""npgrad.scalar vs micrograd on one training step of micrograd's demo.

The step is micrograd's demo.ipynb exactly: ``MLP(2, [16, 16, 1])`` on 100 two-moons points
(noise 0.1, labels -1/+1), loss = mean(relu(1 - y*score)) + 1e-4 * sum(p*p), zero_grad,
backward, SGD with lr = 1.0 - 0.9*k/100. Every contender starts from micrograd's initial weights
(``random.seed(1337)``) and runs in its own subprocess:

* micrograd, GC on (as users run it) and with ``gc.disable()``;
* npgrad.scalar uncompiled: the same full-batch graph (100 copies of the network sharing the
  parameters, about 38,000 nodes with n-ary sums), built once and re-run every step, GC on and off;
* npgrad.scalar compiled: that graph as straight-line Python (``compile``);
* npgrad.scalar compiled-batch: the per-sample graph compiled once into NumPy code over the batch.

Prints a table, the loss trajectories side by side and whether the targets hold; writes
``benchmarks/results/scalar.json`` (``scalar_quick.json`` with ``--quick``).
``python benchmarks/bench_scalar.py [--quick]``; ``main(argv) -> dict`` for ``run_all.py``.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "benchmarks" / "results"
SIZES = [2, 16, 16, 1]
ALPHA = 1e-4
STEPS = 100


# ---------------------------------------------------------------------------------------------
# The problem
# ---------------------------------------------------------------------------------------------
def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1337):
    """Two interleaving half circles (as sklearn.datasets.make_moons), labels -1 / +1, shuffled."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.hstack([-np.ones(n_out), np.ones(n_in)])
    X = X + rng.normal(0.0, noise, X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def micrograd_initial_weights(seed: int = 1337) -> list[float]:
    """micrograd's MLP(2, [16, 16, 1]) initial parameters after random.seed(seed), in its
    parameters() order (per neuron: weights uniform(-1, 1), then bias 0)."""
    r = random.Random(seed)
    out = []
    for nin, nout in zip(SIZES[:-1], SIZES[1:]):
        for _ in range(nout):
            out += [r.uniform(-1, 1) for _ in range(nin)] + [0.0]
    return out


def lr_at(k: int) -> float:
    return 1.0 - 0.9 * k / 100


# ---------------------------------------------------------------------------------------------
# Contenders (each runs in a worker process and returns per-step times and losses)
# ---------------------------------------------------------------------------------------------
def _time_steps(step, steps: int, warmup: int = 1):
    times, losses = [], []
    for k in range(steps):
        t0 = time.perf_counter()
        losses.append(step(k))
        times.append(time.perf_counter() - t0)
    return times[warmup:], losses


def run_micrograd(steps: int, gc_on: bool) -> dict:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    X, y = make_moons()
    random.seed(1337)          # micrograd draws its weights from the global random module
    model = MLP(2, SIZES[1:])
    assert [p.data for p in model.parameters()] == micrograd_initial_weights()

    def step(k):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum((p * p for p in model.parameters()))
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        lr = lr_at(k)
        for p in model.parameters():
            p.data -= lr * p.grad
        return float(total.data)

    if not gc_on:
        gc.disable()
    times, losses = _time_steps(step, steps)
    return {"times": times, "losses": losses}


def _network(inputs, params):
    """The demo network over two input nodes, with micrograd's order of operations
    (each neuron is b + w1*x1 + w2*x2 + ..., left to right)."""
    from npgrad.scalar import Add, Multiply, ReLU
    it = iter(params)
    h = inputs
    for layer, (nin, nout) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        last = layer == len(SIZES) - 2
        new = []
        for _ in range(nout):
            ws = [next(it) for _ in range(nin)]
            z = Add([next(it)] + [Multiply([w, x]) for w, x in zip(ws, h)])
            new.append(z if last else ReLU(z))
        h = new
    return h[0]


def full_batch_graph():
    """(Model of the whole loss over the 100 points, parameters, seconds to build)."""
    from npgrad.scalar import Add, Constant, Model, Multiply, Parameter, ReLU
    X, y = make_moons()
    t0 = time.perf_counter()
    params = [Parameter(v) for v in micrograd_initial_weights()]
    losses = []
    for xrow, yi in zip(X.tolist(), y.tolist()):
        score = _network([Constant(v) for v in xrow], params)
        losses.append(ReLU(Add([Constant(1.0), Multiply([Constant(-yi), score])])))
    data_loss = Multiply([Add(losses), Constant(1.0 / len(losses))])
    reg_loss = Multiply([Constant(ALPHA), Add([Multiply([p, p]) for p in params])])
    model = Model(Add([data_loss, reg_loss]))
    return model, params, time.perf_counter() - t0


def run_scalar(steps: int, gc_on: bool, compiled: bool, gc_probe: int = 0) -> dict:
    model, params, build_s = full_batch_graph()
    t0 = time.perf_counter()
    runner = model.compile() if compiled else model
    compile_s = time.perf_counter() - t0

    def step(k):
        loss = runner.predict()
        runner.zero_grad()
        runner.backward()
        lr = lr_at(k)
        for p in params:
            p.value -= lr * p.grad
        return loss

    if not gc_on:
        gc.disable()
    times, losses = _time_steps(step, steps)
    out = {"times": times, "losses": losses, "nodes": len(model), "build_s": build_s,
           "compile_s": compile_s if compiled else None}
    if gc_probe:
        # GC on vs paused on alternate steps of one process, so machine load affects both alike
        probe = {"on": [], "off": []}
        for k in range(steps, steps + 2 * gc_probe):
            on = (k // 2 + k) % 2 == 0   # on, off, off, on, on, off, ...
            gc.enable() if on else gc.disable()
            t0 = time.perf_counter()
            step(k)
            probe["on" if on else "off"].append(time.perf_counter() - t0)
        gc.enable()
        out["gc_probe"] = probe
    return out


def run_scalar_batch(steps: int) -> dict:
    from npgrad.scalar import Input, Model, Parameter
    X, y = make_moons()
    t0 = time.perf_counter()
    inputs = [Input("x1"), Input("x2")]
    params = [Parameter(v) for v in micrograd_initial_weights()]
    model = Model(_network(inputs, params), inputs=inputs)   # one sample: ~370 nodes
    cm = model.compile()
    cm.predict_batch(X)                                      # generates the batch code
    setup_s = time.perf_counter() - t0
    times, losses = _time_steps(lambda k: cm.step_batch(X, y, "hinge", lr=lr_at(k), l2=ALPHA), steps)
    return {"times": times, "losses": losses, "nodes": len(model), "compile_s": setup_s}


WORKERS = {
    "micrograd (GC on)": lambda a: run_micrograd(a.mg_gc_steps, gc_on=True),
    "micrograd (GC paused)": lambda a: run_micrograd(a.mg_steps, gc_on=False),
    "npgrad.scalar uncompiled (GC on)": lambda a: run_scalar(a.steps, gc_on=True, compiled=False, gc_probe=20),
    "npgrad.scalar uncompiled (GC paused)": lambda a: run_scalar(a.steps, gc_on=False, compiled=False),
    "npgrad.scalar compiled (straight-line Python)": lambda a: run_scalar(a.steps, gc_on=True, compiled=True),
    "npgrad.scalar compiled (NumPy batch)": lambda a: run_scalar_batch(a.steps),
}
MG_GC, MG_NOGC, UNC, UNC_NOGC, COMP, BATCH = WORKERS


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------
def _parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke test)")
    ap.add_argument("--steps", type=int, default=STEPS, help="steps for npgrad (default: the demo's 100)")
    ap.add_argument("--mg-steps", type=int, default=16, help="steps for micrograd with GC paused")
    ap.add_argument("--mg-gc-steps", type=int, default=6, help="steps for micrograd with GC on")
    ap.add_argument("--out", type=Path, default=None,
                    help="results file (default benchmarks/results/scalar.json, scalar_quick.json with --quick)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args([] if argv is None else argv)
    if a.quick:
        a.steps, a.mg_steps, a.mg_gc_steps = 12, 4, 3
    if a.out is None:
        a.out = RESULTS_DIR / ("scalar_quick.json" if a.quick else "scalar.json")
    return a


def _run_worker(name: str, argv: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", name, *argv],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt_ms(x):
    return f"{x:10.2f}" if x is not None else "         -"


def main(argv=None) -> dict:
    """Run the benchmark (argv: command-line flags, none by default) and return the results:
    ``rows`` (one per contender) and ``targets`` (``{"name", "value", "target", "holds"}``)."""
    a = _parse(argv)
    if a.worker:
        print(json.dumps(WORKERS[a.worker](a)))
        return {}
    passthrough = ["--steps", str(a.steps), "--mg-steps", str(a.mg_steps), "--mg-gc-steps", str(a.mg_gc_steps)]
    t_start = time.perf_counter()
    raw = {}
    for name in WORKERS:
        print(f"  running {name} ...", flush=True)
        raw[name] = _run_worker(name, passthrough)

    rows = []
    for name, r in raw.items():
        if "error" in r:
            rows.append({"name": name, "error": r["error"]})
            continue
        t = r["times"]
        rows.append({
            "name": name, "ms_per_step": 1e3 * sum(t) / len(t), "median_ms": 1e3 * statistics.median(t),
            "timed_steps": len(t), "nodes": r.get("nodes"), "build_s": r.get("build_s"),
            "compile_s": r.get("compile_s"), "losses": r["losses"],
        })
        if "gc_probe" in r:
            rows[-1]["gc_probe_median_ms"] = {k: 1e3 * statistics.median(v) for k, v in r["gc_probe"].items()}
    by = {r["name"]: r for r in rows}
    ref = by.get(MG_NOGC, {}).get("ms_per_step")
    for r in rows:
        if ref and "ms_per_step" in r:
            r["speedup_vs_micrograd_gc_paused"] = ref / r["ms_per_step"]

    print()
    print("micrograd demo training step (MLP 2-16-16-1, 100 two-moons points, full batch)")
    print(f"{'contender':47s} {'ms/step':>10s} {'median':>10s} {'vs mg GC paused':>16s}  steps")
    for r in rows:
        if "error" in r:
            print(f"{r['name']:47s} error: {r['error']}")
            continue
        sp = r.get("speedup_vs_micrograd_gc_paused")
        print(f"{r['name']:47s} {_fmt_ms(r['ms_per_step'])} {_fmt_ms(r['median_ms'])} "
              f"{(f'{sp:.2f}x' if sp else '-'):>16s}  {r['timed_steps']}")
    for r in rows:
        extra = []
        if r.get("nodes"):
            extra.append(f"{r['nodes']} nodes")
        if r.get("build_s") is not None:
            extra.append(f"graph built once in {r['build_s']:.2f} s")
        if r.get("compile_s") is not None:
            extra.append(f"compiled in {r['compile_s']:.2f} s")
        if extra:
            print(f"  {r['name']}: {', '.join(extra)}")

    # loss trajectories
    mg = by.get(MG_NOGC, {}).get("losses") or by.get(MG_GC, {}).get("losses") or []
    ours = [n for n in (UNC, COMP, BATCH) if "losses" in by.get(n, {})]
    max_diff = {}
    if mg:
        print("\nloss per step (same initial weights):")
        print(f"{'step':>4s} {'micrograd':>20s} " + " ".join(f"{s:>20s}" for s in ("uncompiled", "compiled", "batch")[:len(ours)]))
        for k in range(min(5, len(mg))):
            print(f"{k:4d} {mg[k]:20.15f} " + " ".join(f"{by[n]['losses'][k]:20.15f}" for n in ours))
        for n in ours:
            m = min(len(mg), len(by[n]["losses"]))
            max_diff[n] = max(abs(u - v) for u, v in zip(mg[:m], by[n]["losses"][:m]))
        print(f"max |loss - micrograd's| over the first {len(mg)} steps: "
              + ", ".join(f"{n.split(' ', 1)[1]} {d:.1e}" for n, d in max_diff.items()))
    for n in ours:
        print(f"{n}: loss after {len(by[n]['losses'])} steps {by[n]['losses'][-1]:.6f}")

    def speed(name):
        return by.get(name, {}).get("speedup_vs_micrograd_gc_paused")

    targets = []

    def target(name, value, limit, kind, unit="", shown=None):
        """A summary row: value >= limit (kind "min") or <= limit (kind "max"). ``shown``: the
        target as text, for limits that print badly as fixed-point numbers."""
        holds = value is not None and (value >= limit if kind == "min" else value <= limit)
        targets.append({"name": name, "value": value, "target": shown or limit, "kind": kind,
                        "unit": unit, "holds": bool(holds)})

    best = max((s for s in (speed(COMP), speed(BATCH)) if s), default=None)
    target("scalar compiled speedup vs micrograd (GC paused)", best, 10.0, "min", "x")
    target("scalar uncompiled speedup vs micrograd (GC paused)", speed(UNC), 1.0, "min", "x")
    gc_ratio = None
    probe = by.get(UNC, {}).get("gc_probe_median_ms")
    if probe:
        gc_ratio = probe["on"] / probe["off"]
        print(f"\ncyclic GC and the uncompiled graph, alternate steps in one process: median "
              f"{probe['on']:.2f} ms with GC on, {probe['off']:.2f} ms paused (ratio {gc_ratio:.3f})")
    target("scalar uncompiled step, GC on / GC paused (interleaved medians)", gc_ratio, 1.15, "max")
    worst = max(max_diff.values()) if max_diff else None
    target("scalar max |loss - micrograd loss| over the compared steps", worst, 1e-9, "max", shown="<= 1e-9")

    print("\ntargets:")
    for t in targets:
        v, u = t["value"], t["unit"]
        vs = "n/a" if v is None else f"{v:.3g}{u}"
        goal = t["target"] if isinstance(t["target"], str) else \
            f"{'>=' if t['kind'] == 'min' else '<='} {t['target']:g}{u}"
        print(f"  [{'ok' if t['holds'] else 'MISSED'}] {t['name']}: {vs} (target {goal})")
    elapsed = time.perf_counter() - t_start
    print(f"\nfinished in {elapsed:.1f} s")

    results = {
        "benchmark": "scalar",
        "description": "micrograd demo step: MLP 2-16-16-1, 100 two-moons points, hinge + L2, full batch",
        "python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
        "processor": platform.processor(), "cpus": os.cpu_count(),
        "rows": rows, "targets": targets, "seconds": elapsed,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(a.out)
    print(f"results written to {a.out}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
