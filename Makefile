# Every target calls the workbook CLI (python -m workbook). The virtual
# environment is created on first use and refreshed when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.installed

STAGE  ?=
TARGET ?=
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help check run hint test lint skeletons bench

help:
	@echo "make check STAGE=N     grade your work on stage N (TARGET=solutions|DIR to grade another folder)"
	@echo "make run STAGE=N       serve your stage N app with reload; open http://127.0.0.1:8000/docs"
	@echo "make hint STAGE=N      the next hint for the first unfinished requirement"
	@echo "make test              the workbook's own tests (for instructors and contributors)"

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The workbook needs Python 3.11 or newer; set PYTHON=python3.X")'
	@echo "Setting up $(VENV) (on first use or when pyproject.toml changes; about a minute)…"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(READY)

check: $(READY)
	@$(PY) -m workbook check $(STAGE) $(if $(TARGET),--target $(TARGET)) $(ARGS)

run: $(READY)
	@$(PY) -m workbook run $(STAGE) $(ARGS)

hint: $(READY)
	@$(PY) -m workbook hint $(STAGE) $(ARGS)

skeletons: $(READY)
	@$(PY) -m workbook skeletons $(ARGS)

lint: $(READY)
	@$(PY) -m ruff check .

test: $(READY)
	@$(PY) -m pytest $(ARGS)

bench: $(READY)
	@$(PY) tests/bench/bench_check.py $(ARGS)
