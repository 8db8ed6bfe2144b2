# Two entry points for a fresh machine: `make run` (set up, open the sample clip) and
# `make test` (set up, lint, type-check, run the whole suite headless).
PYTHON ?= python3
# The CPU build on machines without a GPU; see README.md for the CUDA build.
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/annotator

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -ra --durations=15

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
