# Two entry points for a fresh machine: `make run` (set up, open the sample clip) and
# `make test` (set up, lint, type-check, run the whole suite headless).
PYTHON ?= python3
# The CPU build on machines without a GPU; see README.md for the CUDA build.
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The exact dependency set CI tested: every install is constrained to it, so a new release
# upstream cannot change a fresh install. `make lock` re-resolves it from pyproject.toml.
LOCK := packaging/requirements.lock
LOCK_VENV := /tmp/annotator-lock-venv

.PHONY: run test test-tools lint lock package clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) $(TORCH)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	touch $(STAMP)

lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet $(TORCH)
	$(LOCK_VENV)/bin/python -m pip install --quiet -e ".[test,package]"
	$(LOCK_VENV)/bin/python packaging/write_lock.py $(LOCK_VENV)/bin/python $(LOCK)
	rm -rf $(LOCK_VENV)

run: $(STAMP)
	$(BIN)/annotator

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# system tools the suite checks files with (Debian's desktop-file-utils for the desktop entry)
test-tools:
	@command -v desktop-file-validate >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && apt-get install -y -qq desktop-file-utils >/dev/null; \
		else \
			echo "make test needs desktop-file-validate: sudo apt-get install desktop-file-utils"; \
			exit 1; \
		fi; }

test: lint test-tools
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -ra --durations=15

# The desktop bundle (PyInstaller one-folder build, CPU torch) in dist/annotator, then a start
# of the built executable offscreen on the sample clip.
package: $(STAMP)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[package]"
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
		packaging/annotator.spec
	$(BIN)/python packaging/smoke_test.py dist/annotator

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
