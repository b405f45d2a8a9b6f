"""The organisation's rules beside the criteria: what counts as an answer, a sample, a limit.

A catalogue states them once for every criterion (``answers``, ``outcomes``,
``min_sample``, ``limits``, ...). Where a catalogue is silent the defaults
below apply: they are what a strict but fair reviewer would accept, and
``templates/gates/default.yaml`` spells them out with the reasons.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Every outcome a review, drill or training can record.
OutcomeValue = Literal["approved", "approved_with_conditions", "rejected", "passed", "failed"]
Severity = Literal["low", "medium", "high", "critical"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerRules(_Rule):
    """When a written answer counts as answered."""

    #: Whole answers that say nothing (compared case-insensitively, ignoring punctuation).
    placeholders: tuple[str, ...] = (
        "tbd", "tbc", "todo", "to do", "n/a", "na", "n.a", "-", "?", "see wiki", "none yet", "yes",
        "no", "none", "unknown", "pending", "wip", "later", "soon", "coming soon",
        "to be defined", "to be decided", "to be confirmed", "to be agreed", "to be done",
        "see confluence", "see sharepoint", "see doc", "see docs", "see documentation",
        "see above", "see below", "as above", "same as above", "see attached", "see link",
        "xxx", "placeholder", "lorem ipsum", "nothing", "ok", "done", "fine", "various",
        "misc", "etc", "not needed", "not applicable", "not required", "not relevant",
        "no need", "does not apply", "irrelevant", "none so far", "not yet",
        "in progress", "ask the team", "the team", "everyone", "someone",
    )  # fmt: skip
    #: Answers starting with one of these (then a space or punctuation) are placeholders too.
    placeholder_leads: tuple[str, ...] = ("tbd", "tbc", "todo", "wip", "n/a", "to be defined",
                                          "to be decided", "to be confirmed")  # fmt: skip
    #: A question that asks for a description needs at least this many words.
    min_description_words: int = Field(default=5, ge=1)
    #: A not-applicable justification or a waiver reason needs at least this many words.
    min_justification_words: int = Field(default=8, ge=1)
    #: ... of which at least this many distinct words that are not filler ("because this is
    #: not needed here at all" has one: "needed").
    min_justification_content_words: int = Field(default=3, ge=0)
    #: Regular expressions searched in the normalised answer (lower case, ends trimmed):
    #: a placeholder hidden in a longer text is still one.
    placeholder_patterns: tuple[str, ...] = (
        r"\blorem ipsum\b",
        r"\b(?:tbd|tbc|todo)\b",
        r"^(?:(?:still|yet|all) )?to be (?:confirmed|decided|defined|determined|agreed|done"
        r"|completed|written|added|documented|clarified|discussed)\b",
    )
    #: A description that only points elsewhere, in one sentence, describes nothing.
    pointer_patterns: tuple[str, ...] = (
        r"^(?:please )?(?:see|refer to|check|consult|look at|ask)\b[^.;:]*\b(?:wiki|confluence"
        r"|sharepoint|page|doc|docs|document|documentation|link|attachment|attached|above"
        r"|below|team|owner|runbook|ticket)\b[^.;:]*$",
    )

    @field_validator("placeholder_patterns", "pointer_patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"[{i}] is not a regular expression: {exc}") from None
        return value


class OutcomeRule(_Rule):
    """Which recorded outcomes of one evidence kind satisfy a criterion."""

    passing: tuple[OutcomeValue, ...] = Field(min_length=1)
    #: Findings still open, by severity, that are tolerated (a severity not named: any number).
    max_open_findings: dict[Severity, int] = Field(default_factory=dict)


def _default_outcomes() -> dict[str, OutcomeRule]:
    return {
        "security_review": OutcomeRule(
            passing=("approved", "approved_with_conditions"),
            max_open_findings={"critical": 0, "high": 0},
        ),
        "drill": OutcomeRule(passing=("passed",)),
        "training": OutcomeRule(passing=("passed",)),
    }


class SampleRule(_Rule):
    """The smallest sample a measured verdict may rest on."""

    #: Log records, evaluation cases or extract rows.
    records: int = Field(default=1, ge=1)
    #: Calendar days from the first to the last timestamp, both counted (log samples); the
    #: time between them must also be at least ``span_days - 1`` full days.
    span_days: int = Field(default=1, ge=1)
    #: Days whose records count (log samples): each needs ``min_day_share`` of the mean.
    active_days: int = Field(default=1, ge=1)
    #: The share of the mean records per calendar day of the span a day must hold to count
    #: as active: a day with one record pads the calendar, it shows no day's work.
    min_day_share: float = Field(default=0.1, ge=0, le=1)


def _default_samples() -> dict[str, SampleRule]:
    return {
        "log_sample": SampleRule(records=200, span_days=7, active_days=5),
        "evaluation": SampleRule(records=30),
        "data_extract": SampleRule(records=30),
    }


class Limits(_Rule):
    """The organisation's outer limits: a record's threshold may be stricter, never looser."""

    latency_p95_ms: float = Field(default=10_000, gt=0)
    error_rate: float = Field(default=0.10, ge=0, le=1)
    quality_pass_rate: float = Field(default=0.70, ge=0, le=1)


class Plausibility(_Rule):
    """Settings and measurements that are not believable are flagged, not counted."""

    #: A median latency below this is not a language-model call: seconds read as
    #: milliseconds, or answers from a cache.
    min_latency_ms: float = Field(default=50, ge=0)
    #: The fewest words a text document (notice, policy, drill report, ...) must hold.
    min_document_words: int = Field(default=20, ge=1)
    #: The share of distinct inputs below which traffic looks canned (a load test).
    min_distinct_input_share: float = Field(default=0.5, ge=0, le=1)
    #: How many days after its last log entry a log sample may be dated.
    max_redate_days: int = Field(default=2, ge=0)
    #: How much of a data extract's column a record may declare may be missing.
    max_missing_share: float = Field(default=0.2, ge=0, le=1)
    #: How old a data extract's newest row may be declared acceptable (days).
    max_freshness_days: int = Field(default=90, ge=0)
    #: The fewest expectations a data extract must declare.
    min_expectations: int = Field(default=3, ge=1)
    #: Values in an evaluation's slice, source or case-id columns that mark a synthetic case.
    synthetic_markers: tuple[str, ...] = ("synthetic", "generated", "simulated", "augmented",
                                          "fake", "dummy", "template")  # fmt: skip


class ControlledUseRule(_Rule):
    """How far above its declared controlled use an initiative may be measured."""

    #: A busiest day up to this share above the declared daily ceiling is noise.
    tolerance: float = Field(default=0.10, ge=0)


class WaiverRules(_Rule):
    """What a waiver needs to count."""

    max_days: int = Field(default=180, ge=1)
    #: Record roles whose holder may not approve a waiver for the initiative.
    independent_of: tuple[Literal["sponsor", "builders", "business_owner"], ...] = (
        "sponsor",
        "builders",
    )


#: Which record field names the person holding each role.
DEFAULT_ROLES: dict[str, str] = {
    "business_owner": "ownership.business_owner",
    "support_owner": "ownership.support_owner.lead",
    "security": "governance.security_review.reviewer",
    "risk": "governance.risk_owner",
    "sponsor": "sponsor",
}


class Rules(_Rule):
    """Everything besides the criteria that decides a verdict."""

    answers: AnswerRules = Field(default_factory=AnswerRules)
    outcomes: dict[str, OutcomeRule] = Field(default_factory=_default_outcomes)
    min_sample: dict[str, SampleRule] = Field(default_factory=_default_samples)
    limits: Limits = Field(default_factory=Limits)
    plausibility: Plausibility = Field(default_factory=Plausibility)
    controlled_use: ControlledUseRule = Field(default_factory=ControlledUseRule)
    waivers: WaiverRules = Field(default_factory=WaiverRules)
    roles: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ROLES))
    #: Evidence kinds that must show this initiative's own system: a file (by digest)
    #: cited by two initiatives counts for neither.
    own_evidence: tuple[str, ...] = ("log_sample", "evaluation")

    def judging(self) -> dict[str, Any]:
        """What the catalogue fingerprint covers (all of it: every rule decides verdicts)."""
        return self.model_dump(mode="json")


#: The catalogue's top-level keys that are rules (parsed into ``Rules``).
RULE_KEYS: tuple[str, ...] = tuple(Rules.model_fields)


def sample_for(rules: Rules, kind: str, override: SampleRule | None = None) -> SampleRule | None:
    """The minimum sample for evidence of ``kind``: the catalogue's, with a criterion's override.

    Only the fields a criterion sets override (``min_sample: {records: 100}`` keeps the
    catalogue's time span). None when the catalogue sets no minimum for the kind.
    """
    base = rules.min_sample.get(kind)
    if override is None:
        return base
    given = override.model_dump(include=override.model_fields_set)
    return (base or SampleRule()).model_copy(update=given)


def outcome_problem(
    outcome: str | None, open_findings: Any, rule: OutcomeRule, what: str
) -> tuple[str, str] | None:
    """Why a recorded outcome does not satisfy ``rule``, as (status, detail); None if it does.

    ``open_findings`` is an ``OpenFindings`` (or None); ``what`` names the thing judged
    ("the security review", "drill evidence x.md").
    """
    passing = ", ".join(v.replace("_", " ") for v in rule.passing)
    if outcome is None:
        return "unverified", f"{what} records no outcome; it counts only as {passing}"
    if outcome not in rule.passing:
        shown = outcome.replace("_", " ")
        return "failed", f"{what} records the outcome {shown}; only {passing} counts"
    if rule.max_open_findings and open_findings is None and outcome != "approved":
        # "With conditions" says findings remain; how many, and how severe, decides.
        return "unverified", (
            f"{what} records {outcome.replace('_', ' ')} but not its open findings by "
            "severity (open_findings)"
        )
    over = [
        f"{n} {severity}"
        for severity, most in rule.max_open_findings.items()
        if (n := getattr(open_findings, severity, 0) or 0) > most
    ]
    if over:
        allowed = ", ".join(f"{m} {s}" for s, m in rule.max_open_findings.items())
        return "failed", (
            f"{what} has {' and '.join(over)} finding(s) still open; at most {allowed} may be open"
        )
    return None


def looser_than_limits(thresholds: Any, limits: Limits) -> list[str]:
    """Each threshold of ``thresholds`` (``trust.thresholds``) that is looser than the limits."""
    out = []
    latency = getattr(thresholds, "latency_p95_ms", None)
    if latency is not None and latency > limits.latency_p95_ms:
        out.append(
            f"latency_p95_ms {latency:,g} ms is looser than the organisation's limit of "
            f"{limits.latency_p95_ms:,g} ms (limits.latency_p95_ms)"
        )
    errors = getattr(thresholds, "error_rate", None)
    if errors is not None and errors > limits.error_rate:
        out.append(
            f"error_rate {errors:g} is looser than the organisation's limit of "
            f"{limits.error_rate:g} (limits.error_rate)"
        )
    quality = getattr(thresholds, "quality_pass_rate", None)
    if quality is not None and quality < limits.quality_pass_rate:
        out.append(
            f"quality_pass_rate {quality:g} is looser than the organisation's limit of "
            f"{limits.quality_pass_rate:g} (limits.quality_pass_rate)"
        )
    return out
