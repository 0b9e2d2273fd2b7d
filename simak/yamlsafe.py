"""YAML for hand-edited config files that cannot hurt: bombs refused before they expand.

:func:`load_yaml_file` reads one YAML document (a regular file of at most 1 MiB)
with PyYAML's safe loader plus these checks, each failing fast as one
:class:`~common.errors.ConfigError` line naming the file and line:

- aliases: the document's size with every alias expanded is computed on the node
  graph (shared nodes counted once, no Python objects built) and refused past
  100,000 values, so a 14-line "billion laughs" costs microseconds; an alias to a
  node that contains it (``r: &r [*r]``) is refused;
- nesting deeper than 64 levels is refused while composing (no RecursionError);
- a key given twice in one mapping is refused, naming the key and both lines;
- ``.inf`` / ``.nan`` and integers longer than 30 digits are refused.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from common.errors import ConfigError
from listeners.localfile import NotRegularFile, TooLarge, read_capped

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 100_000
MAX_DIGITS = 30
_MERGE = "tag:yaml.org,2002:merge"


class _Refused(yaml.YAMLError):
    """A document this loader will not build; ``line`` is 1-based (0: unknown)."""

    def __init__(self, problem: str, node: Node | None = None, line: int = 0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = node.start_mark.line + 1 if node is not None else line


class _Loader(yaml.SafeLoader):
    """SafeLoader with depth, alias-expansion, duplicate-key and number checks."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels", line=mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()
        if node is not None:
            _Expansion().size(node, 1)
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        _check_duplicates(self, node)
        return super().construct_mapping(node, deep)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _Refused(f"non-finite number {node.value!r} is not allowed", node)
        return value

    def construct_yaml_int(self, node: ScalarNode) -> int:
        if len(str(node.value)) > MAX_DIGITS:
            raise _Refused(f"number longer than {MAX_DIGITS} digits", node)
        return super().construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


class _Expansion:
    """The size of a node graph with aliases expanded, computed once per shared node."""

    def __init__(self) -> None:
        self._sizes: dict[int, int] = {}
        self._open: set[int] = set()

    def size(self, node: Node, depth: int) -> int:
        key = id(node)
        if key in self._sizes:
            return self._sizes[key]
        if key in self._open:
            raise _Refused("an alias refers to a node that contains it (recursive alias)", node)
        if depth > MAX_DEPTH:
            raise _Refused(f"aliases nest deeper than {MAX_DEPTH} levels", node)
        self._open.add(key)
        total = 1
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        for child in children:
            total += self.size(child, depth + 1)
            if total > MAX_VALUES:
                raise _Refused(
                    f"aliases expand to more than {MAX_VALUES} values (an alias bomb?)", node
                )
        self._open.discard(key)
        self._sizes[key] = total
        return total


def _check_duplicates(loader: _Loader, node: MappingNode) -> None:
    first: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
            continue
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        line = key_node.start_mark.line + 1
        if key in first:
            raise _Refused(f"duplicate key {key!r} (first given on line {first[key]})", key_node)
        first[key] = line


def load_yaml_file(path: Path) -> Any:
    """The one YAML document in ``path``, checked as the module docstring says."""
    text = _read(path)
    try:
        # _Loader is a SafeLoader subclass: no Python objects are ever constructed.
        return yaml.load(text, Loader=_Loader)  # nosec B506
    except _Refused as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise ConfigError(f"{where}: {exc.problem}; fix the file there") from None
    except yaml.YAMLError as exc:
        raise ConfigError(_syntax_error(path, exc)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ConfigError(
            f"{path}: cannot read it ({type(exc).__name__}); simplify the file"
        ) from None


def _syntax_error(path: Path, exc: yaml.YAMLError) -> str:
    """One line for a YAML syntax error, at the line to fix: an unclosed quote is reported
    where it opens (PyYAML's own mark is the end of the file)."""
    mark = getattr(exc, "problem_mark", None)
    start = getattr(exc, "context_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())[:200]
    if getattr(exc, "context", None) == "while scanning a quoted scalar" and start is not None:
        return (
            f"{path}: line {start.line + 1} opens a quoted value that is never closed; "
            "add the closing quote there"
        )
    line = f" line {mark.line + 1}" if mark is not None else ""
    if "'\\t'" in problem:
        return f"{path}:{line} is indented with a tab; indent YAML with spaces"
    return f"{path}:{line} is not valid YAML ({problem}); fix the indentation or quoting there"


def _read(path: Path) -> str:
    try:
        raw = read_capped(path, MAX_BYTES)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: file not found; pass --config PATH or set SIMAK_CONFIG"
        ) from exc
    except NotRegularFile as exc:
        raise ConfigError(f"{exc}; pass the path of a config file") from exc
    except TooLarge as exc:
        raise ConfigError(
            f"{path}: larger than {MAX_BYTES // 1024} KiB; a config file is far smaller"
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read it ({exc.strerror or exc}); check permissions"
        ) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (at byte {exc.start}); save it as UTF-8"
        ) from exc
