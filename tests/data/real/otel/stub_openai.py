"""A tiny OpenAI-compatible chat server on 127.0.0.1 for regenerating the OTel files.

Stdlib only. The outcome of each request is fixed by the case number the client puts
in its user message ("Case 07: ..."), so every run yields the same figures:

- FAIL_400: answered 400 (the client does not retry a 400, the call fails);
- RETRY_THEN_OK: answered with the listed statuses first (500 or 429), then 200 — the
  client's own retry (max_retries=2) makes the call succeed on a later attempt;
- ALWAYS_500: answered 500 every time — the client retries twice, then the call fails;
- everything else: 200 with a chat.completion.

Retry delays are kept short with the ``retry-after-ms`` header, which both the Python and
the JS OpenAI clients honour.
Usage: python3 stub_openai.py PORT
"""

from __future__ import annotations

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAIL_400 = {7, 19, 33}
RETRY_THEN_OK = {4: [500], 12: [500], 25: [500], 30: [429]}
ALWAYS_500 = {37}

_attempts: dict[int, int] = {}


def _case(body: dict) -> int:
    for msg in body.get("messages", []):
        m = re.search(r"Case (\d+)", str(msg.get("content", "")))
        if m:
            return int(m.group(1))
    return 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write("stub_openai: " + (fmt % args) + "\n")

    def _send(self, status: int, payload: dict, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        n = _case(body)
        attempt = _attempts.get(n, 0)
        _attempts[n] = attempt + 1
        fast_retry = {"retry-after-ms": "20"}
        if n in FAIL_400:
            self._send(
                400,
                {
                    "error": {
                        "message": f"Invalid request for case {n}: 'max_tokens' is too large.",
                        "type": "invalid_request_error",
                        "param": "max_tokens",
                        "code": "invalid_value",
                    }
                },
            )
            return
        if n in ALWAYS_500:
            self._send(
                500,
                {"error": {"message": "The server had an error.", "type": "server_error"}},
                fast_retry,
            )
            return
        plan = RETRY_THEN_OK.get(n, [])
        if attempt < len(plan):
            status = plan[attempt]
            kind = "rate_limit_exceeded" if status == 429 else "server_error"
            self._send(
                status, {"error": {"message": f"Transient {status}.", "type": kind}}, fast_retry
            )
            return
        model = body.get("model", "gpt-4o-mini")
        prompt_tokens = 20 + n
        completion_tokens = 5 + n % 7
        self._send(
            200,
            {
                "id": f"chatcmpl-case{n:02d}",
                "object": "chat.completion",
                "created": 1767225600 + n,
                "model": model + "-2024-07-18",
                "system_fingerprint": "fp_stub",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": f"Answer to case {n}: the refund window is 30 days.",
                            "refusal": None,
                        },
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
                "service_tier": "default",
            },
        )


def main() -> None:
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
