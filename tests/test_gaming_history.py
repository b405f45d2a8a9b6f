"""Gaming class 12 (moving goalposts) and 10e (shared evidence), gamed beside honest.

A team failing a criterion swaps in a catalogue that drops or relaxes it. The ledger keeps
the catalogue of every assessment, so `workbook check --ledger` and a batch say which gate
passes only because the catalogue changed, which criterion and which limit, and since when.
A record may pin its catalogue and is then held to it. The same evidence file cited by two
initiatives is reported. The new statuses are shown, escaped, wherever statuses show.

Every expected sentence below is written out by hand from the catalogues and records in
this file; nothing is computed by the code under test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import AS_OF, WEEK, findings, log_measures, make_record
from workbook.batch import EXECUTORS, BatchOptions, Executor, register, run_batch
from workbook.batch.plan import Environment, render_key
from workbook.batch.tasks import Rendered, Task
from workbook.cli import main
from workbook.errors import UsageError
from workbook.ledger import LEDGER_NAME, Ledger
from workbook.model import summary as contract
from workbook.model.assess import assess
from workbook.model.catalogue import load_catalogue, parse_catalogue
from workbook.pipeline import History, assess_file, check_paths
from workbook.present import charts, views
from workbook.present.notebook import open_initiative, parse_shared
from workbook.present.portfolio import Portfolio, load_summary

BEFORE = dt.date(2026, 11, 20)  # the first assessment, under the strict catalogue
AFTER = dt.date(2026, 11, 23)  # the second, under a relaxed copy

CRITERIA = {
    "workflow": "{id: s.workflow, gate: mvp, area: scope, kind: field, fields: [scope.workflow],"
    " question: q, rationale: r, satisfied_by: s}",
    "review": "{id: s.review, gate: mvp, area: trust, kind: field, fields: [trust.review_path],"
    " question: q, rationale: r, satisfied_by: s}",
    "sources": "{{id: s.sources, gate: mvp, area: data, kind: register, register: data.sources,"
    " min_items: {n}, question: q, rationale: r, satisfied_by: s}}",
    "logs": "{id: s.logs, gate: production_candidate, area: observability, kind: evidence,"
    " evidence: log_sample, question: q, rationale: r, satisfied_by: s}",
}


def catalogue(name: str, *, review: bool = True, sources: int = 2, extra: str = "") -> str:
    """A small catalogue: mvp needs a workflow, a review path and ``sources`` data sources;
    production candidate needs a log sample (which no record here cites)."""
    items = [CRITERIA["workflow"], CRITERIA["sources"].format(n=sources), CRITERIA["logs"]]
    if review:
        items.insert(1, CRITERIA["review"])
    body = "\n".join(f"  - {c}" for c in items)
    return f"catalogue_version: 1\nname: {name}\n{extra}criteria:\n{body}\n"


STRICT = catalogue("Strict gates")
# The gamed copy: the failing review-path criterion dropped, one data source enough.
RELAXED = catalogue("Relaxed gates", review=False, sources=1)
# Another gamed copy: every criterion kept, but a two-word answer counts as a description.
LENIENT = catalogue("Lenient gates", sources=1, extra="answers: {min_description_words: 2}\n")

SOURCE = "{name: Claims, system_of_record: ClaimsDB, owner: Claims operations team}"
SECOND_SOURCE = "{name: Policies, system_of_record: PolicyHub, owner: Underwriting team}"


def record(rid: str, *, review: str | None, sources: int, pin: str | None = None) -> str:
    lines = [
        "schema_version: 1",
        f"id: {rid}",
        f"name: {rid.title()}",
        "stage: mvp",
        *([f"catalogue_pin: '{pin}'"] if pin else []),
        "scope:",
        "  workflow: Motor claims intake, from first notice to a queue",
        "data:",
        "  sources:",
        *[f"    - {s}" for s in [SOURCE, SECOND_SOURCE][:sources]],
    ]
    if review is not None:
        lines += ["trust:", f"  review_path: {review}"]
    return "\n".join(lines) + "\n"


# Honest: meets the strict mvp gate (a review path described in full, two sources).
HONEST = record(
    "honest", review="Flagged suggestions reach the team lead's review queue daily", sources=2
)
# Gamed: a three-word review path (too short: at least five words) and one source.
GAMED = record("gamed", review="Team lead review", sources=1)


@pytest.fixture
def portfolio(tmp_path: Path) -> dict[str, Path]:
    records, gates = tmp_path / "records", tmp_path / "gates"
    records.mkdir()
    gates.mkdir()
    (records / "honest.yaml").write_text(HONEST)
    (records / "gamed.yaml").write_text(GAMED)
    for name, text in (("strict", STRICT), ("relaxed", RELAXED), ("lenient", LENIENT)):
        (gates / f"{name}.yaml").write_text(text)
    return {
        "records": records,
        "strict": gates / "strict.yaml",
        "relaxed": gates / "relaxed.yaml",
        "lenient": gates / "lenient.yaml",
        "out": tmp_path / "out",
    }


# --- a batch without kernels: dossiers are stand-ins, the rest is the real run -------------


class InProcess(Executor):
    """Runs the batch's tasks here; dossiers and the portfolio page are one-line stand-ins."""

    name = "in-process-goalposts"
    calls: ClassVar[list[str]] = []
    #: Every dossier task handed to the executor, as a worker would receive it.
    tasks: ClassVar[list[Task]] = []

    def _start(self) -> None:
        pass

    def _submit(self, fn: Any, *args: Any) -> Future:
        future: Future = Future()
        if fn.__name__ == "render_dossier":
            task: Task = args[0]
            InProcess.tasks.append(task)
            target = Path(task.out_dir) / f"{task.record_id}.html"
            target.write_text("<!doctype html><title>stand-in</title>")
            future.set_result(
                Rendered(task.record_id, True, 0.1, dossier=target.name, key=task.key)
            )
        else:  # render_portfolio: the page reads the contract, as the real one does
            summary, out_dir = args[0], args[1]
            load_summary(summary)
            target = Path(out_dir) / "index.html"
            target.write_text("<!doctype html><title>stand-in</title>")
            future.set_result((str(target), None, args[-1]))  # the key asked for
        return future

    def _as_completed(self, futures: list[Any]) -> Any:
        return iter(futures)

    def _stop(self) -> None:
        pass


