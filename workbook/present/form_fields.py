"""The widgets of the chapter forms: one field kind per value kind, chosen from the model.

One place defines a field: the pydantic model. Its type picks the widget, its
description (the analyst's question) becomes the label, and validation is the
model's own. Every field knows its record path (``trust.thresholds.error_rate``),
which is also its CSS class (``wb-field-trust-thresholds-error_rate``), and shows
its own problem beside it. ``get()`` gives the value as the record holds it;
``set()`` shows a value; ``get(set(x))`` is the form's normal form of ``x``.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import ipywidgets as w
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from workbook.errors import RecordError, WorkbookError
from workbook.model.records import (
    MEASURED_KINDS,
    OUTCOMES_OF,
    SETTINGS_KIND,
    SIGNALS,
    DataExpectations,
    EvalColumns,
    LogMapping,
    SignalPlan,
)
from workbook.model.yamlio import dump_edited, parse_mapping
from workbook.present.html import macro
from workbook.words import counted

_TEXT_LAYOUT = w.Layout(width="100%")
_LABEL_STYLE = {"description_width": "initial"}


def message(name: str, *args: Any) -> str:
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


def widgets_below(widget: w.Widget) -> Iterator[w.Widget]:
    """The widget and every widget it holds (children of boxes, tabs and grids)."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widgets_below(child)


def make_read_only(widget: w.Widget) -> None:
    """Disable every input and button below ``widget`` (the shipped example is not edited)."""
    for x in widgets_below(widget):
        if hasattr(x, "disabled"):
            x.disabled = True


# --- field kinds --------------------------------------------------------------------------


class Field:
    """A widget for one value, plus the line that shows its validation problem."""

    #: Said before its problem where the field has no label of its own (a grid cell).
    prefix = ""

    def __init__(self, path: str, label: str, widget: w.Widget) -> None:
        self.path = path
        self.input = widget
        widget.add_class(css_class(path))
        self.error = self.error_line()
        self.box = w.VBox([self.label(label), widget, self.error])

    @staticmethod
    def label(text: str) -> w.HTML:
        return w.HTML(value=message("label", text))

    @staticmethod
    def error_line() -> w.HTML:
        # Hidden while empty: an empty HTML widget still takes a line's height in Lab.
        line = w.HTML(value="", layout=w.Layout(display="none"))
        line.add_class("wb-field-error")
        return line

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError

    def observe(self, callback: Callable[[], None]) -> None:
        self.input.observe(lambda _: callback(), names="value")

    def fields(self) -> list[Field]:
        return [self]

    def problem(self) -> str | None:
        """A problem the field finds before the model sees the value (a YAML typo)."""
        return None

    def show_error(self, problem: str | None) -> None:
        shown = f"{self.prefix}: {problem}" if problem and self.prefix else problem
        self.error.value = message("field_error", shown) if shown else ""
        self.error.layout.display = None if problem else "none"


class TextField(Field):
    def __init__(self, path: str, label: str, multiline: bool = True) -> None:
        cls = w.Textarea if multiline else w.Text
        widget = cls(value="", layout=_TEXT_LAYOUT, continuous_update=False)
        super().__init__(path, label, widget)

    def get(self) -> Any:
        # Text stays text: what was typed is never read as YAML (``yes`` stays "yes").
        return self.input.value.strip() or None

    def set(self, value: Any) -> None:
        self.input.value = "" if value is None else str(value)


