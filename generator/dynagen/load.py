"""Phase 1, load: YAML text to plain data plus the source position of every node.

Knows nothing of the JSON Schema, the model or Jinja. Booleans follow YAML 1.2 (only
``true``/``false``), so an enum value such as ``no`` or ``on`` stays a string. A duplicate
mapping key is an error, not silently last-wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dynagen.diagnostics import Diagnostic, Location

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class NodePosition:
    """Where a node sits: its value, the mapping key naming it (if any), its scalar style."""

    value: Location
    key: Location | None = None
    style: str | None = None


@dataclass(slots=True)
class Document:
    """A loaded schema: the data, its file name, its text and the position of every node."""

    file: str
    text: str
    data: Any
    positions: dict[PathKey, NodePosition] = field(default_factory=dict)

    def value_location(self, path: PathKey) -> Location:
        """The location of the node at ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(path[:end])
            if pos is not None:
                return pos.value
        return Location(1, 1)

    def key_location(self, path: PathKey) -> Location:
        """The location of the mapping key naming ``path`` (its value when it has no key)."""
        pos = self.positions.get(path)
        if pos is not None and pos.key is not None:
            return pos.key
        return self.value_location(path)

    def string_location(self, path: PathKey, offset: int) -> Location:
        """The location of character ``offset`` inside the string scalar at ``path``.

        Exact for plain and quoted single-line scalars and for block scalars (``|``, ``>``)
        whose lines are kept; otherwise the start of the scalar.
        """
        pos = self.positions.get(path)
        if pos is None:
            return self.value_location(path)
        start = pos.value
        if pos.style in ("|", ">"):
            return self._block_location(start, offset)
        quote = pos.style if pos.style in ("'", '"') else None
        return self._flow_location(start.shifted(1) if quote else start, offset, quote)

    def _flow_location(
        self, start: Location, offset: int, quote: str | None
    ) -> Location:
        """Walk a plain or quoted scalar from ``start`` to character ``offset`` of its
        value: an escape (``\\x41``, ``''``) is one character, and a line break with the
        indentation after it folds into one space, as YAML reads it."""
        lines = self.text.splitlines()
        line, column = start.line, start.column
        logical = 0
        while 0 < line <= len(lines):
            text = lines[line - 1]
            index = column - 1
            while index < len(text):
                if logical == offset:
                    return Location(line, index + 1)
                char = text[index]
                if quote == '"' and char == "\\":
                    index += _escape_width(text, index)
                elif (
                    quote == "'" and char == "'" and text[index + 1 : index + 2] == "'"
                ):
                    index += 2
                elif char == quote:
                    return Location(line, index + 1)
                else:
                    index += 1
                logical += 1
            if logical == offset:
                return Location(line, len(text) + 1)
            logical += 1  # the folded line break
            line += 1
            while line <= len(lines) and not lines[line - 1].strip():
                line += 1
            if line <= len(lines):
                following = lines[line - 1]
                column = len(following) - len(following.lstrip()) + 1
        return start

    def _block_location(self, start: Location, offset: int) -> Location:
        lines = self.text.splitlines()
        line_no = start.line  # the indicator line; content starts on the next one
        consumed = 0
        indent: int | None = None
        for index in range(line_no, len(lines)):
            line = lines[index]
            if not line.strip():
                consumed += 1
                continue
            if indent is None:
                indent = len(line) - len(line.lstrip(" "))
            content = line[indent:]
            if consumed + len(content) >= offset:
                return Location(index + 1, indent + 1 + offset - consumed)
            consumed += len(content) + 1
        return start


