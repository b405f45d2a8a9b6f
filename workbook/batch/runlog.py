"""The run log: one JSON object per line, an event per initiative and per run, as they happen."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from workbook.files import open_appending

RUN_LOG = "run.jsonl"


class RunLog:
    """Appends events to a JSON-lines file, flushed one by one (a killed run keeps them).

    Never through a link: a link planted at its name is refused, not appended to.
    """

    def __init__(self, path: Path) -> None:
        self.handle = open_appending(path)

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
