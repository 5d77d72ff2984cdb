"""Safe YAML reading that remembers where every value came from.

Packs and fact documents are data: only PyYAML's safe scalar types are built, never objects.
YAML 1.1's surprises are turned off because they silently change policy meaning, and scalars
are read as YAML 1.2's core schema reads them: ``on``/``yes``/``no`` are strings, not booleans
(``violations[].on`` is a key); timestamps stay strings, so that the pack and fact schemas, not
the YAML parser, decide what a date is; ``0150000`` is 150,000, not octal 53,248 (octal is
``0o``), ``1:50:00`` is a string, not 6,600 in base 60.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from rulepack.core.errors import Problem

Path = tuple[str | int, ...]
Position = tuple[int, int]

# Beyond these sizes a document is treated as hostile (alias bombs, runaway files). Depth
# counts mappings and lists inside one another: what reads a document (the schema checks,
# the pack builder) recurses once a level or more. An int is refused past the size Python
# can write as text.
MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_INT_DIGITS = 4_000
_TOO_BIG = 10**MAX_INT_DIGITS


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 core-schema booleans, and no implicit timestamps."""


_REPLACED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int",
             "tag:yaml.org,2002:float")
_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
# Underscores between digits are kept from YAML 1.1 (100_000 reads well), nothing else of it.
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    # PyYAML's, less base 60; a float still needs its point (`1e5` stays text, as PyYAML
    # writes it unquoted).
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
               r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


class _Loader(_Resolver, yaml.SafeLoader):
    """PyYAML's own parser, in pure Python: the reference every position is measured by."""


def _construct_int(loader: yaml.SafeLoader | yaml.CSafeLoader, node: yaml.ScalarNode) -> int:
    """An int as the resolver above admits it: decimal (leading zeros too), 0x, 0o, 0b."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2].lower() in ("0x", "0o", "0b"):
        return sign * int(digits, 0)
    return sign * int(digits, 10)  # leading zeros allowed: base 0 would refuse them


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _libyaml_loader() -> type[yaml.CSafeLoader] | None:
    """The same loader over libyaml's C parser, when PyYAML was built with it: it reads a pack
    some ten times faster. Nodes, tags and marks are the same classes; the resolver and the
    constructors above still decide what every scalar means."""
    if not yaml.__with_libyaml__:
        return None

    class _CLoader(_Resolver, yaml.CSafeLoader):
        pass

    _CLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    return _CLoader


_C_LOADER = _libyaml_loader()
# Whether load() reads with libyaml; tests compare both parsers on the same texts.
LIBYAML = _C_LOADER is not None


class YamlSyntaxError(Exception):
    """The text is not YAML; carries the position PyYAML reported."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    position: Position
    first: Position

    def problem(self, file: str, code: str) -> Problem:
        """This finding as a problem of ``file``, under ``code`` (a pack's, a fact
        document's or a test file's)."""
        return Problem(file=file, line=self.position[0], column=self.position[1], code=code,
                       message=f"the key `{self.key}` appears twice in one mapping",
                       value=self.key, hint=f"its first use is at line {self.first[0]}")


