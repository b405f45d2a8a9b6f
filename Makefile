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

.PHONY: demo test lint notebooks chromium clean mutation

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

# The browser tests drive Debian's Chromium; the print tests read PDFs with poppler's
# pdfinfo, pdftotext and pdftoppm. Nothing is downloaded by the tests.
chromium:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 || { echo "make: install Chromium and poppler-utils (Debian: apt-get install chromium poppler-utils)" >&2; exit 2; }; \
	  echo "make: installing Debian chromium and poppler-utils for the browser and print tests" >&2; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium poppler-utils; }

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
	$(BIN)/python -m workbook.render.authoring $(if $(AS_OF),--as-of $(AS_OF))

# Mutation testing, not part of `make test`: mutmut changes the assessment, criteria,
# thresholds, sign-off rule, evidence inspectors and batch plan one small edit at a time and
# runs the fast unit tests against each ([tool.mutmut] in pyproject.toml). A fresh run takes
# about half an hour on two cores; it fails when fewer than MUTATION_MIN percent are killed.
# `.venv/bin/mutmut run` alone reuses mutants/ and re-tests only what changed.
MUTATION_MIN ?= 90

define MUTATION_SCORE
import json, pathlib, sys
# mutmut's exit codes per mutant: 1 and 3 (a test failed) kill it; a timeout counts as
# killed, as in mutmut's own badge; 0 survived; 33 and 5 no test reached it.
KILLED, TIMEOUT = {1, 3}, {24, -24, 152, 255, 36}
total = killed = 0
print(f"{'module':<36}{'killed':>8}{'total':>7}{'score':>8}")
for meta in sorted(pathlib.Path("mutants").rglob("*.py.meta")):
    codes = list(json.loads(meta.read_text())["exit_code_by_key"].values())
    if not codes:
        continue
    k = sum(c in KILLED or c in TIMEOUT for c in codes)
    name = str(meta.relative_to("mutants"))[: -len(".meta")]
    print(f"{name:<36}{k:>8}{len(codes):>7}{100 * k / len(codes):>7.1f}%")
    total, killed = total + len(codes), killed + k
if not total:
    sys.exit("make: no mutation results in mutants/")
score = 100 * killed / total
print(f"{'all':<36}{killed:>8}{total:>7}{score:>7.1f}%")
if score < float(sys.argv[1]):
    sys.exit(f"make: mutation score {score:.1f}% is below {sys.argv[1]}%")
endef
export MUTATION_SCORE

mutation: $(STAMP)
	rm -rf mutants && mkdir mutants
	@start=$$(date +%s); \
	  $(BIN)/mutmut run --max-children 2 >mutants/run.log 2>&1 || { tail -n 40 mutants/run.log; exit 1; }; \
	  echo "mutmut run: $$(( $$(date +%s) - start )) s (its log: mutants/run.log)"
	@$(BIN)/mutmut results
	@$(BIN)/python -c "$$MUTATION_SCORE" $(MUTATION_MIN)

clean:
	rm -rf build .pytest_cache .mypy_cache mutants
