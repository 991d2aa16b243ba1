"""vcrpy's YAML read faster: libyaml composes the node tree, a small converter builds the data.

PyYAML's constructor is general (every tag, recursive objects, deferred generators) and
cost as much as libyaml's own parsing. Cassettes use a few node shapes: mappings,
sequences and scalars, resolved with the YAML 1.1 rules of PyYAML's SafeLoader. Those are
converted here with vcrpy's loader's own resolver table, and with SafeConstructor's own
methods for every scalar but the commonest forms, so the data is what vcrpy replays.
Anything else (merge keys, `!!set`, `!!python/...` tags, a recursive alias, an error of
any kind) makes `read` return UNREAD: the caller then reads the text with vcrpy's own
loader, which gives today's data or today's error, and executes nothing new.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: `read`'s answer for a text the converter leaves to vcrpy's loader
UNREAD: Final = object()

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
#: scalar tags converted here, each by the SafeConstructor method that vcrpy's loader uses
_SCALAR_TAGS = ("str", "null", "bool", "int", "float", "timestamp", "binary")
_DIGITS = "0123456789"


class _Unread(Exception):
    """A tag or shape the converter leaves to vcrpy's own loader."""


_IN_PROGRESS: Final = object()  # an anchored collection met again inside itself: recursive
_MISSING: Final = object()


def read(text: str, loader: type) -> Any:
    """The data vcrpy's `loader` would build from `text`, or UNREAD when it must build it itself."""
    composer = composer_for(loader)
    if composer is None:
        return UNREAD
    instance = composer(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        return _Converter(instance).convert(node)
    except Exception:  # a YAML error, an unknown tag, a recursive alias: vcrpy's loader says what
        return UNREAD
    finally:
        instance.dispose()


@functools.cache
def composer_for(loader: type) -> type | None:
    """vcrpy's loader with a resolver that skips path resolvers it does not have.

    None when the loader resolves or constructs in a way the converter does not copy.
    """
    implicit: dict[Any, list[tuple[str, re.Pattern[str]]]] = getattr(loader, "yaml_implicit_resolvers", {})
    constructors = getattr(loader, "yaml_constructors", {})
    copied = all(
        constructors.get(_TAG + tag) is SafeConstructor.yaml_constructors[_TAG + tag] for tag in _SCALAR_TAGS
    )
    defaults = tuple(
        getattr(loader, f"DEFAULT_{kind}_TAG", None) for kind in ("SCALAR", "SEQUENCE", "MAPPING")
    )
    if getattr(loader, "yaml_path_resolvers", True) or implicit.get(None) or not copied:
        return None
    if defaults != (_STR, _SEQ, _MAP):
        return None
    table = {first: tuple(resolvers) for first, resolvers in implicit.items()}

    def resolve(self: Any, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        """BaseResolver.resolve without path resolvers: the first implicit resolver that matches."""
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in table.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    return type(f"_Composing{loader.__name__}", (loader,), {"resolve": resolve})


class _Converter:
    """Builds the data of one node tree, each node once: an alias shares what its anchor built,
    as with PyYAML, so a 'billion laughs' costs no more here than there (and is refused after)."""

    def __init__(self, constructor: SafeConstructor) -> None:
        self.constructor = constructor
        self.built: dict[Node, Any] = {}  # str scalars need none: node.value is already shared
        self.scalars: dict[str, Callable[[ScalarNode], Any]] = {
            _TAG + "null": _null,
            _TAG + "bool": _bool,
            _TAG + "int": self._int,
            _TAG + "float": self._float,
            _TAG + "timestamp": self._by_constructor,
            _TAG + "binary": self._by_constructor,
        }

    def convert(self, node: Node) -> Any:
        kind = node.__class__
        if kind is ScalarNode and node.tag == _STR:
            return node.value
        done = self.built.get(node, _MISSING)
        if done is not _MISSING:
            if done is _IN_PROGRESS:
                raise _Unread("a recursive alias")
            return done
        self.built[node] = _IN_PROGRESS
        data = self.built[node] = self._build(kind, node)
        return data

    def _build(self, kind: type, node: Node) -> Any:
        tag = node.tag
        if kind is MappingNode and tag == _MAP:
            return self._mapping(node.value)
        if kind is SequenceNode and tag == _SEQ:
            convert = self.convert
            return [convert(item) for item in node.value]
        scalar = self.scalars.get(tag) if kind is ScalarNode else None
        if scalar is None:
            raise _Unread(tag)
        return scalar(node)  # type: ignore[arg-type]

    def _mapping(self, pairs: list[tuple[Node, Node]]) -> dict[Any, Any]:
        data: dict[Any, Any] = {}
        convert = self.convert
        for key, value in pairs:
            if key.tag == _STR and key.__class__ is ScalarNode:
                data[key.value] = convert(value)
            else:  # a merge key (`<<`) or `=` would need PyYAML's flattening: raises _Unread
                data[convert(key)] = convert(value)  # an unhashable key raises: vcrpy says so
        return data

    def _int(self, node: ScalarNode) -> Any:
        value: str = node.value
        if value[0] in "123456789" and "_" not in value and ":" not in value:
            return int(value)  # plain decimal; 0x, 0b, octal 017, 1_000, 1:20 go to PyYAML
        return self.constructor.construct_yaml_int(node)

    def _float(self, node: ScalarNode) -> Any:
        value: str = node.value
        if value[-1] in _DIGITS and "_" not in value and ":" not in value:
            return float(value)  # .inf, .nan, 1_0.5, 1:20.5, 1. go to PyYAML
        return self.constructor.construct_yaml_float(node)

    def _by_constructor(self, node: ScalarNode) -> Any:
        return self.constructor.construct_object(node)


def _null(node: ScalarNode) -> None:
    return None


def _bool(node: ScalarNode) -> bool:
    value: bool = SafeConstructor.bool_values[node.value.lower()]
    return value
