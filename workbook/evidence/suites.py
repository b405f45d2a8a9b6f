"""Data expectations as one list: declared in the record, or imported from a suite file.

A record declares expectations inline (required columns, types, allowed values, a
unique key, unique columns, ranges, missing shares) and may name a suite file that
declares more: a Great Expectations expectation suite (JSON, 0.x or 1.x spelling) or
a pandera ``DataFrameSchema`` (YAML or JSON, as ``to_yaml``/``to_json`` write it).
Each becomes an ``Expectation``; the extract inspector checks them all alike.

An expectation the workbook cannot check (a type it does not know, a row condition)
is kept, marked ``unchecked`` with the reason: it is listed, never dropped, and never
counts as holding.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbook.errors import Unreadable, WorkbookError
from workbook.evidence import formats
from workbook.model.records import DataExpectations

#: A suite is hand-written or tool-written text of a few kilobytes; more is a mistake.
MAX_SUITE_BYTES = 1024 * 1024

#: What an expectation checks. Column-map kinds honour ``mostly``.
KINDS = (
    "required",  # the column exists
    "not_null",  # no value is empty
    "missing_share",  # at most a share of the values is empty (the record's own wording)
    "allowed",  # every filled value is one of ``values``
    "range",  # every filled value lies between ``low`` and ``high``
    "type",  # every filled value reads as one of ``types``
    "unique",  # no filled value of one column repeats
    "unique_key",  # no key (all its columns together) repeats
    "row_count",  # the number of rows lies between ``low`` and ``high``
    "unchecked",  # declared, but the workbook cannot check it (``note`` says why)
)


@dataclass(frozen=True)
class Expectation:
    """One expectation on the extract, whoever declared it."""

    kind: str
    columns: tuple[str, ...] = ()
    #: allowed: the values; compared as ``compare`` ("text", "number", "boolean").
    values: tuple[Any, ...] = ()
    compare: str = "text"
    #: range / row_count: the bounds (numbers, or ISO dates when ``compare`` is "timestamp").
    low: Any = None
    high: Any = None
    low_strict: bool = False
    high_strict: bool = False
    #: type: the workbook types any of which a value may read as, and the tool's words.
    types: tuple[str, ...] = ()
    type_shown: str = ""
    #: type: an empty value breaks it (numpy ``int64`` and ``bool`` cannot hold one).
    whole: bool = False
    #: The least share of the values considered that must satisfy it (GX ``mostly``).
    mostly: float = 1.0
    #: missing_share: the largest share of empty values allowed.
    max_share: float = 0.0
    #: unique / unique_key: rows whose key is all empty are left out (GX does for a column).
    skip_missing: bool = False
    #: The column need not exist (pandera ``required: false``): absent, nothing is checked.
    optional: bool = False
    #: Who declared it: "" for the record, else the suite file and the tool's name for it.
    origin: str = ""
    #: The tool's own name for it (``expect_column_values_to_be_in_set``, ``isin``).
    tool_name: str = ""
    #: unchecked: why the workbook cannot check it.
    note: str = ""
    #: unchecked, from GX: its kwargs (JSON), so that only the very same one run shows it.
    config: str = ""

    @property
    def column(self) -> str:
        return ", ".join(self.columns)

    @property
    def label(self) -> str:
        """The expectation in the workbook's words, as a check names it."""
        if self.kind == "type":
            return "type " + " or ".join(self.types)
        if self.kind == "unchecked":
            return self.tool_name or "unknown expectation"
        return _LABELS[self.kind]


_LABELS = {
    "required": "required",
    "not_null": "not null",
    "missing_share": "missing share",
    "allowed": "allowed values",
    "range": "range",
    "unique": "unique",
    "unique_key": "unique key",
    "row_count": "row count",
}


@dataclass(frozen=True)
class Suite:
    """A suite file the record cites, read once: its expectations and its digest."""

    #: The path as the record cites it.
    cited: str
    sha256: str
    #: In words: "a Great Expectations 1.x expectation suite", "a pandera schema".
    what: str
    expectations: tuple[Expectation, ...]


