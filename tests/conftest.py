"""Shared fixtures: a tiny catalogue, record factories and synthetic evidence findings."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbook.evidence import EvidenceFinding, Findings
from workbook.evidence.evals import EvalMeasures, PassRate
from workbook.evidence.extracts import Check, ExtractMeasures
from workbook.evidence.logs import PRESETS, LogMeasures, Percentiles
from workbook.model.assess import assess
from workbook.model.catalogue import Catalogue, load_catalogue, parse_catalogue
from workbook.model.records import EVIDENCE_KINDS, SIGNALS, Record, parse_record

AS_OF = dt.date(2026, 11, 23)
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "data" / "examples"

TINY_CATALOGUE = """
catalogue_version: 1
name: Tiny
freshness_days: {log_sample: 30, evaluation: 100}
criteria:
  - {id: t.workflow, gate: mvp, area: scope, kind: field, fields: [scope.workflow],
     allow_not_applicable: true, question: q, rationale: r, satisfied_by: s}
  - {id: t.eval, gate: mvp, area: trust, kind: field, fields: [trust.evaluation],
     evidence: evaluation, question: q, rationale: r, satisfied_by: s}
  - {id: t.logs, gate: production_candidate, area: observability, kind: evidence,
     evidence: log_sample, question: q, rationale: r, satisfied_by: s}
  - {id: t.gaps, gate: production_candidate, area: data, kind: register, register: data.gaps,
     min_items: 0, require: [owner], forbid: {status: open, severity: critical},
     question: q, rationale: r, satisfied_by: s}
  - {id: t.signoff, gate: production, area: governance, kind: signoff, role: business_owner,
     waivable: false, question: q, rationale: r, satisfied_by: s}
"""


class FailingConnection:
    """A DuckDB connection whose query containing ``marker`` fails, naming the file in full."""

    def __init__(self, con: Any, marker: str, path: Path) -> None:
        self.con, self.marker, self.path = con, marker, path

    def execute(self, sql: str, *args: Any) -> Any:
        import duckdb

        if self.marker in sql:
            raise duckdb.IOException(f"IO Error: cannot read {self.path.resolve()}")
        return self.con.execute(sql, *args)

    def close(self) -> None:
        self.con.close()


class Within(str):
    """A phrase from DuckDB's own words: found within a reason, not at its start."""


def reason_matches(reason: str | None, phrase: str) -> bool:
    """Our reasons start with the phrase expected; DuckDB's (``Within``) contain it."""
    if reason is None:
        return False
    return phrase in reason if isinstance(phrase, Within) else reason.startswith(phrase)


def shared_scope(fixture_name: str, config: pytest.Config) -> str:
    """Module scope, but one per test under mutmut.

    mutmut credits what a fixture calls to the first test that sets it up, and runs only the
    credited tests against a mutant: the other tests reading the fixture would be skipped.
    """
    return "function" if "MUTANT_UNDER_TEST" in os.environ else "module"


@pytest.fixture(autouse=True)
def _measure_afresh() -> None:
    """Each test measures its evidence itself: no measurement cached by an earlier test.

    Mutation testing forks workers from a process that already ran the suite; a cached
    measurement would hide a broken inspector.
    """
    from workbook import evidence

    evidence._MEASURED.clear()


@pytest.fixture(scope="session")
def tiny() -> Catalogue:
    return parse_catalogue(yaml.safe_load(TINY_CATALOGUE), Path("tiny.yaml"))


@pytest.fixture(scope="session")
def default_catalogue() -> Catalogue:
    return load_catalogue()


def _evidence(kind: str, date: str = "2026-11-01", path: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "path": path or f"evidence/{kind}.txt", "date": date}


#: Outcomes a reviewer accepts, for the kinds whose evidence records one.
PASSED_OUTCOME = {"drill": "passed", "training": "passed", "security_review": "approved"}

