"""The summary contract: what a batch run writes and the portfolio reads.

A run writes ``summary.json`` (and ``summary.csv``, from the same objects) into
its output folder; the portfolio notebook and dashboards read it back. Both
sides go through the models below, so what is validated before the write is
what every reader sees. The contract is versioned (``summary_version``) and
strict: unknown keys are refused, numbers are not read from text, dates are
written ``YYYY-MM-DD``, a dossier link is a plain ``name.html`` beside the
summary. A bad file is refused with one line naming the file and the field.

Every verdict in it (supported stage, overclaimed, blockers and who must act
on each, which waiver counts and which has expired, what changed and whether
the stage went down) was decided by the model; readers present it, never
recompute it. A summary of another version is refused with one line (run the
batch again): read as this version, it would say "none" where nothing was
asked. It lives in the model so that the batch (which writes it) and the
portfolio views (which read it) both depend on it, and not on each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from workbook.errors import SummaryError, one_line
from workbook.model.actors import actors_for, role_actor
from workbook.model.criteria import Gate, Status
from workbook.model.history import NO_CHANGES, Changes, Outcome
from workbook.model.records import Area, Stage, validation_error
from workbook.model.yamlio import shown

if TYPE_CHECKING:
    from workbook.model.assess import Assessment

#: 2: uncontrolled use, goalpost shifts and shared evidence files per initiative.
#: 3: who must act on each blocker (``Blocker.who``) and each initiative's business owner.
SUMMARY_VERSION: Literal[3] = 3
#: The files a batch run writes into its output folder.
SUMMARY_NAME = "summary.json"
CSV_NAME = "summary.csv"
#: A summary is data a program wrote; anything this large is not one.
MAX_SUMMARY_BYTES = 32 * 1024 * 1024
#: A dossier link is a plain file name beside summary.json, nothing else.
DOSSIER_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.html")
CSV_COLUMNS = (
    "id",
    "name",
    "path",
    "claimed_stage",
    "supported_stage",
    "overclaimed",
    "weakest_area",
    "blockers",
    "outcome",
    "dossier",
    "error",
)


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # built in Python by the batch
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"got {shown(value)} (expected a date YYYY-MM-DD)")


def _dossier_name(value: str) -> str:
    if not DOSSIER_NAME.fullmatch(value):
        raise ValueError(f"got {shown(value)} (expected a file name like <id>.html, or null)")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, Field(min_length=1)]
DossierName = Annotated[str, AfterValidator(_dossier_name)]


class Contract(BaseModel):
    """Unknown keys are mistakes; values are not coerced from other types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Gates(Contract):
    mvp: bool
    production_candidate: bool
    production: bool


class Readiness(Contract):
    met: int
    total: int


class Result(Contract):
    criterion: Text
    gate: Gate
    status: Status


class Actor(Contract):
    """Who must act on a blocker (``model/actors.py``): a role, and the person if named."""

    #: A role key of ``model.actors.ROLE_LABELS`` (or a catalogue's own role).
    role: Text
    #: The person the record names for it; null: nobody named yet.
    name: str | None


class Blocker(Contract):
    """A condition not yet met, with the question it asks and who must act on it."""

    criterion: Text
    gate: Gate
    area: Area
    status: Status
    detail: str
    question: str
    satisfied_by: str
    #: Never empty as a run writes it; empty only in a summary written by hand.
    who: list[Actor] = Field(default_factory=list)


class Waiver(Contract):
    criterion: Text
    approver: str
    expires: IsoDate
    #: It counts and its date has passed: the criterion is judged as if unwaived.
    expired: bool
    #: A renewal replaced it: it neither counts nor expires.
    superseded: bool


class Signoff(Contract):
    gate: Gate
    name: str
    role: str
    date: IsoDate
    current: bool


class Change(Contract):
    """A catalogue setting that differs: a criterion's field or a rule, before and now."""

    where: Text
    old: str
    new: str


class Goalpost(Contract):
    """A gate that passes only under the catalogue in use (``model.goalposts``)."""

    kind: Literal["changed", "pinned", "pin_missing"]
    gate: Gate | None
    #: The other catalogue's fingerprint (for ``pin_missing``: the pin as written).
    catalogue: Text
    catalogue_name: str | None
    since: IsoDate | None
    removed: list[Text]
    relaxed: list[Change]
    rules: list[Change]
    #: The sentence the headline carries.
    text: Text


class SharedFile(Contract):
    """An evidence file this initiative cites that other initiatives cite too."""

    kind: Text
    location: str
    sha256: Text
    cited_by: list[Text]


class Initiative(Contract):
    """One assessed record and what the run did with it."""

    id: Text
    name: Text
    path: str
    claimed_stage: Stage
    target_stage: Stage | None
    supported_stage: Stage
    overclaimed: bool
    shadow_production: str | None
    #: What the logs show beyond the declared controlled use, or null.
    uncontrolled_use: str | None
    #: Gates that pass only because the catalogue changed, or that a pin holds back.
    goalposts: list[Goalpost]
    #: Evidence files other initiatives of the run cite too (the very same bytes).
    shared_evidence: list[SharedFile]
    next_gate: Gate | None
    weakest_area: Area | None
    #: The business owner the record names (a person, not a placeholder), or null.
    owner: str | None = None
    headline: str
    digest: str
    gates: Gates
    readiness: dict[Area, Readiness]
    results: list[Result]
    blockers: list[Blocker]
    waivers: list[Waiver]
    signoffs: list[Signoff]
    outcome: Outcome
    dossier: DossierName | None
    error: str | None
    #: Since the run's previous finished run (``Summary.previous_run_id``).
    changes: Changes


class Failed(Contract):
    """A record that could not be assessed."""

    path: str
    error: str


