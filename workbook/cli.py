"""The ``workbook`` command line: a thin layer that turns library errors into exit codes.

Exit codes: 0 fine, 1 a ``--strict`` check failed (an overclaimed label, or a gate passed
only because the catalogue changed), 2 invalid input or usage.

Every line written goes through ``say`` or ``fail`` (``errors.one_line`` on each line), and
while a command runs the standard streams escape control and bidi characters whoever
writes to them (``terminal.escaped_output``): names, ledger rows and messages quoting a
file never drive the terminal. Nothing reaches the user as a traceback: a file-system
error is one line naming its path, anything else one line asking for a report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import click

from workbook import __version__
from workbook.batch.options import MAX_TIMEOUT, MAX_WORKERS, cell_timeout, default_workers
from workbook.config import DEFAULT_RECORDS, load_config
from workbook.errors import UsageError, WorkbookError, one_line
from workbook.model.assess import Assessment, stage_label
from workbook.model.catalogue import Catalogue, load_catalogue
from workbook.model.criteria import GATES
from workbook.model.records import AREAS, STAGES, record_schema
from workbook.model.scaffold import create_record
from workbook.model.yamlio import shown
from workbook.paths import CHAPTER_NOTEBOOKS, NOTEBOOKS
from workbook.pipeline import History, check_paths, discover
from workbook.terminal import escaped_output, real

F = TypeVar("F", bound=Callable[..., Any])


def say(*lines: object, err: bool = False) -> None:
    """Each argument one line of output, its control and bidi characters spelled out.

    The one way the commands print: a value read from a file, the ledger or the command
    line may hold a newline or an escape sequence, and must neither forge a line nor
    drive the terminal.
    """
    for line in lines:
        click.echo(one_line(line), err=err)


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, then exit: input errors already start with the file's path."""
    say(message, err=True)
    sys.exit(code)


#: At most this many problems are listed for one file: a generated file with 100,000
#: unknown keys must not bury the other records' lines.
MAX_PROBLEM_LINES = 50


def problem_lines(exc: WorkbookError) -> list[str]:
    """Every problem ``exc`` reports, one line each (a record with three typos is fixed
    in one run), up to ``MAX_PROBLEM_LINES`` and a line counting the rest."""
    lines = exc.lines()
    if len(lines) <= MAX_PROBLEM_LINES:
        return lines
    rest = len(lines) - MAX_PROBLEM_LINES
    return [*lines[:MAX_PROBLEM_LINES], f"... and {rest:,} more problem{'s' * (rest != 1)}"]


def reports_errors(func: F) -> F:
    """Turn a WorkbookError into its lines (one per problem) on stderr and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WorkbookError as exc:
            say(*problem_lines(exc), err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


class Seconds(click.ParamType):
    """A cell timeout: a whole number of seconds from 1 to a day, or ``none`` for no limit.

    nbclient counts whole seconds; 0 and negative numbers used to mean "no limit"
    silently, so no limit must be asked for by name.
    """

    name = "SECONDS"

    def convert(self, value: Any, param: Any, ctx: Any) -> int | None:
        if value is None:
            return None
        text = str(value).strip()
        if text.lower() == "none":
            return None
        with contextlib.suppress(UsageError):  # the range is the library's (BatchOptions)
            if text.isascii() and text.isdigit() and len(text) <= 6:
                return cell_timeout(int(text))
        self.fail(
            f"{shown(text)} is not a cell timeout (expected a whole number of seconds from 1 "
            f"to {MAX_TIMEOUT}, or 'none' for no limit)",
            param,
            ctx,
        )


#: A Dask scheduler address: [PROTOCOL://]HOST:PORT (an IPv6 host in brackets).
SCHEDULER = re.compile(
    r"(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})"
)
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss")


class SchedulerAddress(click.ParamType):
    """``tcp://HOST:PORT`` (or tls, ws, wss, or no protocol): checked before any connection."""

    name = "ADDRESS"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        m = SCHEDULER.fullmatch(str(value))
        if (
            m is None
            or (m["scheme"] is not None and m["scheme"] not in SCHEDULER_PROTOCOLS)
            or not 1 <= int(m["port"]) <= 65535
        ):
            self.fail(
                f"{shown(str(value))} is not a Dask scheduler address (expected "
                "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786)",
                param,
                ctx,
            )
        return str(value)


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{shown(value)} is not a date (expected YYYY-MM-DD)", param, ctx)


