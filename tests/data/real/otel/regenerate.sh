#!/usr/bin/env bash
# Regenerate the real OpenTelemetry files in this folder (see PROVENANCE.md).
# Installs the official tools into a throwaway folder under /tmp (never the project's venv),
# runs the stub OpenAI server and the stub OTLP receiver on 127.0.0.1 only, and overwrites
# the data files here. Needs python3 (3.11), node (20+) and npm; reaches PyPI and npm once.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d /tmp/realotel.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
start_openai() {  # a fresh stub per run: its retry plan counts attempts per case
  OPENAI_PORT="$(free_port)"
  python3 "$HERE/stub_openai.py" "$OPENAI_PORT" 2>>"$WORK/stub_openai.log" &
  PIDS+=($!); OPENAI_PID=$!
  wait_port "$OPENAI_PORT"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

echo "== tools into $WORK"
python3 -m venv "$WORK/py"
"$WORK/py/bin/pip" install -q -r "$HERE/requirements.txt"
mkdir "$WORK/js"
cp "$HERE/package.json" "$HERE/gen_js.mjs" "$WORK/js/"
(cd "$WORK/js" && npm install --no-audit --no-fund --silent)

echo "== Python SDK console exporters (openai-v2 + httpx instrumentation)"
for mode in span_only event_only; do
  start_openai
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="$mode" \
    "$WORK/py/bin/python" -W ignore::DeprecationWarning "$HERE/gen_python.py" "$OPENAI_PORT" "$WORK/py_$mode"
  stop "$OPENAI_PID"
done
cp "$WORK/py_span_only_spans.txt" "$HERE/console_py_spans.txt"
cp "$WORK/py_event_only_spans_and_logs.txt" "$HERE/console_py_event_only_spans_and_logs.txt"
cp "$WORK/py_event_only_logs.txt" "$HERE/console_py_event_only_logs.txt"

echo "== Python SDK OTLP JSON file exporters (openai-v2 + httpx instrumentation)"
for mode in span_only event_only; do
  start_openai
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="$mode" \
    "$WORK/py/bin/python" -W ignore::DeprecationWarning "$HERE/gen_python.py" "$OPENAI_PORT" "$WORK/pyo_$mode" otlp
  stop "$OPENAI_PID"
done
cp "$WORK/pyo_span_only_traces.jsonl" "$HERE/otlp_py_traces.jsonl"
cp "$WORK/pyo_event_only_traces_and_logs.jsonl" "$HERE/otlp_py_event_only_traces_and_logs.jsonl"
cp "$WORK/pyo_event_only_logs.jsonl" "$HERE/otlp_py_event_only_logs.jsonl"

echo "== JS SDK OTLP/HTTP JSON exporters (instrumentation-openai + undici)"
start_openai
COLLECTOR_PORT="$(free_port)"
python3 "$HERE/stub_collector.py" "$COLLECTOR_PORT" \
  "$WORK/otlp_traces.jsonl" "$WORK/otlp_logs.jsonl" "$WORK/otlp_traces_and_logs.jsonl" 2>>"$WORK/collector.log" &
PIDS+=($!); COLLECTOR_PID=$!
wait_port "$COLLECTOR_PORT"
(cd "$WORK/js" && node gen_js.mjs "$OPENAI_PORT" "$COLLECTOR_PORT")
stop "$OPENAI_PID"; stop "$COLLECTOR_PID"
cp "$WORK/otlp_traces.jsonl" "$HERE/otlp_js_traces.jsonl"
cp "$WORK/otlp_logs.jsonl" "$HERE/otlp_js_logs.jsonl"
cp "$WORK/otlp_traces_and_logs.jsonl" "$HERE/otlp_js_traces_and_logs.jsonl"

echo "== figures"
python3 "$HERE/figures.py" "$HERE"
echo "done (KEEP=1 keeps the throwaway tools in $WORK)"
