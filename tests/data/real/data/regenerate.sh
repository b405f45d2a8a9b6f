#!/usr/bin/env bash
# Rebuild the files in this folder with the real tools, in throwaway virtualenvs under /tmp
# (never the project's .venv). Needs PyPI only to install; the tools then run offline
# (under `unshare -n`, i.e. with no network at all, when the machine allows it).
#   bash tests/data/real/data/regenerate.sh
# Set KEEP_VENVS=1 to reuse the venvs of a previous run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"   # CPython 3.11 was used (GX 0.18 does not install on 3.12+)

venv() {  # venv DIR PACKAGES...: a fresh venv with exactly these pins
  local dir="$1"; shift
  if [[ "${KEEP_VENVS:-0}" != 1 || ! -x "$dir/bin/python" ]]; then
    rm -rf "$dir"
    "$PY" -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    "$dir/bin/pip" install -q "$@"
  fi
}

offline() {  # run a command with no network when possible
  if unshare -n true 2>/dev/null; then unshare -n "$@"; else "$@"; fi
}

export GX_ANALYTICS_ENABLED=false

# 1. the CSV extracts (standard library only, deterministic)
"$PY" "$HERE/make_extracts.py" "$HERE"

# 2. Great Expectations 1.x and pandera (pandas 2.x: see PROVENANCE.md on pandas 3)
venv /tmp/real-data-gx1 great_expectations==1.24.1 pandera==0.35.0 pandas==2.3.3 numpy==2.4.6 pyyaml==6.0.4
offline /tmp/real-data-gx1/bin/python "$HERE/gx_run.py" "$HERE"
offline /tmp/real-data-gx1/bin/python "$HERE/pandera_run.py" "$HERE" pandera

# 3. Great Expectations 0.18 (``expectation_type`` spelling)
venv /tmp/real-data-gx018 great_expectations==0.18.22 pandas==2.1.4 numpy==1.26.4
offline /tmp/real-data-gx018/bin/python "$HERE/gx018_run.py" "$HERE"

# 4. pandera 0.20 (its YAML nests checks under ``checks:`` and writes every default)
venv /tmp/real-data-pandera020 "pandera[io]==0.20.4" pandas==2.1.4 numpy==1.26.4
offline /tmp/real-data-pandera020/bin/python "$HERE/pandera_run.py" "$HERE" pandera020

# 5. the mixed line endings CSV: a verbatim slice of a file shipped in a PyPI wheel
WHEELS=/tmp/real-data-wheels
mkdir -p "$WHEELS"
/tmp/real-data-gx1/bin/pip download -q --no-deps --only-binary=:all: -d "$WHEELS" bokeh_sampledata==2026.1
echo "f40331a40ca30c64a1c1471835aad9006b61b0d9731a3f649ee8cbbf48d3822f  $WHEELS/bokeh_sampledata-2026.1-py3-none-any.whl" | sha256sum -c -
"$PY" "$HERE/slice_cgm.py" "$WHEELS/bokeh_sampledata-2026.1-py3-none-any.whl" "$HERE/cgm_mixed_line_endings.csv"

# 6. the independent recount (standard library only): prints the figures in PROVENANCE.md
"$PY" "$HERE/true_figures.py" "$HERE"
