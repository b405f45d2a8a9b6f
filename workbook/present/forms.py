"""The chapter forms: the part of a record one chapter covers, with Save, drafts and a verdict.

Edits are never lost. Each chapter keeps its unsaved edits in a draft of its own
beside the record (``.claims-triage.yaml.observability.draft.json``), together with
the values the form loaded (its base). Save checks the values as `workbook check`
does, reads the file again and merges field by field (`workbook.model.merge`): what
someone else changed meanwhile is kept, and only a field both changed is a conflict,
shown with both values and settled by the analyst. The field widgets are
`workbook.present.form_fields`; labels and messages are macros of
``templates/forms.html.j2``; which gates a sign-off needs is the model's rule
(``workbook.model.signoffs``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
from traitlets import TraitError

from workbook.errors import WorkbookError, problems_of
from workbook.files import atomic_write_text, read_nofollow, remove
from workbook.model import signoffs
from workbook.model.assess import Assessment
from workbook.model.catalogue import Catalogue
from workbook.model.criteria import GATES
from workbook.model.merge import Conflict, put, three_way
from workbook.model.records import Record, Role
from workbook.model.roundtrip import RecordFile
from workbook.model.validation import validate_record
from workbook.pipeline import assess_file
from workbook.present import views
from workbook.present.chapters import chapter
from workbook.present.form_fields import (
    Field,
    build_field,
    css_class,
    make_read_only,
    message,
)
from workbook.words import counted

__all__ = ["SECTIONS", "ChapterForm", "FormDisplay", "css_class", "new_initiative_form"]

_TEXT_LAYOUT = w.Layout(width="100%")
#: The draft file's layout; drafts of another format (the old shared draft) are ignored.
DRAFT_FORMAT = 2


@dataclass(frozen=True)
class Section:
    """A sub-section of a long chapter form: a tab holding these fields (record paths)."""

    key: str
    title: str
    paths: tuple[str, ...]


#: Chapters whose form is split into tabs; the others show their fields one below another.
SECTIONS: dict[str, tuple[Section, ...]] = {
    "observability": (
        Section("logging", "Logging plan", ("observability.logging_plan",)),
        Section(
            "privacy",
            "Privacy, alerts",
            ("observability.privacy_decisions", "observability.dashboards", "observability.alerts"),
        ),
        Section(
            "evaluation",
            "Evaluation",
            ("trust.evaluation", "trust.guardrails", "trust.review_path"),
        ),
        Section("failure", "Failure, fallback", ("trust.failure_handling", "trust.fallback")),
        Section("thresholds", "Thresholds", ("trust.thresholds",)),
    ),
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _shown(value: Any) -> str:
    """A value in a conflict message: text as typed, anything else as JSON."""
    if value is None or value in ("", [], {}):
        return "(no answer)"
    return value if isinstance(value, str) else json.dumps(_jsonable(value), ensure_ascii=False)


def shown_path(path: Path) -> str:
    """The record's path as the editing line names it: from the working folder, else in full.

    The form is the analyst's own screen, not a shared report: a record outside the
    notebook's folder (``workbook open`` keeps the notebooks elsewhere) is named in full,
    with the home folder written ``~``.
    """
    absolute = path.resolve()
    with contextlib.suppress(ValueError):
        relative = Path(os.path.relpath(absolute, Path.cwd()))
        if relative.parts[:1] != ("..",):
            return relative.as_posix()
    with contextlib.suppress(ValueError, RuntimeError):
        return "~/" + absolute.relative_to(Path.home()).as_posix()
    return absolute.as_posix()


class ChapterForm:
    """The part of a record one chapter covers, as a form with Save, draft and live verdict.

    ``catalogue`` and ``as_of`` are what the verdict is assessed with; a save is checked
    against the same catalogue, so it never writes a record `workbook check` refuses.
    ``on_saved`` runs after every save (the notebook redraws its views); ``example``
    shows the shipped example read-only, saying how to open one's own record.
    """

    def __init__(
        self,
        path: Path,
        chapter_key: str,
        catalogue: Catalogue,
        as_of: dt.date | None = None,
        on_saved: Callable[[], None] | None = None,
        example: bool = False,
    ) -> None:
        self.path = Path(path)
        self.chapter = chapter(chapter_key)
        self.catalogue = catalogue
        self.as_of = as_of
        self.on_saved = on_saved
        self.example = example
        self.file = RecordFile(self.path)
        self.draft_path = self.path.with_name(f".{self.path.name}.{self.chapter.key}.draft.json")
        self.fields = self._build()
        # A second, never shown set of fields: the form's normal form of any values
        # (the record on disk, a draft read from JSON), so that comparisons are fair.
        self._normaliser = self._build()
        self.message = w.HTML(value="")
        self.message.add_class("wb-message")
        self.conflict_box = w.VBox([])
        self.conflict_box.add_class("wb-conflict")
        self.conflicts: list[Conflict] = []
        self.verdict = w.HTML(value="")
        self.verdict.add_class("wb-verdict")
        self.save_button = w.Button(description="Save", button_style="primary", icon="save")
        self.save_button.add_class("wb-save")
        self.save_button.on_click(lambda _: self.save())
        self.draft_bar = w.HBox([])
        self.draft_bar.add_class("wb-draft")
        self._loading = True
        self._draft_failed = False
        self._load_values()
        for f in self.fields.values():
            f.observe(self._edited)
        self._loading = False
        if not example:
            self._offer_draft()
        self.refresh_verdict()
        extra = [self.signoff_widget()] if self.chapter.key == "verdict" else []
        editing = w.HTML(value=self._editing_line())
        editing.add_class("wb-editing")
        if example:
            editing.add_class("wb-example")
        body = self._layout()
        self.widget = w.VBox(
            [
                w.HTML(value=message("heading", f"Edit: {self.chapter.title}")),
                editing,
                self.draft_bar,
                *body,
                *([] if example else [w.HBox([self.save_button])]),
                self.message,
                self.conflict_box,
                *extra,
                self.verdict,
            ]
        )
        self.widget.add_class("wb-form")
        self.widget.add_class(f"wb-form-{self.chapter.key}")
        if example:
            for part in (*body, *extra):
                make_read_only(part)

    # -- layout ------------------------------------------------------------------

    def _build(self) -> dict[str, Field]:
        return {
            name: build_field(name, Record.model_fields[name]) for name in self.chapter.form_fields
        }

    def _layout(self) -> list[w.Widget]:
        """The fields, one below another, or in the chapter's tabs (`SECTIONS`)."""
        sections = SECTIONS.get(self.chapter.key)
        if not sections:
            return [f.box for f in self.fields.values()]
        by_path = {f.path: f for f in self._all_fields()}
        pages = []
        for s in sections:
            page = w.VBox([by_path[p].box for p in s.paths])
            page.add_class(f"wb-section-{s.key}")
            pages.append(page)
        tabs = w.Tab(children=pages, titles=[s.title for s in sections])
        tabs.add_class("wb-sections")
        # A problem of a whole section (not of one of its fields) has no place in a tab.
        return [tabs, *(f.error for f in self.fields.values())]

    def _editing_line(self) -> str:
        if self.example:
            return message("example", shown_path(self.path))
        return message("editing", shown_path(self.path))

    # -- values ------------------------------------------------------------------

    def _load_values(self) -> None:
        """Show the record as loaded; what the form shows now is the base of later edits."""
        for name, f in self.fields.items():
            f.set(getattr(self.file.record, name))
        self.base = self.values()

    def values(self) -> dict[str, Any]:
        return {name: f.get() for name, f in self.fields.items()}

    def normal(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` as the form would give them back once shown (dates as dates...)."""
        out = {}
        for name, f in self._normaliser.items():
            f.set(values.get(name))
            out[name] = f.get()
        return out

    def on_disk(self) -> dict[str, Any]:
        """The chapter's values in the record as last read, in the form's normal form."""
        return self.normal({name: getattr(self.file.record, name) for name in self.fields})

    def set_values(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            for name, value in values.items():
                if name in self.fields:
                    self.fields[name].set(value)
        finally:
            self._loading = False

    def _all_fields(self) -> list[Field]:
        return [g for f in self.fields.values() for g in f.fields()]

    def edited(self) -> bool:
        """Whether the form holds edits that are not saved."""
        return self.values() != self.base

    # -- drafts ------------------------------------------------------------------

    def _edited(self) -> None:
        if self._loading or self.example:
            return
        if not self.edited():  # typed back to what was loaded: nothing to keep
            self._drop_draft()
            self.message.value = ""
            return
        draft = {
            "format": DRAFT_FORMAT,
            "chapter": self.chapter.key,
            "base": _jsonable(self.base),
            "values": _jsonable(self.values()),
        }
        try:
            atomic_write_text(self.draft_path, json.dumps(draft, indent=1))
        except WorkbookError as exc:
            # Said once, not at every keystroke; the values stay in the form, and each
            # keystroke tries again (the folder may become writable).
            if not self._draft_failed:
                self._draft_failed = True
                self.message.value = message(
                    "not_saved", f"no draft kept: {exc.line()}; your edits stay in this form"
                )
            return
        self._draft_failed = False
        self.message.value = message("unsaved")

    def draft(self) -> dict[str, Any] | None:
        """This chapter's draft: ``{"base": ..., "values": ...}``, or None."""
        text = read_nofollow(self.draft_path)  # a link planted at its name is no draft
        try:
            data = json.loads(text) if text is not None else None
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("format") != DRAFT_FORMAT:
            return None
        if data.get("chapter") != self.chapter.key:
            return None
        if not isinstance(data.get("values"), dict) or not isinstance(data.get("base"), dict):
            return None
        try:  # a draft edited by hand may hold what no field can show (text in a number)
            self.normal(data["values"]), self.normal(data["base"])
        except (TraitError, TypeError, ValueError):
            return None
        return data

    def _drop_draft(self) -> None:
        try:
            remove(self.draft_path)
        except WorkbookError as exc:  # a read-only folder: the draft stays, said once
            self.message.value = message("not_saved", exc.line())

    def _offer_draft(self) -> None:
        draft = self.draft()
        if draft is None or self.normal(draft["values"]) == self.values():
            self.draft_bar.children = []
            return
        restore = w.Button(description="Restore draft", icon="undo")
        restore.add_class("wb-restore")
        discard = w.Button(description="Discard draft", icon="times")
        discard.add_class("wb-discard")
        restore.on_click(lambda _: self.restore_draft())
        discard.on_click(lambda _: self.discard_draft())
        note = w.HTML(value=message("draft_offer"))
        self.draft_bar.children = [note, restore, discard]

    def restore_draft(self) -> None:
        """Show the draft's values; its base becomes the form's, so Save merges correctly."""
        draft = self.draft()
        if draft is not None:
            self.base = self.normal(draft["base"])
            self.set_values(self.normal(draft["values"]))
            self.message.value = message("draft_restored")
        else:
            self.message.value = message("not_saved", "the draft is gone (saved or discarded)")
        self.draft_bar.children = []

    def discard_draft(self) -> None:
        self.draft_bar.children = []
        self.message.value = ""
        self._drop_draft()

    # -- saving ------------------------------------------------------------------

    def validate(self) -> list[tuple[str, str]]:
        """(field path, problem) for everything refused, all at once; shown beside the fields.

        A field's own check first (a typo in YAML settings), then the check `workbook
        check` makes (`validate_record`) on the values as typed.
        """
        for f in self._all_fields():
            f.show_error(None)
        own = [(f.path, p) for f in self._all_fields() if (p := f.problem()) is not None]
        try:
            validate_record(self.file.candidate(self.values()), self.catalogue, self.path)
        except WorkbookError as exc:
            found = [
                (field or "", problem + (f" (expected {expected})" if expected else ""))
                for field, problem, expected in problems_of(exc)
            ]
        else:
            found = []
        # The model's word on a value the field already refused adds nothing.
        mine = {p for p, _ in own}
        return own + [(p, x) for p, x in found if _dotted(p) not in mine]

    def _show_problems(self, problems: list[tuple[str, str]]) -> None:
        fields = self._all_fields()
        for path, problem in problems:
            dotted = _dotted(path)
            target = max(
                (f for f in fields if dotted == f.path or dotted.startswith(f.path + ".")),
                key=lambda f: len(f.path),
                default=None,
            )
            if target is not None:
                target.show_error(problem)
        self.message.value = message("problems", problems)

    def save(self) -> bool:
        """Validate, merge with what changed on disk, write atomically; True when saved.

        Refused when the values are invalid (every problem shown) or when a field was
        changed both here and on disk (both values shown, with Keep mine / Take theirs).
        """
        if self.example:
            self.message.value = message("not_saved", "this is the shipped example")
            return False
        self.conflict_box.children = []
        self.conflicts = []
        problems = self.validate()
        if problems:
            self._show_problems(problems)
            return False
        try:
            # Read again only when the file changed since it was last read (hashing is
            # cheaper than parsing and validating it again).
            if self.file.changed_on_disk() is not None:
                self.file.reload()
        except WorkbookError as exc:
            self.message.value = message("not_saved", exc.line())
            return False
        merged, conflicts = three_way(self.base, self.values(), self.on_disk())
        if conflicts:
            self._show_conflicts(conflicts)
            return False
        try:
            self.file.save(merged, self.catalogue)
        except WorkbookError as exc:
            if exc.field is None and not getattr(exc, "problems", None):
                # The file could not be written (a read-only folder, a link out of it).
                self.message.value = message("not_saved", exc.line())
                return False
            # Both sides were valid alone; together they may not be (rare): said in full.
            self._show_problems(
                [(f or "", p + (f" (expected {e})" if e else "")) for f, p, e in problems_of(exc)]
            )
            return False
        self._saved()
        return True

    def _saved(self) -> None:
        merged_in = self.values() != self.on_disk()
        self._loading = True
        try:
            self._load_values()
        finally:
            self._loading = False
        # A draft left behind now equals the record, so it is never offered again.
        with contextlib.suppress(WorkbookError):
            remove(self.draft_path)
        self.draft_bar.children = []
        time = f"{dt.datetime.now():%H:%M:%S}"
        self.message.value = message("saved", self.path.name, time, merged_in)
        if self.on_saved is not None:
            self.on_saved()
        self.refresh_verdict()

    def _show_conflicts(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        rows = [(c.path, _shown(c.mine), _shown(c.theirs)) for c in conflicts]
        self.message.value = message(
            "conflicts", rows, counted(len(conflicts), "field was", "fields were")
        )
        mine = w.Button(description="Keep mine", icon="check", button_style="warning")
        mine.add_class("wb-keep-mine")
        mine.on_click(lambda _: self.keep_mine())
        theirs = w.Button(description="Take theirs", icon="download")
        theirs.add_class("wb-take-theirs")
        theirs.on_click(lambda _: self.take_theirs())
        self.conflict_box.children = [w.HBox([mine, theirs])]

    def keep_mine(self) -> bool:
        """Save the form's values where both changed: the disk's become the base there."""
        for c in self.conflicts:
            self.base = put(self.base, c.path, c.theirs)
        return self.save()

    def take_theirs(self) -> None:
        """Put the disk's values in the form where both changed; the other edits stay."""
        values = self.values()
        for c in self.conflicts:
            values = put(values, c.path, c.theirs)
            self.base = put(self.base, c.path, c.theirs)
        self.set_values(values)
        self._edited()  # the draft follows what the form now shows
        self.conflicts = []
        self.conflict_box.children = []
        self.message.value = message("took_theirs")

    def assess(self) -> Assessment:
        """The record on disk, assessed as `workbook check` assesses it."""
        return assess_file(self.path, self.catalogue, self.as_of)

    def refresh_verdict(self) -> None:
        """Re-assess the record on disk and show this chapter's criteria."""
        try:
            a = self.assess()
        except WorkbookError as exc:
            self.verdict.value = message("problem", exc.line())
            return
        table = views.status_table(a, self.chapter.areas).html
        self.verdict.value = message("verdict", a.headline, table)

    # -- sign-off ------------------------------------------------------------------

    def signoff_widget(self) -> w.Widget:
        self.signoff_gate = w.Dropdown(options=list(GATES), value="production", description="Gate")
        self.signoff_name = w.Text(description="Name", continuous_update=False)
        self.signoff_role = w.Dropdown(options=list(typing.get_args(Role)), description="Role")
        self.signoff_date = w.DatePicker(value=dt.date.today(), description="Date")
        button = w.Button(description="Sign off", icon="check")
        button.add_class("wb-signoff")
        button.on_click(lambda _: self.sign_off())
        self.signoff_message = w.HTML(value="")
        self.signoff_message.add_class("wb-signoff-message")
        box = w.VBox(
            [
                w.HTML(value=message("heading", "Sign off a gate for this version")),
                self.signoff_gate, self.signoff_name, self.signoff_role, self.signoff_date,
                button, self.signoff_message,
            ]
        )  # fmt: skip
        box.add_class("wb-signoff-form")
        return box

    def sign_off(self) -> bool:
        """Record a sign-off against the current digest; refused unless the gate passes.

        A change on disk is read first (a sign-off covers the record as it is now);
        this chapter's unsaved edits refuse it, as the signature would not cover them.
        """
        gate, name = self.signoff_gate.value, (self.signoff_name.value or "").strip()
        when = self.signoff_date.value or dt.date.today()

        def refuse(text: str) -> bool:
            self.signoff_message.value = message("refused", text)
            return False

        if self.example:
            return refuse("this is the shipped example.")
        if not name:
            return refuse("give the name of the person signing.")
        if self.edited() or self.draft() is not None:
            return refuse("save (or discard) the edits first: a sign-off covers the saved record.")
        try:
            # Read again only when the file changed since it was last read (hashing is
            # cheaper than parsing and validating it again).
            if self.file.changed_on_disk() is not None:
                self.file.reload()
        except WorkbookError as exc:
            return refuse(exc.line())
        self.set_values(self.on_disk())
        self.base = self.values()
        try:
            a = self.assess()
        except WorkbookError as exc:  # e.g. a waiver the catalogue does not know
            return refuse(exc.line())
        # The model decides which gates a signature needs (workbook.model.signoffs).
        blocked = {g: ids for g, ids in signoffs.blocking(a.results, gate).items() if ids}
        if blocked:
            first = next(iter(blocked))
            count = sum(map(len, blocked.values()))
            return refuse(
                f"the {first.replace('_', ' ')} gate does not pass "
                f"({counted(count, 'condition')} not yet met)."
            )
        entry = {
            "gate": gate,
            "name": name,
            "role": self.signoff_role.value,
            "date": when,
            "digest": a.digest[:16],
        }
        given = [s.model_dump(mode="python") for s in self.file.record.signoffs] + [entry]
        try:
            self.file.save({"signoffs": given}, self.catalogue)
        except WorkbookError as exc:
            return refuse(exc.line())
        self.signoff_message.value = message("signed", gate, name, a.digest[:16])
        if self.on_saved is not None:
            self.on_saved()
        self.refresh_verdict()
        return True


def _dotted(path: str) -> str:
    """``data.gaps[2].owner`` as a field's path: ``data.gaps.2.owner``."""
    return path.replace("[", ".").replace("]", "")


class FormDisplay:
    """Shows the form in JupyterLab; headless runs (papermill, nbval) get one plain sentence."""

    def __init__(self, form: ChapterForm) -> None:
        self.form = form

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.form.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = (
            f"Form: {self.form.chapter.title} (open this notebook in JupyterLab to edit the record)"
        )
        return bundle


def new_initiative_form(folder: Path, on_created: Callable[[Path], None] | None = None) -> w.Widget:
    """Name and stage, then Create: a new commented record in ``folder``.

    ``on_created`` receives the new record's path (the notebook opens it); without it
    the message says how to open it.
    """
    from workbook.model.records import STAGES
    from workbook.model.scaffold import create_record

    name = w.Text(description="Name", continuous_update=False, layout=_TEXT_LAYOUT)
    name.add_class("wb-new-name")
    stage = w.Dropdown(options=list(STAGES), description="Stage")
    stage.add_class("wb-new-stage")
    button = w.Button(description="Create record", icon="plus")
    button.add_class("wb-create")
    out = w.HTML(value="")
    out.add_class("wb-created")

    def create(_: Any) -> None:
        try:
            path = create_record(name.value, Path(folder), stage.value)
        except WorkbookError as exc:
            out.value = message("not_created", exc.line())
            return
        opened = on_created is not None
        out.value = message("created", shown_path(path), opened)
        if on_created is not None:
            on_created(path)

    button.on_click(create)
    box = w.VBox(
        [w.HTML(value=message("heading", "Start a new initiative")), name, stage, button, out]
    )
    box.add_class("wb-new")
    return box
