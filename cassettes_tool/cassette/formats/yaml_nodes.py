"""vcrpy's YAML read faster: libyaml composes the node tree, a small converter builds the data.

PyYAML's constructor is general (every tag, recursive objects, deferred generators) and
cost as much as libyaml's own parsing. Cassettes use a few node shapes: mappings,
sequences and scalars, which vcrpy's loader itself resolves (YAML 1.1, as PyYAML's
SafeLoader) while libyaml composes them. They are converted here with SafeConstructor's
own methods for every scalar but the commonest forms, so the data is what vcrpy replays.
Anything else (merge keys, `!!set`, `!!python/...` tags, a recursive alias, an error of
any kind) makes `read` return UNREAD: the caller then reads the text with vcrpy's own
loader, which gives today's data or today's error, and executes nothing new.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, Final, cast

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

#: `read`'s answer for a text the converter leaves to vcrpy's loader
UNREAD: Final = object()

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
#: tags converted here, each as the SafeConstructor method that vcrpy's loader uses would
_TAGS = ("str", "null", "bool", "int", "float", "timestamp", "binary", "seq", "map")
_DIGITS = "0123456789"


class _Unread(Exception):
    """A tag or shape the converter leaves to vcrpy's own loader."""


_IN_PROGRESS: Final = object()  # an anchored collection met again inside itself: recursive
_MISSING: Final = object()

#: what may stand before an anchor (&a) or alias (*a): blanks, every line break libyaml
#: knows (\r alone, NEL, LS, PS), a byte-order mark, and the indicators a node follows
_NODE_START = " \t\r\n\x85\u2028\u2029\ufeff[{,:-?"


def has_node_mark(text: str, mark: str) -> bool:
    """Whether the text may have an anchor or alias mark where YAML allows one (`&a`, `*a`).

    Never False for a text libyaml composes with one: the alias walk that refuses a
    'billion laughs' runs only when this says so. str.find over the text, not a regex:
    this runs on every YAML cassette, and a pattern with no fixed first character scans
    each one character by character.
    """
    at = text.find(mark)
    while at >= 0:
        before = text[at - 1] if at else "\n"
        after = text[at + 1 : at + 2]
        if before in _NODE_START and after and after not in " \t\n,[]{}":
            return True
        at = text.find(mark, at + 1)
    return False