class Summary(Contract):
    """One batch run: every initiative's assessment, what the run did, what changed."""

    summary_version: Literal[3]
    generated_at: str
    as_of: IsoDate
    catalogue: str
    run_id: int | None
    previous_run_id: int | None
    initiatives: list[Initiative]
    failed: list[Failed]

    def to_json(self) -> str:
        return self.model_dump_json(indent=1)

    def to_csv(self) -> str:
        """One row per initiative, then one per record not assessed; no cell is a formula."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        for i in self.initiatives:
            writer.writerow(
                inert(
                    [
                        i.id,
                        i.name,
                        i.path,
                        i.claimed_stage,
                        i.supported_stage,
                        i.overclaimed,
                        i.weakest_area or "",
                        len(i.blockers),
                        i.outcome,
                        i.dossier or "",
                        i.error or "",
                    ]
                )
            )
        for f in self.failed:
            writer.writerow(inert(["", "", f.path, "", "", "", "", "", "invalid", "", f.error]))
        return buf.getvalue()


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(row: list[Any]) -> list[Any]:
    """Text cells a spreadsheet would run as a formula, quoted with a leading apostrophe.

    Spreadsheet tools hide the apostrophe and show the text as typed; numbers and
    booleans are written as they are (no initiative has a negative count).
    """
    return [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row]


# --- building: from the model's assessment -------------------------------------------


def initiative(
    a: Assessment,
    *,
    path: str,
    outcome: Outcome,
    dossier: str | None = None,
    error: str | None = None,
    changes: Changes = NO_CHANGES,
) -> Initiative:
    """The summary entry of one assessment, as the model decided it."""
    data = a.to_dict()
    own = {"path", "outcome", "dossier", "error", "changes", "shared_evidence", "owner"}
    keep = set(Initiative.model_fields) - own
    shared = [
        {
            "kind": f.item.kind,
            "location": f.item.location,
            "sha256": f.sha256,
            "cited_by": list(a.evidence.shared_with(f)),
        }
        for f in a.evidence.items
        if a.evidence.shared_with(f)
    ]
    return Initiative.model_validate(
        {
            **{k: v for k, v in data.items() if k in keep},
            "shared_evidence": shared,
            "blockers": [
                {
                    **{k: b[k] for k in Blocker.model_fields if k != "who"},
                    "who": [
                        {"role": x.role, "name": x.name}
                        for x in actors_for(r.criterion, a.record, a.rules)
                    ],
                }
                for b, r in zip(data["blockers"], a.blockers, strict=True)
            ],
            "owner": role_actor(a.record, "business_owner", a.rules).name,
            "path": path,
            "outcome": outcome,
            "dossier": dossier,
            "error": error,
            "changes": changes,
        }
    )


def summary(
    *,
    generated_at: str,
    as_of: dt.date,
    catalogue: str,
    run_id: int | None,
    previous_run_id: int | None,
    initiatives: list[Initiative],
    failed: list[Failed],
) -> Summary:
    """A whole summary, checked by the same contract its readers use."""
    return Summary(
        summary_version=SUMMARY_VERSION,
        generated_at=generated_at,
        as_of=as_of,
        catalogue=catalogue,
        run_id=run_id,
        previous_run_id=previous_run_id,
        initiatives=initiatives,
        failed=failed,
    )


# --- reading: one clear line on anything else ---------------------------------------------


def _kind(value: object) -> str:
    """The JSON name of a value's type, as the person who opens the file sees it."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else f"the value {shown(value)}"


def parse_summary(data: object, source: str = SUMMARY_NAME) -> Summary:
    """Check a decoded summary against the contract; any problem is one SummaryError line."""
    if not isinstance(data, dict):
        raise SummaryError(f"got {_kind(data)}", path=source, expected="a JSON object")
    version = data.get("summary_version")
    if version != SUMMARY_VERSION or isinstance(version, bool):
        raise SummaryError(
            "missing" if version is None else f"unsupported version {shown(version)}",
            path=source,
            field="summary_version",
            expected=f"{SUMMARY_VERSION}; a summary from another workbook version: run the "
            "batch again",
        )
    try:
        parsed = Summary.model_validate(data)
    except ValidationError as exc:
        # Worded as a record's problems are; a summary's keys may hold anything, so one line.
        e = validation_error(source, exc, model=Summary)
        raise SummaryError(
            one_line(e.problem),
            path=source,
            field=one_line(e.field) if e.field else None,
            expected=one_line(e.expected) if e.expected else None,
        ) from None
    seen: set[str] = set()
    for n, i in enumerate(parsed.initiatives):
        if i.id in seen:  # the ledger and the links key on it
            raise SummaryError(
                f"id {one_line(shown(i.id))} appears twice",
                path=source,
                field=f"initiatives[{n}].id",
            )
        seen.add(i.id)
    return parsed


def read_summary(path: Path, source: str) -> Summary:
    """Read and check a summary file; ``source`` is how the file is named in an error."""

    def fail(problem: str, expected: str | None = None) -> SummaryError:
        return SummaryError(problem, path=source, expected=expected)

    try:
        size = path.stat().st_size
        if not path.is_file():
            raise fail("not a file", f"the {SUMMARY_NAME} a batch run wrote")
        if size > MAX_SUMMARY_BYTES:
            raise fail(f"{size} bytes", "at most 32 MiB")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise fail("no such file", f"the {SUMMARY_NAME} a batch run wrote") from None
    except UnicodeDecodeError:
        raise fail("not UTF-8 text", "a JSON file") from None
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise fail("nested too deeply", "a batch summary") from None
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror}") from None
    except ValueError:  # a NUL byte in the path
        raise fail("not a usable path") from None
    return parse_summary(data, source)
