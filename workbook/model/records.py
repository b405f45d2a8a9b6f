"""The initiative record: what a team states about one AI initiative.

Field descriptions are written as the question the analyst answers; they
become the JSON Schema shown in editors and the labels of the forms.
"""

from __future__ import annotations

import collections
import datetime as dt
import difflib
import re
import typing
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from workbook.errors import RecordError, RecordProblems
from workbook.model.yamlio import parse_mapping, read_text, shown, typed_text

SCHEMA_VERSION = 1
#: What a record file is called in error lines ("an initiative record file").
WHAT = "initiative record"

Stage = Literal["prototype", "mvp", "production_candidate", "production"]
STAGES: tuple[str, ...] = get_args(Stage)

Area = Literal["scope", "data", "trust", "integration", "ownership", "observability", "governance"]
AREAS: tuple[str, ...] = get_args(Area)

Signal = Literal[
    "prompts",
    "inputs",
    "outputs",
    "exceptions",
    "latency",
    "retries",
    "workflow_state",
    "human_overrides",
    "decision_context",
]
SIGNALS: tuple[Signal, ...] = get_args(Signal)

EvidenceKind = Literal[
    "document",
    "user_notice",
    "policy",
    "log_sample",
    "data_extract",
    "evaluation",
    "drill",
    "training",
    "security_review",
    "dashboard",
]
EVIDENCE_KINDS: tuple[str, ...] = get_args(EvidenceKind)

Severity = Literal["low", "medium", "high", "critical"]
GapStatus = Literal["open", "mitigated", "closed"]
Classification = Literal["public", "internal", "confidential", "restricted"]
Role = Literal["business_owner", "support_owner", "security", "risk", "sponsor"]
ROLES: tuple[str, ...] = get_args(Role)
ReviewOutcome = Literal["approved", "approved_with_conditions", "rejected"]
CheckOutcome = Literal["passed", "failed"]
#: Ways of writing an outcome that mean one of the values above.
_OUTCOME_WORDS = {
    "approve": "approved",
    "conditional": "approved_with_conditions",
    "conditionally_approved": "approved_with_conditions",
    "approved_conditionally": "approved_with_conditions",
    "reject": "rejected",
    "pass": "passed",
    "fail": "failed",
}
DemoCondition = Literal[
    "clean_data",
    "hand_tuned_prompts",
    "narrow_workflow",
    "presenter_knowledge",
    "hidden_manual_help",
    "other",
]

MAX_TEXT = 20_000
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAK = re.compile(r"[\t\n\r]")


def control_character(text: str, *, one_line: bool = False) -> str | None:
    """The name of the first character of ``text`` that could disguise it, else None.

    C0 and C1 control characters, bidi overrides and isolates, and line separators can
    reorder text or drive a terminal; tab, line feed and carriage return are allowed
    unless the text is ``one_line``.
    """
    bad = _CONTROL.search(text) or (_LINE_BREAK.search(text) if one_line else None)
    if bad is None:
        return None
    return unicodedata.name(bad.group(), f"U+{ord(bad.group()):04X}")


def _plain_text(value: str) -> str:
    # Control characters and bidi overrides can disguise text in terminals and reports.
    name = control_character(value)
    if name:
        raise ValueError(f"contains the control character {name}")
    return value


def _one_line(value: str) -> str:
    if _LINE_BREAK.search(value):
        raise ValueError("contains a line break or tab; a name is one line")
    return value


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{shown(value)} is a number; write a date as YYYY-MM-DD")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number)]


def _outcome_word(allowed: tuple[str, ...], details: str) -> Any:
    """A validator: ``"Approved with conditions"`` -> ``approved_with_conditions``.

    An outcome is one word of ``allowed``; a sentence ("Approved, two findings closed")
    is refused with where its details belong, so the reason is not lost but written there.
    """

    def word(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the Literal names what is allowed
        key = re.sub(r"[\s-]+", "_", value.strip().lower())
        key = _OUTCOME_WORDS.get(key, key)
        if key in allowed:
            return key
        raise ValueError(
            f"unknown outcome {shown(value)}; write one of {', '.join(allowed)} "
            f"and put the details under {details}"
        )

    return word


#: The outcome of a security review (approved, approved with conditions, rejected).
Decision = Annotated[
    ReviewOutcome, BeforeValidator(_outcome_word(get_args(ReviewOutcome), "notes"))
]
#: The outcome of any recorded review, drill or training.
AnyOutcome = Annotated[
    ReviewOutcome | CheckOutcome,
    BeforeValidator(_outcome_word(get_args(ReviewOutcome) + get_args(CheckOutcome), "note")),
]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_plain_text)]
Name = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_plain_text), AfterValidator(_one_line)
]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