# ------------------------------------------------------------------ the record's own


def declared(expect: DataExpectations | None) -> list[Expectation]:
    """The record's inline expectations, in the order the extract reports them."""
    if expect is None:
        return []
    out = [Expectation("required", (c,)) for c in expect.required_columns]
    out += [Expectation("type", (c,), types=(t,), type_shown=t) for c, t in expect.types.items()]
    out += [Expectation("allowed", (c,), values=tuple(v)) for c, v in expect.allowed_values.items()]
    if expect.unique_key:
        out.append(Expectation("unique_key", tuple(expect.unique_key)))
    out += [
        Expectation("missing_share", (c,), max_share=share)
        for c, share in expect.max_missing_share.items()
    ]
    out += [
        Expectation("range", (c,), low=r.min, high=r.max, compare="number")
        for c, r in expect.ranges.items()
    ]
    out += [Expectation("unique", (c,), skip_missing=True) for c in expect.unique_columns]
    return out


# ---------------------------------------------------------------------- reading a file


def load_cited(base_dir: Path, cited: str) -> Suite:
    """The suite file ``cited`` (relative to the record's folder), read and translated.

    Opened like evidence: no symbolic link, never outside the record's folder. Raises
    ``Unreadable`` naming the file and, for a malformed suite, the field.
    """
    from workbook.evidence import open_cited

    try:
        fd = open_cited(base_dir, cited)
    except Unreadable as exc:
        raise Unreadable(f"suite {cited}: {exc.reason}") from None
    try:
        data = _read_capped(fd, cited)
    finally:
        os.close(fd)
    return parse(data, cited)


