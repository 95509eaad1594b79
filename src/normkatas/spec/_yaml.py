"""YAML text -> plain Python data, remembering the line of every key.

PyYAML follows YAML 1.1, where ``1e-5`` (no dot) is a string; our loader
reads it as a float, like YAML 1.2 and every JSON tool.  Timestamps stay
text.  Documents are composed into nodes (so we keep their marks) and
walked here: the walk records ``path -> line``, rejects duplicate keys
(PyYAML silently keeps the last one), supports ``<<`` merge keys, bounds
nesting and alias expansion, and notes the decimals written for each number
(the instructor's ``expected`` values set their own precision).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

Path_ = tuple[str | int, ...]
"""A key path into the document: ("cases", 2, "tolerance", "atol")."""

_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_DECIMALS_RE = re.compile(r"^[-+]?([0-9_]*)(?:\.([0-9_]*))?(?:[eE]([-+]?[0-9]+))?$")

MAX_DEPTH = 32
"""Deepest nesting accepted (a 4-D literal array inside a case is depth 7)."""
MAX_VALUES = 200_000
"""Most values a document may expand to (guards against alias bombs)."""
_C_PARSER_INDICATORS = 1000
"""libyaml's C composer recurses per nesting level and can overflow the C
stack on pathological input (depth 2000 crashes a thread with a 512 KB
stack): above this many collection indicators (an upper bound on the
nesting depth) we use the pure-Python composer, which raises RecursionError."""
_INDICATOR_RE = re.compile(r"[\[{]|[-:?](?=[ \t\r\n]|$)", re.M)


def _configure(cls: Any) -> Any:
    resolvers = {
        first: [(tag, rx) for tag, rx in entries if tag not in (_FLOAT_TAG, _TIMESTAMP_TAG)]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    cls.yaml_implicit_resolvers = resolvers
    cls.add_implicit_resolver(_FLOAT_TAG, _FLOAT_RE, list("-+0123456789."))
    return cls


class PyLoader(yaml.SafeLoader):
    """Pure-Python safe loader with the float fix."""


_configure(PyLoader)

if hasattr(yaml, "CSafeLoader"):

    class CLoader(yaml.CSafeLoader):
        """libyaml-backed safe loader with the float fix."""

    _configure(CLoader)
    _FAST: Any = CLoader
else:  # pragma: no cover - libyaml is part of every PyYAML wheel
    _FAST = PyLoader


class YamlProblem(Exception):
    """A problem found while reading: ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None, path: Path_ = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path


@dataclass
class Document:
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    decimals: dict[Path_, int] = field(default_factory=dict)
    """Decimals written for the numbers asked for (``0.4286`` -> 4, ``1.5e-3`` -> 4)."""

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest recorded parent."""
        while path not in self.lines:
            if not path:
                return None
            path = path[:-1]
        return self.lines[path]


def decimals_written(text: str) -> int | None:
    m = _DECIMALS_RE.match(text.strip())
    if m is None or not (m.group(1) or m.group(2)):
        return None
    places = len((m.group(2) or "").replace("_", ""))
    exponent = int(m.group(3) or 0)
    return max(0, places - exponent)


def _describe_yaml_error(exc: yaml.YAMLError, text: str) -> YamlProblem:
    if isinstance(exc, yaml.reader.ReaderError):
        pos = max(0, min(exc.position, len(text)))
        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        return YamlProblem(
            f"character U+{char:04X} is not allowed in a YAML file",
            text.count("\n", 0, pos) + 1,
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if line is not None:
            source = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
            indent = source[: len(source) - len(source.lstrip(" \t"))]
            if "\t" in indent or "tab" in problem:
                return YamlProblem(
                    "tab character in the indentation: YAML indents with spaces only", line
                )
        if "another document" in str(exc):
            problem = "more than one YAML document (`---`) in the file"
        return YamlProblem(f"YAML syntax error: {problem}", line)
    return YamlProblem(f"YAML error: {exc}", None)  # pragma: no cover


def _compose(text: str) -> yaml.Node | None:
    count = sum(1 for _ in _INDICATOR_RE.finditer(text))
    loader_cls = _FAST if count <= _C_PARSER_INDICATORS else PyLoader
    loader = loader_cls(text)
    try:
        return loader.get_single_node()
    except RecursionError:
        raise YamlProblem(f"the file nests deeper than {MAX_DEPTH} levels", None) from None
    except yaml.YAMLError as exc:
        raise _describe_yaml_error(exc, text) from None
    finally:
        loader.dispose()


class _Walker:
    def __init__(
        self, constructor: yaml.constructor.SafeConstructor, keep: Callable[[Path_], bool]
    ) -> None:
        self.construct: Callable[[yaml.Node], Any] = constructor.construct_object
        self.keep_decimals = keep
        self.doc = Document(None)
        self.count = 0
        self.active: set[int] = set()

    def fail(self, message: str, node: yaml.Node, path: Path_) -> NoReturn:
        raise YamlProblem(message, node.start_mark.line + 1, path)

    def walk(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            self.fail(f"the file expands to more than {MAX_VALUES} values", node, path)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if len(path) >= MAX_DEPTH:
            self.fail(f"nested deeper than {MAX_DEPTH} levels", node, path)
        if id(node) in self.active:
            self.fail("an alias refers to the mapping or list that contains it", node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                out: list[Any] = []
                known = self.doc.line(path)  # what a lookup of an unrecorded item finds
                for i, item in enumerate(node.value):
                    item_path = (*path, i)
                    if item.start_mark.line + 1 != known:  # (saves time on long rows)
                        self.doc.lines[item_path] = item.start_mark.line + 1
                    out.append(self.walk(item, item_path))
                return out
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        try:
            value = self.construct(node)
        except Exception as exc:  # ConstructorError, ValueError from !!int abc, ...
            problem = getattr(exc, "problem", None) or str(exc)
            self.fail(f"cannot read this value: {problem}", node, path)
        if node.tag in (_FLOAT_TAG, _INT_TAG) and self.keep_decimals(path):
            d = decimals_written(node.value)
            if d is not None:
                self.doc.decimals[path] = d
        return value

    def key(self, node: yaml.Node, path: Path_) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self.fail("a key must be plain text, not a list or mapping", node, path)
        return str(node.value)

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        # `<<: *base` first, so that the keys written here win (lines too).
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        self.fail("`<<` merges a mapping (or a list of mappings)", source, path)
                    for key, value in self.walk(source, path).items():
                        out.setdefault(key, value)
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.key(key_node, path)
            line = key_node.start_mark.line + 1
            if key in seen:
                self.fail(
                    f"duplicate key `{key}` (first written on line {seen[key]})",
                    key_node,
                    (*path, key),
                )
            seen[key] = line
            key_path = (*path, key)
            self.doc.lines[key_path] = line
            out[key] = self.walk(value_node, key_path)
        return out


def read_yaml(text: str, decimals_for: Callable[[Path_], bool] = lambda path: False) -> Document:
    """Parse one YAML document; raise YamlProblem (never a yaml exception).

    ``decimals_for(path)`` says which numbers get their decimals noted.
    """
    node = _compose(text)
    if node is None:
        raise YamlProblem("the file is empty", None)
    walker = _Walker(PyLoader(""), decimals_for)
    walker.doc.lines[()] = node.start_mark.line + 1
    walker.doc.data = walker.walk(node, ())
    return walker.doc


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is allowed) to text; YamlProblem with the line otherwise."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlProblem(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})", line
        ) from None
