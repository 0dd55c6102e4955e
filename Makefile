# The two commands a new machine needs:  `make demo`  and  `make test`.
# Each creates .venv and installs the project on first use.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick lint bench clean-venv

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

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy copilot embeddings retrieval summarizers api eval textkit

bench: $(STAMP)
	$(BIN)/python -m bench.search

clean-venv:
	rm -rf $(VENV)
