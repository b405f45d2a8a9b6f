"""Recount the extracts' defects from the CSV text (standard library only) and print them
beside what GX and pandera wrote, so PROVENANCE.md's figures can be checked by hand.

Usage: python true_figures.py [DIR]
The recount never imports the tools: it reads cells as text, an empty cell is missing.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent


def cells(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (HERE / name).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def requests_truth() -> dict[str, dict[str, object]]:
    header, rows = cells("requests.csv")
    n = len(rows)

    def missing(col: str) -> int:
        return sum(1 for r in rows if r[col] == "")

    def outside(col: str, keep) -> int:  # non-empty cells failing `keep`
        return sum(1 for r in rows if r[col] != "" and not keep(r[col]))

    return {
        "expect_column_to_exist request_id": {"success": "request_id" in header},
        "expect_column_to_exist consent_given": {"success": "consent_given" in header},
        "expect_column_values_to_not_be_null customer_id": {
            "unexpected_count": missing("customer_id"),
            "success": missing("customer_id") == 0,
        },
        "expect_column_values_to_not_be_null language mostly=0.95": {
            "unexpected_count": missing("language"),
            "success": (n - missing("language")) / n >= 0.95,
        },
        "expect_column_values_to_be_in_set channel": {
            "unexpected_count": outside("channel", lambda v: v in {"web", "email", "chat"}),
            "success": outside("channel", lambda v: v in {"web", "email", "chat"}) == 0,
            "values": dict(Counter(r["channel"] for r in rows)),
        },
        "expect_column_values_to_be_in_set language": {
            "unexpected_count": outside("language", lambda v: v in {"en", "de", "fr", "es"}),
            "missing_count": missing("language"),
        },
        "expect_column_values_to_be_unique request_id": {
            "unexpected_count": sum(
                c for c in Counter(r["request_id"] for r in rows).values() if c > 1
            ),
        },
        "expect_column_values_to_be_between prompt_tokens 1..4000": {
            "unexpected_count": outside("prompt_tokens", lambda v: 1 <= int(v) <= 4000),
        },
        "expect_column_values_to_be_between latency_ms ..10000 mostly=0.99": {
            "unexpected_count": outside("latency_ms", lambda v: float(v) <= 10000),
            "success": 1 - outside("latency_ms", lambda v: float(v) <= 10000) / n >= 0.99,
        },
        "expect_column_values_to_be_between rating 0..1": {
            "unexpected_count": outside("rating", lambda v: 0 <= float(v) <= 1),
            "missing_count": missing("rating"),
        },
        "types (text)": {
            "request_id all integers": all(is_int(r["request_id"]) for r in rows),
            "customer_id integers where present": outside("customer_id", is_int) == 0,
            "customer_id empty cells (so pandas reads float64)": missing("customer_id"),
            "resolved only true/false": {r["resolved"] for r in rows} <= {"true", "false"},
            "rating empty cells": missing("rating"),
        },
        "shape": {"rows": n, "columns": len(header)},
    }


def duplicates_truth() -> dict[str, dict[str, object]]:
    _, rows = cells("duplicates.csv")

    def figures(key) -> dict[str, object]:
        counts = Counter(key(r) for r in rows)
        shared = {k: c for k, c in counts.items() if c > 1}
        return {
            "distinct keys": len(counts),
            "keys on more than one row": len(shared),
            "most rows for one key": max(counts.values()),
            "rows sharing a key with another row (GX/pandera count)": sum(shared.values()),
            "repeats of a key already seen (rows - distinct)": len(rows) - len(counts),
        }

    return {
        "request_id": figures(lambda r: r["request_id"]),
        "(customer_id, received_on)": figures(lambda r: (r["customer_id"], r["received_on"])),
        "whole row": figures(lambda r: tuple(r.values())),
        "shape": {"rows": len(rows)},
    }


def cgm_truth() -> dict[str, object]:
    data = (HERE / "cgm_mixed_line_endings.csv").read_bytes()
    crlf = data.count(b"\r\n")
    text = data.decode("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    glucose = [int(r["glucose"]) for r in rows]
    return {
        "bytes": len(data),
        "lines ending CRLF": crlf,
        "lines ending LF alone": data.count(b"\n") - crlf,
        "last line": text.splitlines()[-1],
        "header": text.splitlines()[0],
        "rows": len(rows),
        "empty cells": sum(1 for r in rows for v in r.values() if v == ""),
        "datetime first/last": (rows[0]["datetime"], rows[-1]["datetime"]),
        "glucose min/max/sum": (min(glucose), max(glucose), sum(glucose)),
        "isig min/max": (min(float(r["isig"]) for r in rows), max(float(r["isig"]) for r in rows)),
    }


def gx_reported(name: str) -> list[str]:
    path = HERE / name
    if not path.exists():
        return [f"({name} absent)"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    lines = [f"statistics {doc['statistics']}"]
    for r in doc["results"]:
        cfg, res = r["expectation_config"], r["result"]
        kw = {k: v for k, v in cfg["kwargs"].items() if k not in ("batch_id",)}
        keep = ("unexpected_count", "missing_count", "element_count", "observed_value")
        got = {k: res[k] for k in keep if k in res}
        kind = cfg.get("type") or cfg.get("expectation_type")
        lines.append(f"{r['success']!s:5} {kind} {json.dumps(kw)} -> {got}")
    return lines


def pandera_reported(name: str) -> list[str]:
    path = HERE / name
    if not path.exists():
        return [f"({name} absent)"]
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tally = Counter((r["schema_context"], r["column"], r["check"]) for r in rows)
    return [f"{len(rows)} failure-case rows"] + [f"{c:3} {k}" for k, c in tally.items()]


if __name__ == "__main__":
    print("== requests.csv, recounted from the text")
    for k, v in requests_truth().items():
        print(f"{k}: {v}")
    print("== requests.csv, as GX 1.x reported")
    print("\n".join(gx_reported("gx1_requests_validation.json")))
    print("== requests.csv, as GX 0.18 reported")
    print("\n".join(gx_reported("gx018_requests_validation.json")))
    print("== requests.csv, pandera failure cases")
    print("\n".join(pandera_reported("pandera_requests_failure_cases.csv")))
    print("== requests.csv, pandera 0.20 failure cases")
    print("\n".join(pandera_reported("pandera020_requests_failure_cases.csv")))
    print("== duplicates.csv, recounted from the text")
    for k, v in duplicates_truth().items():
        print(f"{k}: {v}")
    print("== duplicates.csv, as GX 1.x reported")
    print("\n".join(gx_reported("gx1_duplicates_validation.json")))
    print("== duplicates.csv, as GX 0.18 reported")
    print("\n".join(gx_reported("gx018_duplicates_validation.json")))
    print("== duplicates.csv, pandera failure cases")
    print("\n".join(pandera_reported("pandera_duplicates_failure_cases.csv")))
    print("== duplicates.csv, pandera 0.20 failure cases")
    print("\n".join(pandera_reported("pandera020_duplicates_failure_cases.csv")))
    print("== cgm_mixed_line_endings.csv, recounted from the bytes")
    for k, v in cgm_truth().items():
        print(f"{k}: {v}")