@pytest.fixture
def in_process():
    register(InProcess)
    InProcess.tasks = []
    yield InProcess
    del EXECUTORS[InProcess.name]


def batch(p: dict[str, Path], gates: Path, as_of: dt.date) -> dict[str, Any]:
    options = BatchOptions(
        paths=[p["records"]], out_dir=p["out"], as_of=as_of, gates=gates, workers=1,
        executor=InProcess.name,
    )  # fmt: skip
    result = run_batch(options)
    assert result.exit_code == 0
    return json.loads((p["out"] / "summary.json").read_text())


def check(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.output.splitlines()


def headline(lines: list[str], rid: str) -> str:
    """The headline line of ``rid``'s block in `workbook check` output."""
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{rid}  "))
    return lines[start + 1].strip()


# --- moving goalposts: `workbook check --ledger` after a batch under the strict catalogue ---

# Under the strict catalogue the gamed record stops at prototype; it answers to the mvp gate
# (its claim, and the next gate), where s.review (too short) and s.sources (1 of 2) fail.
STRICT_GAMED = "Labelled mvp; the evidence supports prototype. 2 conditions are not yet met."
# At mvp, it answers to the production candidate gate too, where only s.logs fails.
MVP_FOR_PC = (
    "Labelled mvp; the evidence supports mvp. 1 condition is not yet met for production candidate."
)


@pytest.mark.parametrize(
    ("gates", "gamed_headline"),
    [
        pytest.param("strict", STRICT_GAMED, id="same catalogue: nothing to say"),
        pytest.param(
            "relaxed",
            # s.review held mvp back and is gone; s.sources asked for 2 sources, now 1.
            f"{MVP_FOR_PC} Passes mvp only because the catalogue changed since 2026-11-20: "
            "s.review removed; s.sources min_items 2 -> 1.",
            id="criterion dropped and limit relaxed",
        ),
        pytest.param(
            "lenient",
            # Every criterion kept; three words now count as a description (5 before).
            f"{MVP_FOR_PC} Passes mvp only because the catalogue changed since 2026-11-20: "
            "s.sources min_items 2 -> 1; rule answers.min_description_words 5 -> 2.",
            id="answer rule relaxed",
        ),
    ],
)
def test_check_with_the_ledger_says_which_criterion_which_limit_and_when(
    portfolio, in_process, gates, gamed_headline
):
    batch(portfolio, portfolio["strict"], BEFORE)
    ledger = str(portfolio["out"] / LEDGER_NAME)
    code, lines = check(
        str(portfolio["records"]), "--gates", str(portfolio[gates]),
        "--as-of", AFTER.isoformat(), "--ledger", ledger,
    )  # fmt: skip
    assert code == 0
    assert headline(lines, "gamed") == gamed_headline
    # The honest record passes mvp under every catalogue: no shift to report.
    assert headline(lines, "honest") == MVP_FOR_PC
    code, table = check(
        str(portfolio["records"]), "--gates", str(portfolio[gates]),
        "--as-of", AFTER.isoformat(), "--ledger", ledger, "--summary",
    )  # fmt: skip
    flags = {row.split()[0]: row.split()[5:] for row in table[1:]}
    moved = gates != "strict"
    assert flags == {"gamed": ["GOALPOSTS", "MOVED"] if moved else ["OVERCLAIMED"], "honest": []}


@pytest.mark.parametrize(
    ("gates", "record", "code"),
    [
        # The gamed record passes mvp only under the relaxed catalogue: strict refuses it,
        # though it is not overclaimed (labelled mvp, supported mvp).
        pytest.param("relaxed", "gamed.yaml", 1, id="goalposts moved: exit 1"),
        # The honest record passes mvp under every catalogue: nothing moved, exit 0.
        pytest.param("relaxed", "honest.yaml", 0, id="honest under the relaxed: exit 0"),
        # The same catalogue as the batch: the gamed record is overclaimed (exit 1 as ever).
        pytest.param("strict", "gamed.yaml", 1, id="overclaimed: exit 1"),
        pytest.param("strict", "honest.yaml", 0, id="honest under the strict: exit 0"),
    ],
)
def test_strict_fails_when_a_gate_passes_only_because_the_catalogue_changed(
    portfolio, in_process, gates, record, code
):
    batch(portfolio, portfolio["strict"], BEFORE)
    args = [
        str(portfolio["records"] / record), "--gates", str(portfolio[gates]),
        "--as-of", AFTER.isoformat(), "--ledger", str(portfolio["out"] / LEDGER_NAME),
    ]  # fmt: skip
    assert check(*args)[0] == 0, "without --strict the exit code says nothing of it"
    assert check(*args, "--strict")[0] == code


def test_the_dossier_cover_says_which_gate_moved_and_lists_what_changed(portfolio, in_process):
    batch(portfolio, portfolio["strict"], BEFORE)
    relaxed = load_catalogue(portfolio["relaxed"])
    with Ledger(portfolio["out"] / LEDGER_NAME) as ledger:
        a = assess_file(portfolio["records"] / "gamed.yaml", relaxed, AFTER, History(ledger))
    soup = BeautifulSoup(views.cover(a).html, "html.parser")
    flags = [s.get_text() for s in soup.select(".wb-headline strong")]
    assert flags == ["⚠ GOALPOSTS MOVED"]
    strict = load_catalogue(portfolio["strict"]).fingerprint()[:12]
    (lead,) = [p.get_text() for p in soup.select(".wb-goalposts p")]
    assert lead == (
        "⚠ Passes mvp only because the catalogue changed since 2026-11-20. Under the earlier "
        f"catalogue {strict} (Strict gates) it does not pass; what changed:"
    )
    changes = [li.get_text() for li in soup.select(".wb-goalposts li")]
    assert changes == ["s.review removed", "s.sources min_items 2 -> 1"]
    facts = {tr.th.get_text(): tr.td.get_text() for tr in soup.select("table.wb-facts tr")}
    assert facts["Gates passed only because the catalogue changed"] == "⚠ 1"


def test_strict_is_documented_in_the_help():
    text = " ".join(CliRunner().invoke(main, ["check", "--help"]).output.split())
    assert "passes a gate only because the catalogue changed" in text


def test_without_the_ledger_the_relaxed_catalogue_cannot_tell(portfolio):
    # Why the ledger matters: on its own, the relaxed catalogue gives the gamed label.
    code, lines = check(
        str(portfolio["records"] / "gamed.yaml"), "--gates", str(portfolio["relaxed"]),
        "--as-of", AFTER.isoformat(),
    )  # fmt: skip
    assert (code, headline(lines, "gamed")) == (0, MVP_FOR_PC)


def test_check_refuses_a_ledger_that_is_not_there(portfolio, tmp_path):
    missing = tmp_path / "nowhere.sqlite"
    result = CliRunner().invoke(
        main, ["check", str(portfolio["records"]), "--ledger", str(missing)]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"{missing}: no ledger here (expected the ledger.sqlite a batch wrote)"
    )


# --- the batch uses its own ledger; the summary and the portfolio page say it ----------------


def test_second_batch_under_a_relaxed_catalogue_reports_the_shift(portfolio, in_process):
    first = batch(portfolio, portfolio["strict"], BEFORE)
    assert [i["goalposts"] for i in first["initiatives"]] == [[], []]
    second = batch(portfolio, portfolio["relaxed"], AFTER)
    assert second["summary_version"] == 3
    by_id = {i["id"]: i for i in second["initiatives"]}
    assert by_id["honest"]["goalposts"] == []
    (shift,) = by_id["gamed"]["goalposts"]
    assert shift["kind"] == "changed" and shift["gate"] == "mvp"
    assert (shift["since"], shift["catalogue_name"]) == ("2026-11-20", "Strict gates")
    assert len(shift["catalogue"]) == 64  # the strict catalogue's sha256 fingerprint
    assert shift["removed"] == ["s.review"]
    assert shift["relaxed"] == [{"where": "s.sources min_items", "old": "2", "new": "1"}]
    assert shift["rules"] == []
    assert by_id["gamed"]["headline"].endswith(
        "Passes mvp only because the catalogue changed since 2026-11-20: "
        "s.review removed; s.sources min_items 2 -> 1."
    )

    pf = load_summary(portfolio["out"])
    assert "passing only because the catalogue changed: 1;" in repr(pf.overview())
    view = pf.moved_goalposts()
    assert repr(view) == (
        "gamed: Passes mvp only because the catalogue changed since 2026-11-20: "
        "s.review removed; s.sources min_items 2 -> 1."
    )
    cells = [td.get_text(" ", strip=True) for td in BeautifulSoup(view.html, "html.parser")("td")]
    assert cells[:2] == ["Gamed (gamed.html)", "mvp"]  # the dossier's file name beside its link
    assert cells[3] == "2026-11-20"
    assert "s.review removed" in cells[5] and "s.sources min_items 2 -> 1" in cells[5]
    table = repr(pf.initiatives_table()).splitlines()
    assert table == [
        "gamed  mvp -> supported mvp  GOALPOSTS MOVED  1 not met  rendered",
        "honest  mvp -> supported mvp  1 not met  rendered",
    ]


# --- a pinned catalogue holds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pin", "supported", "flag", "said"),
    [
        pytest.param("relaxed", "mvp", [], None, id="honest: pinned to the catalogue in use"),
        pytest.param(
            "strict",
            "prototype",
            ["HELD", "TO", "PIN"],
            # The relaxed catalogue lets mvp pass; the strict pin does not.
            "Held to its pinned catalogue {fp} (Strict gates), under which mvp does not pass; "
            "the catalogue in use differs: s.review removed; s.sources min_items 2 -> 1.",
            id="gamed: held to the strict pin",
        ),
        pytest.param(
            "0123456789ab",
            "mvp",
            ["PIN", "NOT", "FOUND"],
            "Pinned catalogue 0123456789ab cannot be found (not in the ledger, the shipped "
            "catalogues or the catalogue's folder), so it is not held to it.",
            id="pin that cannot be found",
        ),
    ],
)
def test_a_pinned_record_is_held_to_its_pin(portfolio, pin, supported, flag, said):
    fingerprints = {
        name: load_catalogue(portfolio[name]).fingerprint() for name in ("strict", "relaxed")
    }
    written = fingerprints[pin][:12] if pin in fingerprints else pin
    path = portfolio["records"] / "gamed.yaml"
    path.write_text(record("gamed", review="Team lead review", sources=1, pin=written))
    args = [str(path), "--gates", str(portfolio["relaxed"]), "--as-of", AFTER.isoformat()]
    code, lines = check(*args)
    assert code == 0
    lead = f"Labelled mvp; the evidence supports {supported}."
    assert headline(lines, "gamed").startswith(lead)
    if said is None:
        assert "pinned" not in headline(lines, "gamed").lower()
    else:
        assert headline(lines, "gamed").endswith(said.format(fp=written))
    code, table = check(*args, "--summary")
    row = table[1].split()
    assert (row[2], row[5:]) == (
        supported,
        (["OVERCLAIMED"] if supported == "prototype" else []) + flag,
    )


