"""One YAML engine for records and catalogues: read defensively, write portably and atomically.

Every read and every write of a record or catalogue goes through ruamel.yaml with
YAML 1.2 semantics, so what a save validates is exactly what every later read sees
(`parse_mapping` is the only reading function). Writes also quote any string that a
YAML 1.1 reader (PyYAML, older editors and scripts) would take for something else,
so ``yes``, ``1:20`` or ``2026-01-31`` typed as text mean text to every tool.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from workbook.errors import WorkbookError

#: Records and catalogues are hand-written text; anything larger is a mistake or an attack.
MAX_YAML_BYTES = 1024 * 1024
#: Anchors are legitimate in small numbers; many aliases are the "billion laughs" shape.
MAX_ALIASES = 100
#: What aliases may add once expanded, in values (scalars, lists, mappings): a handful of
#: reused lists is far below it, a few dozen aliases that multiply are far above it.
MAX_ALIAS_VALUES = 10_000
#: What aliases may add once expanded, in characters of text. Counting values alone lets
#: a 4 KB file hold a 3 KB text repeated 10,000 times (30 MB); the largest shipped record
#: is 16 KB and a catalogue reusing a rationale forty times adds about 20,000 characters,
#: so 100,000 leaves room for any honest reuse and keeps an expanded file within a tenth
#: of the 1 MB a file may hold.
MAX_ALIAS_TEXT = 100_000
#: A record nests about five levels; a hundred is a generated file or an attack.
MAX_DEPTH = 100

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# YAML 1.1's "value" key `=`: not part of YAML 1.2, where `=` is plain text.
_VALUE = "tag:yaml.org,2002:value"

#: Plain scalars a YAML 1.1 reader takes for something other than text, from the 1.1 type
#: definitions (yaml.org/type: bool, null, int, float, timestamp, merge, value). Booleans and
#: null are matched in any letter case: harmless to quote, and some readers are lax about case.
_YAML11_NOT_TEXT = re.compile(
    r"""(?:
      (?i:y|yes|n|no|true|false|on|off)                       # bool
    | (?i:null) | ~ | (?:)                                    # null, also the empty scalar
    | [-+]?0b[0-1_]+                                          # int: binary
    | [-+]?0[0-7_]+                                           #      octal
    | [-+]?(?:0|[1-9][0-9_]*)                                 #      decimal
    | [-+]?0x[0-9a-fA-F_]+                                    #      hexadecimal
    | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+                      #      sexagesimal (1:20)
    | [-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?      # float (1.10, also 1.2.3)
    | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*             #      sexagesimal
    | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)              #      infinity, not a number
    | [0-9]{4}-[0-9]{2}-[0-9]{2}                              # timestamp: date
    | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
      (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?           #            date and time
    | << | =                                                  # merge, value
    )""",
    re.VERBOSE,
)


def _as_typed(tag: object) -> str:
    """A tag as a document spells it: ``tag:yaml.org,2002:int`` is written ``!!int``."""
    return re.sub(r"^tag:yaml\.org,2002:", "!!", str(tag))


def _yaml11_not_text(text: str) -> bool:
    return _YAML11_NOT_TEXT.fullmatch(text) is not None


class _Refused(YAMLError):
    """A YAML document that parses but that the workbook will not read (aliases, keys)."""


#: An error line quotes at most this many characters of anything the user wrote.
MAX_SHOWN = 40


def shown(value: object, *, quoted: bool = True) -> str:
    """``value`` as an error line quotes it: ``repr`` (or the text as is), cut to `MAX_SHOWN`.

    The one way error lines quote what a user wrote (records, catalogues, summaries),
    so no line echoes a whole value. Containers are named by their type only.
    """
    if isinstance(value, str):
        head = value[: MAX_SHOWN + 1]  # never repr() a huge string in full, even to cut it
        text = repr(head) if quoted else head
    elif isinstance(value, int | float):  # bool included
        try:
            text = repr(value)
        except ValueError:  # an int past Python's 4,300-digit conversion limit
            text = "a number of more than 4,300 digits"
    else:
        text = type(value).__name__
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


# --- reading: YAML 1.2, defensively -----------------------------------------------------


class _Resolver(VersionedResolver):
    """YAML 1.2 whatever a document's %YAML directive says; `=` is text."""

    TEXT: frozenset[str] = frozenset({_VALUE})

    @property
    def processing_version(self) -> Any:
        return (1, 2)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)
        if kind is ScalarNode and implicit[0] and str(tag) in self.TEXT:
            return self.DEFAULT_SCALAR_TAG
        return tag


