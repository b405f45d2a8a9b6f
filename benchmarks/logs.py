"""A large log sample inspected in full, against pandas merely loading it.

Run: .venv/bin/python benchmarks/logs.py [--case jsonl|otlp|all] [--lines N] [--spans N]
         [--runs R] [--keep PATH] [--skip-baseline]

Writes a seeded JSON-lines log sample in the flat layout (default 1,000,000
lines, about 275 MB): a claims support assistant that routes customer
messages to a queue, with all nine signals, a few nulls, about 2% errors,
retries, human re-routing, 30 days of traffic and personal data (e-mail
addresses, phone numbers, Luhn-valid card numbers, valid IBANs) in about 2% of
the messages. Writing it is not timed. Then, side by side in one run, each in
its own fresh Python process so that its peak memory is its own:

  baseline    pandas.read_json(path, lines=True): the file loaded, nothing measured
  inspection  workbook.evidence.logs.inspect_log(path): coverage, latency
              percentiles, error/retry/override rates, volume per day and
              personal data per text field, in one DuckDB pass

Each side reports the wall time of that one call and the peak resident memory
of its process (VmHWM, imports included). The inspection's figures are checked
against what the generator wrote, and the baseline's row and column count
against the sample. A side that fails or a figure that does not match prints
one `FAILED ...` line per problem and exits 1 without a ratio. With --runs R > 1
the pair runs R times and the medians are reported. The last line is the two
ratios: baseline time over inspection time, and inspection peak over baseline
peak.

The OTLP/JSON case (``--case otlp``; both cases by default) repeats the layout of a
real OpenTelemetry trace export (``tests/data/real/otel/otlp_js_traces.jsonl``, written
by the JS SDK's OTLP exporter: GenAI chat spans with their HTTP child spans) into a
file of 1,000,000 spans, one ExportTraceServiceRequest of about 1,000 spans per line,
each copy with its own trace and span ids and later times. Side by side:

  baseline    json.loads per line, then pandas.json_normalize down to the spans
              (record_path resourceSpans > scopeSpans > spans): loaded, nothing measured
  inspection  inspect_log(path, preset otel_genai): the same measurements as above,
              the spans unnested by DuckDB

Both sides' span counts are checked against the generator's (the baseline's rows are
all spans; the inspection's records are the GenAI operation spans, and its errors the
GenAI spans with status ERROR).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from workbook.evidence import pii
from workbook.model.records import SIGNALS

MIB = 1024 * 1024
SEED = 20261117
POOL_SIZE = 50_000  # distinct message bodies; timestamp, id and latency vary per line
CHUNK = 200_000  # lines generated and written at a time
FIRST_DAY = dt.datetime(2026, 10, 19, tzinfo=dt.UTC)
DAYS = 30

# --- the log sample --------------------------------------------------------------------------

ITEMS = ("laptop", "phone", "bike", "TV", "sofa", "glasses", "ring", "camera", "boiler")
WHEN = ("Monday", "Tuesday", "Friday", "yesterday", "last week", "on the 3rd")
# (queue, message templates): what customers write, by the queue it belongs in.
MESSAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "status",
        (
            "Any update on claim {ref}?",
            "Where is {ref} at? Assessor came {when}",
            "No news on {ref}, sent photos {n} weeks ago",
            "Is the engineer report for {ref} back?",
        ),
    ),
    (
        "documents",
        (
            "Attached the repair estimate for {ref}",
            "Do you need receipts for the {item} too?",
            "Uploaded crime ref and photos for {ref}",
        ),
    ),
    (
        "payment",
        (
            "When will the £{amt} for {ref} be paid?",
            "Garage wants the £{amt} excess first, ok?",
            "Payment for {ref} not in my account yet",
        ),
    ),
    (
        "new_claim",
        (
            "Car hit in car park {when}, bumper cracked",
            "Water through kitchen ceiling from the bath",
            "My {item} was stolen from the car {when}",
            "Storm took the fence down, shed damaged",
        ),
    ),
    (
        "complaint",
        (
            "Third time chasing {ref}, nobody calls back",
            "Very unhappy how long {ref} is taking",
        ),
    ),
    (
        "cover",
        (
            "Is accidental damage to my {item} covered?",
            "Do I get a hire car during repairs?",
        ),
    ),
)
QUEUE_WEIGHTS = (30, 14, 16, 20, 8, 12)
ARTICLES = {
    "status": "KB-1021",
    "documents": "KB-1104",
    "payment": "KB-1310",
    "new_claim": "KB-2002",
    "complaint": "KB-4100",
    "cover": "KB-3307",
}
# error, its share of errors, the latency it is logged with (None: the measured one).
ERRORS = (
    ("model_timeout", 0.45, 8000),
    ("model_api_429", 0.30, None),
    ("upstream_503", 0.15, None),
    ("output_schema_invalid", 0.10, None),
)
FIRST_NAMES = ("jane", "tom", "a", "priya", "mark", "sian", "olu", "kasia", "dave", "emma")
LAST_NAMES = ("smith", "jones", "patel", "evans", "nowak", "brown", "okafor", "hughes")
DOMAINS = ("gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk", "icloud.com")


def luhn_complete(body: str) -> str:
    """``body`` plus the check digit that makes it Luhn-valid."""
    return next(body + d for d in "0123456789" if pii.luhn_ok(body + d))


def iban_complete(country: str, bban: str) -> str:
    """An IBAN with valid ISO 13616 check digits, printed in groups of four."""
    rearranged = bban + country + "00"
    check = 98 - int("".join(str(int(ch, 36)) for ch in rearranged)) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def email(rng: random.Random) -> str:
    sep = rng.choice((".", "_", ""))
    number = rng.choice(("", str(rng.randint(1, 99))))
    name = f"{rng.choice(FIRST_NAMES)}{sep}{rng.choice(LAST_NAMES)}{number}"
    return f"{name}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    """A UK number as people write them (Ofcom drama ranges)."""
    return rng.choice(
        (
            f"07700 900{rng.randint(0, 999):03d}",
            f"+44 7700 900{rng.randint(0, 999):03d}",
            f"020 7946 0{rng.randint(0, 999):03d}",
            f"(0161) 496 0{rng.randint(0, 999):03d}",
        )
    )


def card(rng: random.Random) -> str:
    prefix = rng.choice(("4", "51", "52", "55"))
    number = luhn_complete(prefix + "".join(rng.choices("0123456789", k=15 - len(prefix))))
    sep = rng.choice((" ", " ", "-", ""))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def iban(rng: random.Random) -> str:
    # Country, letters (bank code), digits (sort code and account): GB, DE and NL layouts.
    country, letters, digits = rng.choice((("GB", 4, 14), ("DE", 0, 18), ("NL", 4, 10)))
    bank = "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=letters))
    return iban_complete(country, bank + "".join(rng.choices("0123456789", k=digits)))


# Personal data a customer adds to a message: kind, how it reads.
PERSONAL = (
    ("emails", 0.40, email, ("email me at {}", "reply to {} please")),
    ("phones", 0.30, phone, ("call me on {}", "my number is {}")),
    ("cards", 0.15, card, ("card {} was charged", "pay to card {}")),
    ("ibans", 0.15, iban, ("refund to IBAN {}", "IBAN {}")),
)


@dataclass
class Pool:
    """Line bodies: what goes before the latency value and after it, and what each holds."""

    heads: list[str] = field(default_factory=list)
    tails: list[str] = field(default_factory=list)
    #: The line's own latency is filled in (False: the body carries it, or null).
    measured_latency: list[bool] = field(default_factory=list)
    fixed_latency: list[float] = field(default_factory=list)  # NaN: none
    errors: list[bool] = field(default_factory=list)
    retried: list[bool] = field(default_factory=list)
    overridden: list[bool] = field(default_factory=list)
    #: Per body: the signals it fills (coverage as the inspector counts it).
    covered: list[list[bool]] = field(default_factory=list)
    #: Per body: personal data written in, by kind (the truth).
    planted: list[list[int]] = field(default_factory=list)
    #: Per body: personal data by (text signal, kind) as pii.find counts it.
    findable: list[list[int]] = field(default_factory=list)


TEXT_FIELDS = {
    "prompts": "prompt",
    "inputs": "input",
    "outputs": "output",
    "exceptions": "error",
    "workflow_state": "workflow_state",
    "human_overrides": "human_override",
    "decision_context": "decision_context",
}
KINDS = [k.name for k in pii.KINDS]


def body(rng: random.Random) -> tuple[dict, dict[str, int]]:
    """One line's fields after the timestamp and id, and the personal data planted in them."""
    queue = rng.choices([q for q, _ in MESSAGES], weights=QUEUE_WEIGHTS)[0]
    template = rng.choice(dict(MESSAGES)[queue])
    text = template.format(
        ref=f"CL{rng.randint(400_000, 899_999)}",
        when=rng.choice(WHEN),
        n=rng.randint(2, 6),
        item=rng.choice(ITEMS),
        amt=rng.randint(150, 4800),
    )
    planted = dict.fromkeys(KINDS, 0)
    if rng.random() < 0.02:
        kind, _, make, phrasings = rng.choices(PERSONAL, weights=[p[1] for p in PERSONAL])[0]
        joiner = " " if text.endswith("?") else ", "
        text = f"{text}{joiner}{rng.choice(phrasings).format(make(rng))}"
        planted[kind] += 1
    record = {
        "prompt": None if rng.random() < 0.002 else "triage-v3",
        "input": text,
        "output": queue,
        "error": None,
        "latency_ms": "measured",
        "retries": 0,
        "workflow_state": "routed",
        "human_override": None,
        "decision_context": None if rng.random() < 0.01 else ARTICLES[queue],
    }
    if rng.random() < 0.02:
        error, _, latency = rng.choices(ERRORS, weights=[e[1] for e in ERRORS])[0]
        record |= {"error": error, "output": None, "workflow_state": "manual"}
        record["retries"] = rng.choice((1, 2, 2, 3))
        if latency is not None:
            record["latency_ms"] = latency
    else:
        r = rng.random()
        record["retries"] = 2 if r < 0.005 else 1 if r < 0.04 else 0
        if rng.random() < 0.08:
            other = rng.choice([q for q, _ in MESSAGES if q != queue])
            record |= {"human_override": other, "workflow_state": "rerouted"}
        elif rng.random() < 0.3:
            record["workflow_state"] = "confirmed"
    if rng.random() < 0.003:  # the client gave up before the reply came back
        record["latency_ms"] = None
    return record, planted


