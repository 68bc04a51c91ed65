# Every target calls the workbook CLI (python -m workbook, run from this folder:
# the workbook itself is not installed). The virtual environment is created on
# first use and refreshed when requirements.lock changes; it holds exactly the
# versions the lock names, checked against their hashes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.installed
LOCK   := requirements.lock
UV     := uv==0.13.9

STAGE  ?=
TARGET ?=
ARGS   ?=
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help setup lock check run hint watch progress reset grade new-stage classroom test lint skeletons bench

help:
	@echo "make check STAGE=N     grade your work on stage N (no STAGE: the next unfinished one)"
	@echo "                       TARGET=solutions|DIR grades another folder"
	@echo "make run STAGE=N       serve your stage N app with reload; open http://127.0.0.1:8000/docs"
	@echo "                       PORT=8001 another port; ARGS=--fresh an empty database"
	@echo "make hint STAGE=N      the next hint for the first unfinished requirement"
	@echo "make watch STAGE=N     grade again on every save"
	@echo "make progress          every stage at a glance (ARGS=--refresh grades them all again)"
	@echo "make reset STAGE=N     put the skeleton back; your files are kept in .workbook/backups/"
	@echo "make test              the workbook's own tests (for instructors and contributors)"
	@echo "make lock              pin the dependencies again after changing pyproject.toml (instructors)"
	@echo "make grade STAGE=N SUBMISSIONS=DIR   grade a folder of learner submissions"
	@echo "make new-stage NUMBER=11 SLUG=caching TITLE=\"Caching\"   scaffold a stage"

$(READY): $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The workbook needs Python 3.11 or newer; set PYTHON=python3.X")'
	@echo "Setting up $(VENV) from $(LOCK) (on first use or when the lock changes; 1–2 minutes)…"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	@touch $(READY)

# For instructors: pin the versions pyproject.toml allows, with their hashes, after
# changing its dependencies (ARGS=--upgrade takes the newest allowed versions).
lock: $(READY)
	@$(PY) -m pip install --quiet --disable-pip-version-check "$(UV)"
	@$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet -o $(LOCK) $(ARGS)
	@echo "Wrote $(LOCK); commit it with pyproject.toml."

setup: $(READY)

check: $(READY)
	@$(PY) -m workbook check $(STAGE) $(if $(TARGET),--target $(TARGET)) $(ARGS)

watch: $(READY)
	@$(PY) -m workbook watch $(STAGE) $(if $(TARGET),--target $(TARGET)) $(ARGS)

progress: $(READY)
	@$(PY) -m workbook progress $(ARGS)

reset: $(READY)
	@$(PY) -m workbook reset $(STAGE) $(ARGS)

grade: $(READY)
	@$(PY) -m workbook grade --stage $(STAGE) $(SUBMISSIONS) $(ARGS)

new-stage: $(READY)
	@$(PY) -m workbook new-stage $(NUMBER) $(SLUG) "$(TITLE)"

classroom: $(READY)
	@$(PY) -m workbook classroom $(ARGS)

run: $(READY)
	@$(PY) -m workbook run $(STAGE) --port $(PORT) $(ARGS)

hint: $(READY)
	@$(PY) -m workbook hint $(STAGE) $(ARGS)

skeletons: $(READY)
	@$(PY) -m workbook skeletons $(ARGS)

lint: $(READY)
	@$(PY) -m ruff check .

# Stages graded on PostgreSQL too are tested there when a server answers here
# (and skipped, saying why, when none does).
test: export WORKBOOK_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# Without ARGS, the mutants run beside the other tests (tests/run_all.py says why).
test: $(READY)
	@$(if $(strip $(ARGS)),$(PY) -m pytest $(ARGS),$(PY) -m tests.run_all)

bench: $(READY)
	@$(PY) tests/bench/bench_check.py $(ARGS)
