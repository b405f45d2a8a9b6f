# Two entry points: `make demo` and `make test`. Both create and reuse .venv.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The first interpreter found that is Python 3.11 or newer.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
            command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            && { echo $$p; break; }; done)

# The example portfolio is dated around this day; pinning it keeps the demo
# reproducible (evidence goes stale and waivers expire as real time passes).
# `make demo AS_OF=` assesses as of today instead.
AS_OF ?= 2026-11-23

DOSSIERS := build/dossiers
# Root needs no sudo (CI runs as root); others are asked once by apt.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test lint notebooks chromium clean

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "make: Python 3.11 or newer is needed" >&2; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/workbook check data/examples --summary $(if $(AS_OF),--as-of $(AS_OF))
	$(BIN)/workbook batch data/examples -o $(DOSSIERS) $(if $(AS_OF),--as-of $(AS_OF))
	@echo "Dossiers: $(abspath $(DOSSIERS))/ (start with index.html; every page works offline)"

# The browser tests drive Debian's Chromium; nothing is downloaded by the tests.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 || { echo "make: install Chromium (Debian: apt-get install chromium)" >&2; exit 2; }; \
	  echo "make: installing Debian chromium for the browser tests" >&2; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy workbook
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-run the walk-through chapters and the portfolio notebook (their outputs are
# what nbval checks) and rebuild notebooks/dossier.ipynb from the chapters.
notebooks: $(STAMP)
	$(BIN)/python -m workbook.render.authoring

clean:
	rm -rf build .pytest_cache .mypy_cache