def build_pool(seed: int) -> Pool:
    rng = random.Random(seed)
    pool = Pool()
    for _ in range(POOL_SIZE):
        record, planted = body(rng)
        latency = record["latency_ms"]
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        head, tail = text[1:].split('"latency_ms":', 1)
        tail = tail.split(",", 1)[1]
        measured = latency == "measured"
        value = "" if measured else json.dumps(latency)
        pool.heads.append(head + '"latency_ms":' + value)
        pool.tails.append("," + tail + "\n")
        pool.measured_latency.append(measured)
        pool.fixed_latency.append(latency if isinstance(latency, int) else float("nan"))
        pool.errors.append(record["error"] is not None)
        pool.retried.append(record["retries"] > 0)
        pool.overridden.append(record["human_override"] is not None)
        filled = {
            "prompts": record["prompt"] is not None,
            "inputs": True,
            "outputs": record["output"] is not None,
            "latency": latency is not None,
            "workflow_state": True,
            "decision_context": record["decision_context"] is not None,
        }
        # Event signals are covered when the key is there, which it always is.
        pool.covered.append([filled.get(s, True) for s in SIGNALS])
        pool.planted.append([planted[k] for k in KINDS])
        row = []
        for key in TEXT_FIELDS.values():
            found = pii.find(record[key]) if isinstance(record[key], str) else {}
            row += [found.get(k, 0) for k in KINDS]
        pool.findable.append(row)
    return pool