gates_option = click.option(
    "--gates",
    "gates_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Gate catalogue YAML to assess against (default: gates in workbook.toml, else the "
    "shipped catalogue).",
)
timeout_option = click.option(
    "--timeout",
    type=Seconds(),
    default=600,
    show_default=True,
    help="Seconds one notebook cell may run before its dossier fails: a whole number from 1 "
    f"to {MAX_TIMEOUT}, or 'none' for no limit.",
)
as_of_option = click.option(
    "--as-of",
    type=IsoDate(),
    default=None,
    help="Assess as of this date (YYYY-MM-DD) so expiries and freshness are reproducible "
    "(default: today).",
)


class OneLineErrors(click.Group):
    """A group whose usage errors are one line on stderr, like every other error."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        with escaped_output():
            try:
                return super().main(*args, **kwargs)
            except click.ClickException as exc:
                hint = ""
                if isinstance(exc, click.UsageError) and exc.ctx is not None:
                    hint = f" (see '{exc.ctx.command_path} --help')"
                fail(f"workbook: {exc.format_message()}{hint}", exc.exit_code)
            except click.Abort:
                fail("workbook: aborted", 1)
            except BrokenPipeError:
                quiet_stdout()  # the reader went away (`| head`): nothing to say to it
                sys.exit(1)
            except OSError as exc:  # the last line of defence: the library names most paths
                fail(file_system_line(exc))
            except Exception as exc:
                if os.environ.get("WORKBOOK_TRACEBACK"):
                    raise
                fail(internal_line(exc))


def file_system_line(exc: OSError) -> str:
    """One line for a file-system error nobody turned into a WorkbookError: its path, what to do."""
    from workbook.files import cannot

    if exc.filename is None:
        reason = exc.strerror or type(exc).__name__
        return f"workbook: {reason} (expected a file or folder you can use)"
    names = [exc.filename] + ([exc.filename2] if exc.filename2 is not None else [])
    where = " -> ".join(os.fsdecode(n) if isinstance(n, bytes) else str(n) for n in names)
    return cannot(exc, where, "open").line()


def internal_line(exc: Exception) -> str:
    """A bug, not bad input: one line that says so, and how to see where it happened."""
    what = shown(str(exc), quoted=False)
    return (
        f"workbook: internal error: {type(exc).__name__}: {what} (please report it with the "
        "command that caused it; WORKBOOK_TRACEBACK=1 shows where it happened)"
    )


def quiet_stdout() -> None:
    """Point stdout at the null device, so exiting flushes into nothing."""
    with contextlib.suppress(Exception):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, real(sys.stdout).fileno())


def out_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help=help_text + " Default: out in workbook.toml, else build/dossiers.",
    )


pdf_option = click.option(
    "--pdf",
    is_flag=True,
    help="Also print each HTML page to <name>.pdf beside it, with headless Chromium "
    "(chromium on PATH, or WORKBOOK_CHROMIUM).",
)

notebooks_option = click.option(
    "--notebooks",
    "notebooks_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Folder of your own chapter (and portfolio) notebooks (default: the shipped ones).",
)


def require_existing(paths: list[Path]) -> None:
    """Every named file or folder exists (one clear line otherwise)."""
    for p in paths:
        if not p.exists():
            raise UsageError(
                "no such file or folder", path=p, expected="a record file or a folder of records"
            )


def require_notebooks(folder: Path | None) -> Path:
    """The notebooks folder, holding every chapter notebook (checked before any kernel starts)."""
    folder = folder or NOTEBOOKS
    for name in CHAPTER_NOTEBOOKS.values():
        if not (folder / name).is_file():
            raise UsageError(
                "chapter notebook not found",
                path=folder / name,
                expected="a --notebooks folder holding every chapter notebook, as the shipped "
                "notebooks/ does",
            )
    return folder


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbook")
def main() -> None:
    """Pilot-to-production readiness workbook for AI initiatives."""


# --- check -------------------------------------------------------------------


def _block(a: Assessment, path: Path) -> list[str]:
    lines = [f"{a.id}  {one_line(a.record.name)}  ({one_line(path)})", f"  {a.headline}"]
    if a.weakest_area:
        ready = next(r for r in a.readiness if r.area == a.weakest_area)
        lines.append(
            f"  Weakest area for the {stage_label(a.next_gate)} gate: {a.weakest_area} "
            f"({ready.met} of {ready.total} met)"
        )
    for w in a.waivers:
        if w.superseded_by is not None:
            lines.append(
                f"  Waiver until {w.waiver.expires} superseded by the renewal until "
                f"{w.superseded_by.expires}: {w.waiver.criterion}"
            )
        elif w.refused:
            lines.append(
                f"  Waiver until {w.waiver.expires} DOES NOT COUNT: {w.waiver.criterion} "
                f"({one_line('; '.join(w.refused))})"
            )
        elif w.expired:
            lines.append(f"  Waiver EXPIRED on {w.waiver.expires}: {w.waiver.criterion}")
        else:
            by = one_line(w.waiver.approver)
            lines.append(f"  Waived until {w.waiver.expires} by {by}: {w.waiver.criterion}")
    for r in a.results:
        if r.status == "not_applicable":
            lines.append(f"  Not applicable: {r.criterion.id} ({one_line(r.detail)})")
    for f in a.evidence.items:
        if not f.readable:
            lines.append(
                f"  Evidence UNREADABLE: {one_line(f.item.location)}: {one_line(f.reason)}"
            )
    for s in a.signoffs:
        if not s.current:
            lines.append(
                f"  Sign-off by {one_line(s.signoff.name)} ({s.signoff.role}, {s.signoff.gate}) "
                "was given for an earlier version"
            )
    gate = area = None
    for r in a.blockers:
        c = r.criterion
        if c.gate != gate:
            gate, area = c.gate, None
            lines.append(f"  {stage_label(gate)} gate")
        if c.area != area:
            area = c.area
            lines.append(f"    {area}")
        lines.append(f"      {c.id:<34} {r.status:<15} {one_line(r.detail)}")
    return lines


#: The --summary flag of each kind of goalpost shift.
_SHIFT_FLAGS = {
    "changed": "GOALPOSTS MOVED",
    "pinned": "HELD TO PIN",
    "pin_missing": "PIN NOT FOUND",
}


def flags(a: Assessment) -> list[str]:
    """What must not be missed about an assessment, one upper-case word or two each."""
    out = ["OVERCLAIMED" if a.overclaimed else "", "SHADOW?" if a.shadow_production else ""]
    out.append("UNCONTROLLED" if a.uncontrolled_use else "")
    out += list(dict.fromkeys(_SHIFT_FLAGS[s.kind] for s in a.goalposts))
    return [f for f in out if f]


def _table(assessments: list[tuple[Path, Assessment]]) -> list[str]:
    rows = [("ID", "CLAIMED", "SUPPORTED", "NOT MET", "WEAKEST AREA", "")]
    for _, a in assessments:
        flag = " ".join(flags(a))
        rows.append(
            (
                a.id,
                a.claimed_stage,
                a.supported_stage,
                str(len(a.blockers)),
                a.weakest_area or "-",
                flag,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@gates_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@click.option("--summary", is_flag=True, help="Print only the one-line-per-initiative table.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when any initiative is overclaimed, or passes a gate only because the "
    "catalogue changed since its earlier assessment (with --ledger: moved goalposts).",
)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A batch ledger: say when a gate passes only because the catalogue changed since an "
    "initiative's earlier assessment, and find pinned catalogues in it.",
)
@reports_errors
def check(
    paths: tuple[Path, ...],
    gates_file: Path | None,
    as_of: dt.date | None,
    as_json: bool,
    summary: bool,
    strict: bool,
    ledger_path: Path | None,
) -> None:
    """Assess initiative records (files or folders; default: records in workbook.toml, else
    data/initiatives).

    Prints the claimed and supported stage of each, every condition not yet
    met grouped by gate and area, and the weakest area. Invalid records are
    listed on stderr, each problem on its own line; the others are still
    reported. A record that pins a catalogue (catalogue_pin) is held to it too.
    """
    from workbook.ledger import Ledger

    config = load_config()
    gates_file = gates_file or config.gates
    catalogue = load_catalogue(gates_file)
    targets = list(paths) or config.targets
    require_existing(targets)
    as_of = as_of or dt.date.today()  # one day for every record, even across midnight
    if ledger_path is not None and not ledger_path.is_file():
        raise UsageError(
            "no ledger here", path=ledger_path, expected="the ledger.sqlite a batch wrote"
        )
    with contextlib.ExitStack() as stack:
        ledger = stack.enter_context(Ledger(ledger_path)) if ledger_path else None
        checked = check_paths(targets, catalogue, as_of, History(ledger, gates_file))
    good = [(c.path, c.assessment) for c in checked if c.assessment is not None]
    bad = [c for c in checked if c.error is not None]
    if not checked:
        raise no_records(targets)
    if as_json:
        # ASCII JSON: every control, bidi and non-ASCII character is a \u escape.
        say(*json.dumps([{**a.to_dict(), "path": str(p)} for p, a in good], indent=2).split("\n"))
    elif summary:
        say(*_table(good))
    else:
        for p, a in good:
            say(*_block(a, p), "")
        over = sum(a.overclaimed for _, a in good)
        plural = "s" if len(checked) != 1 else ""
        # Said only when it happens: most portfolios never see either.
        loud = [
            (sum(bool(a.uncontrolled_use) for _, a in good), "in uncontrolled use"),
            (sum(any(s.gate for s in a.goalposts) for _, a in good), "on moved goalposts"),
        ]
        extra = "".join(f", {n} {what}" for n, what in loud if n)
        say(
            f"{len(checked)} record{plural}: {len(good)} assessed, {over} overclaimed{extra}, "
            f"{len(bad)} invalid (as of {as_of}; catalogue: {one_line(catalogue.name)})"
        )
    for c in bad:
        say(*(problem_lines(c.error) if c.error else [c.path]), err=True)
    if bad:
        sys.exit(2)
    # A gate passed only under a changed catalogue is a label the earlier gates refused.
    moved = any(g.kind == "changed" for _, a in good for g in a.goalposts)
    if strict and (moved or any(a.overclaimed for _, a in good)):
        sys.exit(1)


def no_records(targets: list[Path]) -> UsageError:
    """No record below the folders named: how to start one there."""
    folder = next((t for t in targets if t.is_dir()), targets[0])
    return UsageError(
        "no record files found",
        path=", ".join(map(str, targets)),
        expected=f"*.yaml records; start one with: workbook new NAME --dir {shown_arg(folder)}",
    )


def shown_arg(path: Path) -> str:
    """A path as typed on a command line: quoted when the shell would split or expand it."""
    import shlex

    return shlex.quote(str(path))


# --- new ---------------------------------------------------------------------


@main.command()
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write the new record into (default: the first records folder in "
    "workbook.toml, else data/initiatives).",
)
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    default="prototype",
    show_default=True,
    help="The stage the team claims.",
)
@reports_errors
def new(name: str, folder: Path | None, stage: str) -> None:
    """Start a record for a new initiative from the commented template (never overwrites)."""
    if folder is None:
        folders = [p for p in load_config().targets if p.suffix not in (".yaml", ".yml")]
        folder = folders[0] if folders else DEFAULT_RECORDS
    target = create_record(name, folder, stage)
    say(f"wrote {target}")


# --- init ----------------------------------------------------------------------


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--name",
    default="First initiative",
    show_default=True,
    help="Display name of the first record.",
)
@reports_errors
def init(folder: Path, name: str) -> None:
    """Start a team's portfolio repository in FOLDER (never overwrites a file).

    A commented first record, the shipped gate catalogue for the team to own, the
    workbook.toml every command reads there, a README, a pre-commit hook, GitHub Actions
    and GitLab CI jobs (the check on each push, the batch every night), a crontab line
    and an Airflow DAG.
    """
    from workbook.portfolio_repo import init_portfolio

    written = init_portfolio(folder, name)
    say(*(f"wrote {p}" for p in written))
    say(
        "",
        "Next, in that folder:",
        f"  cd {shown_arg(folder)}",
        "  workbook check            # the first record, as of today",
        f"  workbook open {shown_arg(written[-1].relative_to(folder))}  # fill it in JupyterLab",
        "  workbook batch            # dossiers and the portfolio page in build/dossiers/",
    )


# --- open ----------------------------------------------------------------------


@main.command("open")
@click.argument("record", type=click.Path(path_type=Path))
@click.option(
    "--port",
    type=click.IntRange(min=1, max=65535),
    default=None,
    help="Port for JupyterLab on 127.0.0.1 (default: a free one).",
)
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@click.option(
    "--as-of",
    type=IsoDate(),
    default=None,
    help="Assess as of this date (YYYY-MM-DD) in every chapter (default: today).",
)
@gates_option
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the working copy of the notebooks (default: one per record in your "
    "user cache).",
)
@reports_errors
def open_(
    record: Path,
    port: int | None,
    no_browser: bool,
    as_of: dt.date | None,
    gates_file: Path | None,
    folder: Path | None,
) -> None:
    """Open a record in JupyterLab: the walk-through chapters, each set to RECORD.

    The chapters are a working copy (the shipped notebooks never change); the record
    and its drafts hold the work. Runs until JupyterLab stops (Ctrl-C).
    """
    import importlib.util

    if not record.exists():
        raise UsageError(
            "no such record",
            path=record,
            expected="an initiative record file; start one with: workbook new NAME --dir "
            + shown_arg(record.parent),
        )
    if not record.is_file():
        raise UsageError("not a record file", path=record, expected="one initiative's .yaml file")
    gates_file = gates_file or load_config().gates
    if gates_file is not None:
        load_catalogue(gates_file)  # a broken catalogue is one line now, not in every chapter
    if importlib.util.find_spec("jupyterlab") is None:
        raise UsageError(
            "JupyterLab is not installed", expected="pip install 'workbook[notebooks]'"
        )
    from workbook.present import lab

    code = lab.open_record(
        record.absolute(),
        port=port,
        open_browser=not no_browser,
        as_of=as_of.isoformat() if as_of else "",
        gates=gates_file.absolute() if gates_file else None,
        folder=folder,
    )
    sys.exit(code)


# --- dossier -------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_option("Folder for the HTML dossiers.")
@gates_option
@as_of_option
@timeout_option
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="A batch ledger: history, what changed, and whether the catalogue moved since.",
)
@notebooks_option
@pdf_option
@reports_errors
def dossier(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    gates_file: Path | None,
    as_of: dt.date | None,
    timeout: int | None,
    ledger_path: Path | None,
    notebooks_dir: Path | None,
    pdf: bool,
) -> None:
    """Write one self-contained HTML readiness dossier per record.

    Runs the walk-through notebooks headlessly (papermill, one kernel per
    dossier) and exports them with nbconvert. A failing cell keeps the
    partial notebook as OUT/failed/<id>.ipynb (not for sharing) and exits 1.
    With --pdf, each dossier is also printed to OUT/<id>.pdf by headless
    Chromium; without Chromium the HTML is still written, and the command
    exits 2 saying how to install it.
    """
    from workbook.ledger import Ledger
    from workbook.render.dossier import write_dossier
    from workbook.render.execute import NotebookFailed

    config = load_config()
    gates_file, out_dir = gates_file or config.gates, out_dir or config.out_dir
    load_catalogue(gates_file)  # a broken catalogue is one line, before any kernel starts
    notebooks = require_notebooks(notebooks_dir)
    if ledger_path is not None:
        with Ledger(ledger_path):  # not a ledger: one line now, not a failed cell per record
            pass
    require_existing(list(paths))
    records = discover(paths)
    if not records:
        raise no_records(list(paths))
    failed = invalid = 0
    written: list[Path] = []
    for record in records:
        try:
            target = write_dossier(
                record,
                out_dir,
                as_of=as_of,
                gates=gates_file,
                timeout=timeout,
                notebooks=notebooks,
                ledger=ledger_path,
            )
        except NotebookFailed as exc:
            failed += 1
            say(exc.line(), err=True)
        except WorkbookError as exc:
            invalid += 1
            say(*problem_lines(exc), err=True)
        else:
            written.append(target)
            say(f"wrote {target}")
    if pdf and written:
        printed = print_dossier_pdfs(written)
        failed += printed.failed
        invalid += printed.invalid
    if invalid:
        sys.exit(2)
    if failed:
        sys.exit(1)


class PdfCounts(NamedTuple):
    failed: int
    invalid: int


def print_dossier_pdfs(pages: list[Path]) -> PdfCounts:
    """Each page printed beside itself, one line each; counts Chromium failures and refusals."""
    from workbook.errors import ChromiumMissing
    from workbook.render.pdf import find_chromium, print_pdfs

    try:
        chromium = find_chromium()
    except ChromiumMissing as exc:  # the HTML is written: only the PDFs are missing
        say(exc.line(), err=True)
        return PdfCounts(0, len(pages))
    failed = invalid = 0
    for p in print_pdfs(pages, chromium=chromium, workers=min(2, default_workers())):
        if p.error is None:
            say(f"wrote {p.target}")
            continue
        say(p.error.line(), err=True)
        if isinstance(p.error, UsageError):  # a link at the PDF's name, say
            invalid += 1
        else:
            failed += 1
    return PdfCounts(failed, invalid)


# --- batch and history ---------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@out_option("Output folder: dossiers, index.html, summary.json/csv, run.jsonl, ledger.sqlite.")
@gates_option
@as_of_option
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=None,
    help=f"Worker processes, 1 to {MAX_WORKERS} (default: the number of cores).",
)
@click.option(
    "--executor",
    "executor_name",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Where dossiers are rendered (default: dask with --scheduler, else local).",
)
@click.option(
    "--scheduler",
    type=SchedulerAddress(),
    default=None,
    help="Dask scheduler address, tcp://HOST:PORT: render on that cluster (its workers need "
    "workbook, not your files).",
)
@click.option("--force", is_flag=True, help="Re-render every dossier, changed or not.")
@click.option(
    "--reuse-kernels/--fresh-kernels",
    default=True,
    show_default=True,
    help="Each worker runs dossier after dossier in its own IPython shell (on a Dask worker: "
    "one kernel it keeps), every name reset in between and replaced after a failure (imports "
    "stay loaded), or starts a fresh Jupyter kernel for each dossier (slower).",
)
@timeout_option
@click.option(
    "--log",
    "log_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="JSON-lines run log (default: OUT/run.jsonl).",
)
@notebooks_option
@pdf_option
@reports_errors
def batch(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    gates_file: Path | None,
    as_of: dt.date | None,
    workers: int | None,
    executor_name: str | None,
    scheduler: str | None,
    force: bool,
    reuse_kernels: bool,
    timeout: int | None,
    log_file: Path | None,
    notebooks_dir: Path | None,
    pdf: bool,
) -> None:
    """Render a whole portfolio: dossiers for what changed, a portfolio dossier, history.

    Unchanged initiatives (same record, evidence, catalogue, notebooks, template,
    version, as-of date and verdict) are not rendered again ("unchanged"). With
    --pdf, each dossier and the portfolio page are also printed to PDF
    (OUT/<id>.pdf, OUT/index.pdf) where the PDF is missing or older than its
    page. Exit 0 when all went well, 1 when some failed (each is named with its
    reason), 2 on bad usage, when another run holds OUT, or when --pdf finds no
    Chromium (the HTML is still written).
    """
    from workbook.batch import BatchOptions, progress_printer, run_batch, summary_lines

    if scheduler is not None and executor_name == "local":
        raise click.BadOptionUsage(
            "scheduler", "--scheduler names a Dask scheduler: leave out --executor local"
        )
    executor_name = executor_name or ("dask" if scheduler else "local")
    config = load_config()
    gates_file, out_dir = gates_file or config.gates, out_dir or config.out_dir
    targets = list(paths) or config.targets
    require_existing(targets)
    from workbook.pipeline import discover

    if not discover(targets):
        # An empty portfolio page would say all is well about nothing.
        raise no_records(targets)
    options = BatchOptions(
        paths=targets,
        out_dir=out_dir,
        as_of=as_of,
        gates=gates_file,
        notebooks=require_notebooks(notebooks_dir),
        workers=workers or default_workers(),
        executor=executor_name,
        scheduler=scheduler,
        force=force,
        timeout=timeout,
        log=log_file,
        reuse_kernels=reuse_kernels,
        pdf=pdf,
    )
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        # The bar writes its own sequences to the real terminal. Nothing else is routed
        # through it: rich would read a stray line's escape sequences and markup as styles.
        console = Console(file=real(sys.stderr))
        with Progress(
            console=console, transient=True, redirect_stdout=False, redirect_stderr=False
        ) as bar:
            task = bar.add_task("dossiers", total=None)

            def show(entry: Any, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = run_batch(options, show)
    else:
        result = run_batch(options, progress_printer())
    say(*summary_lines(result))
    if result.pdf_unavailable:
        say(result.pdf_unavailable, err=True)
    sys.exit(result.exit_code)


@main.command()
@click.argument("initiative")
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The batch ledger (default: ledger.sqlite in the batch's output folder: out in "
    "workbook.toml, else build/dossiers).",
)
@reports_errors
def history(initiative: str, ledger_path: Path | None) -> None:
    """Print every recorded assessment of one initiative, oldest first, and what changed.

    After the table, one line per run whose blockers changed, naming the criteria that
    became blockers and those resolved.
    """
    from workbook.ledger import LEDGER_NAME, Ledger

    if ledger_path is None:
        ledger_path = load_config().out_dir / LEDGER_NAME
        if not ledger_path.is_file():
            raise UsageError(
                "no ledger in the batch's output folder",
                path=ledger_path,
                expected="run workbook batch first, or name a ledger with --ledger "
                "OUT/ledger.sqlite",
            )
    if not ledger_path.is_file():
        raise UsageError(
            "no ledger here", path=ledger_path, expected="the ledger.sqlite a batch wrote"
        )
    with Ledger(ledger_path) as ledger:
        rows = ledger.history(initiative)
    if not rows:
        raise UsageError(
            f"no assessment of {shown(initiative)} is recorded",
            path=ledger_path,
            expected="an initiative id that a batch assessed",
        )
    header = ("RUN", "STARTED", "AS OF", "CLAIMED", "SUPPORTED", "BLOCKERS", "OUTCOME", "DIGEST")
    # Each cell spelled out before the columns are measured: the ledger is a file
    # anyone who can write the output folder can edit.
    cells = [
        (
            r.run_id,
            r.started_at[:16].replace("T", " "),
            r.as_of,
            r.claimed,
            r.supported,
            len(r.blockers),
            r.outcome,
            r.digest[:12],
        )
        for r in rows
    ]
    table = [header] + [tuple(one_line(c) for c in row) for row in cells]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    say(*("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table))
    say(*blocker_changes(rows))


def blocker_changes(rows: list[Any]) -> list[str]:
    """Per run whose blockers differ from the run before: the criteria added and resolved."""
    lines = []
    for before, after in itertools.pairwise(rows):
        added = [b for b in after.blockers if b not in before.blockers]
        resolved = [b for b in before.blockers if b not in after.blockers]
        if not added and not resolved:
            continue
        parts = []
        if added:
            parts.append("new blockers: " + ", ".join(added))
        if resolved:
            parts.append("resolved: " + ", ".join(resolved))
        lines.append(one_line(f"run {after.run_id}: " + "; ".join(parts)))
    return (["", *lines]) if lines else []


# --- schema and gates ------------------------------------------------------------


@main.command()
def schema() -> None:
    """Print the JSON Schema of an initiative record (for editors and validators)."""
    say(*json.dumps(record_schema(), indent=2).split("\n"))


@main.command()
@gates_option
@reports_errors
def gates(gates_file: Path | None) -> None:
    """Validate a gate catalogue and list its criteria by gate and area."""
    catalogue: Catalogue = load_catalogue(gates_file or load_config().gates)
    n = len(catalogue.criteria)
    say(f"{one_line(catalogue.name)}: {n} criteri{'on' if n == 1 else 'a'}")
    for gate in GATES:
        crits = catalogue.for_gate(gate)
        counts = ", ".join(
            f"{area} {n}" for area in AREAS if (n := sum(c.area == area for c in crits))
        )
        say("", f"{stage_label(gate)} gate ({len(crits)}: {counts})")
        for c in crits:
            say(f"  {one_line(c.id):<34} {one_line(c.kind):<13} {one_line(c.question)}")


if __name__ == "__main__":  # pragma: no cover
    main()
