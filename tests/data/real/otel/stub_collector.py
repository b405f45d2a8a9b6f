"""A tiny OTLP/HTTP JSON receiver on 127.0.0.1 standing in for the Collector's file exporter.

Stdlib only. Every POST body (one ExportTraceServiceRequest or ExportLogsServiceRequest,
as the OpenTelemetry JS exporters send it with ``Content-Type: application/json``) is
written verbatim as one line: /v1/traces to TRACES, /v1/logs to LOGS, and both, in order
of arrival, to COMBINED (the Collector writes both signals to one file when both pipelines
point at the same file exporter). A gzip-encoded body is decompressed first.
Usage: python3 stub_collector.py PORT TRACES LOGS COMBINED
"""

from __future__ import annotations

import gzip
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    files: ClassVar[dict[str, str]] = {}

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write("stub_collector: " + (fmt % args) + "\n")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        # The JS exporter streams its body chunked (no Content-Length).
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body
            body += self.rfile.read(size)
            self.rfile.readline()  # CRLF after each chunk

    def do_POST(self) -> None:
        body = self._read_body()
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        signal = {"/v1/traces": "traces", "/v1/logs": "logs"}.get(self.path)
        if signal is None or b"\n" in body.strip():
            self.send_response(404 if signal is None else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with _lock:
            for name in (signal, "combined"):
                with open(self.files[name], "ab") as f:
                    f.write(body.strip() + b"\n")
        reply = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main() -> None:
    port, traces, logs, combined = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    for path in (traces, logs, combined):
        open(path, "wb").close()
    Handler.files = {"traces": traces, "logs": logs, "combined": combined}
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
