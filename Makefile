# The two commands a fresh machine needs: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= demo-output
# One BLAS thread per process: the test workers and the small demo models run faster without
# threads fighting over 2 cores (measured ~20x on small matmuls under pytest -n auto).
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: test demo demo-mpi bench soak lint docs pictures clean notebooks parity

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Re-install whenever pyproject.toml changes. The tests include a 2-rank suite under mpiexec,
# so they need the mpi extra too.
$(VENV)/.test-deps: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[test,mpi]"
	touch $@

$(VENV)/.bench-deps: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[test,mpi,bench]"
	touch $@

test: $(VENV)/.test-deps
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(THREADS) HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} MPLBACKEND=Agg $(PY) -m pytest -n auto \
		--nbmake --nbmake-timeout=300 tests notebooks

demo: $(VENV)/.test-deps
	$(THREADS) MPLBACKEND=Agg $(PY) -m nn.demo --out $(OUT)

# Re-run the course notebooks in place (their outputs are committed) and rewrite the students'
# copies (notebooks/student/) from them. CIFAR10_ROOT=<folder> uses the real CIFAR-10 files.
notebooks: $(VENV)/.test-deps
	$(THREADS) $(PY) -m tools.notebooks execute
	$(PY) -m tools.notebooks students

# The demo, data-parallel on 2 processes (one rank per core).
demo-mpi: $(VENV)/.test-deps
	$(THREADS) MPLBACKEND=Agg $(VENV)/bin/mpiexec -n 2 $(PY) -m nn.demo --distributed --out $(OUT)

# PyTorch parity (tests/test_torch_parity*.py): forward values and gradients of every op and layer
# that PyTorch also has, on random inputs. Installs the bench extra (PyTorch CPU).
parity: $(VENV)/.bench-deps
	$(THREADS) HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest -n auto -m torch -q \
		tests/test_torch_parity.py tests/test_torch_parity_nn.py

# Results go to benchmarks/results/local/ (untracked); UPDATE=1 rewrites the committed tables.
bench: $(VENV)/.bench-deps
	$(PY) -m benchmarks.run $(if $(UPDATE),--update,)

# Reliability figures (README "Reliability"): fuzzed checkpoints, kills during saves, kills and
# exact resumes of training processes, memory over 3,000 steps. A few minutes; not part of test.
soak: $(VENV)/.test-deps
	$(THREADS) $(PY) -m benchmarks.soak

# The API reference pages, docs/api/*.md, from the code's signatures and docstrings, and the
# table of operations, docs/ops.md, from the gate registry.
docs: $(VENV)/.test-deps
	$(PY) docs/make_api.py
	$(PY) docs/make_ops.py

# The graph pictures in the README, docs/pictures/*.svg (needs the `graph` extra or a `dot`).
pictures: $(VENV)/.test-deps
	$(PY) docs/make_pictures.py

lint: $(VENV)/.test-deps
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis .mypy_cache