def test_what_the_pin_holds_against_the_record_is_listed(portfolio):
    # Under the strict pin, s.review (dropped from the relaxed catalogue) and s.sources (two
    # sources asked, one given) fail: two conditions, listed, not "every condition is met".
    pin = load_catalogue(portfolio["strict"]).fingerprint()[:12]
    path = portfolio["records"] / "gamed.yaml"
    path.write_text(record("gamed", review="Team lead review", sources=1, pin=pin))
    code, lines = check(
        str(path), "--gates", str(portfolio["relaxed"]), "--as-of", AFTER.isoformat()
    )
    assert code == 0
    assert headline(lines, "gamed").startswith(
        "Labelled mvp; the evidence supports prototype. 2 conditions are not yet met. Held"
    )
    listed = "\n".join(lines)
    assert "s.review" in listed and "s.sources" in listed


def test_a_pin_is_found_in_the_ledger_too(portfolio, in_process, tmp_path):
    # The strict catalogue is gone from disk; the ledger of the first batch still holds it.
    batch(portfolio, portfolio["strict"], BEFORE)
    pin = load_catalogue(portfolio["strict"]).fingerprint()[:12]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relaxed = shutil.copy(portfolio["relaxed"], elsewhere / "relaxed.yaml")
    portfolio["strict"].unlink()
    path = portfolio["records"] / "honest.yaml"
    path.write_text(
        record("honest", review="Team lead review", sources=1, pin=pin)
    )  # now as weak as the gamed one, and pinned to the strict catalogue
    code, lines = check(
        str(path), "--gates", str(relaxed), "--as-of", AFTER.isoformat(),
        "--ledger", str(portfolio["out"] / LEDGER_NAME),
    )  # fmt: skip
    assert code == 0
    assert headline(lines, "honest").startswith("Labelled mvp; the evidence supports prototype.")
    assert f"Held to its pinned catalogue {pin} (Strict gates), under which mvp" in lines[1]


