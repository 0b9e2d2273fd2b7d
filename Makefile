# Two commands from a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint typecheck imports unit security bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Plain install: what a user needs to poll and classify (no PyTorch).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# Dev install: tests, linters, and the `train` extra (torch==2.13.0, CPU build).
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,train]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/simak poll
	$(BIN)/simak queue

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The layering (stages independent, edges call use cases only): pyproject's [tool.importlinter].
imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports

# Every storage, pipeline and CLI test runs on SQLite and on a throwaway PostgreSQL server.
unit: $(VENV)/.installed-dev
	scripts/ensure-chromium >/dev/null || echo "no Chromium: the browser tests will skip"
	scripts/with-postgres $(BIN)/pytest

test: lint typecheck imports unit

# Slow hostile-input checks: real-time drips, 2 GiB files, peak RSS of `simak poll` under
# /usr/bin/time for every hostile feed and file (figures in reports/security-rss.txt), and
# bandit over the listeners (installed into the venv here, not a runtime dependency).
security: $(VENV)/.installed-dev
	$(BIN)/pytest -m security -s tests/listeners
	$(BIN)/python -m bandit --version >/dev/null 2>&1 || $(BIN)/pip install -q bandit
	$(BIN)/python -m bandit -q -r listeners simak/yamlsafe.py

# Every section (classifier, poll end to end on SQLite and PostgreSQL, sends, the console,
# the ideas board) in one JSON report, reports/bench.json (benchmarks/README.md).
bench: $(VENV)/.installed-dev
	mkdir -p reports
	scripts/with-postgres $(BIN)/python benchmarks/run.py --out reports/bench.json

eval: $(VENV)/.installed-dev
	mkdir -p reports
	$(BIN)/simak eval --dev-splits ../shared/datasets --json > reports/eval.json
	@cat reports/eval.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache simak.db simak.db-wal simak.db-shm
