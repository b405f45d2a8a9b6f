"""Run pandera on the extracts and write what it writes (schema, failure cases, report).

Usage: python pandera_run.py OUT_DIR [PREFIX]   (run offline; regenerate.sh does it under
``unshare -n``). PREFIX names the files (default ``pandera``; ``pandera020`` for 0.20.4,
whose YAML spells checks differently).

The schema is declared with pandera's own classes and serialised by pandera
(``DataFrameSchema.to_yaml()`` and ``.to_json()``). The CSV is read with
``pandas.read_csv`` defaults (as GX's pandas source does) and validated with
``lazy=True``; the ``SchemaErrors`` it raises gives ``failure_cases`` (a DataFrame, written
with ``to_csv(index=False)``) and ``message`` (pandera's error report, a dict, written as
JSON). pandera has no ``mostly``: a check fails on any failing value, so the latency limit
that GX accepts with ``mostly: 0.99`` fails here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

try:
    import pandera.pandas as pa  # pandera >= 0.24
except ImportError:
    import pandera as pa

HERE = Path(__file__).resolve().parent


def requests_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "request_id": pa.Column(int, unique=True),
            "customer_id": pa.Column(int, nullable=False),
            "channel": pa.Column(str, pa.Check.isin(["web", "email", "chat"])),
            "language": pa.Column(str, pa.Check.isin(["en", "de", "fr", "es"]), nullable=True),
            "model": pa.Column(str, pa.Check.isin(["gpt-4o-mini", "claude-3-haiku"])),
            "prompt_tokens": pa.Column(int, pa.Check.in_range(1, 4000)),
            "latency_ms": pa.Column(float, pa.Check.le(10000)),
            "rating": pa.Column(float, [pa.Check.ge(0), pa.Check.le(1)], nullable=True),
            "resolved": pa.Column(bool),
            "consent_given": pa.Column(bool),
        },
        name="requests_extract",
    )


def duplicates_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "request_id": pa.Column(int, unique=True),
            "customer_id": pa.Column(int),
            "received_on": pa.Column(str),
        },
        unique=["customer_id", "received_on"],
        name="duplicates_extract",
    )


def run(stem: str, schema: pa.DataFrameSchema, out: Path, prefix: str) -> None:
    (out / f"{prefix}_{stem}_schema.yaml").write_text(schema.to_yaml(), encoding="utf-8")
    (out / f"{prefix}_{stem}_schema.json").write_text(
        schema.to_json(indent=2) + "\n", encoding="utf-8"
    )
    frame = pd.read_csv(HERE / f"{stem}.csv")
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        err.failure_cases.to_csv(out / f"{prefix}_{stem}_failure_cases.csv", index=False)
        report = json.dumps(err.message, indent=2, default=str)
        (out / f"{prefix}_{stem}_errors.json").write_text(report + "\n", encoding="utf-8")
    else:
        raise SystemExit(f"{stem}: expected pandera to find failures")


if __name__ == "__main__":
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE
    prefix = sys.argv[2] if len(sys.argv) > 2 else "pandera"
    run("requests", requests_schema(), out, prefix)
    run("duplicates", duplicates_schema(), out, prefix)
