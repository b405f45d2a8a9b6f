"""The run log: one JSON object per line, an event per initiative and per run, as they happen."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

RUN_LOG = "run.jsonl"


class RunLog:
    """Appends events to a JSON-lines file, flushed one by one (a killed run keeps them)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("a", encoding="utf-8")

    def event(self, kind: str, **fields: Any) -> None:
        record = {
            "event": kind,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **fields,
        }
        self.handle.write(json.dumps(record, default=str) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