#: Marks a field whose question asks for a description: a few words are no answer
#: (``model.answers`` counts them against the catalogue's ``answers.min_description_words``).
DESCRIBE: dict[str, Any] = {"answer": "description"}
#: Marks a part of a section that may be left out without the section counting as unanswered.
OPTIONAL: dict[str, Any] = {"answer": "optional"}


class Section(BaseModel):
    """Base of every part of a record: unknown keys are mistakes, not extensions."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --- scope ---------------------------------------------------------------


class DemoConditionItem(Section):
    condition: DemoCondition = Field(
        description="Which condition made the demo work that real use will not have?"
    )
    description: Text = Field(
        description="What exactly was different in the demo?", json_schema_extra=DESCRIBE
    )
    real_use_handling: Text | None = Field(
        default=None,
        description="How will real use cope without this condition?",
        json_schema_extra=DESCRIBE,
    )


class ControlledUse(Section):
    users: Text | None = Field(
        default=None, description="Which users may use it during controlled use?"
    )
    max_daily_volume: int | None = Field(
        default=None, ge=0, description="At most how many requests a day during controlled use?"
    )
    max_users: int | None = Field(
        default=None,
        ge=0,
        description="At most how many distinct users during controlled use?",
        json_schema_extra=OPTIONAL,
    )


class Scope(Section):
    workflow: Text | None = Field(
        default=None,
        description="Which business workflow does it serve?",
        json_schema_extra=DESCRIBE,
    )
    ai_step: Text | None = Field(
        default=None,
        description="Which step of that workflow does the AI take?",
        json_schema_extra=DESCRIBE,
    )
    in_scope: list[Text] = Field(
        default_factory=list, description="Which cases is it meant to handle?"
    )
    out_of_scope: list[Text] = Field(
        default_factory=list, description="Which cases must it not handle?"
    )
    controlled_use: ControlledUse = Field(
        default_factory=ControlledUse, description="What are the limits of controlled use?"
    )
    user_expectations: list[Text] = Field(
        default_factory=list, description="What should users expect from it?"
    )
    never_assume: list[Text] = Field(
        default_factory=list, description="What must users never assume about it?"
    )
    demo_conditions: list[DemoConditionItem] = Field(
        default_factory=list, description="What made the demo work that real use will not have?"
    )


# --- data ----------------------------------------------------------------


class DataSource(Section):
    name: Name = Field(description="What is the data source called?")
    system_of_record: Text | None = Field(
        default=None, description="Which system is its system of record?"
    )
    owner: Text | None = Field(default=None, description="Who owns this data?")


class DataBoundaries(Section):
    may_use: list[Text] = Field(default_factory=list, description="Which data may it use?")
    must_not_use: list[Text] = Field(
        default_factory=list, description="Which data must it never use?"
    )
    classification: Classification | None = Field(
        default=None, description="What is the highest classification of data it touches?"
    )


class DataGap(Section):
    id: Slug = Field(description="A short id for this gap")
    description: Text = Field(
        description="What is known to be wrong or missing in the data?", json_schema_extra=DESCRIBE
    )
    severity: Severity | None = Field(default=None, description="How severe is it?")
    owner: Text | None = Field(default=None, description="Who is fixing it?")
    due: Date | None = Field(default=None, description="By when?")
    status: GapStatus = Field(default="open", description="Is it open, mitigated or closed?")
    closure_evidence: Text | None = Field(
        default=None,
        description="If closed: which cited evidence (its path or link) shows it is closed?",
    )
    columns: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        description="Which columns of the data extract does it concern? (links measured gaps)",
    )


class Data(Section):
    sources: list[DataSource] = Field(
        default_factory=list, description="Which data sources does it use?"
    )
    boundaries: DataBoundaries = Field(
        default_factory=DataBoundaries, description="What may it use, and what not?"
    )
    gaps: list[DataGap] = Field(
        default_factory=list, description="What is known to be wrong with the data (gap register)?"
    )
    grounding: Text | None = Field(
        default=None,
        description="How are its answers grounded in the organisation's own sources?",
        json_schema_extra=DESCRIBE,
    )

    def gaps_naming(self, columns: str) -> tuple[list[DataGap], list[DataGap]]:
        """Register entries naming any of ``columns`` (``"a, b"``): (open or mitigated, closed)."""
        wanted = {c.strip() for c in columns.split(",")}
        named = [g for g in self.gaps if wanted & set(g.columns)]
        return [g for g in named if g.status != "closed"], [
            g for g in named if g.status == "closed"
        ]


# --- trust ---------------------------------------------------------------


class FailureHandling(Section):
    wrong: Text | None = Field(
        default=None,
        description="What happens when its output is wrong?",
        json_schema_extra=DESCRIBE,
    )
    delayed: Text | None = Field(
        default=None, description="What happens when it is too slow?", json_schema_extra=DESCRIBE
    )
    blocked: Text | None = Field(
        default=None,
        description="What happens when it is blocked or refuses?",
        json_schema_extra=DESCRIBE,
    )
    unsafe: Text | None = Field(
        default=None,
        description="What happens when its output is unsafe?",
        json_schema_extra=DESCRIBE,
    )


class Thresholds(Section):
    latency_p95_ms: float | None = Field(
        default=None, gt=0, description="What 95th-percentile latency (ms) is acceptable?"
    )
    error_rate: float | None = Field(
        default=None, ge=0, le=1, description="What share of requests may fail (0 to 1)?"
    )
    quality_pass_rate: float | None = Field(
        default=None, ge=0, le=1, description="What share of evaluated cases must pass (0 to 1)?"
    )


class Trust(Section):
    evaluation: Text | None = Field(
        default=None, description="How is output quality evaluated?", json_schema_extra=DESCRIBE
    )
    guardrails: list[Text] = Field(
        default_factory=list, description="Which guardrails are in place?"
    )
    review_path: Text | None = Field(
        default=None,
        description="Who reviews questionable output, and how does it reach them?",
        json_schema_extra=DESCRIBE,
    )
    failure_handling: FailureHandling = Field(
        default_factory=FailureHandling, description="What happens when it fails?"
    )
    fallback: Text | None = Field(
        default=None,
        description="How does the work continue when the AI is unavailable?",
        json_schema_extra=DESCRIBE,
    )
    thresholds: Thresholds = Field(
        default_factory=Thresholds, description="Which performance must it keep?"
    )


# --- integration ----------------------------------------------------------


class IntegrationPoint(Section):
    system: Name = Field(description="Which system does it connect to?")
    interface_owner: Text | None = Field(default=None, description="Who owns this interface?")


class Integration(Section):
    systems: list[IntegrationPoint] = Field(
        default_factory=list, description="Which systems does it connect to?"
    )
    in_workflow: Text | None = Field(
        default=None,
        description="Where, in the tools people already use, does it appear?",
        json_schema_extra=DESCRIBE,
    )


# --- ownership -----------------------------------------------------------


class SupportOwner(Section):
    team: Text | None = Field(default=None, description="Which team supports it?")
    hours: Text | None = Field(default=None, description="During which hours?")
    contact: Text | None = Field(default=None, description="How is that team reached?")
    lead: Text | None = Field(
        default=None,
        description="Who leads that team and signs for it (the support owner's sign-off)?",
        json_schema_extra=OPTIONAL,
    )


class Escalation(Section):
    trigger: Text = Field(description="What triggers an escalation?")
    target: Text | None = Field(default=None, description="To whom does it escalate?")


class Enablement(Section):
    trained_team: Text | None = Field(
        default=None, description="Which team has been trained to run it without its builders?"
    )
    runbook: Text | None = Field(default=None, description="Where is the runbook?")


class Ownership(Section):
    business_owner: Text | None = Field(
        default=None, description="Who in the business owns its outcome?"
    )
    support_owner: SupportOwner = Field(
        default_factory=SupportOwner, description="Who supports it, when and how?"
    )
    escalation: list[Escalation] = Field(
        default_factory=list, description="When does it escalate, and to whom?"
    )
    change_control: Text | None = Field(
        default=None,
        description="How are changes to prompts, models and configuration controlled?",
        json_schema_extra=DESCRIBE,
    )
    enablement: Enablement = Field(
        default_factory=Enablement, description="Can the owning team run it without its builders?"
    )
    builders: list[Text] = Field(
        default_factory=list,
        description="Who built it? (A builder may not approve its waivers.)",
    )


# --- observability -------------------------------------------------------


class SignalPlan(Section):
    logged: bool = Field(description="Is this signal logged?")
    where: Text | None = Field(default=None, description="Where is it logged?")
    retention_days: int | None = Field(default=None, ge=0, description="How many days is it kept?")
    redacted: bool = Field(default=False, description="Is personal data redacted from it?")
    keeps_personal_data: bool = Field(
        default=False,
        description="If not redacted: have privacy and compliance decided it may keep personal "
        "data (the decision written in privacy_decisions)?",
    )
    reason: Text | None = Field(
        default=None, description="If it is not logged: why not (privacy, compliance, cost)?"
    )


class Observability(Section):
    logging_plan: dict[Signal, SignalPlan] = Field(
        default_factory=dict,
        description="For each of the nine signals: logged, where, how long, redacted?",
    )
    privacy_decisions: Text | None = Field(
        default=None,
        description="What did privacy and compliance decide about the logs?",
        json_schema_extra=DESCRIBE,
    )
    dashboards: list[Text] = Field(
        default_factory=list, description="Which dashboards show its health?"
    )
    alerts: list[Text] = Field(default_factory=list, description="Which alerts fire, and on what?")


# --- governance ----------------------------------------------------------


class OpenFindings(Section):
    critical: int = Field(default=0, ge=0, description="How many critical findings are open?")
    high: int = Field(default=0, ge=0, description="How many high findings are open?")
    medium: int = Field(default=0, ge=0, description="How many medium findings are open?")
    low: int = Field(default=0, ge=0, description="How many low findings are open?")


class SecurityReview(Section):
    reviewer: Text | None = Field(default=None, description="Who carried out the security review?")
    date: Date | None = Field(default=None, description="When?")
    outcome: Decision | None = Field(
        default=None,
        description="What did it decide: approved, approved_with_conditions or rejected?",
    )
    open_findings: OpenFindings | None = Field(
        default=None,
        description="How many of its findings are still open, by severity? (Left out: none.)",
        json_schema_extra=OPTIONAL,
    )
    notes: Text | None = Field(
        default=None,
        description="What did it find, and which conditions did it set?",
        json_schema_extra=DESCRIBE,
    )


class Governance(Section):
    usage_policy: Text | None = Field(
        default=None,
        description="What may it do, with what data, for whom?",
        json_schema_extra=DESCRIBE,
    )
    security_review: SecurityReview = Field(
        default_factory=SecurityReview, description="Has security reviewed it?"
    )
    risk_owner: Text | None = Field(
        default=None, description="Who owns its risk (signs in the risk role)?"
    )


# --- evidence, waivers, sign-offs -----------------------------------------


def _relative_path(value: str | None) -> str | None:
    # Absolute paths would leak the author's machine into shared dossiers.
    if value is not None and (value.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", value)):
        raise ValueError("must be relative to the record's folder")
    return value


# --- how evidence files are read -------------------------------------------

#: Where a log sample keeps each signal, besides the nine: when and which request.
LOG_TARGETS: tuple[str, ...] = (
    "timestamp",
    "request_id",
    "start_time",
    "end_time",
    "user",
    *SIGNALS,
)
_KEY = r'(?:[A-Za-z0-9_@$:/-]+|"[^"\\]{1,200}")'
_FIELD_PATH = rf"^{_KEY}(?:\.{_KEY})*$"
#: A field in a log record: ``a.b.c``; a key holding dots is quoted: ``attributes."gen_ai.system"``.
FieldPath = Annotated[str, Field(min_length=1, max_length=400, pattern=_FIELD_PATH)]
Column = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain_text)]
ColumnType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
#: How an evidence file is laid out, where its content alone does not say (``format:``).
#: ``auto`` (the default) decides by the file's first bytes and its top-level keys.
EvidenceFormat = Literal[
    "auto",
    "jsonl",  # one JSON object per line (also .jsonl.gz)
    "json",  # one JSON document; its records are at ``records`` (a list of objects)
    "csv",
    "parquet",
    "otlp",  # OpenTelemetry OTLP/JSON: resourceSpans / resourceLogs, a request per line
    "otel_console",  # the OpenTelemetry Python SDK's console exporters: objects back to back
    "promptfoo",  # promptfoo ``results.json``
    "inspect",  # inspect_ai log: ``.eval`` (zip) or ``.json``
    "lm_eval",  # lm-evaluation-harness ``samples_*.jsonl``
    "mlflow",  # MLflow ``eval_results_table.json`` (columns + data)
    "gx_validation",  # Great Expectations validation result (JSON)
]
EVIDENCE_FORMATS: tuple[str, ...] = get_args(EvidenceFormat)


class LogMapping(Section):
    preset: Literal["flat", "otel_genai"] = Field(
        default="flat",
        description="Which layout do the log lines follow: flat JSON fields, or OpenTelemetry "
        "GenAI spans?",
    )
    fields: dict[str, FieldPath] = Field(
        default_factory=dict,
        description="Which field carries each signal, where it differs from the preset?",
    )

    @field_validator("fields")
    @classmethod
    def _known_targets(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in LOG_TARGETS:
                near = difflib.get_close_matches(key, LOG_TARGETS, n=1)
                hint = f"did you mean '{near[0]}'? " if near else ""
                raise ValueError(
                    f"unknown signal {shown(key)}; {hint}known: {', '.join(LOG_TARGETS)}"
                )
        return value


class Freshness(Section):
    column: Column = Field(description="Which column holds the date of each row?")
    max_age_days: int = Field(ge=0, description="How old may the newest row be (days)?")


class ValueRange(Section):
    min: float | None = Field(default=None, description="Lowest value allowed (inclusive)")
    max: float | None = Field(default=None, description="Highest value allowed (inclusive)")

    @model_validator(mode="after")
    def _bounded(self) -> ValueRange:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


class DataExpectations(Section):
    required_columns: list[Column] = Field(
        default_factory=list, description="Which columns must the extract have?"
    )
    types: dict[Column, ColumnType] = Field(
        default_factory=dict, description="Which type must the values of each column have?"
    )
    allowed_values: dict[Column, list[str]] = Field(
        default_factory=dict, description="Which values may each column take?"
    )
    unique_key: list[Column] = Field(
        default_factory=list, description="Which columns together identify a row?"
    )
    max_missing_share: dict[Column, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="What share of each column may be empty (0 to 1)?",
    )
    freshness: Freshness | None = Field(
        default=None, description="How recent must the newest row be?"
    )
    ranges: dict[Column, ValueRange] = Field(
        default_factory=dict,
        description="Between which values must each column's values lie?",
    )
    unique_columns: list[Column] = Field(
        default_factory=list, description="Which columns must each hold no repeated value?"
    )
    suite: Annotated[Text | None, AfterValidator(_relative_path)] = Field(
        default=None,
        description="Which expectation suite (Great Expectations JSON, or a pandera schema "
        "in YAML or JSON) declares more, relative to this record's folder?",
    )


class EvalColumns(Section):
    case: Column = Field(default="case_id", description="Which column identifies the case?")
    passed: Column | None = Field(
        default=None, description="Which column says pass (1, true, pass) or fail? Default: passed"
    )
    score: Column | None = Field(default=None, description="Or which column holds a score?")
    pass_mark: float | None = Field(
        default=None, description="Which score passes (score >= pass mark)?"
    )
    slice: Column | None = Field(
        default=None, description="Which column names the slice? Default: slice, if present"
    )

    @model_validator(mode="after")
    def _pass_rule(self) -> EvalColumns:
        if self.score is not None and self.pass_mark is None:
            raise ValueError("a score column needs a pass_mark")
        if self.score is not None and self.passed is not None:
            raise ValueError("give either passed or score with pass_mark, not both")
        return self


#: The outcomes each kind of reviewed or exercised evidence can record.
OUTCOMES_OF: dict[str, tuple[str, ...]] = {
    "security_review": get_args(ReviewOutcome),
    "drill": get_args(CheckOutcome),
    "training": get_args(CheckOutcome),
}
#: Which inspection settings belong to which evidence kind.
SETTINGS_KIND = {"mapping": "log_sample", "expectations": "data_extract", "columns": "evaluation"}
MEASURED_KINDS = ("log_sample", "data_extract", "evaluation")
#: The fields of an evidence item that decide what measuring its file gives.
MEASURE_SETTINGS = frozenset({"kind", "mapping", "expectations", "columns", "format", "records"})
#: Measuring a file costs a query engine's start and a pass over the data (tenths of a
#: second even for a small file); the shipped records measure at most five, so fifty
#: leaves room for years of monthly samples while a record of 10,000 citations, each
#: asking for a different reading, is refused in one line instead of running for hours.
MAX_MEASURED = 50


def cited_file(path: str) -> tuple[str, ...]:
    """The parts of a cited path below the record's folder, ``.`` and ``..`` resolved.

    ``./a.jsonl``, ``sub/../a.jsonl`` and ``a.jsonl`` name one file: it is read once.
    A path climbing above the folder keeps its ``..`` (it is refused when opened).
    """
    parts: list[str] = []
    for part in Path(path).parts:
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return tuple(parts)


#: Which evidence kinds each format can be read for (a tool's format for its own kind).
_FORMAT_KINDS: dict[str, tuple[str, ...]] = {
    **{f: MEASURED_KINDS for f in ("jsonl", "json", "csv", "parquet")},
    "otlp": ("log_sample",),
    "otel_console": ("log_sample",),
    **{f: ("evaluation",) for f in ("promptfoo", "inspect", "lm_eval", "mlflow")},
    "gx_validation": ("data_extract",),
}


class EvidenceItem(Section):
    kind: EvidenceKind = Field(description="What kind of evidence is this?")
    path: Annotated[Text | None, AfterValidator(_relative_path)] = Field(
        default=None, description="Which file, relative to this record's folder?"
    )
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)] | None = Field(
        default=None, description="Or which link?"
    )
    date: Date = Field(description="When was this evidence produced?")
    note: Text | None = Field(default=None, description="What does it show?")
    mapping: LogMapping | None = Field(
        default=None, description="Log sample: which fields carry which signal?"
    )
    expectations: DataExpectations | None = Field(
        default=None, description="Data extract: what must hold for the data?"
    )
    columns: EvalColumns | None = Field(
        default=None, description="Evaluation results: which columns hold case, result, slice?"
    )
    format: EvidenceFormat | None = Field(
        default=None,
        description="How is the file laid out (left out or auto: decided from its content)?",
    )
    records: FieldPath | None = Field(
        default=None,
        description="One JSON document: which field holds the list of records "
        "(e.g. results.results)?",
    )
    outcome: AnyOutcome | None = Field(
        default=None,
        description="Review, drill or training: what was the outcome (approved, "
        "approved_with_conditions, rejected; passed, failed)?",
    )
    open_findings: OpenFindings | None = Field(
        default=None, description="Review: how many findings are still open, by severity?"
    )

    @model_validator(mode="after")
    def _one_location(self) -> EvidenceItem:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of path or url")
        for name, kind in SETTINGS_KIND.items():
            if getattr(self, name) is not None and self.kind != kind:
                raise ValueError(f"{name} belongs to {kind} evidence, not {self.kind}")
        if self.outcome is not None and self.kind in SETTINGS_KIND.values():
            raise ValueError(f"{self.kind} evidence is measured; an outcome is for a review, "
                             "drill or training")  # fmt: skip
        fits = _FORMAT_KINDS.get(self.format or "auto")
        if fits is not None and self.kind not in fits:
            raise ValueError(
                f"format {self.format} is read for {' or '.join(fits)} evidence, not {self.kind}"
            )
        if self.records is not None and self.kind not in SETTINGS_KIND.values():
            raise ValueError(f"records belongs to measured evidence, not {self.kind}")
        if self.records is not None and self.format not in (None, "auto", "json"):
            raise ValueError(f"records is for a JSON document; format {self.format} knows its own")
        allowed = OUTCOMES_OF.get(self.kind)
        if self.outcome is not None and allowed and self.outcome not in allowed:
            raise ValueError(
                f"{self.kind} outcome {self.outcome} is not one of {', '.join(allowed)}"
            )
        return self

    @property
    def location(self) -> str:
        return self.path if self.path is not None else str(self.url)


class Waiver(Section):
    criterion: Name = Field(description="Which criterion is waived?")
    reason: Text = Field(min_length=1, description="Why may the initiative advance without it?")
    approver: Name = Field(description="Who approved the waiver?")
    granted: Date | None = Field(default=None, description="When was the waiver granted?")
    expires: Date = Field(description="When does the waiver expire?")


class NotApplicable(Section):
    criterion: Name = Field(description="Which criterion does not apply?")
    justification: Text | None = Field(
        default=None, description="Why does it not apply? (Without a reason it counts as missing.)"
    )


class SignOff(Section):
    gate: Literal["mvp", "production_candidate", "production"] = Field(
        description="Which gate is signed off?"
    )
    name: Name = Field(description="Who signs?")
    role: Role = Field(description="In which role?")
    date: Date = Field(description="When?")
    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{12,64}$")] = Field(
        description="The assessment digest that was signed (at least 12 hex characters)"
    )


class Record(Section):
    """One AI initiative, as its team describes it."""

    schema_version: Literal[1] = Field(description="Version of this record format")
    id: Slug = Field(description="A short, stable id (lower case, digits, - and _)")
    name: Name = Field(description="What is the initiative called?")
    summary: Text | None = Field(default=None, description="What does it do, in two sentences?")
    sponsor: Text | None = Field(default=None, description="Who sponsors it?")
    stage: Stage = Field(description="Which construction stage does the team claim?")
    target_stage: Stage | None = Field(
        default=None, description="Which stage is it aiming for next?"
    )
    scope: Scope = Field(
        default_factory=Scope,
        description="Is the workflow, its boundaries and what users may expect defined? "
        "What made the demo work that real use will not have?",
    )
    data: Data = Field(
        default_factory=Data,
        description="Which data does it use and may it use, and what is known to be wrong with it?",
    )
    trust: Trust = Field(
        default_factory=Trust,
        description="How is it evaluated and guarded, and what happens when it is wrong?",
    )
    integration: Integration = Field(
        default_factory=Integration,
        description="Does it live inside the systems where the work happens, with an owner "
        "for each interface?",
    )
    ownership: Ownership = Field(
        default_factory=Ownership,
        description="Who owns it, supports it, is escalated to, and can run it without its "
        "builders?",
    )
    observability: Observability = Field(
        default_factory=Observability,
        description="What is logged, kept and redacted; can a questionable answer be "
        "reconstructed?",
    )
    governance: Governance = Field(
        default_factory=Governance,
        description="What may it do, with what data, for whom; who reviewed and signed it?",
    )
    evidence: list[EvidenceItem] = Field(
        default_factory=list, description="What evidence backs the claims?"
    )
    waivers: list[Waiver] = Field(
        default_factory=list, description="Which criteria are waived, until when?"
    )
    not_applicable: list[NotApplicable] = Field(
        default_factory=list, description="Which criteria do not apply, and why?"
    )
    signoffs: list[SignOff] = Field(default_factory=list, description="Who signed off which gate?")
    catalogue_pin: Annotated[str, Field(pattern=r"^[0-9a-f]{12,64}$")] | None = Field(
        default=None,
        description="Which gate catalogue (its fingerprint, at least 12 hex characters) is it "
        "held to, even if the catalogue in use is relaxed later?",
    )

    @field_validator("target_stage")
    @classmethod
    def _target_above_claim(cls, value: str | None, info: ValidationInfo) -> str | None:
        claimed = info.data.get("stage")
        if value is not None and claimed and STAGES.index(value) <= STAGES.index(claimed):
            raise ValueError(f"{value} is not above the claimed stage {claimed}")
        return value

    @field_validator("evidence")
    @classmethod
    def _measured_within_reason(cls, value: list[EvidenceItem]) -> list[EvidenceItem]:
        measured = {
            (cited_file(e.path), e.model_dump_json(include=set(MEASURE_SETTINGS)))
            for e in value
            if e.path is not None and e.kind in MEASURED_KINDS
        }
        if len(measured) > MAX_MEASURED:
            raise ValueError(
                f"{len(measured):,} measured files or readings are cited (log samples, data "
                f"extracts, evaluations); at most {MAX_MEASURED} are measured for one record"
            )
        return value

    @field_validator("not_applicable")
    @classmethod
    def _one_decision_per_criterion(
        cls, value: list[NotApplicable], info: ValidationInfo
    ) -> list[NotApplicable]:
        named = [n.criterion for n in value]
        # Counted once, not per entry: 60,000 entries fit in a record file.
        repeated = sorted(c for c, n in collections.Counter(named).items() if n > 1)
        if repeated:
            raise ValueError(f"{shown(repeated[0], quoted=False)} is named more than once")
        waived = {w.criterion for w in info.data.get("waivers", [])}
        both = sorted(set(named) & waived)
        if both:
            raise ValueError(
                f"{shown(both[0], quoted=False)} is also waived; "
                "a criterion is either waived or not applicable"
            )
        return value


def _loc(parts: tuple[Any, ...]) -> str:
    """``('evidence', 0, 'date')`` -> ``evidence[0].date``; long keys are cut."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            text = shown(str(part), quoted=False)  # a key is user text too
            out += f".{text}" if out else text
    return out or "(top level)"