#: A record that meets every criterion of the default catalogue (with ``findings``): every
#: answer a reviewer would accept (descriptions of five words or more, no placeholder),
#: named owners who sign (Ann as business owner, Bo as support lead), a sponsor (Cy) and a
#: builder (Di) who may not approve its waivers, an approved security review and a passed
#: drill and training, thresholds within the catalogue's limits.
FULL: dict[str, Any] = {
    "schema_version": 1,
    "id": "full",
    "name": "Everything answered",
    "sponsor": "Cy, Chief Operating Officer",
    "stage": "production",
    "scope": {
        "workflow": "Motor claims intake, from first notice to a queue",
        "ai_step": "Suggests a triage queue for each new claim, with a reason",
        "in_scope": ["Personal motor claims reported online or by phone"],
        "out_of_scope": ["Any claim that mentions an injury"],
        # log_measures() shows at most 143 requests a day: within 200.
        "controlled_use": {"users": "The 40 intake handlers in Leeds", "max_daily_volume": 200},
        "user_expectations": ["A suggested queue with its reason, not a decision"],
        "never_assume": ["That cover or fraud has been checked"],
        "demo_conditions": [
            {
                "condition": "clean_data",
                "description": "The demo used 40 hand-picked claims with complete descriptions",
                "real_use_handling": "Incomplete claims go to manual triage and are counted "
                "on the dashboard",
            }
        ],
    },
    "data": {
        "sources": [
            {"name": "Claims", "system_of_record": "ClaimsDB", "owner": "Claims operations team"}
        ],
        "boundaries": {
            "may_use": ["claim text"],
            "must_not_use": ["health data"],
            "classification": "confidential",
        },
        "gaps": [
            {
                "id": "g1",
                "description": "Duplicate policy numbers in the claims extract",
                "severity": "high",
                "owner": "Data team",
                "due": "2026-12-31",
                "status": "open",
            }
        ],
        "grounding": "Retrieval over the routing chapter of the claims handbook, cited per answer",
    },
    "trust": {
        "evaluation": "Three hundred labelled claims, re-scored after each change",
        "guardrails": ["No payout or cover advice; only the four queue names"],
        "review_path": "Flagged suggestions reach the team lead's review queue every morning",
        "failure_handling": {
            "wrong": "The handler overrides the queue and the override is logged",
            "delayed": "After five seconds the claim falls back to manual triage",
            "blocked": "A blocked or refused claim is routed by hand and logged",
            "unsafe": "Unsafe output is discarded and reported to the privacy team",
        },
        "fallback": "The manual triage screen opens whenever the assistant is off",
        # Within the catalogue's limits (10,000 ms, 10%, at least 70%).
        "thresholds": {"latency_p95_ms": 2000, "error_rate": 0.02, "quality_pass_rate": 0.9},
    },
    "integration": {
        "systems": [{"system": "ClaimsDB", "interface_owner": "Platform team"}],
        "in_workflow": "Side panel of the claims screen",
    },
    "ownership": {
        "business_owner": "Ann, Head of Claims",
        "support_owner": {
            "team": "Claims application support",
            "hours": "8-18",
            "contact": "#claims-ai",
            "lead": "Bo",
        },
        "escalation": [{"trigger": "error rate > 5%", "target": "on-call"}],
        "change_control": "Prompt changes via pull request and re-evaluation",
        "enablement": {"trained_team": "Claims application support", "runbook": "wiki/runbook"},
        "builders": ["Di"],
    },
    "observability": {
        "logging_plan": {
            s: {"logged": True, "where": "log store", "retention_days": 30, "redacted": True}
            for s in SIGNALS
        },
        "privacy_decisions": "Names and contact details are redacted before logging; kept 30 days",
        "dashboards": ["health"],
        "alerts": ["p95 latency"],
    },
    "governance": {
        "usage_policy": "Claims staff may use it to suggest queues for motor claims only",
        "security_review": {
            "reviewer": "Ines, Application Security",
            "date": "2026-10-01",
            "outcome": "approved",
            "notes": "Approved; both low findings were closed before the review ended",
        },
    },
    "evidence": [
        {**_evidence(k), **({"outcome": PASSED_OUTCOME[k]} if k in PASSED_OUTCOME else {})}
        for k in EVIDENCE_KINDS
        if k != "document"
    ],
}
# The extract declares the three expectations PASSING's measurements report on.
next(e for e in FULL["evidence"] if e["kind"] == "data_extract")["expectations"] = {
    "required_columns": ["claim_id"],
    "unique_key": ["claim_id"],
    "allowed_values": {"channel": ["web", "call", "broker"]},
}