def _yaml12_booleans(loader: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """``loader`` with YAML 1.2 booleans: only true/false (``no``, ``on`` stay text)."""
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag != "tag:yaml.org,2002:bool"
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return loader


_ESCAPE_WIDTHS = {"x": 4, "u": 6, "U": 10}


def _escape_width(text: str, index: int) -> int:
    """Source characters of the double-quoted escape at ``index`` (``\\n``: 2)."""
    return _ESCAPE_WIDTHS.get(text[index + 1 : index + 2], 2)


class _Loader(yaml.SafeLoader):
    """The pure-Python loader: its error messages are the ones dynagen reports."""


_yaml12_booleans(_Loader)
#: libyaml's parser when PyYAML was built with it (about ten times faster). It reads
#: valid documents; a document it refuses is parsed again by :class:`_Loader`, so that
#: syntax errors read the same on every machine.
_FastLoader: type[yaml.SafeLoader] = _yaml12_booleans(
    type("_FastLoader", (getattr(yaml, "CSafeLoader", _Loader),), {})
)


def _location(mark: yaml.Mark) -> Location:
    return Location(mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.positions: dict[PathKey, NodePosition] = {}
        self.diagnostics: list[Diagnostic] = []
        self.open_nodes: set[int] = set()

    def build(self, node: yaml.Node, path: PathKey, key: Location | None) -> Any:
        style = node.style if isinstance(node, yaml.ScalarNode) else None
        self.positions[path] = NodePosition(_location(node.start_mark), key, style)
        if id(node) in self.open_nodes:
            self.error(node, "an alias refers to a node that contains it")
            return None
        self.open_nodes.add(id(node))
        try:
            return self.build_node(node, path)
        finally:
            self.open_nodes.discard(id(node))

    def error(self, node: yaml.Node, message: str) -> None:
        self.diagnostics.append(
            Diagnostic.at(self.file, _location(node.start_mark), message)
        )

    def build_node(self, node: yaml.Node, path: PathKey) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            first_seen: dict[Any, Location] = {}
            for key_node, value_node in node.value:
                name = self.build_scalar_key(key_node)
                key_loc = _location(key_node.start_mark)
                if name in first_seen:
                    seen = first_seen[name]
                    self.diagnostics.append(
                        Diagnostic.at(
                            self.file,
                            key_loc,
                            f"duplicate key '{name}'",
                            f"first given at line {seen.line}; remove one of them",
                        )
                    )
                    continue
                first_seen[name] = key_loc
                result[name] = self.build(value_node, (*path, name), key_loc)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, i), None) for i, item in enumerate(node.value)
            ]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar's value; a tag it does not fit (``!!int one``) is an error."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError):
            self.error(node, f"invalid value {node.value!r} for tag {node.tag}")
            return None

    def build_scalar_key(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value = self.scalar(node)
            return value if isinstance(value, str) else str(value)
        self.diagnostics.append(
            Diagnostic.at(
                self.file, _location(node.start_mark), "mapping keys must be plain text"
            )
        )
        return f"<complex key at line {node.start_mark.line + 1}>"


def _compose(
    text: str, loader_class: type[yaml.SafeLoader]
) -> tuple[yaml.Node | None, yaml.SafeLoader]:
    loader = loader_class(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


def _syntax_error(text: str, file: str) -> Diagnostic:
    """The located error of a document that does not parse, as the Python parser says it."""
    try:
        _compose(text, _Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _location(mark) if mark is not None else Location(1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        return Diagnostic.at(file, loc, f"invalid YAML: {problem}")
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        loc = Location(
            before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        )
        return Diagnostic.at(
            file,
            loc,
            f"invalid YAML: the character U+{exc.character:04X} is not allowed here",
            "remove it, or write it as an escape in a double-quoted string",
        )
    except yaml.YAMLError as exc:
        return Diagnostic.at(file, Location(1, 1), f"invalid YAML: {exc}")
    return Diagnostic.at(file, Location(1, 1), "invalid YAML")


def load_text(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse ``text`` (named ``file`` in diagnostics) into a :class:`Document`."""
    try:
        root, loader = _compose(text, _FastLoader)
    except yaml.YAMLError:
        try:  # libyaml refuses a few documents the Python parser reads
            root, loader = _compose(text, _Loader)
        except yaml.YAMLError:
            return None, [_syntax_error(text, file)]
    if root is None:
        return None, [
            Diagnostic.at(
                file,
                Location(1, 1),
                "the schema is empty",
                "start with `dynagen: 1` and `package: <name>`",
            )
        ]
    builder = _Builder(file, loader)
    try:
        data = builder.build(root, (), None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _location(mark) if mark is not None else Location(1, 1)
        return None, [Diagnostic.at(file, loc, f"invalid YAML: {exc.problem}")]
    return Document(file, text, data, builder.positions), builder.diagnostics


def decode_source(raw: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """Decode schema bytes as UTF-8, locating the first byte that is not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [
            Diagnostic(
                file,
                line,
                column,
                f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save the schema as UTF-8",
            )
        ]
    return text.removeprefix("\ufeff"), []


def load_file(
    path: Path, display_name: str
) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse the schema file at ``path``; ``display_name`` is used in diagnostics."""
    text, diagnostics = decode_source(path.read_bytes(), display_name)
    if text is None:
        return None, diagnostics
    return load_text(text, display_name)


def walk(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    """Every (path, value) pair of a loaded document, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*path, index))