# --- a catalogue written out and read back judges the same ------------------------------------

# A criterion raising the catalogue's log-sample minimum from 200 records to 500, saying
# nothing of the time span: the catalogue's 7 days over which records fall on 5 still apply.
RAISED = """
catalogue_version: 1
name: Raised sample
criteria:
  - {id: s.logs, gate: mvp, area: observability, kind: evidence, evidence: log_sample,
     min_sample: {records: 500}, question: q, rationale: r, satisfied_by: s}
"""


@pytest.mark.parametrize(
    ("measures", "status"),
    [
        # conftest's clean sample: 1,000 records over 7 days (2026-10-25 to 10-31), each day.
        pytest.param({}, "met", id="a week of 1000 records"),
        # 600 records (above 500) but over 2 days: under the 7-day span, too small to judge.
        # Read back with the span left at the model's default (1 day), it would be met.
        pytest.param(
            {
                "records": 600,
                "per_day": {WEEK[5]: 300, WEEK[6]: 300},
                "first": dt.datetime(2026, 10, 30, 8),
            },
            "insufficient",
            id="600 records over 2 days",
        ),
    ],
)
def test_a_catalogue_written_out_reads_back_the_same(measures, status):
    original = parse_catalogue(yaml.safe_load(RAISED), Path("raised.yaml"))
    rebuilt = parse_catalogue(json.loads(json.dumps(original.to_dict())), Path("stored"))
    assert rebuilt.fingerprint() == original.fingerprint()
    record = make_record(
        {"evidence": [{"kind": "log_sample", "path": "logs.jsonl", "date": "2026-11-01"}]}
    )
    found = findings(record, measured={"log_sample": log_measures(**measures)})
    verdicts = [
        (r.criterion.id, r.status, r.detail)
        for c in (original, rebuilt)
        for r in assess(record, c, AS_OF, found).results
    ]
    assert verdicts[0][1] == status
    assert verdicts[0] == verdicts[1]


