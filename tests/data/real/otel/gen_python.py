"""Write real Python-SDK console output for 40 OpenAI chat calls (see PROVENANCE.md).

Run by regenerate.sh inside a throwaway venv, with the stub OpenAI server listening on
127.0.0.1:PORT. Spans come from opentelemetry-instrumentation-openai-v2 (GenAI span per
call) and opentelemetry-instrumentation-httpx's HTTPX2ClientInstrumentor (one HTTP client span per attempt); content
log records from the same GenAI instrumentation. Exporters are the SDK's own
ConsoleSpanExporter / ConsoleLogRecordExporter with their default formatters.

Usage: python gen_python.py PORT OUT_PREFIX [console|otlp]
console (default): the SDK's ConsoleSpanExporter / ConsoleLogRecordExporter through
SimpleSpanProcessor / SimpleLogRecordProcessor; writes OUT_PREFIX_spans.txt,
OUT_PREFIX_logs.txt and OUT_PREFIX_spans_and_logs.txt (what one stdout holds when both
exporters keep their default ``out=sys.stdout``).
otlp: the official OTLP JSON file exporters (opentelemetry-exporter-otlp-json-file,
FileSpanExporter / FileLogExporter: one OTLP export request per line, the OpenTelemetry
file-exporter format) through batch processors; writes OUT_PREFIX_traces.jsonl,
OUT_PREFIX_logs.jsonl and OUT_PREFIX_traces_and_logs.jsonl (both exporters on one stream).
Set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT before running.
"""

from __future__ import annotations

import sys

import openai
from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    ConsoleLogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)

SYSTEM_PROMPT = (
    "You are the refund assistant of Example Shop. Answer in one sentence and never "
    "promise a refund outside the 30-day window."
)
NO_SYSTEM = {10, 20, 30, 40}  # calls sent without a system prompt
USERS = ["user-ana", "user-ben", "user-cleo"]


class Tee:
    """A text stream writing to several files (one exporter, two destinations)."""

    def __init__(self, *files):
        self.files = files

    def write(self, text: str) -> int:
        for f in self.files:
            f.write(text)
        return len(text)

    def flush(self) -> None:
        for f in self.files:
            f.flush()

    @property
    def closed(self) -> bool:
        return any(f.closed for f in self.files)


def main() -> None:
    port, prefix = int(sys.argv[1]), sys.argv[2]
    fmt = sys.argv[3] if len(sys.argv) > 3 else "console"
    names = (
        ("spans.txt", "logs.txt", "spans_and_logs.txt")
        if fmt == "console"
        else ("traces.jsonl", "logs.jsonl", "traces_and_logs.jsonl")
    )
    # Closed at the end of main(), after the providers have flushed into them.
    spans_f, logs_f, both_f = (open(f"{prefix}_{n}", "w", encoding="utf-8") for n in names)  # noqa: SIM115

    resource = Resource.create(
        {"service.name": "refund-assistant", "deployment.environment.name": "pilot"}
    )
    tracer_provider = TracerProvider(resource=resource)
    logger_provider = LoggerProvider(resource=resource)
    if fmt == "console":
        tracer_provider.add_span_processor(
            SimpleSpanProcessor(ConsoleSpanExporter(out=Tee(spans_f, both_f)))
        )
        logger_provider.add_log_record_processor(
            SimpleLogRecordProcessor(ConsoleLogRecordExporter(out=Tee(logs_f, both_f)))
        )
    else:
        from opentelemetry.exporter.otlp.json.file import FileSpanExporter
        from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter

        # Small batches so the file holds several export requests (lines), as a long run does.
        batch = {"max_export_batch_size": 16, "schedule_delay_millis": 200}
        tracer_provider.add_span_processor(
            BatchSpanProcessor(FileSpanExporter(stream=Tee(spans_f, both_f)), **batch)
        )
        logger_provider.add_log_record_processor(
            BatchLogRecordProcessor(FileLogExporter(stream=Tee(logs_f, both_f)), **batch)
        )

    # openai 3.x sends through httpx2; its HTTP client spans come from the httpx instrumentation's
    # httpx2 instrumentor, one span per attempt (a retried call has several).
    HTTPX2ClientInstrumentor().instrument(tracer_provider=tracer_provider)
    OpenAIInstrumentor().instrument(
        tracer_provider=tracer_provider, logger_provider=logger_provider
    )

    client = openai.OpenAI(
        base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-stub-not-a-key", max_retries=2
    )
    for n in range(1, 41):
        messages = []
        if n not in NO_SYSTEM:
            messages.append({"role": "system", "content": SYSTEM_PROMPT})
        messages.append(
            {
                "role": "user",
                "content": f"Case {n:02d}: can I return order #{1000 + n} bought {n} days ago?",
            }
        )
        try:
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=messages,
                temperature=0.2,
                max_tokens=200,
                user=USERS[n % 3],
            )
        except openai.APIError as exc:
            print(f"case {n}: {type(exc).__name__}", file=sys.stderr)

    tracer_provider.shutdown()
    logger_provider.shutdown()
    for f in (spans_f, logs_f, both_f):
        f.close()


if __name__ == "__main__":
    main()