class NumberField(Field):
    """A number box; when the record may leave it out, a "unanswered" tick beside it.

    A number box always shows a number, so "0" cannot also mean "no answer". While
    the tick is set the box is greyed and the record holds no value; typing a number
    means unticking first, a deliberate step that keeps the two apart.
    """

    def __init__(self, path: str, label: str, kind: type, answerable: bool) -> None:
        cls = w.IntText if kind is int else w.FloatText
        self.kind = kind
        number = cls(value=0, continuous_update=False, layout=w.Layout(width="10em"))
        number.add_class(css_class(path))
        self.unanswered: w.Checkbox | None = None
        parts: list[w.Widget] = [number]
        if answerable:
            self.unanswered = w.Checkbox(value=True, description="unanswered", indent=False)
            self.unanswered.add_class(css_class(path) + "-unanswered")
            self.unanswered.layout = w.Layout(width="auto", flex="0 0 auto", margin="0 0 0 8px")
            self.unanswered.observe(lambda _: self._grey(), names="value")
            parts.append(self.unanswered)
        self.number = number
        self.path = path
        self.input = w.HBox(parts)
        self.error = self.error_line()
        self.box = w.VBox([self.label(label), self.input, self.error])
        self._grey()

    def _grey(self) -> None:
        self.number.disabled = self.unanswered is not None and self.unanswered.value

    def get(self) -> Any:
        if self.unanswered is not None and self.unanswered.value:
            return None
        return self.kind(self.number.value)

    def set(self, value: Any) -> None:
        if self.unanswered is not None:
            self.unanswered.value = value is None
        self.number.value = 0 if value is None else value

    def observe(self, callback: Callable[[], None]) -> None:
        self.number.observe(lambda _: callback(), names="value")
        if self.unanswered is not None:
            self.unanswered.observe(lambda _: callback(), names="value")


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


class SettingsField(Field):
    """Structured evidence settings (a log mapping, data expectations, result columns) as YAML.

    Typed as the record file writes them, read with the record's own YAML reader, and
    checked by the model on Save, like every other field. Empty means "none".
    """

    def __init__(self, path: str, label: str) -> None:
        box = w.Textarea(
            value="",
            placeholder="none (YAML, as in the record file)",
            continuous_update=False,
            layout=w.Layout(width="100%", height="6em"),
        )
        super().__init__(path, label, box)
        self.box.children = (
            *self.box.children[:2],
            w.HTML(value=message("settings_hint")),
            self.error,
        )

    def _parsed(self) -> tuple[Any, str | None]:
        text = self.input.value.strip()
        if not text:
            return None, None
        try:
            return parse_mapping(text, Path(self.path), RecordError, "setting"), None
        except WorkbookError as exc:
            return text, exc.problem

    def get(self) -> Any:
        return self._parsed()[0]

    def problem(self) -> str | None:
        return self._parsed()[1]

    def set(self, value: Any) -> None:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json", exclude_defaults=True)
        self.input.value = dump_edited(value).strip() if value else ""


class SectionField(Field):
    """A sub-model: its fields, framed."""

    def __init__(self, path: str, label: str, model: type[BaseModel]) -> None:
        self.path = path
        self.model = model
        self.children = {
            name: build_field(f"{path}.{name}", info) for name, info in model.model_fields.items()
        }
        self.error = self.error_line()
        inner = w.VBox([c.box for c in self.children.values()])
        inner.add_class(css_class(path))
        inner.layout = w.Layout(border="1px solid #ddd", padding="4px 8px", margin="4px 0")
        self.input = inner
        self.box = w.VBox([self.label(label), inner, self.error])
        if "kind" in self.children:
            self.children["kind"].observe(self._fit_kind)
            self._fit_kind()

    def _fit_kind(self) -> None:
        """Evidence: show a kind's own settings, and any other one that holds a value."""
        kind = self.children["kind"].get()
        for name, kinds in _KIND_SETTINGS.items():
            child = self.children.get(name)
            if child is not None:
                shown = kind in kinds or child.get() not in _BLANK
                child.box.layout.display = None if shown else "none"

    def get(self) -> dict[str, Any]:
        return {name: c.get() for name, c in self.children.items()}

    def set(self, value: Any) -> None:
        value = value.model_dump(mode="python") if isinstance(value, BaseModel) else (value or {})
        for name, c in self.children.items():
            c.set(value.get(name))
        if "kind" in self.children:
            self._fit_kind()

    def observe(self, callback: Callable[[], None]) -> None:
        for c in self.children.values():
            c.observe(callback)

    def fields(self) -> list[Field]:
        return [self, *(f for c in self.children.values() for f in c.fields())]