def test_the_raised_minimum_is_spelled_out_in_full():
    # What is written is what judges: records from the criterion, span and active days from
    # the catalogue's min_sample.log_sample (200 records over 7 days, records on 5).
    written = parse_catalogue(yaml.safe_load(RAISED), Path("raised.yaml")).to_dict()
    (criterion,) = written["criteria"]
    assert criterion["min_sample"] == {
        "records": 500,
        "span_days": 7,
        "active_days": 5,
        "min_day_share": 0.1,
    }


# --- the same evidence file cited by two initiatives ------------------------------------------

LOG = '{"ts": "2026-11-10T09:00:00Z", "input": "claim 1", "output": "queue A"}\n'


def copied_logs(tmp_path: Path) -> tuple[Path, str]:
    """alpha and beta cite copies of one log file (same bytes); gamma cites its own."""
    folder = tmp_path / "records"
    for rid, text in (("alpha", LOG), ("beta", LOG), ("gamma", LOG.replace("claim 1", "x"))):
        (folder / "evidence" / rid).mkdir(parents=True)
        (folder / "evidence" / rid / "logs.jsonl").write_text(text)
        (folder / f"{rid}.yaml").write_text(
            record(rid, review=None, sources=1)
            + f"evidence:\n  - {{kind: log_sample, path: evidence/{rid}/logs.jsonl,"
            " date: 2026-11-11}\n"
        )
    return folder, hashlib.sha256(LOG.encode()).hexdigest()


