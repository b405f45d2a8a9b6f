"""The batch plan (pure): render keys, the last run's state, what to render, the portfolio key.

Expected values come from the definitions in README.md ("Scheduled batches") and the example
records (data/examples/README.md), not from the code under test: a waiver counts until it
expires (contract-clause-extraction's expires 2026-10-31: in force on that day, expired the
day after); a dossier depends on the chapter notebooks, the dossier template, the workbook
version and the catalogue's wording, the portfolio page on its own notebook too.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from conftest import EXAMPLES
from workbook.batch.environment import catalogue_fingerprint, fingerprint, read_environment
from workbook.batch.plan import (
    Environment,
    Planned,
    Seen,
    dump_state,
    parse_state,
    plan,
    portfolio_key,
    render_key,
)
from workbook.errors import RecordError
from workbook.model import summary as contract
from workbook.model.catalogue import load_catalogue, parse_catalogue
from workbook.model.history import Changes
from workbook.model.yamlio import load_mapping
from workbook.paths import CHAPTER_NOTEBOOKS, NOTEBOOKS, TEMPLATES
from workbook.pipeline import Checked, assess_file
from workbook.present.chapters import CHAPTERS

ENV = Environment(notebooks="n", template="t", version="1.0", catalogue="c")
CONTRACTS = EXAMPLES / "contract-clause-extraction.yaml"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def assessed(catalogue, as_of: dt.date, path: Path = CONTRACTS):
    return assess_file(path, catalogue, as_of)


# --- render keys ----------------------------------------------------------------------------


def test_a_waiver_expiring_changes_the_key_though_the_bytes_do_not(catalogue):
    # contract-clause-extraction's waiver on observability.logging_plan expires 2026-10-31:
    # in force on that day, expired the next. Same files, so the same digest.
    in_force = assessed(catalogue, dt.date(2026, 10, 31))
    expired = assessed(catalogue, dt.date(2026, 11, 1))
    assert in_force.digest == expired.digest
    status = {a.as_of: {r.criterion.id: r.status for r in a.results} for a in (in_force, expired)}
    assert status[dt.date(2026, 10, 31)]["observability.logging_plan"] == "waived"
    assert status[dt.date(2026, 11, 1)]["observability.logging_plan"] == "waiver_expired"
    assert render_key(in_force, ENV) != render_key(expired, ENV), "the dossier must be redrawn"


def test_a_later_as_of_re_renders_even_when_no_verdict_changes(catalogue):
    # 2026-11-23 and 2026-11-24: the waiver expired weeks before both days and the example
    # was written so that no evidence crosses its freshness window in between. The dossier
    # shows its as-of date, so it is redrawn anyway: kept, it would say 2026-11-23 beside a
    # portfolio page that says 2026-11-24.
    a = assessed(catalogue, dt.date(2026, 11, 23))
    b = assessed(catalogue, dt.date(2026, 11, 24))
    assert [(r.criterion.id, r.status, r.detail) for r in a.results] == [
        (r.criterion.id, r.status, r.detail) for r in b.results
    ]
    assert render_key(a, ENV) != render_key(b, ENV), "the dossier shows the date: redraw"
    # The same day twice: the same key (nothing else moved).
    assert render_key(a, ENV) == render_key(assessed(catalogue, dt.date(2026, 11, 23)), ENV)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (Environment(notebooks="n2", template="t", version="1.0", catalogue="c"), False),
        (Environment(notebooks="n", template="t2", version="1.0", catalogue="c"), False),
        (Environment(notebooks="n", template="t", version="1.1", catalogue="c"), False),
        (Environment(notebooks="n", template="t", version="1.0", catalogue="c2"), False),
        # The portfolio's own notebook shapes index.html, not the dossiers.
        (
            Environment(
                notebooks="n", template="t", version="1.0", catalogue="c", portfolio_notebook="p"
            ),
            True,
        ),
        (Environment(notebooks="n", template="t", version="1.0", catalogue="c"), True),
    ],
)
def test_the_environment_in_the_render_key(catalogue, other, same):
    a = assessed(catalogue, dt.date(2026, 11, 23))
    assert (render_key(a, ENV) == render_key(a, other)) is same


def test_two_records_have_two_keys(catalogue):
    a = assessed(catalogue, dt.date(2026, 11, 23))
    b = assessed(catalogue, dt.date(2026, 11, 23), EXAMPLES / "claims-triage.yaml")
    assert render_key(a, ENV) != render_key(b, ENV)


def copy_of(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def test_editing_a_chapter_notebook_changes_the_key(catalogue, tmp_path):
    notebooks = copy_of(NOTEBOOKS, tmp_path)
    before = read_environment(notebooks, catalogue)
    nb = nbformat.read(notebooks / "02-data-gaps.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Reviewed by the board."))
    nbformat.write(nb, notebooks / "02-data-gaps.ipynb")
    after = read_environment(notebooks, catalogue)
    assert (before.template, before.version) == (after.template, after.version)
    assert before.notebooks != after.notebooks
    a = assessed(catalogue, dt.date(2026, 11, 23))
    assert render_key(a, before) != render_key(a, after)


def test_editing_the_dossier_template_changes_the_key(catalogue, tmp_path):
    template = copy_of(TEMPLATES / "dossier", tmp_path)
    before = read_environment(NOTEBOOKS, catalogue, template)
    first = sorted(p for p in template.rglob("*") if p.is_file())[0]
    first.write_bytes(first.read_bytes() + b"\n")
    after = read_environment(NOTEBOOKS, catalogue, template)
    assert before.notebooks == after.notebooks and before.template != after.template
    a = assessed(catalogue, dt.date(2026, 11, 23))
    assert render_key(a, before) != render_key(a, after)


def test_rewording_a_question_changes_the_render_key_not_the_signoff_digest(tmp_path):
    # The dossier prints each blocker's question; a sign-off quotes the digest, which holds
    # only what judges (rules, freshness). Reword one question of the shipped catalogue.
    data = load_mapping(TEMPLATES / "gates" / "default.yaml", RecordError, "catalogue")
    reworded = copy.deepcopy(data)
    reworded["criteria"][0]["question"] += " (reworded)"
    shipped = parse_catalogue(data, Path("default.yaml"))
    edited = parse_catalogue(reworded, Path("default.yaml"))
    a = assessed(shipped, dt.date(2026, 11, 23))
    b = assessed(edited, dt.date(2026, 11, 23))
    assert a.digest == b.digest, "a reworded question voids no sign-off"
    env_a = read_environment(NOTEBOOKS, shipped)
    env_b = read_environment(NOTEBOOKS, edited)
    assert (env_a.notebooks, env_a.template) == (env_b.notebooks, env_b.template)
    assert render_key(a, env_a) != render_key(b, env_b), "the dossier shows the new wording"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(name=d["name"] + " (2027)"),
        lambda d: d["criteria"][-1].update(satisfied_by="A signed memo."),
        lambda d: d["criteria"][0].update(rationale="Because."),
    ],
    ids=["catalogue name", "satisfied_by", "rationale"],
)
def test_the_catalogue_fingerprint_covers_its_wording(change):
    data = load_mapping(TEMPLATES / "gates" / "default.yaml", RecordError, "catalogue")
    edited = copy.deepcopy(data)
    change(edited)
    before = parse_catalogue(data, Path("default.yaml"))
    after = parse_catalogue(edited, Path("default.yaml"))
    assert before.fingerprint() == after.fingerprint(), "judging fields unchanged"
    assert catalogue_fingerprint(before) != catalogue_fingerprint(after)
    assert catalogue_fingerprint(before) == catalogue_fingerprint(
        parse_catalogue(copy.deepcopy(data), Path("default.yaml"))
    ), "the same content, the same fingerprint"


def test_moving_a_template_file_to_another_folder_changes_the_fingerprint(tmp_path):
    # Same names, same bytes; only the folder differs, and the template includes by path.
    one, two = tmp_path / "one", tmp_path / "two"
    (one / "a").mkdir(parents=True)
    (two / "b").mkdir(parents=True)
    (one / "a" / "base.j2").write_text("x")
    (two / "b" / "base.j2").write_text("x")
    assert fingerprint(one, [one / "a" / "base.j2"]) != fingerprint(two, [two / "b" / "base.j2"])
    (two / "a").mkdir()
    (two / "b" / "base.j2").rename(two / "a" / "base.j2")
    assert fingerprint(one, [one / "a" / "base.j2"]) == fingerprint(two, [two / "a" / "base.j2"])


def test_the_environment_fingerprints_exactly_the_chapters_a_dossier_stitches():
    # The batch reads the chapter notebooks' names from paths.py (it does not import the
    # presentation layer); they must be the walk-through's chapters, in order.
    assert list(CHAPTER_NOTEBOOKS) == [c.key for c in CHAPTERS]
    assert list(CHAPTER_NOTEBOOKS.values()) == [c.notebook for c in CHAPTERS]


def test_the_portfolio_notebook_is_fingerprinted_apart(catalogue, tmp_path):
    notebooks = copy_of(NOTEBOOKS, tmp_path)
    shipped = read_environment(NOTEBOOKS, catalogue)
    assert shipped == read_environment(NOTEBOOKS, catalogue, TEMPLATES / "dossier"), (
        "the default template"
    )
    assert shipped.portfolio_notebook != "missing"
    (notebooks / "portfolio.ipynb").unlink()
    without = read_environment(notebooks, catalogue)
    assert without.portfolio_notebook == "missing"
    assert without.key == shipped.key, "the dossiers do not depend on the portfolio notebook"


# --- the state of the last run ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, {}),
        ("", {}),
        ("not json", {}),
        ("[1, 2]", {}),
        ('{"a": {"key": "k", "output": "a.html"}}', {"a": Seen("k", "a.html")}),
        ('{"a": {"key": "k"}}', {}),
        ('{"a": {"key": 1, "output": "a.html"}}', {}),
        ('{"a": "k", "b": {"key": "k2", "output": "b.html"}}', {"b": Seen("k2", "b.html")}),
    ],
)
def test_parse_state(text, expected):
    assert parse_state(text) == expected


def test_state_round_trips():
    state = {"a": Seen("k1", "a.html"), "b": Seen("k2", "b.html")}
    assert json.loads(dump_state(state)) == {
        "a": {"key": "k1", "output": "a.html"},
        "b": {"key": "k2", "output": "b.html"},
    }
    assert parse_state(dump_state(state)) == state


# --- what to render ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one(catalogue) -> Checked:
    return Checked(CONTRACTS, assessment=assessed(catalogue, dt.date(2026, 11, 23)))


@pytest.mark.parametrize(
    ("seen", "existing", "force", "decision"),
    [
        (None, set(), False, "render"),  # never rendered
        ("same", {"contract-clause-extraction.html"}, False, "skip"),
        ("same", set(), False, "render"),  # the dossier was deleted
        ("same", {"other.html"}, False, "render"),
        ("other", {"contract-clause-extraction.html"}, False, "render"),  # something changed
        ("same", {"contract-clause-extraction.html"}, True, "render"),  # --force
    ],
)
def test_plan_decides_per_record(one, seen, existing, force, decision):
    key = render_key(one.assessment, ENV)
    state = {}
    if seen:
        state["contract-clause-extraction"] = Seen(
            key if seen == "same" else "an older key", "contract-clause-extraction.html"
        )
    (planned,) = plan([one], ENV, state, existing, force=force)
    assert planned.decision == decision
    assert planned.key == key and planned.assessment is one.assessment
    assert planned.dossier == ("contract-clause-extraction.html" if decision == "skip" else None)


def test_an_invalid_record_is_planned_as_invalid_with_its_line(one):
    bad = Checked(Path("x.yaml"), error=RecordError("unknown field", path="x.yaml", field="stag"))
    planned = plan([bad, one], ENV, {}, set())
    assert planned[0] == Planned(Path("x.yaml"), "invalid", error="x.yaml: stag: unknown field")
    assert [p.decision for p in planned] == ["invalid", "render"]


# --- the portfolio key --------------------------------------------------------------------


def summary_of(one: Checked, **changes: Any) -> contract.Summary:
    entry = contract.initiative(
        one.assessment,
        path="data/examples/contract-clause-extraction.yaml",
        outcome=changes.pop("outcome", "rendered"),
        dossier=changes.pop("dossier", "contract-clause-extraction.html"),
        error=changes.pop("error", None),
    )
    base = {
        "generated_at": "2026-11-23T02:30:00+00:00",
        "as_of": dt.date(2026, 11, 23),
        "catalogue": "c",
        "run_id": 2,
        "previous_run_id": 1,
        "initiatives": [entry],
        "failed": [],
    }
    return contract.summary(**{**base, **changes})


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({"run_id": 3, "previous_run_id": 2}, True),  # a new run, nothing else
        ({"generated_at": "2026-11-24T02:30:00+00:00"}, True),
        ({"as_of": dt.date(2026, 11, 24)}, True),  # counts only through the verdicts
        ({"outcome": "skipped"}, True),  # rendered or unchanged: a dossier is there either way
        ({"outcome": "failed", "dossier": None, "error": "boom"}, False),
        ({"failed": [contract.Failed(path="x.yaml", error="bad")]}, False),
        ({"catalogue": "another"}, False),
    ],
)
def test_the_portfolio_key_follows_what_the_page_shows(one, change, same):
    key = portfolio_key(ENV, summary_of(one))
    assert (portfolio_key(ENV, summary_of(one, **copy.deepcopy(change))) == key) is same


def test_the_portfolio_key_follows_its_notebook_and_the_changes(one):
    s = summary_of(one)
    other_notebook = Environment("n", "t", "1.0", "c", portfolio_notebook="edited")
    assert portfolio_key(ENV, s) != portfolio_key(other_notebook, s)
    changed = s.model_copy(
        update={
            "initiatives": [
                s.initiatives[0].model_copy(
                    update={
                        "changes": Changes(
                            new_blockers=["trust.fallback"],
                            resolved=[],
                            regressions=[],
                            stage_from=None,
                            stage_to=None,
                            down=False,
                        )
                    }
                )
            ]
        }
    )
    assert portfolio_key(ENV, s) != portfolio_key(ENV, changed)
