"""The mail-ready digest: what needs attention, within its size budget, safe to paste.

Summaries are built by hand from the contract's fields; every expected line is written
out by hand from the definitions in ``workbook/model/digest.py``'s docstring.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import mistune
import pytest
from test_batch import EDITED, IDS, edit_record, in_process, make_portfolio, quick  # noqa: F401

from samples import NO_CHANGES
from workbook.errors import UsageError
from workbook.model.digest import BUDGET, digest
from workbook.model.summary import Initiative, Summary, summary

AS_OF = dt.date(2026, 11, 23)
GATES_NONE = {"mvp": False, "production_candidate": False, "production": False}


def initiative(rid: str, **fields: Any) -> Initiative:
    """A valid summary entry: a prototype claimed and supported, nothing wrong, then ``fields``."""
    base: dict[str, Any] = {
        "id": rid,
        "name": rid.title(),
        "path": f"{rid}.yaml",
        "claimed_stage": "prototype",
        "target_stage": None,
        "supported_stage": "prototype",
        "overclaimed": False,
        "shadow_production": None,
        "uncontrolled_use": None,
        "goalposts": [],
        "shared_evidence": [],
        "next_gate": "mvp",
        "weakest_area": None,
        "headline": "h",
        "digest": "0" * 12,
        "gates": GATES_NONE,
        "readiness": {},
        "results": [],
        "blockers": [],
        "waivers": [],
        "signoffs": [],
        "outcome": "rendered",
        "dossier": f"{rid}.html",
        "error": None,
        "changes": NO_CHANGES,
    }
    return Initiative.model_validate({**base, **fields})


def run(*initiatives: Initiative, previous: int | None = 1) -> Summary:
    return summary(
        generated_at="2026-11-23T06:00:00Z",
        as_of=AS_OF,
        catalogue="c",
        run_id=2,
        previous_run_id=previous,
        initiatives=list(initiatives),
        failed=[],
    )


def waiver(criterion: str, expires: str, *, expired: bool = False, superseded: bool = False):
    return {
        "criterion": criterion,
        "approver": "Ann Lee",
        "expires": expires,
        "expired": expired,
        "superseded": superseded,
    }


def result(criterion: str, gate: str, status: str) -> dict[str, str]:
    return {"criterion": criterion, "gate": gate, "status": status}


#: One of each: alpha overclaims by three stages, beta by one (widest gap first); beta's
#: logs show uncontrolled use and it has one new blocker (its production candidate gate);
#: gamma fell from mvp to prototype, its only failing mvp criterion (data.lineage) passed
#: before, so its mvp gate is lost; gamma's waivers: 2026-12-23 is 30 days after
#: 2026-11-23 (shown), 2026-12-24 is 31 (not), the superseded one is not; delta's waiver
#: expired on 2026-11-20, 3 days before the as-of date (shown first: most severe).
HAND_BUILT = run(
    initiative("gamma", name="Gamma", waivers=[
        waiver("ops.a", "2026-12-23"),
        waiver("ops.b", "2026-12-24"),
        waiver("ops.c", "2026-11-30", superseded=True),
    ], results=[result("data.lineage", "mvp", "stale")], changes={
        **NO_CHANGES,
        "regressions": ["data.lineage"],
        "new_blockers": [],
        "stage_from": "mvp",
        "stage_to": "prototype",
        "down": True,
    }),
    initiative("beta", name="Beta", claimed_stage="mvp", overclaimed=True,
               uncontrolled_use="logs show 48 distinct users (the declared limit is 6)",
               results=[result("trust.fallback", "production_candidate", "missing")],
               changes={**NO_CHANGES, "new_blockers": ["trust.fallback"]}),
    initiative("alpha", name="Alpha", claimed_stage="production", overclaimed=True),
    initiative("delta", name="Delta", dossier=None,
               waivers=[waiver("gov.x", "2026-11-20", expired=True)]),
)  # fmt: skip

EXPECTED_TXT = """\
Readiness digest: run 2, as of 2026-11-23

4 initiatives (compared with run 1), full portfolio: index.html

Overclaimed labels (2)
  alpha (Alpha): claims production, supported prototype — alpha.html
  beta (Beta): claims mvp, supported prototype — beta.html