@dataclass
class Positioned:
    """A loaded document plus the line and column (1-based) of every value, by path."""

    data: Any
    positions: dict[Path, Position]
    duplicates: list[DuplicateKey]
    # Scalar styles matter for expressions: a column inside a quoted string is one further on.
    quoted: set[Path]
    # Where each mapping key stands: a finding about a key (unknown, misspelt) points there.
    keys: dict[Path, Position] = field(default_factory=dict)
    # Block scalars (`>-`, `|`): where each content line starts and how long it is, so that an
    # offset inside the folded text maps back to a line and column.
    blocks: dict[Path, list[tuple[int, int, int]]] = field(default_factory=dict)
    # One-line quoted scalars as written: a column inside one counts its escapes.
    written: dict[Path, str] = field(default_factory=dict)

    def offset_position(self, path: Path, offset: int) -> Position | None:
        """The line and column of character ``offset`` of a block scalar's text."""
        lines = self.blocks.get(tuple(path))
        if not lines:
            return None
        for line, column, length in lines:
            if offset <= length:
                return (line, column + offset)
            offset -= length + 1  # folded lines are joined by one space or newline
        line, column, length = lines[-1]
        return (line, column + length)

    def quoted_column(self, path: Path, offset: int) -> int | None:
        """How many columns after its opening quote character ``offset`` of a one-line quoted
        scalar's value stands: escapes (``\\"``, ``\\u4e00``, ``''``) are longer as written."""
        written = self.written.get(tuple(path))
        if written is None:
            return None
        index, seen = 1, 0
        while index < len(written) - 1 and seen < offset:
            if written[0] == '"' and written[index] == "\\":
                index += {"x": 4, "u": 6, "U": 10}.get(written[index + 1:index + 2], 2)
            elif written[0] == "'" and written[index:index + 2] == "''":
                index += 2
            else:
                index += 1
            seen += 1
        return index

    def key_position(self, path: Path) -> Position:
        return self.keys.get(tuple(path)) or self.position(path)

    def position(self, path: Path) -> Position:
        """The position of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))


def load(text: str, *, libyaml: bool = LIBYAML) -> Positioned:
    """Parse one YAML document; raise :class:`YamlSyntaxError` when it is not YAML.

    With ``libyaml`` (the default where PyYAML has it) the C parser reads the text. A text it
    refuses, one where it is known to read otherwise (see ``_Builder._check_vouched``), and
    one with a tab, a byte order mark (which PyYAML's columns skip) or a character the
    pure-Python reader refuses, is read by the pure-Python parser instead: every error (its
    words, line and column) is that reference parser's, and so is every node's position
    (tests/test_startup_yaml.py compares them).
    """
    if libyaml and _C_LOADER is not None and "\t" not in text and "\ufeff" not in text \
            and not _NON_PRINTABLE.search(text):
        try:
            return _load_with(_C_LOADER, text)
        except Exception:  # any refusal, worded by the reference parser below
            pass
    return _load_with(_Loader, text)


class _Unvouched(Exception):
    """libyaml read a construct where it is known to part from the pure-Python parser."""


# What the pure-Python reader refuses before parsing; libyaml's set differs a little.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _load_with(loader_class: type[_Loader] | type[yaml.CSafeLoader], text: str) -> Positioned:
    loader: _Loader | yaml.CSafeLoader | None = None
    try:
        loader = loader_class(text)
        node = loader.get_single_node()
        result = Positioned(None, {}, [], set())
        if node is not None:
            builder = _Builder(loader, result, text.splitlines(),
                               vouch=not isinstance(loader, _Loader))
            result.data = builder.build(node, (), flow=False)
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(str(exc.problem or exc), position) from None
    except yaml.reader.ReaderError as exc:
        raise YamlSyntaxError(f"a character that YAML does not allow: {exc.reason}",
                              _reader_position(text, exc.position)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), (1, 1)) from None
    except RecursionError:
        raise YamlSyntaxError("the document is nested too deeply", (1, 1)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _reader_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return (before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


class _Builder:
    def __init__(self, loader: _Loader | yaml.CSafeLoader, out: Positioned, lines: list[str],
                 *, vouch: bool) -> None:
        self._loader = loader
        self._out = out
        self._count = 0
        self._lines = lines
        self._vouch = vouch

    def build(self, node: yaml.Node, path: Path, *, flow: bool) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            raise YamlSyntaxError(
                f"the document has more than {MAX_NODES} values", _pos(node)
            )
        self._out.positions[path] = _pos(node)
        if len(path) > MAX_DEPTH:
            raise YamlSyntaxError(f"the document nests more than {MAX_DEPTH} levels deep",
                                  _pos(node))
        if node.tag not in _PLAIN_TAGS:
            # Only JSON-like data: a tag such as !!python/object is refused, never constructed.
            raise YamlSyntaxError(f"the tag `{node.tag}` is not allowed", _pos(node))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            flow = flow or bool(node.flow_style)
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, flow)
            return [self.build(item, path + (i,), flow=flow) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # a composer makes no other node
        self._check_vouched(node, flow)
        style = node.style
        if style in ("'", '"'):
            self._out.quoted.add(path)
            start, end = node.start_mark, node.end_mark
            if start.line == end.line:  # its text as written, quotes and escapes included
                self._out.written[path] = self._lines[start.line][start.column:end.column]
        elif style in (">", "|"):
            self._out.blocks[path] = self._block_lines(node)
        value = self._scalar(node)
        if type(value) is int and not -_TOO_BIG < value < _TOO_BIG:
            raise YamlSyntaxError(f"the integer has more than {MAX_INT_DIGITS:,} digits",
                                  _pos(node))
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise YamlSyntaxError("the text holds an unpaired surrogate, which is not "
                                      "Unicode text", _pos(node)) from None
        return value

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR:
            # What SafeConstructor's str constructor returns, without its bookkeeping: most
            # values of a pack are text.
            return node.value
        try:
            return self._loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlSyntaxError(str(exc.problem or exc), _pos(node)) from None
        except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
            # An explicit tag with a value it cannot hold (`!!int x`), or a number too long.
            raise YamlSyntaxError(f"the value cannot be read: {exc}", _pos(node)) from None

    def _block_lines(self, node: yaml.Node) -> list[tuple[int, int, int]]:
        # A block ending with a line break ends at column 0 of the next line, which is not
        # part of it.
        end = node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
        rows = [(index, self._lines[index].rstrip())
                for index in range(node.start_mark.line + 1, min(end, len(self._lines)))
                if self._lines[index].strip()]
        if not rows:
            return []
        # Indentation beyond the block's own is part of the text (more-indented lines).
        base = min(len(text) - len(text.lstrip()) for _, text in rows)
        return [(index + 1, base + 1, len(text) - base) for index, text in rows]

    def _check_vouched(self, node: yaml.ScalarNode, flow: bool) -> None:
        """Where libyaml and PyYAML are known to part, the reference parser must read the
        text: inside ``{...}`` or ``[...]`` libyaml lets a plain scalar hold a ``?``, which
        PyYAML refuses, and places an empty value one column further on."""
        # A plain scalar's style is None from PyYAML, "" from libyaml.
        if self._vouch and flow and not node.style and (not node.value or "?" in node.value):
            raise _Unvouched

    def _mapping(self, node: yaml.MappingNode, path: Path, flow: bool) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        seen: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise YamlSyntaxError("a mapping key must be a plain value", _pos(key_node))
            self._check_vouched(key_node, flow)
            key = self._scalar(key_node)
            # Keys are always text in packs and facts; `1: x` means the string "1".
            key = key if isinstance(key, str) else str(key)
            if key in seen:
                self._out.duplicates.append(DuplicateKey(key, _pos(key_node), seen[key]))
                continue
            seen[key] = _pos(key_node)
            self._out.keys[path + (key,)] = _pos(key_node)
            mapping[key] = self.build(value_node, path + (key,), flow=flow)
        return mapping


_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "str", "int", "float", "bool", "null")
)


def _pos(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)