#: Which evidence kinds each setting of an evidence row belongs to (the model's own rule).
_KIND_SETTINGS: dict[str, tuple[str, ...]] = {
    **{name: (kind,) for name, kind in SETTINGS_KIND.items()},
    "format": MEASURED_KINDS,
    "records": MEASURED_KINDS,
    "outcome": tuple(OUTCOMES_OF),
    "open_findings": ("security_review",),
}


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
        self.error = self.error_line()
        self.list = w.VBox([])
        self.list.add_class(css_class(path))
        self.count = w.HTML(value="")
        add = w.Button(description="Add", icon="plus", tooltip=f"Add to {label}")
        add.add_class("wb-add")
        add.add_class("wb-add-" + css_class(path).removeprefix("wb-field-"))
        add.on_click(lambda _: self._add(None, notify=True))
        self.input = self.list
        self.box = w.VBox([self.label(label), self.count, self.list, add, self.error])

    def _add(self, value: Any, notify: bool = False) -> None:
        i = len(self.rows)
        row = SectionField(f"{self.path}.{i}", f"#{i + 1}", self.model)
        if value is not None:
            row.set(value)
        for cb in self.callbacks:
            row.observe(cb)
        remove = w.Button(description="Remove", icon="trash")
        remove.add_class("wb-remove")
        remove.add_class(f"wb-remove-{css_class(row.path).removeprefix('wb-field-')}")
        remove.on_click(lambda _, r=row: self._remove(r))
        row.box.children = (*row.box.children, remove)
        self.rows.append(row)
        self.list.children = [r.box for r in self.rows]
        self.count.value = message("count", counted(len(self.rows), "entry", "entries"))
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
        self.count.value = message("count", counted(0, "entry", "entries"))
        for item in value or []:
            self._add(item)

    def observe(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)
        for r in self.rows:
            r.observe(callback)

    def fields(self) -> list[Field]:
        return [self, *(f for r in self.rows for f in r.fields())]


#: The logging plan's grid: one column per question of a signal's plan, after "in plan".
_GRID_COLUMNS: tuple[tuple[str, str], ...] = (
    ("logged", "Logged"),
    ("where", "Where"),
    ("retention_days", "Days kept"),
    ("redacted", "Redacted"),
    ("keeps_personal_data", "Personal data kept"),
    ("reason", "If not logged: why not"),
)
#: Widths of the signal's name, "in plan", then the columns above (measured in Lab: the
#: heads and "unanswered" fit; the free texts share what is left).
_GRID_WIDTHS = ("10.5em", "4.5em", "4.5em", "minmax(8em, 1fr)", "14.5em", "5.5em", "6em",
                "minmax(8em, 1fr)")  # fmt: skip