def read(text: str, loader: type) -> Any:
    """The data vcrpy's `loader` would build from `text`, or UNREAD when it must build it itself."""
    if not convertible(loader):
        return UNREAD
    instance = remembering(loader)(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        if has_node_mark(text, "&"):
            return _Converter(instance).convert(node)
        return _TreeConverter(instance).convert(node)
    except Exception:  # a YAML error, an unknown tag, a recursive alias: vcrpy's loader says what
        return UNREAD
    finally:
        instance.dispose()


_resolve = cast("Callable[..., str]", BaseResolver.resolve)


@functools.cache
def remembering(loader: type) -> type:
    """`loader`, resolving each plain scalar's tag once per file: libyaml asks the loader's
    Python resolver for every node (a cassette repeats its keys and header names thousands
    of times), and the answer depends on the text and the tables alone. With no path
    resolvers (PyYAML's default) the calls at each level of nesting do nothing, and are
    made to return at once. A loader that resolves otherwise is used as it is."""
    if (
        getattr(loader, "yaml_path_resolvers", True)
        or getattr(loader, "resolve", None) is not BaseResolver.resolve
    ):
        return loader

    scalar_tag: str = loader.DEFAULT_SCALAR_TAG  # type: ignore[attr-defined]
    collection_tags: dict[type, str] = {
        SequenceNode: loader.DEFAULT_SEQUENCE_TAG,  # type: ignore[attr-defined]
        MappingNode: loader.DEFAULT_MAPPING_TAG,  # type: ignore[attr-defined]
    }

    class Remembering(loader):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.tags: dict[str, str] = {}

        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            """BaseResolver.resolve's answers without path resolvers: a plain scalar's tag
            depends on its text alone, any other scalar is a string, a collection its kind's."""
            if kind is ScalarNode:
                if not implicit[0]:
                    return scalar_tag
                tag = self.tags.get(value)
                if tag is None:
                    tag = self.tags[value] = _resolve(self, kind, value, implicit)
                return tag
            tag = collection_tags.get(kind)
            return _resolve(self, kind, value, implicit) if tag is None else tag

        #: callables written in C that take the same arguments and change nothing: libyaml
        #: calls both for every node, and a Python function's frame cost more than the call
        descend_resolver = staticmethod(operator.is_)
        ascend_resolver = staticmethod(tuple)

    Remembering.__name__ = Remembering.__qualname__ = f"Remembering{loader.__name__}"
    return Remembering


@functools.cache
def convertible(loader: type) -> bool:
    """Whether `loader` builds the tags the converter builds as SafeConstructor does.

    libyaml composes with the loader itself, so tags resolve as vcrpy resolves them.
    """
    constructors = getattr(loader, "yaml_constructors", {})
    methods = ("construct_object", "construct_scalar", "construct_sequence", "construct_mapping")
    return all(
        constructors.get(_TAG + tag) is SafeConstructor.yaml_constructors[_TAG + tag] for tag in _TAGS
    ) and all(getattr(loader, name, None) is getattr(SafeConstructor, name) for name in methods)


class _Converter:
    """Builds the data of one node tree, each node once: an alias shares what its anchor built,
    as with PyYAML, so a 'billion laughs' costs no more here than there (and is refused after)."""

    def __init__(self, constructor: SafeConstructor) -> None:
        self.constructor = constructor
        self.built: dict[Node, Any] = {}  # str scalars need none: node.value is already shared

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
        scalar = _SCALARS.get(tag) if kind is ScalarNode else None
        if scalar is None:
            raise _Unread(tag)
        return scalar(self.constructor, node)  # type: ignore[arg-type]

    def _mapping(self, pairs: list[tuple[Node, Node]]) -> dict[Any, Any]:
        data: dict[Any, Any] = {}
        convert = self.convert
        for key, value in pairs:
            if key.tag == _STR and key.__class__ is ScalarNode:
                data[key.value] = convert(value)
            else:  # a merge key (`<<`) or `=` would need PyYAML's flattening: raises _Unread
                data[convert(key)] = convert(value)  # an unhashable key raises: vcrpy says so
        return data


class _TreeConverter:
    """Builds the data of a node tree from a text without anchors: with no alias, each node
    is met once and nothing needs remembering (a third less time than `_Converter`)."""

    def __init__(self, constructor: SafeConstructor) -> None:
        self.constructor = constructor

    def convert(self, node: Node) -> Any:
        kind = node.__class__
        tag = node.tag
        if kind is MappingNode and tag == _MAP:
            return self._mapping(node.value)
        if kind is ScalarNode:
            if tag == _STR:
                return node.value
            scalar = _SCALARS.get(tag)
            if scalar is None:
                raise _Unread(tag)
            return scalar(self.constructor, node)  # type: ignore[arg-type]
        if kind is SequenceNode and tag == _SEQ:
            convert = self.convert
            return [
                item.value if item.tag == _STR and item.__class__ is ScalarNode else convert(item)
                for item in node.value
            ]
        raise _Unread(tag)

    def _mapping(self, pairs: list[tuple[Node, Node]]) -> dict[Any, Any]:
        data: dict[Any, Any] = {}
        convert = self.convert
        for key, value in pairs:
            # a merge key (`<<`) or `=` would need PyYAML's flattening: raises _Unread
            name = key.value if key.tag == _STR and key.__class__ is ScalarNode else convert(key)
            if value.tag == _STR and value.__class__ is ScalarNode:
                data[name] = value.value
            else:
                data[name] = convert(value)  # an unhashable key raises: vcrpy says so
        return data


def _null(constructor: SafeConstructor, node: ScalarNode) -> None:
    return None


def _bool(constructor: SafeConstructor, node: ScalarNode) -> bool:
    value: bool = SafeConstructor.bool_values[node.value.lower()]
    return value


def _int(constructor: SafeConstructor, node: ScalarNode) -> Any:
    value: str = node.value
    if value[0] in "123456789" and "_" not in value and ":" not in value:
        return int(value)  # plain decimal; 0x, 0b, octal 017, 1_000, 1:20 go to PyYAML
    return constructor.construct_yaml_int(node)


def _float(constructor: SafeConstructor, node: ScalarNode) -> Any:
    value: str = node.value
    if value[-1] in _DIGITS and "_" not in value and ":" not in value:
        return float(value)  # .inf, .nan, 1_0.5, 1:20.5, 1. go to PyYAML
    return constructor.construct_yaml_float(node)


def _by_constructor(constructor: SafeConstructor, node: ScalarNode) -> Any:
    return constructor.construct_object(node)


#: functions, not bound methods: a converter that held its own methods would be a reference
#: cycle keeping every cassette's data alive until the cyclic collector walked it
_SCALARS: dict[str, Callable[[SafeConstructor, ScalarNode], Any]] = {
    _TAG + "null": _null,
    _TAG + "bool": _bool,
    _TAG + "int": _int,
    _TAG + "float": _float,
    _TAG + "timestamp": _by_constructor,
    _TAG + "binary": _by_constructor,
}