Uncontrolled use (1)
  beta (Beta): beyond its controlled use: logs show 48 distinct users (the declared limit is 6) — beta.html

New blockers (1)
  beta (Beta): trust.fallback (production candidate gate) — beta.html

Regressions (1)
  gamma (Gamma): supported stage down from mvp to prototype; gate lost: mvp; no longer passing: data.lineage (mvp gate) — gamma.html

Waivers expired or expiring within 30 days (2)
  delta (Delta): gov.x expired on 2026-11-20 (3 days ago), approved by Ann Lee — no dossier
  gamma (Gamma): ops.a expires on 2026-12-23 (30 days left), approved by Ann Lee — gamma.html
"""

EXPECTED_MD = r"""# Readiness digest: run 2, as of 2026-11-23

4 initiatives \(compared with run 1\), full portfolio: `index.html`

## Overclaimed labels (2)

- **alpha** (Alpha): claims production, supported prototype — `alpha.html`
- **beta** (Beta): claims mvp, supported prototype — `beta.html`

## Uncontrolled use (1)

- **beta** (Beta): beyond its controlled use: logs show 48 distinct users \(the declared limit is 6\) — `beta.html`

## New blockers (1)

- **beta** (Beta): trust.fallback \(production candidate gate\) — `beta.html`

## Regressions (1)

- **gamma** (Gamma): supported stage down from mvp to prototype; gate lost: mvp; no longer passing: data.lineage \(mvp gate\) — `gamma.html`

## Waivers expired or expiring within 30 days (2)