class LoggingPlanField(Field):
    """The nine-signal logging plan as a grid: a row per signal, a column per question.

    "In plan" decides whether the signal has an entry in the record; a row out of the
    plan is greyed, so what it shows is never taken for an answer.
    """

    def __init__(self, path: str, label: str) -> None:
        self.path = path
        self.error = self.error_line()
        self.planned: dict[str, w.Checkbox] = {}
        self.plans: dict[str, dict[str, Field]] = {}
        info = SignalPlan.model_fields
        head = [_grid_head("Signal", ""), _grid_head("In plan", "Is the signal in the plan?")]
        head += [_grid_head(title, info[name].description or "") for name, title in _GRID_COLUMNS]
        cells: list[w.Widget] = list(head)
        for s in SIGNALS:
            planned = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"))
            planned.add_class(css_class(f"{path}.{s}.planned"))
            planned.observe(lambda _, s=s: self._grey(s), names="value")
            self.planned[s] = planned
            row = {name: _grid_cell(f"{path}.{s}.{name}", info[name]) for name, _ in _GRID_COLUMNS}
            self.plans[s] = row
            name_cell = w.HTML(value=message("label", s.replace("_", " ")))
            cells += [name_cell, planned, *(row[name].input for name, _ in _GRID_COLUMNS)]
            self._grey(s)
        grid = w.GridBox(
            cells,
            layout=w.Layout(
                grid_template_columns=" ".join(_GRID_WIDTHS),
                grid_gap="2px 6px",
                align_items="center",
                width="100%",
            ),
        )
        grid.add_class(css_class(path))
        grid.add_class("wb-logging-plan")
        self.input = grid
        # A cell's problem is shown under the grid, named by its signal and column.
        self.errors = w.VBox([f.error for row in self.plans.values() for f in row.values()])
        self.box = w.VBox([self.label(label), grid, self.errors, self.error])

    def _grey(self, signal: str) -> None:
        off = not self.planned[signal].value
        for f in self.plans.get(signal, {}).values():
            for x in widgets_below(f.input):
                if isinstance(x, w.Checkbox | w.Text | w.Textarea | w.IntText | w.FloatText):
                    x.disabled = off
            if isinstance(f, NumberField) and not off:
                f._grey()

    def get(self) -> dict[str, Any]:
        return {
            s: {name: f.get() for name, f in self.plans[s].items()}
            for s in SIGNALS
            if self.planned[s].value
        }

    def set(self, value: Any) -> None:
        value = value or {}
        for s in SIGNALS:
            plan = value.get(s)
            if isinstance(plan, BaseModel):
                plan = plan.model_dump(mode="python")
            for name, f in self.plans[s].items():
                f.set((plan or {}).get(name))
            self.planned[s].value = plan is not None
            self._grey(s)

    def observe(self, callback: Callable[[], None]) -> None:
        for s in SIGNALS:
            self.planned[s].observe(lambda _: callback(), names="value")
            for f in self.plans[s].values():
                f.observe(callback)

    def fields(self) -> list[Field]:
        return [self, *(f for s in SIGNALS for f in self.plans[s].values())]


def _grid_head(title: str, question: str) -> w.HTML:
    return w.HTML(value=message("grid_head", title, question))


def _grid_cell(path: str, info: Any) -> Field:
    """A compact field of the logging-plan grid: no label (the column head is its label)."""
    field = build_field(path, info)
    if type(field) is TextField:  # one line in a grid, however long the answer may be
        field = TextField(path, "", multiline=False)
        field.input.layout = w.Layout(width="auto")
    if isinstance(field, NumberField):
        field.number.layout = w.Layout(width="5em")
    signal, column = path.split(".")[-2:]
    field.prefix = f"{signal.replace('_', ' ')}, {column.replace('_', ' ')}"
    return field


def _answerable(info: Any, optional: bool) -> bool:
    """A number the record may leave out: optional, or with a default it falls back to."""
    return optional or info.default is not PydanticUndefined


#: Answers of one line (a name, a path, a link): a text box, not a text area.
_SHORT = frozenset(
    {"name", "id", "system", "approver", "criterion", "where", "path", "url", "records",
     "catalogue_pin"}
)  # fmt: skip

#: Evidence settings edited as YAML (see SettingsField).
_SETTINGS = (LogMapping, DataExpectations, EvalColumns)


def build_field(path: str, info: Any) -> Field:
    """The widget for a model field, chosen by its type; the label is its question."""
    label = info.description or path.rsplit(".", 1)[-1].replace("_", " ")
    annotation, optional = _optional(_base(info.annotation))
    annotation = _base(annotation)
    origin = typing.get_origin(annotation)
    if path.endswith("logging_plan"):
        return LoggingPlanField(path, label)
    if annotation in _SETTINGS:
        return SettingsField(path, label)
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
        return NumberField(path, label, annotation, _answerable(info, optional))
    short = path.rsplit(".", 1)[-1] in _SHORT
    return TextField(path, label, multiline=not short)