def _read_capped(fd: int, cited: str) -> bytes:
    chunks, size = [], 0
    while chunk := os.read(fd, 64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_SUITE_BYTES:
            raise Unreadable(
                f"suite {cited}: larger than {MAX_SUITE_BYTES:,} bytes; a suite declares "
                "expectations, it holds no data"
            )
    return b"".join(chunks)


def parse(data: bytes, cited: str) -> Suite:
    """A suite from the bytes of ``cited``: GX JSON, or pandera YAML or JSON."""
    sha = hashlib.sha256(data).hexdigest()
    doc = _document(data, cited)
    if not isinstance(doc, dict):
        raise _bad(cited, "", "the top level is not a mapping")
    if isinstance(doc.get("results"), list) and "statistics" in doc:
        raise _bad(
            cited,
            "",
            "this is a Great Expectations validation result; cite it as the data "
            "extract's file and name the suite it ran as the suite",
        )
    if "expectations" in doc:
        what, found = _from_gx(doc, cited)
    elif "schema_type" in doc or "columns" in doc:
        what, found = _from_pandera(doc, cited)
    else:
        raise _bad(
            cited,
            "",
            "neither a Great Expectations suite (expectations: [...]) nor a pandera "
            "schema (schema_type, columns)",
        )
    return Suite(cited, sha, what, tuple(found))


def _document(data: bytes, cited: str) -> Any:
    name = cited.lower()
    if b"\x00" in data[:4096]:
        raise Unreadable(f"suite {cited}: binary data, not JSON or YAML")
    if name.endswith((".yaml", ".yml")):
        from workbook.model import yamlio

        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable(f"suite {cited}: not UTF-8 text") from None
        try:
            return yamlio.parse_mapping(text, Path(cited), WorkbookError, "pandera schema")
        except WorkbookError as exc:
            raise Unreadable(f"suite {cited}: {exc.problem}") from None
    if name.endswith(".json"):
        try:
            return formats.parse_json(data)
        except Unreadable as exc:
            raise Unreadable(f"suite {cited}: {exc.reason}") from None
    raise Unreadable(
        f"suite {cited}: a suite is read from .json (Great Expectations, pandera) or "
        ".yaml (pandera)"
    )


def _bad(cited: str, field: str, problem: str) -> Unreadable:
    where = f"{field}: " if field else ""
    return Unreadable(f"suite {cited}: {where}{problem}")


# ------------------------------------------------------------------- Great Expectations

#: Keyword arguments that change nothing the workbook checks (how GX reports, not what).
_GX_IGNORED = frozenset(
    {"batch_id", "result_format", "include_config", "catch_exceptions", "meta",
     "allow_cross_type_comparisons", "auto", "profiler_config", "severity", "notes",
     "description", "id", "rendered_content", "windows", "output_strftime_format",
     "condition_parser"}
)  # fmt: skip


def _from_gx(doc: dict[str, Any], cited: str) -> tuple[str, list[Expectation]]:
    items = doc["expectations"]
    if not isinstance(items, list):
        raise _bad(cited, "expectations", "must be a list")
    legacy = "expectation_suite_name" in doc or any(
        isinstance(i, dict) and "expectation_type" in i for i in items
    )
    what = f"a Great Expectations {'0.x' if legacy else '1.x'} expectation suite"
    out = []
    for n, item in enumerate(items):
        where = f"expectations[{n}]"
        if not isinstance(item, dict):
            raise _bad(cited, where, "must be a mapping with type and kwargs")
        kind = item.get("type", item.get("expectation_type"))
        if not isinstance(kind, str) or not kind:
            raise _bad(cited, f"{where}.type", "missing; name the expectation type")
        kwargs = item.get("kwargs", {})
        if not isinstance(kwargs, dict):
            raise _bad(cited, f"{where}.kwargs", "must be a mapping")
        out.append(gx_expectation(kind, kwargs, cited, f"{where}.kwargs"))
    return what, out


def gx_expectation(kind: str, kwargs: Mapping[str, Any], cited: str, where: str) -> Expectation:
    """One Great Expectations expectation (type and kwargs) as the workbook checks it.

    Raises ``Unreadable`` for a kwarg of the wrong form (naming ``where``); a type or a
    kwarg the workbook cannot check gives an ``unchecked`` expectation with the reason.
    """
    plain = {k: v for k, v in kwargs.items() if k not in _GX_IGNORED}
    config = json.dumps(plain, sort_keys=True, default=str)
    base = Expectation("unchecked", origin=cited, tool_name=kind, config=config)

    def unchecked(note: str) -> Expectation:
        return replace(base, columns=_columns_of(kwargs), note=note)

    parameter = next(
        (k for k, v in kwargs.items() if isinstance(v, dict) and "$PARAMETER" in v), None
    )
    if parameter is not None:
        return unchecked(f"{parameter} is a suite parameter, set only when GX runs it")
    if kwargs.get("row_condition"):
        return unchecked("it applies only to the rows its row_condition selects")
    build = _GX_BUILDERS.get(kind)
    if build is None:
        return unchecked("the workbook does not check this expectation type")
    known = _GX_KWARGS[kind] | _GX_IGNORED
    extra = sorted(k for k in kwargs if k not in known and k != "row_condition")
    if extra:
        return unchecked(f"its {', '.join(extra)} changes what it checks")
    e = build(kwargs, cited, where)
    if e.kind in _MAP_KINDS:
        e = replace(e, mostly=_mostly(kwargs, cited, where))
    return replace(e, origin=cited, tool_name=kind, config=config if e.kind == "unchecked" else "")


def _columns_of(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if isinstance(kwargs.get("column"), str):
        return (kwargs["column"],)
    listed = kwargs.get("column_list")
    if isinstance(listed, list) and all(isinstance(c, str) for c in listed):
        return tuple(listed)
    return ()


def _column(kwargs: Mapping[str, Any], cited: str, where: str) -> tuple[str, ...]:
    column = kwargs.get("column")
    if not isinstance(column, str) or not column:
        raise _bad(cited, f"{where}.column", "missing; name the column it checks")
    return (column,)


def _mostly(kwargs: Mapping[str, Any], cited: str, where: str) -> float:
    mostly = kwargs.get("mostly", 1.0)
    if mostly is None:
        return 1.0
    if not _number(mostly) or not 0 <= mostly <= 1:
        raise _bad(cited, f"{where}.mostly", f"must be a share from 0 to 1, not {mostly!r}")
    return float(mostly)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _gx_exists(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    return Expectation("required", _column(kw, cited, where))


def _gx_not_null(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    return Expectation("not_null", _column(kw, cited, where))


def _gx_in_set(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    values = kw.get("value_set")
    if not isinstance(values, list) or not all(_scalar(v) for v in values):
        raise _bad(cited, f"{where}.value_set", "must be a list of values")
    if kw.get("parse_strings_as_datetimes"):
        return Expectation(
            "unchecked", _column(kw, cited, where),
            note="its parse_strings_as_datetimes compares values as dates",
        )  # fmt: skip
    return allowed(_column(kw, cited, where), values)


def _scalar(v: Any) -> bool:
    return isinstance(v, (str, bool)) or _number(v)


def allowed(columns: tuple[str, ...], values: Iterable[Any]) -> Expectation:
    """An allowed-values expectation: numbers compare as numbers, booleans as booleans."""
    values = tuple(values)
    if values and all(isinstance(v, bool) for v in values):
        compare = "boolean"
    elif values and all(_number(v) for v in values):
        compare = "number"
    else:
        compare = "text"
        values = tuple(_text(v) for v in values)
    return Expectation("allowed", columns, values=values, compare=compare)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _gx_between(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    columns = _column(kw, cited, where)
    low, high = kw.get("min_value"), kw.get("max_value")
    e = bounded("range", columns, low, high, cited, where)
    return replace(
        e,
        low_strict=_flag(kw, "strict_min", cited, where),
        high_strict=_flag(kw, "strict_max", cited, where),
    )


def _flag(kw: Mapping[str, Any], name: str, cited: str, where: str) -> bool:
    value = kw.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad(cited, f"{where}.{name}", f"must be true or false, not {value!r}")
    return value


_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def bounded(
    kind: str, columns: tuple[str, ...], low: Any, high: Any, cited: str, where: str
) -> Expectation:
    """A range (or row count) with numeric or ISO-date bounds, at least one given."""
    if low is None and high is None:
        raise _bad(cited, where, "gives neither min_value nor max_value")
    bounds = [b for b in (low, high) if b is not None]
    if all(_number(b) for b in bounds):
        if low is not None and high is not None and low > high:
            raise _bad(cited, f"{where}.min_value", f"{low:g} is above max_value {high:g}")
        return Expectation(kind, columns, low=low, high=high, compare="number")
    if kind == "range" and all(isinstance(b, str) and _ISO_DATE.match(b) for b in bounds):
        return Expectation(kind, columns, low=low, high=high, compare="timestamp")
    bad = next(b for b in bounds if not _number(b))
    field = "min_value" if bad is low else "max_value"
    raise _bad(cited, f"{where}.{field}", f"must be a number or an ISO date, not {bad!r}")


def _gx_unique(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    # GX leaves empty values out of a column's uniqueness: they are no value to repeat.
    return Expectation("unique", _column(kw, cited, where), skip_missing=True)


def _gx_compound(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    columns = kw.get("column_list")
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(c, str) and c for c in columns)
    ):
        raise _bad(cited, f"{where}.column_list", "must be a list of column names")
    ignore = kw.get("ignore_row_if", "never")
    if ignore not in ("never", "all_values_are_missing"):
        return Expectation(
            "unchecked", tuple(columns),
            note=f"its ignore_row_if {ignore!r} is not checked by the workbook",
        )  # fmt: skip
    return Expectation(
        "unique_key", tuple(columns), skip_missing=ignore == "all_values_are_missing"
    )


def _gx_type(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    name = kw.get("type_")
    if not isinstance(name, str) or not name:
        raise _bad(cited, f"{where}.type_", "missing; name the type")
    return typed(_column(kw, cited, where), [name])


def _gx_type_list(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    names = kw.get("type_list")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _bad(cited, f"{where}.type_list", "must be a list of type names")
    return typed(_column(kw, cited, where), names)


def _gx_row_count(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    return bounded("row_count", (), kw.get("min_value"), kw.get("max_value"), cited, where)


def _gx_row_count_equal(kw: Mapping[str, Any], cited: str, where: str) -> Expectation:
    value = kw.get("value")
    if not _number(value):
        raise _bad(cited, f"{where}.value", f"must be a number, not {value!r}")
    return Expectation("row_count", low=value, high=value, compare="number")


_GX_BUILDERS = {
    "expect_column_to_exist": _gx_exists,
    "expect_column_values_to_not_be_null": _gx_not_null,
    "expect_column_values_to_be_in_set": _gx_in_set,
    "expect_column_values_to_be_between": _gx_between,
    "expect_column_values_to_be_unique": _gx_unique,
    "expect_compound_columns_to_be_unique": _gx_compound,
    "expect_column_values_to_be_of_type": _gx_type,
    "expect_column_values_to_be_in_type_list": _gx_type_list,
    "expect_table_row_count_to_be_between": _gx_row_count,
    "expect_table_row_count_to_equal": _gx_row_count_equal,
}
#: The kwargs each type's meaning rests on; any other (not merely about reporting) is
#: a variant the workbook does not check.
_GX_KWARGS: dict[str, frozenset[str]] = {
    "expect_column_to_exist": frozenset({"column", "column_index"}),
    "expect_column_values_to_not_be_null": frozenset({"column", "mostly"}),
    "expect_column_values_to_be_in_set": frozenset(
        {"column", "value_set", "mostly", "parse_strings_as_datetimes"}
    ),
    "expect_column_values_to_be_between": frozenset(
        {"column", "min_value", "max_value", "strict_min", "strict_max", "mostly"}
    ),
    "expect_column_values_to_be_unique": frozenset({"column", "mostly"}),
    "expect_compound_columns_to_be_unique": frozenset({"column_list", "ignore_row_if", "mostly"}),
    "expect_column_values_to_be_of_type": frozenset({"column", "type_", "mostly"}),
    "expect_column_values_to_be_in_type_list": frozenset({"column", "type_list", "mostly"}),
    "expect_table_row_count_to_be_between": frozenset(
        {"min_value", "max_value", "strict_min", "strict_max"}
    ),
    "expect_table_row_count_to_equal": frozenset({"value"}),
}
#: Kinds checked value by value, so ``mostly`` applies.
_MAP_KINDS = frozenset({"not_null", "allowed", "range", "type", "unique", "unique_key"})


# ------------------------------------------------------------------------ type names

_INTEGER = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "int",
            "int_", "intc", "intp", "long", "longlong")  # fmt: skip
#: Type names the tools write (numpy/pandas dtypes, pandera, SQL, Spark) -> (workbook type,
#: whole). ``whole``: the type cannot hold a missing value (numpy integers and ``bool``:
#: pandas reads a column with an empty cell as float64 or object instead), so an empty value
#: breaks it, as GX and pandera find.
_TYPE_NAMES: dict[str, tuple[str, bool]] = {
    **{n: ("integer", True) for n in _INTEGER},
    **{n.capitalize(): ("integer", False) for n in _INTEGER[:8]},  # pandas nullable Int64
    **{n: ("number", False) for n in ("float16", "float32", "float64", "float", "float_",
                                      "double", "Float32", "Float64", "longdouble")},
    **{n: ("boolean", True) for n in ("bool", "bool_", "bool8")},
    "boolean": ("boolean", False),  # pandas nullable boolean
    **{n: ("string", False) for n in ("str", "object", "O", "string", "string[python]",
                                      "string[pyarrow]", "unicode", "str_", "<U0")},
    **{n: ("datetime", False) for n in ("datetime", "datetime64", "Timestamp",
                                        "pandas.Timestamp", "datetime.datetime")},
    **{n: ("date", False) for n in ("date", "datetime.date")},
    "integer": ("integer", False),
    "number": ("number", False),
}  # fmt: skip
#: SQL and Spark spellings, matched in any letter case.
_TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(("integer", "bigint", "smallint", "tinyint", "hugeint", "integertype",
                     "longtype", "shorttype", "bytetype"), "integer"),
    **dict.fromkeys(("real", "numeric", "decimal", "double precision", "doubletype",
                     "floattype", "decimaltype"), "number"),
    **dict.fromkeys(("varchar", "text", "char", "nvarchar", "stringtype"), "string"),
    **dict.fromkeys(("booleantype",), "boolean"),
    **dict.fromkeys(("datetype",), "date"),
    **dict.fromkeys(("timestamp", "timestamptype", "timestamp with time zone",
                     "timestamp without time zone"), "datetime"),
}  # fmt: skip
_DATETIME64 = re.compile(r"^datetime64\[\w+(, .+)?\]$|^<M8\[\w+\]$")


def workbook_type(name: str) -> tuple[str, bool] | None:
    """A tool's type name as (workbook type, a missing value breaks it); None if unknown."""
    name = name.strip()
    if name in _TYPE_NAMES:
        return _TYPE_NAMES[name]
    if _DATETIME64.match(name):
        return ("datetime", False)
    base = re.sub(r"\(.*\)$", "", name).strip().lower()  # VARCHAR(20), DECIMAL(10, 2)
    word = _TYPE_WORDS.get(base)
    return None if word is None else (word, False)


def typed(columns: tuple[str, ...], names: list[str]) -> Expectation:
    """A type expectation from the tool's type names (any of them will do)."""
    mapped = [workbook_type(n) for n in names]
    shown = " or ".join(names)
    if any(m is None for m in mapped):
        unknown = ", ".join(n for n, m in zip(names, mapped, strict=True) if m is None)
        return Expectation("unchecked", columns, note=f"type {unknown} is not one it reads")
    kinds = tuple(dict.fromkeys(m[0] for m in mapped if m))
    whole = all(m[1] for m in mapped if m)
    return Expectation("type", columns, types=kinds, type_shown=shown, whole=whole)


# ---------------------------------------------------------------------------- pandera

#: A pandera column's properties; every other key of a column is a check (0.2x+ compact form).
_PANDERA_PROPS = frozenset(
    {"dtype", "nullable", "unique", "coerce", "required", "regex", "title", "description",
     "name", "metadata", "drop_invalid_rows", "default", "parsers", "checks",
     "report_duplicates"}
)  # fmt: skip


def _from_pandera(doc: dict[str, Any], cited: str) -> tuple[str, list[Expectation]]:
    kind = doc.get("schema_type", "dataframe")
    if kind != "dataframe":
        raise _bad(cited, "schema_type", f"a {kind!r} schema; a data extract needs a dataframe one")
    columns = doc.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise _bad(cited, "columns", "must map each column name to its properties")
    version = doc.get("version")
    what = "a pandera schema" + (f" (pandera {version})" if isinstance(version, str) else "")
    out: list[Expectation] = []
    for name, spec in columns.items():
        out += _pandera_column(str(name), spec, cited, f"columns.{name}")
    unique = doc.get("unique")
    if unique:
        names = [unique] if isinstance(unique, str) else unique
        if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
            raise _bad(cited, "unique", "must be a column name or a list of them")
        # pandera counts every row of a repeated key (report_duplicates: all), empty keys too.
        out.append(_pandera(Expectation("unique_key", tuple(names)), cited, "unique"))
    for key, shown in (("checks", "schema-wide checks"), ("index", "index checks")):
        if doc.get(key):
            out.append(_pandera(Expectation("unchecked", note=f"{shown} are not read"), cited, key))
    if doc.get("strict") not in (None, False):
        out.append(
            _pandera(
                Expectation("unchecked", note="strict (no column beyond those listed) is not "
                            "checked"), cited, "strict",
            )
        )  # fmt: skip
    if doc.get("ordered"):
        out.append(
            _pandera(Expectation("unchecked", note="column order is not checked"), cited, "ordered")
        )
    return what, out


def _pandera(e: Expectation, cited: str, tool_name: str) -> Expectation:
    return replace(e, origin=cited, tool_name=tool_name)


def _pandera_column(name: str, spec: Any, cited: str, where: str) -> list[Expectation]:
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise _bad(cited, where, "must be a mapping of the column's properties")
    col = (name,)
    if spec.get("regex"):
        return [_pandera(Expectation("unchecked", col, note="a pattern of column names is not "
                                     "matched"), cited, "regex")]  # fmt: skip
    required = spec.get("required", True) is not False
    out: list[Expectation] = []
    if required:
        out.append(_pandera(Expectation("required", col), cited, "required"))
    optional = not required
    if spec.get("nullable", False) is not True:
        out.append(_pandera(Expectation("not_null", col), cited, "nullable: false"))
    if spec.get("unique", False) is True:
        out.append(_pandera(Expectation("unique", col, skip_missing=True), cited, "unique"))
    dtype = spec.get("dtype")
    if dtype is not None:
        if not isinstance(dtype, str):
            raise _bad(cited, f"{where}.dtype", "must be a type name")
        out.append(_pandera(typed(col, [dtype]), cited, f"dtype {dtype}"))
    checks = spec.get("checks")
    if checks is None:
        checks = {}
    if isinstance(checks, list):
        # Some versions write a list of one-key mappings.
        merged: dict[str, Any] = {}
        for c in checks:
            if not isinstance(c, dict):
                raise _bad(cited, f"{where}.checks", "must map each check's name to its value")
            merged.update(c)
        checks = merged
    if not isinstance(checks, dict):
        raise _bad(cited, f"{where}.checks", "must map each check's name to its value")
    loose = {k: v for k, v in spec.items() if k not in _PANDERA_PROPS}
    for check, value in {**checks, **loose}.items():
        out.append(_pandera(_pandera_check(col, str(check), value, cited, f"{where}.{check}"),
                            cited, str(check)))  # fmt: skip
    return [replace(e, optional=optional) for e in out]


def _single(value: Any, *names: str) -> Any:
    """A check's value as pandera writes it: bare, or a mapping with one statistic."""
    if isinstance(value, dict):
        for n in names:
            if n in value:
                return value[n]
    return value


def _pandera_check(
    col: tuple[str, ...], check: str, value: Any, cited: str, where: str
) -> Expectation:
    if check == "isin":
        values = _single(value, "allowed_values")
        if not isinstance(values, list) or not all(_scalar(v) for v in values):
            raise _bad(cited, where, "must be a list of values")
        return allowed(col, values)
    if check in ("equal_to", "eq"):
        v = _single(value, "value")
        if not _scalar(v):
            raise _bad(cited, where, "must be a value")
        return allowed(col, [v])
    if check == "in_range":
        if not isinstance(value, dict):
            raise _bad(cited, where, "must give min_value and max_value")
        e = bounded("range", col, value.get("min_value"), value.get("max_value"), cited, where)
        return replace(
            e,
            low_strict=value.get("include_min", True) is False,
            high_strict=value.get("include_max", True) is False,
        )
    one_sided = {
        "greater_than": ("low", True), "gt": ("low", True),
        "greater_than_or_equal_to": ("low", False), "ge": ("low", False),
        "less_than": ("high", True), "lt": ("high", True),
        "less_than_or_equal_to": ("high", False), "le": ("high", False),
    }  # fmt: skip
    if check in one_sided:
        side, strict = one_sided[check]
        bound = _single(value, "min_value", "max_value", "value")
        if side == "low":
            return replace(bounded("range", col, bound, None, cited, where), low_strict=strict)
        return replace(bounded("range", col, None, bound, cited, where), high_strict=strict)
    return Expectation("unchecked", col, note="the workbook does not check this pandera check")