def make_record(
    changes: dict[str, Any] | None = None, base: dict[str, Any] | None = None
) -> Record:
    """A valid record: ``base`` (default: minimal) with dotted-path ``changes`` applied."""
    data = copy.deepcopy(
        base
        if base is not None
        else {"schema_version": 1, "id": "r", "name": "R", "stage": "prototype"}
    )
    for dotted, value in (changes or {}).items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return parse_record(data, "test.yaml")


def full_record(changes: dict[str, Any] | None = None) -> Record:
    return make_record(changes, FULL)


def signoff(
    digest: str = "abcdef012345",
    date: str = "2026-11-01",
    role: str = "business_owner",
    name: str = "Ann",
) -> dict[str, str]:
    """A production sign-off entry (the default digest matches nothing)."""
    return {"gate": "production", "name": name, "role": role, "date": date, "digest": digest}


def fully_signed(catalogue: Catalogue) -> Record:
    """The full record, signed by both owners for its current digest: it reaches production."""
    draft = full_record()
    digest = assess(draft, catalogue, AS_OF, findings(draft)).digest
    return full_record(
        {
            "signoffs": [
                signoff(digest, "2026-11-20", r, n)
                for n, r in (("Ann", "business_owner"), ("Bo", "support_owner"))
            ]
        }
    )


#: The week log_measures() covers: 1,000 records over 7 days (143 a day, 142 on the last),
#: enough for the catalogue's minimum sample (200 records over 7 days, records on 5) and
#: within FULL's controlled use of 200 a day. Its last entry (2026-10-31) is a day before the
#: sample's date in FULL, 23 days before the assessment date.
WEEK = tuple(dt.date(2026, 10, 25) + dt.timedelta(days=i) for i in range(7))


def log_measures(**changes: Any) -> LogMeasures:
    """Measurements of a clean 1,000-record log sample over a week (every signal, fast, few
    errors). ``distinct`` is left unmeasured: a test of constant or canned values sets it."""
    base = LogMeasures(
        records=1000,
        mapping=dict(PRESETS["flat"]),
        covered=dict.fromkeys(SIGNALS, 1000),
        latency=Percentiles(800.0, 1500.0, 1900.0, 1000),
        latency_bins=((794.3, 891.3, 1000),),
        errors=5,
        retried=20,
        overridden=40,
        per_day={d: 143 if i < 6 else 142 for i, d in enumerate(WEEK)},
        first=dt.datetime(2026, 10, 25, 8),
        last=dt.datetime(2026, 10, 31, 18),
    )
    return dataclasses.replace(base, **changes)


#: What passing measurements look like for each measurable kind (FULL's thresholds): 300
#: evaluated cases, an extract of 40 rows meeting the three expectations FULL declares.
PASSING: dict[str, Any] = {
    "log_sample": log_measures(),
    "evaluation": EvalMeasures(PassRate(None, 300, 295), (), "'passed' column"),
    "data_extract": ExtractMeasures(
        40,
        ("claim_id", "channel"),
        (
            Check("required", "claim_id", True, "present"),
            Check("unique key", "claim_id", True, "no repeated key"),
            Check("allowed values", "channel", True, "every value allowed"),
        ),
        None,
        None,
    ),
}


def findings(
    record: Record,
    unreadable: dict[str, str] | None = None,
    measured: dict[str, Any] | None = None,
) -> Findings:
    """Synthetic findings: every cited file readable unless named in ``unreadable``.

    Measurable kinds get passing measurements unless ``measured`` gives others.
    """
    unreadable = unreadable or {}
    measures = {**PASSING, **(measured or {})}
    out = []
    for item in record.evidence:
        reason = unreadable.get(item.location)
        sha = None if reason else "0" * 64
        shown = None if reason or item.path is None else measures.get(item.kind)
        out.append(EvidenceFinding(item, reason is None, reason, sha, shown))
    return Findings(tuple(out))


HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">'
#: Personal data planted in the hostile log sample: a dossier may show none of it.
PLANTED_PII = ("jane.doe@example.com", "4111 1111 1111 1111", "+44 20 7946 0958")
HOSTILE_SLICE = "<b onmouseover=window.__pwned=4>passport</b>"
HOSTILE_COLUMN = "<svg onload=window.__pwned=5>"
# Added to the end of the evidence list of the hostile copy of kyc-document-check.
HOSTILE_EVIDENCE = """  - {kind: evaluation, path: evidence/hostile/eval.csv, date: 2026-11-01}
  - {kind: log_sample, path: evidence/hostile/logs.jsonl, date: 2026-11-02}
  - {kind: log_sample, path: evidence/hostile/cut.jsonl.gz, date: 2026-11-03}
  - kind: data_extract
    path: evidence/hostile/extract.csv
    date: 2026-11-04
    expectations:
      required_columns: ['<svg onload=window.__pwned=5>', missing_column]
      unique_key: [id]
"""


#: Records in the hostile log sample: 30 a day for 7 days.
HOSTILE_RECORDS = 210


def _write_hostile_evidence(folder: Path) -> None:
    """Evidence whose contents try to inject markup and carry personal data."""
    import datetime as dt
    import gzip
    import json

    folder.mkdir(parents=True)
    first = dt.datetime(2026, 10, 27, 8, 0)
    lines = []
    # A week of traffic, 30 requests a day (27 October to 2 November), so the sample is big
    # and long enough to judge; every input and output differs (no canned load test).
    for i in range(HOSTILE_RECORDS):
        day, minute = divmod(i, 30)
        lines.append(
            {
                "timestamp": f"{first + dt.timedelta(days=day, minutes=minute):%Y-%m-%dT%H:%M:%SZ}",
                "request_id": f"h-{i}",
                "input": f"<img src=x onerror=window.__pwned=2> ask {PLANTED_PII[i % 3]} #{i}",
                "output": f"<script>window.__pwned=3</script> reply {i}",
                "error": None,
                "latency_ms": 900 + 10 * i,
                "human_override": None,
            }
        )
    (folder / "logs.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    whole = gzip.compress((folder / "logs.jsonl").read_bytes())
    (folder / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    rows = [f"c{i},{HOSTILE_SLICE if i % 2 else 'driving_licence'},{int(i % 5 != 0)}"
            for i in range(30)]  # fmt: skip
    (folder / "eval.csv").write_text("case_id,slice,passed\n" + "\n".join(rows) + "\n")
    (folder / "extract.csv").write_text(f'id,"{HOSTILE_COLUMN}"\n1,a\n1,b\n')


@pytest.fixture(scope="session")
def dossiers(tmp_path_factory) -> dict[str, Path]:
    """Real dossiers (papermill + nbconvert): the largest example, and a hostile copy of one."""
    import datetime as dt
    import shutil

    from workbook.render.dossier import write_dossier

    work = tmp_path_factory.mktemp("portfolio")
    shutil.copytree(EXAMPLES, work / "examples")
    hostile = work / "examples" / "hostile.yaml"
    text = (EXAMPLES / "kyc-document-check.yaml").read_text()
    text = text.replace("id: kyc-document-check", "id: hostile").replace(
        "name: KYC document check", f"name: '{HOSTILE_NAME}'"
    )
    hostile.write_text(text.replace("\nwaivers: []", "\n" + HOSTILE_EVIDENCE + "waivers: []"))
    _write_hostile_evidence(work / "examples" / "evidence" / "hostile")
    largest = max(EXAMPLES.glob("*.yaml"), key=lambda p: p.stat().st_size)
    out = work / "out"
    as_of = dt.date(2026, 11, 23)
    return {
        "largest": write_dossier(work / "examples" / largest.name, out, as_of=as_of),
        "hostile": write_dossier(hostile, out, as_of=as_of),
        "work": work,
    }


def papermill_cli(notebook: str, out: Path, **parameters: str) -> tuple[int, str, list[dict]]:
    """Run the plain papermill CLI from the repository root: (exit code, stderr, code outputs)."""
    import subprocess
    import sys

    import nbformat

    args = [str(Path(sys.executable).parent / "papermill"), notebook, str(out), "--no-progress-bar"]
    for name, value in parameters.items():
        args += ["-p", name, value]
    run = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    outputs = []
    if out.exists():
        nb = nbformat.read(out, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    return run.returncode, run.stderr, outputs