def _known_keys(parts: tuple[Any, ...], model: type[BaseModel]) -> list[str]:
    """The keys allowed where an unknown key was found."""
    ann: Any = model
    for part in parts[:-1]:
        if isinstance(part, int) or typing.get_origin(ann) in (list, dict):
            args: tuple[Any, ...] | list[Any] = typing.get_args(ann)
            ann = args[-1] if args else ann
            if isinstance(part, int):
                continue
        if isinstance(ann, type) and issubclass(ann, BaseModel) and part in ann.model_fields:
            ann = ann.model_fields[part].annotation
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            ann = args[0] if len(args) == 1 and typing.get_origin(ann) is not list else ann
    if typing.get_origin(ann) in (list, dict):
        ann = typing.get_args(ann)[-1]
    return list(ann.model_fields) if isinstance(ann, type) and issubclass(ann, BaseModel) else []


#: The hint for text that YAML 1.2 reads as a number or a boolean.
QUOTE_IT = "write it in quotes to keep it as text"


def _read_as(given: Any, typed: str | None) -> tuple[str, str]:
    """(problem, expected) for a number or boolean where text belongs, quoting what was typed."""
    what = "a boolean" if isinstance(given, bool) else "a number"
    if typed is None:  # no YAML text to quote from (a catalogue, data built in code)
        return f"got {shown(given)}, {what}", f"text; {QUOTE_IT}"
    return (
        f"got {shown(typed, quoted=False)}, which YAML 1.2 reads as {what}",
        f"text; {QUOTE_IT}: {shown(typed)}",
    )