@dataclass
class Truth:
    """What the generator wrote, to check the inspection against."""

    lines: int = 0
    size: int = 0
    errors: int = 0
    retried: int = 0
    overridden: int = 0
    covered: dict[str, int] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    findable: dict[str, dict[str, int]] = field(default_factory=dict)
    p95: float = 0.0
    first: str = ""
    last: str = ""


def timestamps(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds since the epoch, ascending: weekdays busier than weekends, office hours busiest."""
    start = int(FIRST_DAY.timestamp())
    weights = np.array([1.0 if (FIRST_DAY.weekday() + d) % 7 < 5 else 0.35 for d in range(DAYS)])
    day = rng.choice(DAYS, size=n, p=weights / weights.sum())
    office = rng.normal(13 * 3600, 3 * 3600, size=n)
    anytime = rng.uniform(0, 86400, size=n)
    second = np.where(rng.random(n) < 0.85, office, anytime).clip(0, 86399).astype(np.int64)
    return np.sort(start + day * 86400 + second)


def write_sample(path: Path, n: int, seed: int) -> Truth:
    """Write ``n`` lines to ``path`` (deterministic for a seed) and return what they hold."""
    pool = build_pool(seed)
    heads, tails, measured = pool.heads, pool.tails, pool.measured_latency
    rng = np.random.default_rng(seed)
    seconds = timestamps(rng, n)
    usage = np.zeros(POOL_SIZE, dtype=np.int64)
    latencies = []
    fixed = np.array(pool.fixed_latency)
    own_latency = np.array(measured)
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, n, CHUNK):
            k = min(CHUNK, n - start)
            idx = rng.integers(0, POOL_SIZE, size=k)
            ids = rng.integers(0, 16**10, size=k)
            lat = np.maximum(120, rng.lognormal(np.log(1400), 0.5, size=k)).astype(np.int64)
            stamps = np.datetime_as_string(
                seconds[start : start + k].astype("datetime64[s]"), unit="s", timezone="UTC"
            )
            out.write(
                "".join(
                    f'{{"timestamp":"{t}","request_id":"{r:010x}",{heads[i]}'
                    f"{ms if measured[i] else ''}{tails[i]}"
                    for t, r, i, ms in zip(
                        stamps.tolist(), ids.tolist(), idx.tolist(), lat.tolist(), strict=True
                    )
                )
            )
            usage += np.bincount(idx, minlength=POOL_SIZE)
            own = own_latency[idx]
            latencies += [lat[own], fixed[idx[~own]]]
        out.flush()
        # On disk before either side runs, so neither pays for the write-back.
        os.fsync(out.fileno())
    lat_all = np.concatenate(latencies)
    lat_all = lat_all[~np.isnan(lat_all)]

    def total(column: list) -> np.ndarray:
        return usage @ np.array(column, dtype=np.int64)

    covered, planted, findable = total(pool.covered), total(pool.planted), total(pool.findable)
    stamp = [
        dt.datetime.fromtimestamp(int(s), dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        for s in (seconds[0], seconds[-1])
    ]
    return Truth(
        lines=n,
        size=path.stat().st_size,
        errors=int(total(pool.errors)),
        retried=int(total(pool.retried)),
        overridden=int(total(pool.overridden)),
        covered={s: int(c) for s, c in zip(SIGNALS, covered, strict=True)},
        planted={k: int(c) for k, c in zip(KINDS, planted, strict=True)},
        findable={
            s: {k: int(findable[i * len(KINDS) + j]) for j, k in enumerate(KINDS)}
            for i, s in enumerate(TEXT_FIELDS)
        },
        p95=float(np.percentile(lat_all, 95)),
        first=stamp[0],
        last=stamp[1],
    )


# --- the OTLP/JSON sample ---------------------------------------------------------------------

REAL_OTLP = Path(__file__).resolve().parent.parent / "tests/data/real/otel/otlp_js_traces.jsonl"
SPANS_PER_LINE = 1_000
_ID = re.compile(r'"(traceId|spanId|parentSpanId)":"([0-9a-f]{8})')
_TIME = re.compile(r'"(start|end)TimeUnixNano":"([0-9]+)"')
#: Each copy of the real spans starts this much later than the one before (the real run
#: spans 1.2 s).
COPY_NS = 2_000_000_000


@dataclass
class OtlpTruth:
    """What the OTLP generator wrote."""

    spans: int = 0
    genai: int = 0
    genai_errors: int = 0
    lines: int = 0
    size: int = 0


def _real_spans(path: Path) -> tuple[dict, list[tuple[str, dict]]]:
    """The real export's resource, and its spans with the scope each was written under."""
    resource_, spans = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            resource_ = rs["resource"]
            for ss in rs["scopeSpans"]:
                spans += [(json.dumps(ss["scope"]), s) for s in ss["spans"]]
    return resource_, spans


def write_otlp(path: Path, n: int, real: Path = REAL_OTLP) -> OtlpTruth:
    """Write ``n`` spans in the real export's layout; return what they hold."""
    resource_, spans = _real_spans(real)
    texts = [(scope, json.dumps(s, separators=(",", ":"))) for scope, s in spans]
    genai = [any(a["key"] == "gen_ai.operation.name" for a in s["attributes"]) for _, s in spans]
    failed = [s.get("status", {}).get("code") in (2, "STATUS_CODE_ERROR") for _, s in spans]
    head = '{"resourceSpans":[{"resource":' + json.dumps(resource_, separators=(",", ":"))
    truth = OtlpTruth()
    copy = 0
    with path.open("w", encoding="utf-8") as out:
        while truth.spans < n:
            by_scope: dict[str, list[str]] = {}
            while truth.spans < n and sum(map(len, by_scope.values())) < SPANS_PER_LINE:
                shift = copy * COPY_NS
                for i, (scope, text) in enumerate(texts):
                    if truth.spans == n:
                        break
                    # Ids unique per copy (its number in their first 8 hex digits), times later.
                    text = _ID.sub(lambda m, c=copy: f'"{m[1]}":"{c:08x}', text)
                    text = _TIME.sub(
                        lambda m, d=shift: f'"{m[1]}TimeUnixNano":"{int(m[2]) + d}"', text
                    )
                    by_scope.setdefault(scope, []).append(text)
                    truth.spans += 1
                    truth.genai += genai[i]
                    truth.genai_errors += genai[i] and failed[i]
                copy += 1
            scopes = ",".join(
                f'{{"scope":{scope},"spans":[{",".join(spans)}]}}'
                for scope, spans in by_scope.items()
            )
            out.write(f'{head},"scopeSpans":[{scopes}]}}]}}\n')
            truth.lines += 1
        out.flush()
        os.fsync(out.fileno())
    truth.size = path.stat().st_size
    return truth


def otlp_child(side: str, path: Path) -> dict[str, Any]:
    """One side of the OTLP case: its summary."""
    if side == "otlp-baseline":
        import pandas as pd

        with path.open(encoding="utf-8") as f:
            requests = [json.loads(line) for line in f]
        frame = pd.json_normalize(requests, record_path=["resourceSpans", "scopeSpans", "spans"])
        return {"rows": len(frame), "columns": len(frame.columns)}
    from workbook.evidence.logs import inspect_log
    from workbook.model.records import LogMapping

    m = inspect_log(path, LogMapping(preset="otel_genai"))
    return {
        "records": m.records,
        "errors": m.errors,
        "latency": None if m.latency is None else [m.latency.p50, m.latency.p95],
        "covered": m.covered,
    }


# --- one side, in a fresh process ------------------------------------------------------------


def peak_rss() -> int:
    """This process's peak RSS in bytes.

    VmHWM belongs to the process image: ru_maxrss would also count the parent's
    RSS at fork time (Linux carries it across exec), so a child started by a
    big parent would report the parent's peak.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: ru_maxrss is bytes on macOS, KiB elsewhere
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss if sys.platform == "darwin" else rss * 1024
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def current_rss() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> float | None:
    """CPU seconds all processes have spent so far (Linux), to tell when others compete."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def child(side: str, path: Path) -> None:
    """Do one side's work and print its figures as one JSON line (the hidden --child mode)."""
    if side.startswith("otlp-"):
        if side == "otlp-baseline":
            import pandas  # noqa: F401  (imported before the clock starts, as below)
        else:
            import workbook.evidence.logs  # noqa: F401
        imported, cpu, start = current_rss(), cpu_seconds(), time.perf_counter()
        summary: dict[str, Any] = otlp_child(side, path)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    elif side == "baseline":
        import pandas as pd

        imported, cpu, start = current_rss(), cpu_seconds(), time.perf_counter()
        frame = pd.read_json(path, lines=True)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        summary = {"rows": len(frame), "columns": len(frame.columns)}
    else:
        from workbook.evidence.logs import inspect_log

        imported, cpu, start = current_rss(), cpu_seconds(), time.perf_counter()
        m = inspect_log(path)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        assert m.latency is not None
        summary = {
            "records": m.records,
            "covered": m.covered,
            "latency": [m.latency.p50, m.latency.p95, m.latency.p99],
            "errors": m.errors,
            "retried": m.retried,
            "overridden": m.overridden,
            "days": len(m.per_day),
            "first": f"{m.first:%Y-%m-%d %H:%M:%S}",
            "last": f"{m.last:%Y-%m-%d %H:%M:%S}",
            "pii": {f.signal: f.counts for f in m.pii},
            "example": next((e for f in m.pii for e in f.examples), ""),
        }
    figures = {"wall": wall, "cpu": cpu, "peak": peak_rss(), "imported": imported}
    print(json.dumps({**figures, "summary": summary}))


def fail(problems: list[str]) -> NoReturn:
    """One line per problem, then exit 1: a ratio from a failed or wrong run would mislead."""
    print("\n".join(f"FAILED {p}" for p in problems), file=sys.stderr)
    sys.exit(1)


@dataclass
class Side:
    name: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    imported: list[int] = field(default_factory=list)
    #: Cores kept busy by other processes while this side ran (None: unknown).
    others: list[float | None] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    #: Every run's summary: each run's figures are checked, not only the last one's.
    summaries: list[dict] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak(self) -> float:
        return statistics.median(self.peaks)


def measure(side: Side, path: Path) -> None:
    """Run one side in a fresh interpreter and record its figures."""
    busy, own, start = machine_busy(), cpu_seconds(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", side.name, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed, own = time.perf_counter() - start, cpu_seconds(resource.RUSAGE_CHILDREN) - own
    run = len(side.walls) + 1
    if proc.returncode != 0:
        errors = [x.strip() for x in proc.stderr.splitlines() if x.strip()]
        why = errors[-1] if errors else "nothing on stderr"
        fail([f"{side.name} run {run}: exited {proc.returncode}: {why}"])
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        fail([f"{side.name} run {run}: no figures on its last line of output"])
    side.walls.append(result["wall"])
    side.cpus.append(result["cpu"])
    side.peaks.append(result["peak"])
    side.imported.append(result["imported"])
    after = machine_busy()
    others = None if busy is None or after is None else max(0.0, after - busy - own) / elapsed
    side.others.append(others)
    side.summary = result["summary"]
    side.summaries.append(result["summary"])
    print(
        f"  {side.name} run {len(side.walls)}: {result['wall']:.1f} s, "
        f"{result['peak'] / MIB:,.0f} MiB",
        flush=True,
    )


# --- report ----------------------------------------------------------------------------------


def pct(count: int, n: int) -> str:
    return f"{count / n * 100:.2f}%"


# The baseline's frame: timestamp and request_id, then the nine keys every body has.
BASELINE_COLUMNS = 11


def check_baseline(truth: Truth, got: dict) -> list[str]:
    """Where pandas' frame disagrees with the sample's shape; empty when it agrees."""
    expected = {"rows": truth.lines, "columns": BASELINE_COLUMNS}
    return [f"{k}: expected {v}, loaded {got[k]}" for k, v in expected.items() if got[k] != v]


def check(truth: Truth, got: dict) -> list[str]:
    """Where the inspection disagrees with what was written; empty when it agrees."""
    expected = {
        "records": truth.lines,
        "errors": truth.errors,
        "retried": truth.retried,
        "overridden": truth.overridden,
        "covered": truth.covered,
        "days": DAYS,
        "first": truth.first,
        "last": truth.last,
        "pii": {s: c for s, c in truth.findable.items() if sum(c.values())},
    }
    problems = [f"{k}: expected {v}, measured {got[k]}" for k, v in expected.items() if got[k] != v]
    if abs(got["latency"][1] - truth.p95) > 0.5:
        problems.append(f"p95: expected {truth.p95:.1f}, measured {got['latency'][1]:.1f}")
    return problems


def report_inspection(truth: Truth, got: dict) -> None:
    n = got["records"]
    lowest = min(got["covered"], key=got["covered"].get)
    signals = sum(1 for c in got["covered"].values() if c)
    p50, p95, p99 = got["latency"]
    print(
        f"inspection measured: {n:,} records over {got['days']} days "
        f"({got['first']} .. {got['last']} UTC), {signals}/{len(SIGNALS)} signals present "
        f"(lowest coverage: {lowest} {pct(got['covered'][lowest], n)})"
    )
    print(
        f"  latency p50/p95/p99 {p50:.0f}/{p95:.0f}/{p99:.0f} ms; errors {pct(got['errors'], n)}, "
        f"retried {pct(got['retried'], n)}, overridden {pct(got['overridden'], n)}"
    )
    for signal, counts in got["pii"].items():
        found = ", ".join(f"{counts[k]:,} {k}" for k in KINDS if counts[k])
        print(f"  personal data in {TEXT_FIELDS[signal]}: {found}")
    planted = ", ".join(f"{truth.planted[k]:,} {k}" for k in KINDS)
    print(f"  (the generator planted: {planted})")
    if got["example"]:
        print(f"  redacted example: {got['example']}")


def print_sides(sides: list[Side], size: int, runs: int) -> None:
    """The side-by-side table, and how the machine was while it ran."""
    print()
    note = f"  (median of {runs} runs)" if runs > 1 else ""
    print(
        f"{'side':<10}  {'wall s':>6}  {'cpu s':>6}  {'peak MiB':>8}  "
        f"{'imports MiB':>11}  {'MB/s':>5}{note}"
    )
    for s in sides:
        print(
            f"{s.name.removeprefix('otlp-'):<10}  {s.wall:>6.2f}  "
            f"{statistics.median(s.cpus):>6.2f}  {s.peak / MIB:>8,.0f}  "
            f"{statistics.median(s.imported) / MIB:>11,.0f}  {size / 1e6 / s.wall:>5.0f}"
        )
    print()
    known = [o for s in sides for o in s.others if o is not None]
    contention = f"{max(known):.2f} cores busy with other work at most" if known else "unknown"
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()}); {contention}"
    )
    print(
        "each side in a fresh process; wall and cpu time of the call alone, peak RSS of the "
        "process (VmHWM, imports included); the file in the page cache for both"
    )
    if known and max(known) > 0.2:
        print("WARNING other processes competed for the CPU: the times above are inflated")


