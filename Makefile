# The two commands a fresh machine needs: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= demo-output
# One BLAS thread per process: the test workers and the small demo models run faster without
# threads fighting over 2 cores (measured ~20x on small matmuls under pytest -n auto).
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: test demo bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.test-deps: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[test]"
	touch $@

$(VENV)/.bench-deps: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[test,bench]"
	touch $@

test: $(VENV)/.test-deps
	$(PY) -m ruff check .
	$(THREADS) HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} MPLBACKEND=Agg $(PY) -m pytest -n auto \
		--nbmake --nbmake-timeout=300 tests notebooks

demo: $(VENV)/.test-deps
	$(THREADS) MPLBACKEND=Agg $(PY) -m nn.demo --out $(OUT)

# Results go to benchmarks/results/local/ (untracked); UPDATE=1 rewrites the committed tables.
bench: $(VENV)/.bench-deps
	$(PY) -m benchmarks.run $(if $(UPDATE),--update,)

lint: $(VENV)/.test-deps
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
