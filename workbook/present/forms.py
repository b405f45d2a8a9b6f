"""ipywidgets forms for the walk-through chapters, built from the record model.

One place defines a field: the pydantic model. Its type picks the widget, its
description (the analyst's question) becomes the label, and validation is the
model's own. Saves are atomic, keep the analyst's comments, refuse to
overwrite a file that changed on disk, and unsaved edits live in a draft
beside the record until they are saved. Labels and messages are macros of
``templates/forms.html.j2``; which gates a sign-off needs is the model's rule
(``workbook.model.signoffs``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import ipywidgets as w
from pydantic import BaseModel, ValidationError

from workbook.errors import WorkbookError
from workbook.files import atomic_write_text, read_nofollow, remove
from workbook.model import signoffs
from workbook.model.assess import Assessment
from workbook.model.catalogue import Catalogue
from workbook.model.criteria import GATES
from workbook.model.records import (
    SIGNALS,
    DataExpectations,
    EvalColumns,
    LogMapping,
    Record,
    Role,
    SignalPlan,
    describe_error,
)
from workbook.model.roundtrip import RecordFile
from workbook.model.validation import validate_record
from workbook.pipeline import assess_file
from workbook.present import views
from workbook.present.chapters import chapter
from workbook.present.html import macro

_TEXT_LAYOUT = w.Layout(width="100%")
_LABEL_STYLE = {"description_width": "initial"}


def _message(name: str, *args: Any) -> str:
    """A label or message from ``templates/forms.html.j2`` (user text in it is escaped)."""
    # str(): ipywidgets' traitlets store plain strings.
    return str(macro("forms.html.j2", name, *args))


def css_class(path: str) -> str:
    """The CSS class of a field's widget: ``scope.workflow`` -> ``wb-field-scope-workflow``."""
    return "wb-field-" + path.replace(".", "-")