def ratios(baseline: Side | None, inspection: Side) -> None:
    if baseline is None:
        print("speedup=n/a memory_share=n/a (baseline skipped)")
    else:
        print(
            f"speedup={baseline.wall / inspection.wall:.1f} "
            f"memory_share={inspection.peak / baseline.peak:.2f}"
        )


def run_jsonl(args: argparse.Namespace) -> None:
    """The JSON-lines case: a flat log sample, pandas.read_json against inspect_log."""
    baseline, inspection = Side("baseline"), Side("inspection")
    sides = [inspection] if args.skip_baseline else [baseline, inspection]
    with tempfile.TemporaryDirectory(prefix="workbook-logs-bench-") as tmp:
        path = args.keep or Path(tmp) / "logs.jsonl"
        start = time.perf_counter()
        truth = write_sample(path, args.lines, args.seed)
        took = time.perf_counter() - start
        print(
            f"sample: {truth.lines:,} lines, {truth.size / 1e6:,.0f} MB "
            f"({truth.size / truth.lines:.0f} bytes/line), written in {took:.1f} s to {path}",
            flush=True,
        )
        for run in range(args.runs):
            # Alternate the order, so that neither side always runs on a warmer machine.
            for side in sides if run % 2 == 0 else sides[::-1]:
                measure(side, path)

    print()
    if not args.skip_baseline:
        rows, columns = baseline.summary["rows"], baseline.summary["columns"]
        print(f"baseline loaded: {rows:,} rows x {columns} columns, nothing measured")
    report_inspection(truth, inspection.summary)
    problems = [
        f"{side.name} run {run}: {problem}"
        for side, judge in ((baseline, check_baseline), (inspection, check))
        for run, summary in enumerate(side.summaries, 1)
        for problem in judge(truth, summary)
    ]
    if problems:
        fail(problems)
    print("  checked: every figure above matches what the generator wrote")
    print("  (personal data as workbook.evidence.pii.find counts it, line by line)")
    if not args.skip_baseline:
        print(f"  checked: the baseline loaded every line into {BASELINE_COLUMNS} columns")
    print_sides(sides, truth.size, args.runs)
    ratios(None if args.skip_baseline else baseline, inspection)