- **delta** (Delta): gov.x expired on 2026-11-20 \(3 days ago\), approved by Ann Lee — no dossier
- **gamma** (Gamma): ops.a expires on 2026-12-23 \(30 days left\), approved by Ann Lee — `gamma.html`
"""


def test_hand_built_summary_gives_the_expected_plain_text():
    assert digest(HAND_BUILT)[1] == EXPECTED_TXT


def test_hand_built_summary_gives_the_expected_markdown():
    assert digest(HAND_BUILT)[0] == EXPECTED_MD


def test_nothing_to_report_says_so_and_names_the_missing_comparison():
    markdown, text = digest(run(initiative("calm"), previous=None))
    assert text == (
        "Readiness digest: run 2, as of 2026-11-23\n\n"
        "1 initiative (no previous finished run), full portfolio: index.html\n\n"
        "Overclaimed labels (0)\n  No initiative claims more than it supports.\n\n"
        "Uncontrolled use (0)\n  No logs show use beyond what was declared.\n\n"
        "New blockers (0)\n  No previous finished run to compare with.\n\n"
        "Regressions (0)\n  No previous finished run to compare with.\n\n"
        # 2026-11-23 + 30 days = 2026-12-23
        "Waivers expired or expiring within 30 days (0)\n  No waiver expires by 2026-12-23.\n"
    )
    assert "calm" not in markdown


def test_a_thousand_initiatives_stay_within_the_budget_and_say_how_many_more():
    many = [
        initiative(
            f"initiative-{n:04d}",
            name=f"A long initiative name that goes on and on, number {n:04d} of the run",
            claimed_stage="production",
            overclaimed=True,
            uncontrolled_use="logs show up to 1,046 requests a day (on 5 days, more than "
            "10% above the declared 300); logs show 48 distinct users (the limit is 6)",
            results=[result("trust.fallback", "production_candidate", "missing")],
            changes={**NO_CHANGES, "new_blockers": ["trust.fallback"], "regressions": ["x.y"]},
            waivers=[waiver("ops.a", "2026-12-01")],
        )
        for n in range(1000)
    ]
    assert BUDGET == 4096  # the budget README states: 4 KB per file
    for text in digest(run(*many)):
        assert len(text.encode("utf-8")) <= 4096
        lines = text.splitlines()
        heads = [n for n, ln in enumerate(lines) if ln.rstrip().endswith("(1000)")]
        assert len(heads) == 5, "every list heading counts all 1,000"
        for h, end in zip(heads, [*heads[1:], len(lines)], strict=True):
            block = [ln for ln in lines[h + 1 : end] if ln.strip()]
            listed = [ln for ln in block if "initiative-0" in ln]
            assert listed, "each list still shows its most severe entries"
            # Same severity everywhere: ties go by id, so the first ids are shown.
            assert "initiative-0000" in listed[0]
            more = 1000 - len(listed)
            assert block[-1].endswith(f"and {more} more — see index.html")


HOSTILE = (
    "\u202eevil\u202c\x1b[31m\nforged **bold** www.evil.example &amp; ~~gone~~ | a | "
    "[click](http://evil.example) ![px](https://t.example/p.png) "
    "<script>alert(1)</script> <img src=x onerror=alert(1)> # no heading `code`"
)


def test_hostile_names_cannot_make_markup_links_or_lines():
    s = run(
        initiative(
            "hostile", name=HOSTILE, overclaimed=True, claimed_stage="mvp",
            uncontrolled_use=HOSTILE,
            shadow_production="<img src=x onerror=alert(1)> <b>x</b> <!-- c --> # h `code`",
        )
    )  # fmt: skip
    markdown, text = digest(s)
    html = mistune.create_markdown(escape=False, plugins=["strikethrough", "table", "url"])(
        markdown
    )
    # Rendered as GitHub-flavoured Markdown with raw HTML allowed: no element the record
    # made survives; the only markup is the digest's own headings, lists, bold ids, code.
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"h1", "h2", "p", "ul", "li", "strong", "code"}, tags
    assert html.count("<strong>") == 3  # "hostile", in each of its three lines
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html  # shown as typed
    for out in (markdown, text):
        assert "\u202e" not in out and "\x1b" not in out  # spelled out by one_line
        assert not any(ln.startswith("forged") for ln in out.splitlines())
    # The backslash one_line writes is itself escaped in Markdown, so it shows as typed.
    assert "\\\\u202eevil\\\\u202c\\\\x1b\\[31m\\\\x0aforged" in markdown
    assert "\\u202eevil\\u202c\\x1b[31m\\x0aforged" in text
    # Plain text carries no Markdown of its own: outside the record's lines, no markup
    # character at all; the record's lines start as plain indented text.
    own = [ln for ln in text.splitlines() if "hostile" not in ln]
    assert not any(c in ln for ln in own for c in "#*`[]<>_\\"), own
    assert all(ln.startswith("  hostile (") for ln in text.splitlines() if "hostile" in ln)


# --- end to end: a batch run (stand-in renderers) writes both files ------------------------


def test_batch_writes_the_digest_naming_overclaims_and_new_blockers(in_process, tmp_path):  # noqa: F811
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    quick(records, out)
    first = (out / "digest.txt").read_text(encoding="utf-8")
    # invoice-coding claims production and is supported at mvp (data/examples/README.md).
    assert re.search(r"^  invoice-coding \(.*\): claims production, supported mvp — "
                     r"invoice-coding\.html$", first, re.M)  # fmt: skip
    assert "`invoice-coding.html`" in (out / "digest.md").read_text(encoding="utf-8")
    edit_record(records)  # hr-policy-assistant loses its answer to trust.fallback
    quick(records, out)
    second = (out / "digest.txt").read_text(encoding="utf-8")
    assert "compared with run 1" in second
    assert re.search(
        rf"^New blockers \(1\)\n  {EDITED} \(.*\): trust\.fallback \(production candidate "
        rf"gate\) — {EDITED}\.html$",
        second,
        re.M,
    )
    for name in ("digest.md", "digest.txt"):
        assert (out / name).stat().st_size <= BUDGET


@pytest.mark.parametrize("name", ["digest.md", "digest.txt"])
def test_a_link_or_folder_at_a_digest_name_is_refused_before_any_work(in_process, tmp_path, name):  # noqa: F811
    # As for every other name the batch writes (test_hostile_links): checked up front, so
    # a run never does its work only to fail, or write through a link, at the very end.
    records, out = make_portfolio(tmp_path / "records"), tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (out / name).symlink_to(victim)
    with pytest.raises(UsageError, match="symbolic link"):
        quick(records, out)
    (out / name).unlink()
    (out / name).mkdir()
    with pytest.raises(UsageError, match="a folder sits where the batch writes a file"):
        quick(records, out)
    assert in_process.calls == [] and victim.read_text() == "keep"
