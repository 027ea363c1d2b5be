"""What npgrad runs on: versions, the BLAS library and kernels NumPy uses, threads, the allocator.

``npgrad env`` prints it (attach it to a bug report or a benchmark). The matrix products of a
network are NumPy's BLAS, so its kernels decide npgrad's speed at larger batches; a warning says
when they are older than the CPU (``OPENBLAS_CORETYPE=Haswell`` on an AVX-512 machine: the matrix
products of the MLP benchmark measured 2.0-2.4x slower).

This module imports nothing from npgrad (the benchmarks load it by path, without ``import npgrad``
and its allocator settings).
"""
import ctypes
import os
import platform
import re
import sys

# OpenBLAS kernel families older than AVX-512, by the name ``openblas_get_corename`` returns
_PRE_AVX512_CORES = {"haswell", "zen", "sandybridge", "nehalem", "core2", "penryn", "dunnington",
                     "atom", "prescott", "bulldozer", "piledriver", "steamroller", "excavator"}
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")


def cpu_info():
    """{"cpu": model name, "simd": the SIMD extensions of note it has} (Linux; else unknown)."""
    cpu, flags = platform.processor() or "unknown", []
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        m = re.search(r"model name\s*:\s*(.+)", text)
        cpu = m.group(1).strip() if m else cpu
        m = re.search(r"flags\s*:\s*(.+)", text)
        flags = m.group(1).split() if m else []
    except OSError:
        pass
    return {"cpu": cpu, "simd": [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "amx_tile") if f in flags]}


def openblas_info():
    """The OpenBLAS library this process loaded (NumPy's) and, from OpenBLAS itself, the kernels
    it picked at run time (``corename``), its build configuration and thread count. Empty when no
    OpenBLAS is loaded (import NumPy first) or it cannot be asked."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", f.read())))
    except OSError:
        return {}
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                core = _cfunc(lib, f"{prefix}get_corename{suffix}", ctypes.c_char_p)
                if core is None:
                    continue
                info = {"library": path, "corename": core().decode()}
                cfg = _cfunc(lib, f"{prefix}get_config{suffix}", ctypes.c_char_p)
                nth = _cfunc(lib, f"{prefix}get_num_threads{suffix}", ctypes.c_int)
                if cfg is not None:
                    info["config"] = cfg().decode()
                if nth is not None:
                    info["num_threads"] = nth()
                return info
    return {}


def _cfunc(lib, name, restype):
    try:
        f = getattr(lib, name)
    except AttributeError:
        return None
    f.restype, f.argtypes = restype, []
    return f


def collect():
    """Everything ``npgrad env`` prints, as a dict (``warnings``: a list of sentences)."""
    import numpy as np
    info = {"python": platform.python_version(), "platform": platform.platform(), "numpy": np.__version__,
            **cpu_info(), "openblas": openblas_info(),
            "environment": {k: os.environ.get(k) for k in THREAD_VARIABLES}}
    npgrad = sys.modules.get("npgrad")
    info["npgrad"] = getattr(npgrad, "__version__", None)
    malloc = sys.modules.get("npgrad._malloc")
    info["malloc_tuning"] = None if malloc is None else malloc.applied
    info["warnings"] = slowdowns(info)
    return info


def slowdowns(info):
    """Sentences about settings that slow npgrad down, from a ``collect()`` dict."""
    out = []
    core = (info.get("openblas") or {}).get("corename", "")
    if "avx512f" in info.get("simd", ()) and core.lower() in _PRE_AVX512_CORES:
        forced = info.get("environment", {}).get("OPENBLAS_CORETYPE")
        out.append(f"OpenBLAS runs its {core} kernels on a CPU with AVX-512"
                   + (f" because OPENBLAS_CORETYPE={forced}" if forced else "")
                   + ": matrix products can take twice as long (unset OPENBLAS_CORETYPE to let OpenBLAS choose)")
    threads = (info.get("openblas") or {}).get("num_threads")
    if threads and threads > 1:
        out.append(f"OpenBLAS uses {threads} threads: for small networks one is usually faster "
                   "(OPENBLAS_NUM_THREADS=1)")
    return out


def report(info=None):
    """``collect()`` as lines of text."""
    info = collect() if info is None else info
    blas = info["openblas"]
    lines = [
        f"npgrad {info['npgrad'] or '(not imported)'}, NumPy {info['numpy']}, Python {info['python']} ({info['platform']})",
        f"CPU: {info['cpu']} ({', '.join(info['simd']) or 'no AVX2'})",
        ("BLAS: OpenBLAS, kernels " + blas.get("corename", "?") + f", {blas.get('num_threads', '?')} thread(s)"
         if blas else "BLAS: not OpenBLAS, or not found (see numpy.show_config())"),
        "environment: " + ", ".join(f"{k}={v if v is not None else 'unset'}" for k, v in info["environment"].items()),
        "malloc tuning: " + {True: "applied (NPGRAD_MALLOC_TUNING=0 turns it off)", False: "off",
                             None: "(npgrad not imported)"}[info["malloc_tuning"]],
    ]
    lines += [f"warning: {w}" for w in info["warnings"]]
    return lines
