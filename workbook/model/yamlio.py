"""Reading YAML documents defensively, and writing files atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import yaml

from workbook.errors import UsageError, WorkbookError

#: Records and catalogues are hand-written text; anything larger is a mistake or an attack.
MAX_YAML_BYTES = 1024 * 1024
#: Anchors are legitimate in small numbers; many aliases are the "billion laughs" shape.
MAX_ALIASES = 100


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and alias bombs."""

    # Dates stay text: the record schema parses them and names the field when one is wrong.
    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors raise ValueError & co. on values like `!!int plenty`,
        # 5000-digit integers or `!!timestamp someday`; report them like any YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            value = node.value if isinstance(node, yaml.ScalarNode) else node.id
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            kind = node.tag.rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown} as {kind}", node.start_mark
            ) from exc

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(
                    f"more than {MAX_ALIASES} aliases (line {mark.line + 1}); "
                    "write the values out instead"
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                continue
            if key in seen:
                raise yaml.YAMLError(
                    f"duplicate key '{key}' (line {key_node.start_mark.line + 1}); "
                    "each key may appear once"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


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


def load_mapping(path: Path, error: type[WorkbookError], what: str) -> dict[str, Any]:
    """Parse one YAML file that must hold a single mapping."""
    text = read_text(path, error, what)
    if not text.strip():
        raise error("file is empty", path=path, expected=f"a YAML mapping describing {_a(what)}")
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no object tags
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = f"{exc.context}, {exc.problem}" if exc.context else exc.problem
        raise error(
            f"malformed YAML at {where}: {problem}", path=path, expected="valid YAML"
        ) from None
    except yaml.reader.ReaderError as exc:
        raise error(
            f"character U+{exc.character:04X} at position {exc.position} is not allowed in YAML",
            path=path,
            expected='printable text; write control characters as escapes in "double quotes"',
        ) from None
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML: {exc}", path=path, expected="valid YAML") from None
    except RecursionError:
        raise error("YAML nests too deeply", path=path, expected="a plain mapping") from None
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


def atomic_write(path: Path, write: Callable[[Any], None], *, binary: bool = False) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``.

    A crash mid-write leaves the old file intact; readers never see half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; keep an existing file's mode, else the usual 0644.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(
            fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})
        ) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text`` (UTF-8)."""
    atomic_write(path, lambda f: f.write(text))


def atomic_create_text(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` atomically; refuse if it already exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror}", path=path.parent) from None
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # link() fails if the target exists: no window in which another writer is overwritten.
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(
            "file already exists", path=path, expected="a new name, or edit the existing record"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror}", path=path) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
