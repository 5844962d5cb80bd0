# Quick start: `make run` and `make test` work on a fresh machine; both create .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck peer clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# Compiled once here, as pip does for an installed package: an editable install is imported from source,
	# and where PYTHONDONTWRITEBYTECODE is set every start would recompile ~110 modules (~60-90 ms).
	$(PY) -m compileall -q tavo_tui
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tavo-tui --library sample_cards

# One pytest worker per core (pytest-xdist): the suite is mostly Textual apps started one after another.
test: $(STAMP)
	$(PY) -m pytest -q -n auto

# ruff for style, mypy for types (ui and cli included), lint-imports for the layering ([tool.importlinter]).
lint: $(STAMP)
	$(VENV)/bin/ruff check tavo_tui tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --cache-dir $(VENV)/.import_linter_cache

peer: $(STAMP)
	$(PY) -m pytest -q -m peer

clean:
	rm -rf $(VENV) build *.egg-info