class _ReadResolver(_Resolver):
    # Dates stay text: the record schema parses them and names the field when one is wrong.
    TEXT = frozenset({_VALUE, _TIMESTAMP})


def plain_reads_as_text(text: str) -> bool:
    """True when ``text``, written as a plain scalar, reads back as text in YAML 1.2 and 1.1.

    Only what the scalar resolves to is judged; characters such as ``: `` or a leading
    ``-`` that YAML syntax forbids in a plain scalar are the emitter's business.
    """
    yaml12 = _Resolver().resolve(ScalarNode, text, (True, False))
    return yaml12 == _STR and not _yaml11_not_text(text)


class _StrictComposer(Composer):
    """Refuses other YAML versions, alias bombs and self-referring aliases while composing."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        # A re-used anchor name is legal YAML; ruamel would print a warning about it.
        self.warn_double_anchors = False
        self._aliases = 0
        self._added = 0  # values that aliases add to the expanded document
        self._added_text = 0  # characters of text that aliases add
        # id(node) -> (values, characters of text) it expands to, once composed
        self._sizes: dict[int, tuple[int, int]] = {}

    def compose_document(self) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, DocumentStartEvent) and event.version not in (None, (1, 2)):
            version = ".".join(map(str, event.version))
            raise ConstructorError(
                None,
                None,
                f"the document asks for YAML {version}; records are read as YAML 1.2 "
                "(remove the %YAML line)",
                event.start_mark,
            )
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            line = event.start_mark.line + 1
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(
                    f"more than {MAX_ALIASES} aliases (line {line}); write the values out instead"
                )
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # its anchor's value is still being composed: a loop
                raise _Refused(
                    f"alias {shown(event.anchor)} (line {line}) refers to the value that "
                    "contains it; write the values out instead"
                )
            self._added += size[0]
            self._added_text += size[1]
            if self._added > MAX_ALIAS_VALUES:
                raise _Refused(
                    f"aliases expand to more than {MAX_ALIAS_VALUES:,} values (line {line}); "
                    "write the values out instead"
                )
            if self._added_text > MAX_ALIAS_TEXT:
                raise _Refused(
                    f"aliases expand to more than {MAX_ALIAS_TEXT:,} characters of text "
                    f"(alias {shown(event.anchor)}, line {line}); write the values out instead"
                )
            return node
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = self._size(node)
        return node

    def _size(self, node: Node) -> tuple[int, int]:
        """(values, characters of text) ``node`` expands to, from its children's sizes."""
        if isinstance(node, SequenceNode):
            children = [self._sizes[id(child)] for child in node.value]
        elif isinstance(node, MappingNode):
            children = [self._sizes[id(n)] for pair in node.value for n in pair]
        else:
            return 1, len(str(node.value))
        return 1 + sum(c[0] for c in children), sum(c[1] for c in children)