def test_the_same_evidence_file_cited_by_two_initiatives_is_reported(tmp_path):
    folder, same = copied_logs(tmp_path)
    checked = check_paths([folder], load_catalogue(), AFTER)
    assessed = {c.assessment.id: c.assessment for c in checked if c.assessment}
    # alpha's and beta's files are copies (same bytes); gamma's differs: its own.
    assert assessed["alpha"].evidence.shared == {same: ("beta",)}
    assert assessed["beta"].evidence.shared == {same: ("alpha",)}
    assert assessed["gamma"].evidence.shared == {}

    summary = contract.summary(
        generated_at="2026-11-23T00:00:00Z", as_of=AFTER, catalogue="Default", run_id=None,
        previous_run_id=None, failed=[],
        initiatives=[
            contract.initiative(a, path=f"{rid}.yaml", outcome="skipped")
            for rid, a in sorted(assessed.items())
        ],
    )  # fmt: skip
    pf = Portfolio(summary)
    view = pf.shared_evidence()
    assert repr(view) == (
        f"the same evidence file is cited by alpha and beta (log sample, sha256 {same[:12]})"
    )
    soup = BeautifulSoup(view.html, "html.parser")
    assert "the same evidence file is cited by alpha and beta" in soup.get_text()
    assert "citing an evidence file another initiative cites: 2" in repr(pf.overview())


#: What the default catalogue's observability.log_sample says of alpha's copied file: a log
#: sample is own evidence (rules.own_evidence), and the sharing is judged before the size.
ALSO_CITED = (
    "the same file evidence/alpha/logs.jsonl is also cited by beta; log_sample evidence "
    "must show this initiative's own system (own_evidence)"
)


def test_a_dossier_assessing_one_record_is_told_what_the_run_found_shared(tmp_path):
    # The dossier kernel opens one record alone; the run's map of shared files reaches it as
    # the `shared` parameter, so it judges alpha's log sample as the run's summary does.
    folder, same = copied_logs(tmp_path)
    alpha = folder / "alpha.yaml"
    (in_run,) = [c.assessment for c in check_paths([folder], load_catalogue(), AFTER)
                 if c.assessment and c.assessment.id == "alpha"]  # fmt: skip
    told = open_initiative(str(alpha), AFTER.isoformat(), "", "", json.dumps({same: ["beta"]}))
    alone = open_initiative(str(alpha), AFTER.isoformat())

    def log_sample(a: Any) -> tuple[str, str]:
        (r,) = [r for r in a.results if r.criterion.id == "observability.log_sample"]
        return r.status, r.detail

    assert log_sample(in_run) == ("unverified", ALSO_CITED)
    assert log_sample(told.assessment) == ("unverified", ALSO_CITED)
    assert [(r.criterion.id, r.status, r.detail) for r in told.assessment.results] == [
        (r.criterion.id, r.status, r.detail) for r in in_run.results
    ]
    # Without it (an analyst opening the notebook by hand), the record alone cannot know.
    assert "also cited" not in log_sample(alone.assessment)[1]
    # A file the record does not cite is ignored: only its own files can be shared.
    other = json.dumps({"f" * 64: ["beta"]})
    assert (
        open_initiative(str(alpha), AFTER.isoformat(), "", "", other).assessment.evidence.shared
        == {}
    )


