"""Test-wide settings: one BLAS thread (small matrices; threads only add contention and noise)."""
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