class _StrictConstructor(SafeConstructor):
    """Safe types only (no object tags); duplicate keys and unreadable values are errors."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Constructors raise ValueError & co. on values like `!!int plenty` or 5000-digit
        # integers; report them like any YAML error, at the value's line.
        try:
            return super().construct_object(node, deep=deep)
        except YAMLError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, AssertionError) as exc:
            value = node.value if isinstance(node, ScalarNode) else node.id
            kind = str(node.tag).rsplit(":", 1)[-1]
            raise ConstructorError(
                None, None, f"cannot read {shown(value)} as {kind}", node.start_mark
            ) from exc

    def check_mapping_key(
        self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any
    ) -> bool:
        try:
            hash(key)  # ruamel turns a list key into a tuple, which may still hold a mapping
        except TypeError:
            raise ConstructorError(
                "while constructing a mapping", None, "found unhashable key", key_node.start_mark
            ) from None
        if key in mapping:
            raise _Refused(
                f"duplicate key {shown(key)} (line {key_node.start_mark.line + 1}); "
                "each key may appear once"
            )
        return True

    def check_set_key(self, node: Any, key_node: Any, setting: Any, key: Any) -> None:
        self.check_mapping_key(node, key_node, setting, key, None)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        if values is None and not self.timestamp_regexp.match(str(node.value)):
            raise ValueError("not a timestamp")
        return super().construct_yaml_timestamp(node, values)

    def construct_undefined(self, node: Any) -> None:
        raise ConstructorError(
            None,
            None,
            f"could not determine a constructor for the tag {shown(_as_typed(node.tag))}",
            node.start_mark,
        )


_StrictConstructor.add_constructor(_TIMESTAMP, _StrictConstructor.construct_yaml_timestamp)
_StrictConstructor.add_constructor(None, _StrictConstructor.construct_undefined)


def _reader() -> YAML:
    # A fresh instance per document: ruamel keeps per-load state on it.
    y = YAML(typ="safe", pure=True)
    y.Resolver = _ReadResolver
    y.Composer = _StrictComposer
    y.Constructor = _StrictConstructor
    y.allow_duplicate_keys = False
    y.max_depth = MAX_DEPTH
    return y


def _clip(problem: str, limit: int = 200) -> str:
    """A YAML library's message, short: what it quotes (``found undefined alias 'x'``) is
    cut as `shown` cuts a value, and the whole to ``limit`` characters."""

    def cut(quoted: re.Match[str]) -> str:
        text = quoted.group()
        return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."

    problem = re.sub(r"'[^'\n]*'", cut, problem)
    return problem if len(problem) <= limit else problem[: limit - 3] + "..."


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def read_text(path: Path, error: type[WorkbookError], what: str) -> str:
    """Read a small UTF-8 text file, raising ``error`` with a clear line on any problem."""
    try:
        if not path.exists():
            raise error("file not found", path=path, expected=f"an existing {what} file")
        if not path.is_file():
            raise error("not a regular file", path=path, expected=f"{_a(what)} file")
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise error(
                f"file is {size:,} bytes",
                path=path,
                expected=f"at most {MAX_YAML_BYTES:,} bytes for {_a(what)}",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=path) from None
    if b"\x00" in raw:
        raise error("file holds binary data", path=path, expected=f"a UTF-8 text {what}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"byte {exc.start} is not valid UTF-8", path=path, expected=f"a UTF-8 text {what}"
        ) from None


def parse_mapping(text: str, path: Path, error: type[WorkbookError], what: str) -> dict[str, Any]:
    """Parse ``text`` (the content of ``path``) as one YAML mapping.

    The only way a record or catalogue is read: loading a file and checking a save
    before it is written both come here, so they cannot disagree.
    """
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_YAML_BYTES:
        raise error(
            f"text is {size:,} bytes",
            path=path,
            expected=f"at most {MAX_YAML_BYTES:,} bytes for {_a(what)}",
        )
    if not text.strip():
        raise error("file is empty", path=path, expected=f"a YAML mapping describing {_a(what)}")
    try:
        data = _reader().load(text)
    except (MaxDepthExceededError, RecursionError):
        raise error("YAML nests too deeply", path=path, expected="a plain mapping") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = f"{exc.context}, {exc.problem}" if exc.context else str(exc.problem)
        raise error(
            f"malformed YAML at {where}: {_clip(problem)}", path=path, expected="valid YAML"
        ) from None
    except ReaderError as exc:
        raise error(
            f"character U+{exc.character:04X} at position {exc.position} is not allowed in YAML",
            path=path,
            expected='printable text; write control characters as escapes in "double quotes"',
        ) from None
    except YAMLError as exc:
        raise error(
            f"malformed YAML: {_clip(str(exc))}", path=path, expected="valid YAML"
        ) from None
    if data is None:
        raise error(
            "file is empty apart from comments",
            path=path,
            expected=f"a YAML mapping describing {_a(what)}",
        )
    if not isinstance(data, dict):
        got = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        raise error(
            f"top level is {got}", path=path, expected=f"a YAML mapping describing {_a(what)}"
        )
    return data


def load_mapping(path: Path, error: type[WorkbookError], what: str) -> dict[str, Any]:
    """Read and parse one YAML file that must hold a single mapping."""
    return parse_mapping(read_text(path, error, what), path, error, what)


def typed_text(text: str, loc: Sequence[str | int]) -> str | None:
    """The plain scalar at ``loc`` in ``text``, exactly as typed; None if there is none.

    YAML 1.2 reads ``1e3``, ``0o17`` or ``true`` as a number or a boolean: an error about
    such a value quotes what the user typed, not Python's ``1000.0``. ``loc`` is a
    pydantic error location (keys, list indices, ``"[key]"`` for a mapping's key).
    Only called for a text that `parse_mapping` has already accepted.
    """
    try:
        node: Node | None = _reader().compose(text)
    except YAMLError:  # pragma: no cover - the text was parsed once already
        return None
    parts = list(loc)
    while node is not None and parts:
        part = parts.pop(0)
        if isinstance(node, SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        elif isinstance(node, MappingNode):
            named = [(k, v) for k, v in node.value if getattr(k, "value", None) == str(part)]
            key, value = named[0] if named else (None, None)
            if parts[:1] == ["[key]"]:  # the error is about the key itself
                parts.pop(0)
                node = key
            else:
                node = value
        else:
            node = None
    # Only a plain scalar can be text read as something else; a quoted one is text already.
    if isinstance(node, ScalarNode) and node.style is None:
        return str(node.value)
    return None


# --- editing: the same dialect, comments kept, written portably ---------------------------


class _PortableResolver(_Resolver):
    """When writing: text that a YAML 1.1 reader would take for something else is quoted.

    The emitter writes a string plain only when resolving the plain form gives text
    back; answering "not text" for YAML 1.1's booleans, numbers, dates and nulls makes
    it quote them. Only strings are affected: ``true``, ``12`` or a date stay plain.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)
        if kind is ScalarNode and implicit[0] and tag == _STR and _yaml11_not_text(value):
            return Tag(suffix="tag:yaml.org,2002:yaml11")
        return tag


class _Representer(RoundTripRepresenter):
    """Empty answers are written `null`, as the template does, not as nothing."""


_Representer.add_representer(
    type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
)


def _editor(resolver: type[VersionedResolver]) -> YAML:
    y = YAML(typ="rt", pure=True)  # round trip: comments and key order are kept
    y.Resolver = resolver
    y.Composer = _StrictComposer
    y.Representer = _Representer
    y.preserve_quotes = True
    y.width = 1_000_000  # never re-wrap the analyst's lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def load_for_editing(text: str) -> Any:
    """``text`` (already read by `parse_mapping`) as ruamel's comment-keeping containers."""
    # Dates load as dates here (unlike `parse_mapping`) so that they are written back plain.
    return _editor(_Resolver).load(text)


def dump_edited(document: Any) -> str:
    """The YAML text of a document from `load_for_editing`, strings quoted where needed."""
    out = io.StringIO()
    _editor(_PortableResolver).dump(document, out)
    return out.getvalue()


# --- atomic writes: in workbook.files, re-exported for the modules that import them here

from workbook.files import atomic_create_text, atomic_write, atomic_write_text  # noqa: E402,F401
