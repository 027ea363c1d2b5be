"""Shared pieces of the benchmark suite: thread settings, worker processes, machine and BLAS
information, statistics, tables and the results folder.

This module imports only light standard-library modules at the top (the MLP workers import it and
their peak memory is measured); NumPy, subprocess and friends are imported inside the functions that
need them.
"""
import functools
import json
import os
import re
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable
MiB = 1024 * 1024

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")


# ---- thread settings ----------------------------------------------------------------------------
def thread_env(threads, base=None):
    """A copy of the environment with every BLAS/OpenMP thread count set to ``threads``.

    ``OPENBLAS_CORETYPE`` (set on some machines, e.g. to Haswell) is inherited unchanged."""
    env = dict(os.environ if base is None else base)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("PYTHONHASHSEED", "0")
    # workers run as scripts from benchmarks/, so `import common` works; make `import npgrad`
    # work as well when npgrad is not installed into the interpreter
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def set_threads_in_this_process(threads):
    """For a worker: set the thread variables before NumPy / PyTorch are imported."""
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("set the thread count before importing numpy or torch")
    for var in THREAD_VARS:
        os.environ[var] = str(threads)


# ---- worker processes (JSON lines over stdin/stdout) ----------------------------------------------
class WorkerError(RuntimeError):
    pass


class Worker:
    """A long-lived subprocess driven by JSON lines: the parent writes one request per line and
    reads one reply per line. The worker's first line is its ``ready`` message."""

    def __init__(self, args, threads, name=None, env=None):
        import subprocess
        import tempfile
        self.name = name or " ".join(map(str, args))
        self._err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [PYTHON, *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._err, env=env or thread_env(threads), text=True, bufsize=1, cwd=str(ROOT),
        )
        self.ready = None

    def wait_ready(self):
        if self.ready is None:
            self.ready = self._read()
        return self.ready

    def request(self, **msg):
        self.wait_ready()
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(f"worker {self.name} died:\n{self.stderr()}") from None
        return self._read()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise WorkerError(f"worker {self.name} exited (rc={self.proc.returncode}):\n{self.stderr()}")
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"worker {self.name}: {reply['error']}\n{self.stderr()}")
        return reply

    def stderr(self, tail=4000):
        self._err.flush()
        self._err.seek(0)
        return self._err.read()[-tail:]

    def close(self):
        import subprocess
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()
        self._err.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve(handlers, ready):
    """The worker side of ``Worker``: answer JSON-line requests with ``handlers[cmd](**msg)``.

    Anything the program prints (to ``sys.stdout`` or to file descriptor 1, from C code too) goes to
    stderr, so the protocol channel stays clean."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(obj):
        channel.write(json.dumps(obj) + "\n")
        channel.flush()

    send({"ready": True, **ready})
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        cmd = msg.pop("cmd")
        if cmd == "quit":
            break
        try:
            send(handlers[cmd](**msg))
        except Exception as exc:  # report it to the parent, which raises WorkerError
            import traceback
            send({"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"})
    channel.close()


def run_json(args, threads, timeout=600):
    """Run ``python args...`` with ``threads`` and parse the JSON object on its last stdout line."""
    import subprocess
    proc = subprocess.run([PYTHON, *map(str, args)], env=thread_env(threads), cwd=str(ROOT),
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise WorkerError(f"{' '.join(map(str, args))} failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    return json.loads(lines[-1])


def max_rss_bytes():
    """Peak resident set size of this process so far, in bytes (Linux reports KiB)."""
    import resource
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


# ---- BLAS and machine information -----------------------------------------------------------------
def numpy_blas_info():
    """Which BLAS library NumPy loaded, its build configuration, the kernels it picked at run time
    (OpenBLAS "core name", e.g. Haswell or SkylakeX) and its thread count. Call in a worker."""
    import numpy as np

    info = {"numpy": np.__version__, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["build"] = {k: cfg.get(k) for k in ("name", "version", "openblas configuration")}
    except Exception as exc:  # older/newer NumPy without mode="dicts"
        info["build"] = f"unavailable ({exc})"
    openblas = _env().openblas_info()
    info["libraries"] = [openblas["library"]] if openblas else []
    info.update({k: v for k, v in openblas.items() if k != "library"})
    try:  # optional: threadpoolctl, when installed, says the same in a standard form
        from threadpoolctl import threadpool_info
        info["threadpoolctl"] = [
            {k: d.get(k) for k in ("internal_api", "architecture", "num_threads", "version", "threading_layer")}
            for d in threadpool_info()
        ]
    except ImportError:
        pass
    return info


@functools.lru_cache(maxsize=None)
def _env():
    """npgrad/env.py, loaded by path (once): ``import npgrad`` would tune the worker's malloc."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("_npgrad_env", ROOT / "npgrad" / "env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_info():
    """PyTorch's BLAS/oneDNN configuration, CPU capability and thread counts. Call in a worker."""
    import torch
    cfg = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", cfg)
    mkl = re.search(r"Math Kernel Library Version ([^\n]+)", cfg)
    dnn = re.search(r"MKL-DNN (v[\d.]+)", cfg)
    return {
        "torch": torch.__version__,
        "blas": blas.group(1) if blas else None,
        "mkl": mkl.group(1).strip() if mkl else None,
        "mkldnn": dnn.group(1) if dnn else None,
        "mkldnn_available": torch.backends.mkldnn.is_available(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "parallel_info": [ln.strip() for ln in torch.__config__.parallel_info().splitlines()
                          if "threads" in ln.lower() or "backend" in ln.lower()][:6],
    }


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None


def machine_info():
    """CPU model, cores, memory, OS and library versions (without importing NumPy or PyTorch)."""
    import datetime
    import platform
    cpu = _env().cpu_info()
    mem = None
    try:
        m = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        mem = int(m.group(1)) * 1024 if m else None
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu["cpu"],
        "simd": cpu["simd"],
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_bytes": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "torch": _version("torch"),
        "micrograd": _version("micrograd"),
        "npgrad": _version("npgrad"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "git_commit": _git_commit(),
    }


def _git_commit():
    import subprocess
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(ROOT), capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=str(ROOT),
                               capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


# ---- statistics, tables, results ------------------------------------------------------------------
def summarize(values):
    """Median, min and max of a list of numbers (and the list)."""
    import statistics
    values = [float(v) for v in values]
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values),
            "values": values}


def fmt_time(seconds):
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_range(s, scale=1.0, digits=3):
    return f"{s['min'] * scale:.{digits}f}–{s['max'] * scale:.{digits}f}"


def table(headers, rows, align=None):
    """A plain-text table; ``align`` is a string of 'l'/'r' per column (default: first left)."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(cells):
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align)).rstrip()

    out = [line([str(h) for h in headers]), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def write_result(name, obj):
    """Write ``obj`` to ``benchmarks/results/<name>.json``; returns the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(obj, indent=2, default=_jsonable) + "\n")
    return path


def _jsonable(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def target(name, value, limit, holds=None, kind="max", unit="", note=""):
    """One row of the summary: ``value`` must be <= ``limit`` (kind="max") or >= (kind="min")."""
    if holds is None and value is not None and limit is not None:
        holds = value <= limit if kind == "max" else value >= limit
    return {"name": name, "value": value, "target": limit, "kind": kind, "holds": holds, "unit": unit,
            "note": note}


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