@pytest.mark.parametrize(
    "value",
    ["{not json", '["beta"]', '{"abc": ["beta"]}', json.dumps({"0" * 64: "beta"}),
     json.dumps({"0" * 64: [""]}), 7],
)  # fmt: skip
def test_the_shared_parameter_is_validated(value):
    with pytest.raises(UsageError) as caught:
        parse_shared(value)
    assert caught.value.line().startswith("shared: ")


def test_a_batch_hands_each_dossier_its_shared_files_and_keys_on_them(tmp_path, in_process):
    folder, same = copied_logs(tmp_path)
    options = BatchOptions(paths=[folder], out_dir=tmp_path / "out", as_of=AFTER, workers=1,
                           executor=InProcess.name)  # fmt: skip
    assert run_batch(options).exit_code == 0
    assert {t.record_id: t.shared for t in InProcess.tasks} == {
        "alpha": {same: ("beta",)},
        "beta": {same: ("alpha",)},
        "gamma": {},
    }
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    statuses = {
        i["id"]: {r["criterion"]: r["status"] for r in i["results"]}["observability.log_sample"]
        for i in summary["initiatives"]
    }
    assert statuses["alpha"] == statuses["beta"] == "unverified"
    # The render key changes with the shared files alone (nothing else about alpha changed).
    (a,) = [c.assessment for c in check_paths([folder], load_catalogue(), AFTER)
            if c.assessment and c.assessment.id == "alpha"]  # fmt: skip
    env = Environment("n", "t", "v", "c")
    alone = dataclasses.replace(a, evidence=dataclasses.replace(a.evidence, shared={}))
    assert render_key(a, env) != render_key(alone, env)


@pytest.mark.slow
def test_the_rendered_dossier_and_the_summary_agree_on_a_shared_file(tmp_path):
    # One real kernel: the dossier of alpha, told by the run that beta cites its log file.
    from workbook.render.dossier import write_dossier

    folder, same = copied_logs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = write_dossier(folder / "alpha.yaml", out, as_of=AFTER, shared={same: ("beta",)})
    text = BeautifulSoup(target.read_text(), "html.parser").get_text(" ")
    assert " ".join(ALSO_CITED.split()) in " ".join(text.split())


# --- the new statuses, shown (and escaped) wherever statuses show -----------------------------

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.mark.parametrize(
    ("status", "label", "symbol"),
    [("failed", "failed", "⊗"), ("insufficient", "too small to judge", "◔")],
)
def test_new_statuses_are_labelled_and_details_escaped(portfolio, status, label, symbol):
    (checked,) = check_paths(
        [portfolio["records"] / "gamed.yaml"], load_catalogue(portfolio["strict"]), AFTER
    )
    a = checked.assessment
    assert a is not None
    results = tuple(
        dataclasses.replace(r, status=status, detail=HOSTILE) if not r.passes else r
        for r in a.results
    )
    a = dataclasses.replace(a, results=results)
    soup = BeautifulSoup(views.blockers(a).html, "html.parser")
    badges = soup.select(f".wb-{status}")
    assert badges and {b.get_text(" ", strip=True) for b in badges} == {f"{symbol} {label}"}
    assert soup.find("img") is None and HOSTILE in soup.get_text()
    (heat,) = charts.status_matrix(a).data
    assert label in {t for row in heat["text"] for t in row}

    entry = contract.initiative(a, path="gamed.yaml", outcome="rendered", dossier="gamed.html")
    summary = contract.summary(
        generated_at="x", as_of=AFTER, catalogue="Strict gates", run_id=1, previous_run_id=None,
        initiatives=[entry], failed=[],
    )  # fmt: skip
    criteria = BeautifulSoup(Portfolio(summary).blockers_by_criterion().html, "html.parser")
    assert {b.get_text(" ", strip=True) for b in criteria.select(f".wb-{status}")} == {
        f"{symbol} {label}"
    }
