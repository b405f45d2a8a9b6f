"""Write the two CSV extracts the data-quality tools are run on (standard library only).

The extracts are invented but deterministic (fixed seed, no third-party code), so that
``regenerate.sh`` rebuilds them byte for byte. What is real is what the tools write about
them (suite, validation result, schema, failure cases). The defects planted here are the
figures listed in PROVENANCE.md; ``true_figures.py`` recounts them from the CSV text.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = datetime(2025, 3, 3, 8, 0, 0)


def requests_rows() -> list[dict[str, str]]:
    """200 requests to an AI assistant, with a few planted defects."""
    rng = random.Random(12)
    rows = []
    for i in range(200):
        rows.append(
            {
                "request_id": str(1001 + i),
                "received_at": (START + timedelta(minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "customer_id": str(rng.randint(50_000, 59_999)),
                "channel": rng.choice(["web", "web", "chat", "email"]),
                "language": rng.choice(["en", "en", "en", "de", "fr", "es"]),
                "model": rng.choice(["gpt-4o-mini", "claude-3-haiku"]),
                "prompt_tokens": str(rng.randint(12, 3900)),
                "latency_ms": f"{rng.uniform(120, 9000):.1f}",
                "rating": f"{rng.randint(0, 20) / 20:.2f}",
                "resolved": rng.choice(["true", "false"]),
            }
        )
    # customer_id empty in 2 rows (not null, no `mostly`: fails)
    for i in (17, 141):
        rows[i]["customer_id"] = ""
    # channel outside {web, email, chat} in 5 rows: 4 "phone", 1 "Chat" (case differs)
    for i in (9, 58, 102, 150):
        rows[i]["channel"] = "phone"
    rows[77]["channel"] = "Chat"
    # language empty in 6 rows (3%: passes not-null with mostly 0.95)
    for i in (4, 33, 61, 90, 133, 187):
        rows[i]["language"] = ""
    # prompt_tokens above 4000 in 3 rows (between 1 and 4000: fails)
    for i, v in ((25, "4096"), (110, "5120"), (199, "8192")):
        rows[i]["prompt_tokens"] = v
    # latency_ms above 10000 in 1 row (at most 10000 with mostly 0.99: passes)
    rows[64]["latency_ms"] = "12000.3"
    # rating empty in 10 rows (between 0 and 1 ignores empty cells)
    for i in (3, 21, 44, 70, 95, 118, 139, 160, 171, 194):
        rows[i]["rating"] = ""
    return rows


def duplicates_rows() -> list[dict[str, str]]:
    """200 rows from 173 requests: 27 of them exported twice (same key, later export time)."""
    rng = random.Random(27)
    base = []
    for i in range(173):
        day = START + timedelta(days=i // 10)
        base.append(
            {
                "request_id": str(5001 + i),
                "customer_id": str(60_001 + i),
                "received_on": day.strftime("%Y-%m-%d"),
                "channel": rng.choice(["web", "chat", "email"]),
                "exported_at": (day + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    twice = sorted(rng.sample(range(173), 27))
    rows = list(base)
    for k in twice:
        again = dict(base[k])
        again["exported_at"] = (
            datetime.strptime(again["exported_at"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(days=3)
        ).strftime("%Y-%m-%dT%H:%M:%SZ")
        # the second copy lands somewhere later in the file, not next to the first
        rows.insert(rng.randint(k + 1, len(rows)), again)
    return rows


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    write(out / "requests.csv", requests_rows())
    write(out / "duplicates.csv", duplicates_rows())
