#!/usr/bin/env bash
# Regenerate the real evaluation-result files under tests/data/real/evals/ by running
# the tools themselves, offline, in throwaway environments under $WORK (default
# /tmp/real-evals-work). Nothing is installed into the project's .venv.
#
#   bash tests/data/real/evals/regenerate.sh                 # every tool
#   bash tests/data/real/evals/regenerate.sh promptfoo mlflow  # some tools
#
# Tools: promptfoo inspect lm_eval mlflow. Versions are pinned below (the ones the
# committed files were written with); PROVENANCE.md states the true figures of each
# file, and sources/count.py recomputes them from the files with the json module.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC="$HERE/sources"
WORK=${WORK:-/tmp/real-evals-work}
PY=${PYTHON:-python3}

PROMPTFOO_VERSION=0.121.20
INSPECT_VERSION=0.3.285
INSPECT_OLD_VERSION=0.3.200 # the last .eval writer with deflate (zstd from 0.3.215 on)
LM_EVAL_VERSION=0.4.13
MLFLOW_VERSION=3.17.2

# Nothing may reach the network except the package registries during installs.
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1
export PROMPTFOO_DISABLE_REMOTE_GENERATION=1 PROMPTFOO_DISABLE_REDTEAM_REMOTE_GENERATION=1
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export DO_NOT_TRACK=1 MLFLOW_DISABLE_TELEMETRY=true INSPECT_DISABLE_TELEMETRY=1

mkdir -p "$WORK"

venv() { # venv NAME PACKAGE... -> $WORK/venv-NAME with the packages installed
    local name=$1
    shift
    if [ ! -x "$WORK/venv-$name/bin/python" ]; then
        "$PY" -m venv "$WORK/venv-$name"
    fi
    # pip's messages go to a log (shown only when the install fails)
    if ! "$WORK/venv-$name/bin/pip" install -q "$@" >"$WORK/pip-$name.log" 2>&1; then
        cat "$WORK/pip-$name.log" >&2
        return 1
    fi
}

fresh() { # fresh DIR -> an empty DIR
    rm -rf "$1"
    mkdir -p "$1"
}

run_promptfoo() {
    local npm_dir="$WORK/npm-promptfoo" run="$WORK/promptfoo" out="$HERE/promptfoo"
    mkdir -p "$npm_dir"
    (cd "$npm_dir" && npm install --no-audit --no-fund --silent "promptfoo@$PROMPTFOO_VERSION")
    fresh "$run"
    cp "$SRC"/promptfoo/* "$run/"
    export PROMPTFOO_CONFIG_DIR="$WORK/promptfoo-home"
    # promptfoo exits non-zero when any test fails or errors: that is expected here.
    (cd "$run" && "$npm_dir/node_modules/.bin/promptfoo" eval -c promptfooconfig.yaml \
        -o results.json --no-cache --no-share --no-progress-bar --no-table -j 1) || true
    (cd "$run" && "$npm_dir/node_modules/.bin/promptfoo" eval -c promptfooconfig-2prompts.yaml \
        -o results-2prompts.json --no-cache --no-share --no-progress-bar --no-table -j 1) || true
    fresh "$out"
    cp "$run/results.json" "$run/results-2prompts.json" "$out/"
}

run_inspect() {
    local run="$WORK/inspect" out="$HERE/inspect"
    venv inspect "inspect_ai==$INSPECT_VERSION" pandas pyarrow
    venv inspect-old "inspect_ai==$INSPECT_OLD_VERSION"
    fresh "$run"
    cp "$SRC"/inspect/* "$run/"
    # HOME under $WORK: inspect keeps its own state (~/.inspect) there, not in yours.
    (cd "$run" && HOME="$WORK/inspect-home" "$WORK/venv-inspect/bin/python" task.py logs)
    (cd "$run" && HOME="$WORK/inspect-home" "$WORK/venv-inspect-old/bin/python" task.py logs --deflate)
    fresh "$out"
    cp "$run"/logs/support_qa* "$out/"
}

run_lm_eval() {
    local run="$WORK/lm_eval" out="$HERE/lm_eval"
    venv lmeval "lm-eval==$LM_EVAL_VERSION"
    fresh "$run"
    cp -r "$SRC"/lm_eval/* "$run/"
    (cd "$run" && HOME="$WORK/lm_eval-home" "$WORK/venv-lmeval/bin/lm-eval" run --model dummy \
        --tasks support_mc support_abbrev --include_path tasks --log_samples \
        --output_path results)
    fresh "$out"
    # results/<model>/ holds results_<timestamp>.json and samples_<task>_<timestamp>.jsonl
    cp "$run"/results/*/*.json "$run"/results/*/*.jsonl "$out/"
}

run_mlflow() {
    local run="$WORK/mlflow" out="$HERE/mlflow"
    venv mlflow "mlflow==$MLFLOW_VERSION"
    fresh "$run"
    cp "$SRC"/mlflow/* "$run/"
    (cd "$run" && HOME="$WORK/mlflow-home" "$WORK/venv-mlflow/bin/python" evaluate.py "$run/store" "$run/out")
    fresh "$out"
    cp "$run"/out/* "$out/"
}

tools=("$@")
if [ ${#tools[@]} -eq 0 ]; then
    tools=(promptfoo inspect lm_eval mlflow)
fi
for tool in "${tools[@]}"; do
    echo "== $tool"
    "run_$tool"
done
# the inspect venv's python reads zstd-compressed .eval members (zipfile-zstd)
count_py="$PY"
if [ -x "$WORK/venv-inspect/bin/python" ]; then count_py="$WORK/venv-inspect/bin/python"; fi
"$count_py" "$SRC/count.py" "$HERE" | tee "$WORK/figures.txt"