def _optional(annotation: Any) -> tuple[Any, bool]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    """Strip Annotated[...] wrappers."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


# --- field adapters: one widget kind per value kind -------------------------------------


class Field:
    """A widget for one value, plus the line that shows its validation problem."""

    def __init__(self, path: str, label: str, widget: w.Widget) -> None:
        self.path = path
        self.input = widget
        widget.add_class(css_class(path))
        self.error = w.HTML(value="")
        self.box = w.VBox([self.label(label), widget, self.error])

    @staticmethod
    def label(text: str) -> w.HTML:
        return w.HTML(value=_message("label", text))

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError

    def observe(self, callback: Callable[[], None]) -> None:
        self.input.observe(lambda _: callback(), names="value")

    def fields(self) -> list[Field]:
        return [self]

    def show_error(self, message: str | None) -> None:
        self.error.value = _message("field_error", message) if message else ""


class TextField(Field):
    def __init__(self, path: str, label: str, multiline: bool = True) -> None:
        cls = w.Textarea if multiline else w.Text
        widget = cls(value="", layout=_TEXT_LAYOUT, continuous_update=False)
        super().__init__(path, label, widget)

    def get(self) -> Any:  # text here; numbers and lists in the subclasses
        return self.input.value.strip() or None

    def set(self, value: Any) -> None:
        self.input.value = "" if value is None else str(value)


class NumberField(TextField):
    """A number typed as text, so an empty box means "not answered" and typos get a message."""

    def __init__(self, path: str, label: str, kind: type) -> None:
        super().__init__(path, label, multiline=False)
        self.kind = kind

    def get(self) -> Any:
        text = self.input.value.strip()
        if not text:
            return None
        try:
            return self.kind(text)
        except ValueError:
            return text  # the model reports it, beside this field


class LinesField(TextField):
    """A list of short texts: one per line."""

    def get(self) -> list[str]:
        return [line.strip() for line in self.input.value.splitlines() if line.strip()]

    def set(self, value: Any) -> None:
        self.input.value = "\n".join(value or [])


class ChoiceField(Field):
    def __init__(self, path: str, label: str, choices: tuple[str, ...], optional: bool) -> None:
        options = ([("—", None)] if optional else []) + [(c.replace("_", " "), c) for c in choices]
        super().__init__(path, label, w.Dropdown(options=options, style=_LABEL_STYLE))

    def get(self) -> Any:
        return self.input.value

    def set(self, value: Any) -> None:
        self.input.value = value


class DateField(Field):
    def __init__(self, path: str, label: str) -> None:
        super().__init__(path, label, w.DatePicker(value=None))

    def get(self) -> dt.date | None:
        return self.input.value

    def set(self, value: Any) -> None:
        self.input.value = dt.date.fromisoformat(value) if isinstance(value, str) else value


class BoolField(Field):
    def __init__(self, path: str, label: str) -> None:
        super().__init__(path, label, w.Checkbox(value=False, indent=False))

    def get(self) -> bool:
        return bool(self.input.value)

    def set(self, value: Any) -> None:
        self.input.value = bool(value)


class SectionField(Field):
    """A sub-model: its fields, framed."""

    def __init__(self, path: str, label: str, model: type[BaseModel]) -> None:
        self.path = path
        self.model = model
        self.children = {
            name: build_field(f"{path}.{name}", info) for name, info in model.model_fields.items()
        }
        self.error = w.HTML(value="")
        inner = w.VBox([c.box for c in self.children.values()])
        inner.add_class(css_class(path))
        inner.layout = w.Layout(border="1px solid #ddd", padding="4px 8px", margin="4px 0")
        self.input = inner
        self.box = w.VBox([self.label(label), inner, self.error])

    def get(self) -> dict[str, Any]:
        return {name: c.get() for name, c in self.children.items()}

    def set(self, value: Any) -> None:
        value = value.model_dump(mode="python") if isinstance(value, BaseModel) else (value or {})
        for name, c in self.children.items():
            c.set(value.get(name))

    def observe(self, callback: Callable[[], None]) -> None:
        for c in self.children.values():
            c.observe(callback)

    def fields(self) -> list[Field]:
        return [self, *(f for c in self.children.values() for f in c.fields())]


class OptionalSectionField(SectionField):
    """A sub-model the record may leave out (a review's open findings): left out when empty.

    Saving zeros for findings nobody counted would record "none open" on the team's
    behalf; a blank section stays absent, and only what was filled in is kept.
    """

    def get(self) -> dict[str, Any] | None:  # type: ignore[override]
        given = {name: v for name, c in self.children.items() if (v := c.get()) not in _BLANK}
        return given or None


#: What an optional section's child holds when nothing was filled in.
_BLANK: tuple[Any, ...] = (None, "", [], {})


class RegisterField(Field):
    """A list of sub-models (a register): rows to add and remove."""

    def __init__(self, path: str, label: str, model: type[BaseModel]) -> None:
        self.path = path
        self.model = model
        self.rows: list[SectionField] = []
        self.callbacks: list[Callable[[], None]] = []
        self.error = w.HTML(value="")
        self.list = w.VBox([])
        self.list.add_class(css_class(path))
        add = w.Button(description="Add", icon="plus", tooltip=f"Add to {label}")
        add.add_class("wb-add")
        add.on_click(lambda _: self._add(None, notify=True))
        self.input = self.list
        self.box = w.VBox([self.label(label), self.list, add, self.error])

    def _add(self, value: Any, notify: bool = False) -> None:
        row = SectionField(f"{self.path}.{len(self.rows)}", f"#{len(self.rows) + 1}", self.model)
        if value is not None:
            row.set(value)
        for cb in self.callbacks:
            row.observe(cb)
        remove = w.Button(description="Remove", icon="trash")
        remove.add_class("wb-remove")
        remove.on_click(lambda _, r=row: self._remove(r))
        row.box.children = (*row.box.children, remove)
        self.rows.append(row)
        self.list.children = [r.box for r in self.rows]
        if notify:
            self._changed()

    def _remove(self, row: SectionField) -> None:
        values = [r.get() for r in self.rows if r is not row]
        self.set(values)
        self._changed()

    def _changed(self) -> None:
        for cb in self.callbacks:
            cb()

    def get(self) -> list[dict[str, Any]]:
        return [r.get() for r in self.rows]

    def set(self, value: Any) -> None:
        self.rows = []
        self.list.children = []
        for item in value or []:
            self._add(item)

    def observe(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)
        for r in self.rows:
            r.observe(callback)

    def fields(self) -> list[Field]:
        return [self, *(f for r in self.rows for f in r.fields())]


class LoggingPlanField(Field):
    """The nine-signal logging plan: a row per signal, switched on by "planned"."""

    def __init__(self, path: str, label: str) -> None:
        self.path = path
        self.error = w.HTML(value="")
        self.planned = {
            s: w.Checkbox(value=False, description=f"{s.replace('_', ' ')}: planned", indent=False)
            for s in SIGNALS
        }
        self.plans = {
            s: SectionField(f"{path}.{s}", s.replace("_", " "), SignalPlan) for s in SIGNALS
        }
        rows = [w.VBox([self.planned[s], self.plans[s].box]) for s in SIGNALS]
        self.input = w.VBox(rows)
        self.input.add_class(css_class(path))
        self.box = w.VBox([self.label(label), self.input, self.error])

    def get(self) -> dict[str, Any]:
        return {s: self.plans[s].get() for s in SIGNALS if self.planned[s].value}

    def set(self, value: Any) -> None:
        value = value or {}
        for s in SIGNALS:
            plan = value.get(s)
            self.planned[s].value = plan is not None
            self.plans[s].set(plan if plan is not None else {"logged": False})

    def observe(self, callback: Callable[[], None]) -> None:
        for s in SIGNALS:
            self.planned[s].observe(lambda _: callback(), names="value")
            self.plans[s].observe(callback)

    def fields(self) -> list[Field]:
        return [self, *(f for s in SIGNALS for f in self.plans[s].fields())]


class KeptField(Field):
    """Settings the form shows but does not edit (how an evidence file is read).

    They are structured data best edited in the YAML file; the form keeps them
    exactly as they are so a save never drops them.
    """

    def __init__(self, path: str, label: str) -> None:
        self.value: Any = None
        super().__init__(path, label, w.HTML(value=""))

    def get(self) -> Any:
        return self.value

    def set(self, value: Any) -> None:
        self.value = (
            value.model_dump(mode="json", exclude_defaults=True)
            if isinstance(value, BaseModel)
            else value
        )
        shown = json.dumps(self.value, ensure_ascii=False) if self.value else "none"
        self.input.value = _message("kept", shown[:300])

    def observe(self, callback: Callable[[], None]) -> None:
        return  # never changes in the form


#: Evidence settings kept as written (see KeptField).
_KEPT = (LogMapping, DataExpectations, EvalColumns)


def build_field(path: str, info: Any) -> Field:
    """The widget for a model field, chosen by its type; the label is its question."""
    label = info.description or path.rsplit(".", 1)[-1].replace("_", " ")
    annotation, optional = _optional(_base(info.annotation))
    annotation = _base(annotation)
    origin = typing.get_origin(annotation)
    if path.endswith("logging_plan"):
        return LoggingPlanField(path, label)
    if annotation in _KEPT:
        return KeptField(path, label)
    if origin is Literal:
        return ChoiceField(path, label, tuple(map(str, typing.get_args(annotation))), optional)
    if origin is list:
        (item,) = typing.get_args(annotation)
        item = _base(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return RegisterField(path, label, item)
        return LinesField(path, label)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if optional:
            return OptionalSectionField(path, label, annotation)
        return SectionField(path, label, annotation)
    if annotation is dt.date:
        return DateField(path, label)
    if annotation is bool:
        return BoolField(path, label)
    if annotation in (int, float):
        return NumberField(path, label, annotation)
    short = path.rsplit(".", 1)[-1] in ("name", "id", "system", "approver", "criterion")
    return TextField(path, label, multiline=not short)


# --- the form of one chapter --------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class ChapterForm:
    """The part of a record one chapter covers, as a form with Save, draft and live verdict.

    ``catalogue`` and ``as_of`` are what the verdict is assessed with; a save is checked
    against the same catalogue, so it never writes a record `workbook check` refuses.
    """

    def __init__(
        self,
        path: Path,
        chapter_key: str,
        catalogue: Catalogue,
        as_of: dt.date | None = None,
    ) -> None:
        self.path = Path(path)
        self.chapter = chapter(chapter_key)
        self.catalogue = catalogue
        self.as_of = as_of
        self.file = RecordFile(self.path)
        self.draft_path = self.path.with_name(f".{self.path.name}.draft.json")
        self.fields = {
            name: build_field(name, Record.model_fields[name]) for name in self.chapter.form_fields
        }
        self.message = w.HTML(value="")
        self.message.add_class("wb-message")
        self.verdict = w.HTML(value="")
        self.verdict.add_class("wb-verdict")
        self.save_button = w.Button(description="Save", button_style="primary", icon="save")
        self.save_button.add_class("wb-save")
        self.save_button.on_click(lambda _: self.save())
        self.draft_bar = w.HBox([])
        self._loading = True
        self._draft_failed = False
        self._load_values()
        for f in self.fields.values():
            f.observe(self._edited)
        self._loading = False
        self._offer_draft()
        self.refresh_verdict()
        extra = [self.signoff_widget()] if self.chapter.key == "verdict" else []
        self.widget = w.VBox(
            [
                w.HTML(value=_message("heading", f"Edit: {self.chapter.title}")),
                self.draft_bar,
                *(f.box for f in self.fields.values()),
                w.HBox([self.save_button]),
                self.message,
                *extra,
                self.verdict,
            ]
        )
        self.widget.add_class("wb-form")

    # -- values ------------------------------------------------------------------

    def _load_values(self) -> None:
        for name, f in self.fields.items():
            f.set(getattr(self.file.record, name))

    def values(self) -> dict[str, Any]:
        return {name: f.get() for name, f in self.fields.items()}

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

    # -- drafts ------------------------------------------------------------------

    def _edited(self) -> None:
        if self._loading:
            return
        try:
            atomic_write_text(self.draft_path, json.dumps(_jsonable(self.values()), indent=1))
        except WorkbookError as exc:
            # Said once, not at every keystroke; the values stay in the form, and each
            # keystroke tries again (the folder may become writable).
            if not self._draft_failed:
                self._draft_failed = True
                self.message.value = _message(
                    "not_saved", f"no draft kept: {exc.line()}; your edits stay in this form"
                )
            return
        self._draft_failed = False
        self.message.value = _message("unsaved")

    def draft(self) -> dict[str, Any] | None:
        text = read_nofollow(self.draft_path)  # a link planted at its name is no draft
        try:
            data = json.loads(text) if text is not None else None
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _drop_draft(self) -> None:
        try:
            remove(self.draft_path)
        except WorkbookError as exc:  # a read-only folder: the draft stays, said once
            self.message.value = _message("not_saved", exc.line())

    def _offer_draft(self) -> None:
        draft = self.draft()
        if draft is None or draft == _jsonable(self.values()):
            self.draft_bar.children = []
            return
        restore = w.Button(description="Restore draft", icon="undo")
        restore.add_class("wb-restore")
        discard = w.Button(description="Discard draft", icon="times")
        discard.add_class("wb-discard")
        restore.on_click(lambda _: self.restore_draft())
        discard.on_click(lambda _: self.discard_draft())
        note = w.HTML(value=_message("draft_offer"))
        self.draft_bar.children = [note, restore, discard]

    def restore_draft(self) -> None:
        draft = self.draft()
        if draft is not None:
            self.set_values(draft)
            self.message.value = _message("draft_restored")
        self.draft_bar.children = []

    def discard_draft(self) -> None:
        self.draft_bar.children = []
        self.message.value = ""
        self._drop_draft()

    # -- saving ------------------------------------------------------------------

    def validate(self) -> list[tuple[str, str]]:
        """(field path, problem) for everything the model refuses; shown beside the fields.

        The check `workbook check` makes (`validate_record`), on the values as typed.
        """
        for f in self._all_fields():
            f.show_error(None)
        try:
            validate_record(self.file.candidate(self.values()), self.catalogue, self.path)
        except WorkbookError as exc:
            return [
                (
                    exc.field or "",
                    exc.problem + (f" (expected {exc.expected})" if exc.expected else ""),
                )
            ]
        except ValidationError as exc:  # pragma: no cover - parse_record converts these
            return [describe_error(e)[:2] for e in exc.errors()]
        return []

    def _show_problems(self, problems: list[tuple[str, str]]) -> None:
        fields = self._all_fields()
        for path, problem in problems:
            dotted = path.replace("[", ".").replace("]", "")
            target = max(
                (f for f in fields if dotted == f.path or dotted.startswith(f.path + ".")),
                key=lambda f: len(f.path),
                default=None,
            )
            if target is not None:
                target.show_error(problem)
        self.message.value = _message("problems", problems)

    def save(self) -> bool:
        """Validate, check for changes on disk, write atomically; True when saved."""
        diff = self.file.changed_on_disk()
        if diff is not None:
            self.message.value = _message("changed_on_disk", diff)
            return False
        problems = self.validate()
        if problems:
            self._show_problems(problems)
            return False
        try:
            self.file.save(self.values(), self.catalogue)
        except WorkbookError as exc:
            self.message.value = _message("not_saved", exc.line())
            return False
        # A draft left behind now equals the record, so it is never offered again.
        with contextlib.suppress(WorkbookError):
            remove(self.draft_path)
        self.message.value = _message("saved", self.path.name, f"{dt.datetime.now():%H:%M:%S}")
        self.refresh_verdict()
        return True

    def assess(self) -> Assessment:
        """The record on disk, assessed as `workbook check` assesses it."""
        return assess_file(self.path, self.catalogue, self.as_of)

    def refresh_verdict(self) -> None:
        """Re-assess the record on disk and show this chapter's criteria."""
        try:
            a = self.assess()
        except WorkbookError as exc:
            self.verdict.value = _message("problem", exc.line())
            return
        table = views.status_table(a, self.chapter.areas).html
        self.verdict.value = _message("verdict", a.headline, table)

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
                w.HTML(value=_message("heading", "Sign off a gate for this version")),
                self.signoff_gate, self.signoff_name, self.signoff_role, self.signoff_date,
                button, self.signoff_message,
            ]
        )  # fmt: skip
        box.add_class("wb-signoff-form")
        return box

    def sign_off(self) -> bool:
        """Record a sign-off against the current digest; refused unless the gate passes."""
        gate, name = self.signoff_gate.value, (self.signoff_name.value or "").strip()
        when = self.signoff_date.value or dt.date.today()

        def refuse(text: str) -> bool:
            self.signoff_message.value = _message("refused", text)
            return False

        if not name:
            return refuse("give the name of the person signing.")
        if self.file.changed_on_disk() is not None or self.draft() is not None:
            return refuse("save (or discard) the edits first: a sign-off covers the saved record.")
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
                f"the {first.replace('_', ' ')} gate does not pass ({count} "
                f"condition{'s' if count != 1 else ''} not yet met)."
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
        self.signoff_message.value = _message("signed", gate, name, a.digest[:16])
        self.refresh_verdict()
        return True


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


def new_initiative_form(folder: Path) -> w.Widget:
    """Name and stage, then Create: a new commented record in ``folder``."""
    from workbook.model.records import STAGES
    from workbook.model.scaffold import create_record

    name = w.Text(description="Name", continuous_update=False, layout=_TEXT_LAYOUT)
    stage = w.Dropdown(options=list(STAGES), description="Stage")
    button = w.Button(description="Create record", icon="plus")
    button.add_class("wb-create")
    out = w.HTML(value="")

    def create(_: Any) -> None:
        try:
            path = create_record(name.value, Path(folder), stage.value)
        except WorkbookError as exc:
            out.value = _message("not_created", exc.line())
            return
        out.value = _message("created", path, repr(str(path)))

    button.on_click(create)
    box = w.VBox(
        [w.HTML(value=_message("heading", "Start a new initiative")), name, stage, button, out]
    )
    box.add_class("wb-new")
    return box
