"""``npgrad env``: what npgrad runs on, and warnings for settings that slow it down."""
import subprocess
import sys
from pathlib import Path

import numpy as np  # noqa: F401  (loads NumPy's BLAS, which env inspects)
import pytest

from npgrad import cli, env

ROOT = Path(__file__).resolve().parents[1]


def test_env_command_prints_versions_blas_and_allocator(capsys):
    assert cli.main(["env"]) == 0
    out = capsys.readouterr().out
    assert f"NumPy {np.__version__}" in out and "Python " in out
    assert "BLAS: " in out and "OPENBLAS_CORETYPE=" in out
    assert "malloc tuning: " in out


def test_openblas_kernels_are_read_from_the_library_numpy_loaded():
    info = env.openblas_info()
    if not info:
        pytest.skip("NumPy here does not use OpenBLAS")
    assert info["corename"] and Path(info["library"]).exists()
    assert isinstance(info.get("num_threads", 1), int)


@pytest.mark.parametrize("core, forced, warned", [
    ("Haswell", "Haswell", True), ("Haswell", None, True), ("SkylakeX", None, False), ("Cooperlake", None, False),
])
def test_old_kernels_on_an_avx512_cpu_are_warned_about(core, forced, warned):
    info = {"simd": ["avx2", "avx512f"], "openblas": {"corename": core, "num_threads": 1},
            "environment": {"OPENBLAS_CORETYPE": forced}}
    found = [w for w in env.slowdowns(info) if "AVX-512" in w]
    assert bool(found) == warned
    if warned:
        assert core in found[0] and (forced is None or f"OPENBLAS_CORETYPE={forced}" in found[0])
    info["simd"] = ["avx2"]  # an AVX2 machine: Haswell kernels are its own
    assert not [w for w in env.slowdowns(info) if "AVX-512" in w]


def test_several_blas_threads_are_warned_about():
    info = {"simd": [], "openblas": {"corename": "Haswell", "num_threads": 4}, "environment": {}}
    assert any("4 threads" in w for w in env.slowdowns(info))
    info["openblas"]["num_threads"] = 1
    assert env.slowdowns(info) == []


def test_env_module_loads_without_importing_npgrad():
    """The benchmarks load npgrad/env.py by path in their workers, where ``import npgrad`` would
    change the allocator of the process being measured."""
    code = ("import importlib.util, sys; "
            f"spec = importlib.util.spec_from_file_location('e', {str(ROOT / 'npgrad' / 'env.py')!r}); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "info = m.collect(); print('npgrad' in sys.modules, info['malloc_tuning'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "None"]


def test_top_level_namespace_holds_only_npgrad_modules():
    """``dir(npgrad)`` shows npgrad's API: no stray module (``importlib``, ``numpy``) leaks in."""
    import types

    import npgrad
    npgrad.env  # noqa: B018  (a lazily loaded subpackage)
    stray = [name for name in dir(npgrad) if not name.startswith("_")
             and isinstance(getattr(npgrad, name), types.ModuleType)
             and not getattr(npgrad, name).__name__.startswith("npgrad.")]
    assert stray == []
