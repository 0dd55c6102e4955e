# The two commands a new machine needs:  `make demo`  and  `make test`.
# Each creates .venv and installs the project on first use.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help demo test test-quick test-unit lint bench clean-venv

help:
	@echo 'make demo        set up .venv, index the sample CRM into an embedded PostgreSQL, serve the API'
	@echo 'make test        the whole suite, then the eval quality gate (what CI runs; ~10 min)'
	@echo 'make test-quick  the suite without tests marked slow'
	@echo 'make test-unit   tests/unit without slow tests: no database, no I/O (~1 min)'
	@echo 'make lint        ruff and mypy'
	@echo 'make bench       the search benchmark (bench/ holds the others)'

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "need $(PY) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the local CPU wheel for this exact version.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/copilot demo

test: $(STAMP)
	$(BIN)/python -m pytest -q
	# Quality gate: a small synthetic evaluation; fails on any leak or a regression
	# past the bounds in eval/gates.toml.
	COPILOT_DATA_DIR=$(CURDIR)/.eval-data $(BIN)/copilot eval run --suite synthetic-quick --out eval-reports/ci
	$(BIN)/copilot eval gate eval-reports/ci/report.json

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m 'not slow'

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q -m 'not slow' tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy copilot embeddings retrieval summarizers api eval textkit

bench: $(STAMP)
	$(BIN)/python -m bench.search

clean-venv:
	rm -rf $(VENV)