def describe_error(
    err: Any, model: type[BaseModel] | None = None, text: str | None = None
) -> tuple[str, str, str | None]:
    """Turn one pydantic error into (field path, problem, expected).

    ``text`` is the YAML the data was read from, if any: a value it read as a number or a
    boolean where text belongs is then quoted as typed (``1e3``, not ``1000.0``).
    """
    loc = _loc(err["loc"])
    kind = err["type"]
    given = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "string_type" and isinstance(given, int | float):  # bool included
        return loc, *_read_as(given, typed_text(text, err["loc"]) if text else None)
    given_shown = shown(given)
    msg = err["msg"]
    if kind == "missing":
        return loc, "required field is missing", None
    if kind == "extra_forbidden":
        known = _known_keys(err["loc"], model or Record)
        return loc, "unknown field", f"one of {', '.join(known)}" if known else None
    choices = f"one of {ctx.get('expected', '')}".replace("'", "")
    if given is None:
        return loc, "no value given", choices if kind == "literal_error" else None
    if kind == "literal_error":
        return loc, f"unknown value {given_shown}", choices
    if kind == "string_pattern_mismatch":
        return loc, f"value {given_shown} has the wrong form", f"text matching {ctx.get('pattern')}"
    if kind.startswith("date") or kind == "datetime_from_date_parsing":
        return loc, f"got {given_shown}", "a date written YYYY-MM-DD"
    if kind in ("value_error", "assertion_error"):
        return loc, msg.removeprefix("Value error, ").removeprefix("Assertion failed, "), None
    for lead in ("Input should be ", "String should ", "List should ", "Dictionary should "):
        if msg.startswith(lead):
            noun = {"String should ": "text that should ", "List should ": "a list that should "}
            return loc, f"got {given_shown}", noun.get(lead, "") + msg.removeprefix(lead)
    return loc, msg, None


