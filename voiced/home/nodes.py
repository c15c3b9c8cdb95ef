"""The devices file's YAML nodes, read so that every error names file, line and field.

The loader reads floors, areas and entities with these; a protocol's ``validate``
(``voiced.protocols``) reads an entity's ``mqtt:`` mapping through :class:`MqttFields`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, Literal

import yaml

from voiced.errors import ConfigError

NULL = "tag:yaml.org,2002:null"
STR = "tag:yaml.org,2002:str"


class Ctx:
    """The file being read and the warnings it gave."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def where(self, node: yaml.Node | None, field: str) -> str:
        line = node.start_mark.line + 1 if node is not None else 1
        return f"{self.source}:{line}: {field}"

    def fail(self, node: yaml.Node | None, field: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where(node, field)}: {message}")

    def warn(self, node: yaml.Node | None, field: str, message: str) -> None:
        self.warnings.append(f"{self.where(node, field)}: {message}")


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean `topic`?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL


def mapping(ctx: Ctx, node: yaml.Node, field: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.fail(node, field, "expected a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise ctx.fail(k, field, "keys must be plain strings")
        if k.value in out:
            raise ctx.fail(k, f"{field}.{k.value}", "duplicate key")
        out[k.value] = (k, v)
    return out


def seq(ctx: Ctx, node: yaml.Node, field: str) -> list[yaml.Node]:
    if is_null(node):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise ctx.fail(node, field, "expected a list")
    return list(node.value)


def string(ctx: Ctx, node: yaml.Node, field: str, allow_null: bool = False) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == NULL:
            if allow_null:
                return None
            raise ctx.fail(node, field, "must not be empty")
        if node.tag == STR:
            if not node.value.strip():
                raise ctx.fail(node, field, "must not be empty")
            return str(node.value)
    raise ctx.fail(node, field, "expected a string")


def text(ctx: Ctx, node: yaml.Node, field: str) -> str:
    """A payload as written: ``ON``, ``1`` and ``"ON"`` all give the text ``ON``/``1`` (YAML would
    otherwise read an unquoted ON as true, and voiced would send "True")."""
    if isinstance(node, yaml.ScalarNode) and node.tag != NULL:
        return str(node.value)
    raise ctx.fail(node, field, "expected a payload (text or a number)")


def plain(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node))


def number(ctx: Ctx, node: yaml.Node, field: str) -> int | float:
    value = plain(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail(node, field, "expected a number")
    return value


def strings(ctx: Ctx, node: yaml.Node, field: str) -> tuple[str, ...]:
    out = []
    for i, n in enumerate(seq(ctx, node, field)):
        s = string(ctx, n, f"{field}[{i}]")
        assert s is not None
        out.append(s)
    return tuple(out)


def topic(ctx: Ctx, node: yaml.Node, field: str) -> str:
    value = string(ctx, node, field)
    assert value is not None
    if "+" in value or "#" in value:
        raise ctx.fail(node, field, f"{value!r} contains an MQTT wildcard ('+' or '#'); a device topic is one "
                       "exact topic (publishing to a wildcard is not possible)")
    if "\x00" in value or value != value.strip():
        raise ctx.fail(node, field, f"{value!r} is not a valid topic (no spaces around it, no NUL)")
    return value


class MqttFields:
    """One entity's ``mqtt:`` mapping, as a protocol's ``validate`` reads it: each key's value by
    type, and errors that name the file, the line and ``entities[N].mqtt.<key>``.

    ``state_only``: the Home Assistant domain of a state-only entity (``person``), whose command keys
    the protocol refuses; None for an entity voiced may command."""

    def __init__(self, ctx: Ctx, node: yaml.Node, field: str, state_only: str | None = None) -> None:
        self.ctx = ctx
        self.node = node
        self.field = field
        self.state_only = state_only
        self.keys = mapping(ctx, node, field)

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def fail(self, key: str, message: str, at: Literal["value", "key", "mapping"] = "value") -> ConfigError:
        """An error about ``key``, on the line of its value, its key, or the whole mapping."""
        node = self.node
        if at != "mapping" and key in self.keys:
            node = self.keys[key][0 if at == "key" else 1]
        return self.ctx.fail(node, f"{self.field}.{key}", message)

    def fail_node(self, node: yaml.Node, path: str, message: str) -> ConfigError:
        """An error about a node inside a key's value (``path``: ``payload.of``, ``modes[1]``)."""
        return self.ctx.fail(node, f"{self.field}.{path}", message)

    def value(self, key: str) -> yaml.Node:
        return self.keys[key][1]

    def string(self, key: str) -> str:
        return string(self.ctx, self.value(key), f"{self.field}.{key}") or ""

    def text(self, key: str) -> str:
        return text(self.ctx, self.value(key), f"{self.field}.{key}")

    def number(self, key: str) -> int | float:
        return number(self.ctx, self.value(key), f"{self.field}.{key}")

    def strings(self, key: str) -> tuple[str, ...]:
        return strings(self.ctx, self.value(key), f"{self.field}.{key}")

    def topic(self, key: str) -> str:
        return topic(self.ctx, self.value(key), f"{self.field}.{key}")

    def plain(self, key: str) -> Any:
        return plain(self.value(key))

    def entries(self, key: str, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """A key whose value is a mapping of plain names (``payload: {on: ..., off: ...}``):
        (name, key node, value node) in file order; ``what``: the names, for the error."""
        node = self.value(key)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(key, f"expected a mapping of {what}")
        out: list[tuple[str, yaml.Node, yaml.Node]] = []
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise self.fail_node(knode, key, "keys must be action names")
            out.append((str(knode.value), knode, vnode))
        return out

    def text_at(self, node: yaml.Node, path: str) -> str:
        return text(self.ctx, node, f"{self.field}.{path}")
