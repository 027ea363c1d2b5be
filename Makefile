# npgrad — set-up and common jobs. Every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.npgrad-installed

.PHONY: demo test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev,plot]'
	touch $(STAMP)

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install -q -e '.[dev,plot,bench]'
	touch $@

# one BLAS thread: the matrices of these networks are small, and threads only contend
demo: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m npgrad.cli demo mnist

test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis runs