def validation_problems(
    path: Path | str,
    exc: ValidationError,
    text: str | None = None,
    *,
    model: type[BaseModel] | None = None,
) -> list[RecordError]:
    """Every problem pydantic found, each a RecordError naming its field.

    ``text``: the YAML the record was read from, so values are quoted as typed.
    ``model``: what was validated, when not a Record (it names the keys an unknown one
    could have been).
    """
    found = []
    for err in exc.errors():
        loc, problem, expected = describe_error(err, model, text=text)
        found.append(RecordError(problem, path=path, field=loc, expected=expected))
    return found


def validation_error(
    path: Path | str,
    exc: ValidationError,
    text: str | None = None,
    *,
    model: type[BaseModel] | None = None,
) -> RecordError:
    """All problems as one error: a RecordError for one, RecordProblems for several."""
    found = validation_problems(path, exc, text, model=model)
    return found[0] if len(found) == 1 else RecordProblems(found)


def parse_record(data: dict[str, Any], path: Path | str, text: str | None = None) -> Record:
    """Validate a mapping as a Record, naming the file in any error.

    ``text``, the YAML ``data`` was parsed from, lets an error quote a value as typed.
    """
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise RecordError(
            "missing" if version is None else f"unsupported version {shown(version)}",
            path=path,
            field="schema_version",
            expected=f"{SCHEMA_VERSION}",
        )
    try:
        return Record.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, exc, text) from None


def load_record(path: Path) -> Record:
    """Load and validate one record file."""
    text = read_text(path, RecordError, WHAT)
    return parse_record(parse_mapping(text, path, RecordError, WHAT), path, text)


def record_schema() -> dict[str, Any]:
    """JSON Schema of the record, for editors and validators."""
    schema = Record.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "AI initiative readiness record"
    return schema


def get_field(record: BaseModel, path: str) -> Any:
    """The value at a dotted path (``ownership.support_owner.team``)."""
    value: Any = record
    for part in path.split("."):
        value = getattr(value, part)
    return value