def check_otlp(truth: OtlpTruth, side: str, got: dict) -> list[str]:
    """Where a side's span counts disagree with the generator's; empty when they agree."""
    if side == "otlp-baseline":
        expected = {"rows": truth.spans}
    else:
        expected = {"records": truth.genai, "errors": truth.genai_errors}
    return [f"{k}: expected {v:,}, got {got[k]}" for k, v in expected.items() if got[k] != v]


def run_otlp(args: argparse.Namespace) -> None:
    """The OTLP/JSON case: the real export's layout repeated to ``--spans`` spans."""
    baseline, inspection = Side("otlp-baseline"), Side("otlp-inspection")
    sides = [inspection] if args.skip_baseline else [baseline, inspection]
    with tempfile.TemporaryDirectory(prefix="workbook-otlp-bench-") as tmp:
        path = Path(tmp) / "traces.jsonl"
        start = time.perf_counter()
        truth = write_otlp(path, args.spans)
        took = time.perf_counter() - start
        print(
            f"OTLP/JSON sample: {truth.spans:,} spans ({truth.genai:,} GenAI, "
            f"{truth.genai_errors:,} of them failed) in {truth.lines:,} export requests, "
            f"{truth.size / 1e6:,.0f} MB, written in {took:.1f} s "
            f"(the layout of {REAL_OTLP.name})",
            flush=True,
        )
        for run in range(args.runs):
            for side in sides if run % 2 == 0 else sides[::-1]:
                measure(side, path)
    print()
    problems = [
        f"{side.name} run {run}: {problem}"
        for side in sides
        for run, summary in enumerate(side.summaries, 1)
        for problem in check_otlp(truth, side.name, summary)
    ]
    if problems:
        fail(problems)
    got = inspection.summary
    if not args.skip_baseline:
        print(
            f"baseline loaded: {baseline.summary['rows']:,} spans x "
            f"{baseline.summary['columns']} columns (attributes still key/value lists), "
            "nothing measured"
        )
    latency = got["latency"]
    shown = f"latency p50/p95 {latency[0]:.0f}/{latency[1]:.0f} ms" if latency else "no latency"
    print(f"inspection measured: {got['records']:,} GenAI calls, {got['errors']:,} failed, {shown}")
    print("  checked: the span counts above match what the generator wrote")
    print_sides(sides, truth.size, args.runs)
    ratios(None if args.skip_baseline else baseline, inspection)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case", choices=("jsonl", "otlp", "all"), default="all", help="which case (default all)"
    )
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="log lines to write (default 1,000,000)"
    )
    parser.add_argument(
        "--spans", type=int, default=1_000_000, help="OTLP spans to write (default 1,000,000)"
    )
    parser.add_argument("--runs", type=int, default=1, help="times to run the pair (default 1)")
    parser.add_argument(
        "--keep", type=Path, metavar="PATH", help="write the sample to PATH (.jsonl) and keep it"
    )
    parser.add_argument(
        "--skip-baseline", action="store_true", help="inspection only (for very large samples)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    if args.lines < 1 or args.runs < 1 or args.spans < 1:
        parser.error("--lines, --spans and --runs must be at least 1")
    if args.keep is not None and args.keep.suffix not in (".jsonl", ".ndjson"):
        parser.error("--keep must name a .jsonl or .ndjson file")
    if args.case in ("jsonl", "all"):
        run_jsonl(args)
    if args.case == "all":
        print()
    if args.case in ("otlp", "all"):
        run_otlp(args)


if __name__ == "__main__":
    main()
