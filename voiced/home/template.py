"""Home Assistant ``value_template``s that voiced can evaluate honestly, without Jinja.

A template is accepted when it is one expression in ``{{ }}`` made of:

- ``value`` (the payload as text) or ``value_json`` followed by keys: ``.key``, ``['key']``,
  ``["key"]``, ``[0]`` (list index);
- filters: ``float``, ``int``, ``round`` / ``round(N)``, ``abs``, ``lower``, ``upper``, ``trim``,
  ``string``, ``default(LITERAL)``;
- one arithmetic step with a number: ``* N``, ``/ N``, ``+ N``, ``- N``; parentheses around the
  expression, e.g. ``{{ (value_json.power | float / 1000) | round(2) }}``.

Anything else (``if``/``else``, ``states(...)``, ``{% %}`` blocks, several ``{{ }}``) raises
:class:`TemplateError` at load, so a devices file never carries a template that silently means
something else.  Rendering never raises: a missing key or a non-number gives ``None`` (no state).
"""

from __future__ import annotations

import decimal
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

FILTERS = ("float", "int", "round", "abs", "lower", "upper", "trim", "string", "default")
SUPPORTED = ("{{ value }}, {{ value_json.KEY }}, {{ value_json['KEY'] }}, {{ value_json.A.B }}, "
             "{{ value_json.KEY[0] }}, filters (" + ", ".join(FILTERS) + ") and one * / + - with a number")

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[.\[\]()|*/+\-,])
)""", re.VERBOSE)


class TemplateError(ValueError):
    """The template uses something voiced cannot evaluate."""


@dataclass(frozen=True)
class _Step:
    kind: str  # "key" | "index" | "filter" | "arith"
    arg: Any = None
    extra: Any = None


@dataclass(frozen=True)
class ValueTemplate:
    """A compiled template: the source, the root (``value``/``value_json``) and the steps."""

    source: str
    root: str
    steps: tuple[_Step, ...]

    @property
    def key_path(self) -> tuple[str, ...]:
        """The JSON keys it reads (``value_json.a.b`` → ``("a", "b")``); empty for ``value``."""
        return tuple(str(s.arg) for s in self.steps if s.kind == "key")

    @property
    def plain_key(self) -> str | None:
        """``KEY`` when the template is exactly ``{{ value_json.KEY }}`` (what ``value_key`` means)."""
        if self.root == "value_json" and len(self.steps) == 1 and self.steps[0].kind == "key":
            return str(self.steps[0].arg)
        return None

    def render(self, data: Any, text: str | None = None) -> Any:
        """The value for one payload: ``data`` is the decoded JSON (or plain text), ``text`` the
        payload as text.  ``None`` when the payload does not have what the template reads."""
        if self.root == "value":
            cur: Any = text if text is not None else (data if isinstance(data, str) else json.dumps(data))
        else:
            cur = data
        try:
            for step in self.steps:
                cur = _apply(step, cur)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError, IndexError):
            return None
        return cur


def _number(v: Any) -> float:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        return float(v.strip())
    raise TypeError("not a number")


def _apply(step: _Step, cur: Any) -> Any:
    if step.kind == "filter" and step.arg == "default":
        return step.extra if cur is None else cur
    if cur is None:
        return None
    if step.kind == "key":
        return cur.get(step.arg) if isinstance(cur, dict) else None
    if step.kind == "index":
        return cur[step.arg] if isinstance(cur, list) and -len(cur) <= step.arg < len(cur) else None
    if step.kind == "arith":
        n = _number(cur)
        op, k = step.arg, float(step.extra)
        return n * k if op == "*" else n / k if op == "/" else n + k if op == "+" else n - k
    name = step.arg
    if name == "float":
        return _number(cur)
    if name == "int":
        return int(_number(cur))
    if name == "round":
        digits = int(step.extra) if step.extra is not None else 0
        q = decimal.Decimal(1).scaleb(-digits)  # Jinja's round is "common": halves away from zero
        return float(decimal.Decimal(repr(_number(cur))).quantize(q, rounding=decimal.ROUND_HALF_UP))
    if name == "abs":
        return abs(_number(cur))
    if isinstance(cur, dict | list):
        return None
    s = cur if isinstance(cur, str) else ("true" if cur is True else "false" if cur is False else _fmt(cur))
    return s.lower() if name == "lower" else s.upper() if name == "upper" else s.strip() if name == "trim" else s


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class _Parser:
    def __init__(self, source: str, body: str) -> None:
        self.source = source
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(body):
            if body[pos:].strip() == "":
                break
            m = _TOKEN.match(body, pos)
            if m is None or m.end() == pos:
                raise TemplateError(f"cannot read {body[pos:].strip()[:20]!r}")
            kind = m.lastgroup
            assert kind is not None
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None, kind: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value) or (kind is not None and tok[0] != kind):
            want = value or kind or "more"
            got = "the end" if tok is None else repr(tok[1])
            raise TemplateError(f"expected {want!r}, found {got}")
        self.i += 1
        return tok

    def expression(self) -> tuple[str, list[_Step]]:
        tok = self.peek()
        if tok is not None and tok[1] == "(":
            self.take("(")
            root, steps = self.expression()
            self.take(")")
        else:
            name = self.take(kind="name")[1]
            if name not in ("value", "value_json"):
                raise TemplateError(f"{name!r} is not available (only value and value_json)")
            root, steps = name, []
            while (tok := self.peek()) is not None and tok[1] in (".", "["):
                if root != "value_json":
                    raise TemplateError("keys can only be read from value_json")
                if tok[1] == ".":
                    self.take(".")
                    steps.append(_Step("key", self.take(kind="name")[1]))
                else:
                    self.take("[")
                    k = self.peek()
                    if k is not None and k[0] == "str":
                        steps.append(_Step("key", self.take()[1][1:-1]))
                    elif k is not None and k[0] == "num" and "." not in k[1]:
                        steps.append(_Step("index", int(self.take()[1])))
                    else:
                        raise TemplateError("expected a quoted key or a list index inside [ ]")
                    self.take("]")
        steps += self.filters()
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in ("*", "/", "+", "-"):
            op = self.take()[1]
            num = self.number()
            if op == "/" and num == 0:
                raise TemplateError("division by zero")
            steps.append(_Step("arith", op, num))
            steps += self.filters()
        return root, steps

    def number(self) -> float:
        sign = -1.0 if self.peek() == ("op", "-") and self.take("-") else 1.0
        return sign * float(self.take(kind="num")[1])

    def filters(self) -> list[_Step]:
        out: list[_Step] = []
        while (tok := self.peek()) is not None and tok[1] == "|":
            self.take("|")
            name = self.take(kind="name")[1]
            if name not in FILTERS:
                raise TemplateError(f"filter {name!r} is not supported (voiced knows {', '.join(FILTERS)})")
            extra: Any = None
            nxt = self.peek()
            if nxt is not None and nxt[1] == "(":
                self.take("(")
                arg = self.peek()
                if name == "round" and arg is not None and arg[0] == "num" and "." not in arg[1]:
                    extra = int(self.take()[1])
                    if self.peek() == ("op", ","):
                        self.take(",")
                        method = self.take(kind="str")[1][1:-1]
                        if method != "common":
                            raise TemplateError(f"round method {method!r} is not supported (only 'common')")
                elif name == "default" and arg is not None and arg[0] == "str":
                    extra = self.take()[1][1:-1]
                elif name == "default" and arg is not None and (arg[0] == "num" or arg == ("op", "-")):
                    n = self.number()
                    extra = int(n) if n.is_integer() else n
                else:
                    raise TemplateError(f"unsupported argument {arg[1] if arg else 'nothing'!r} for {name}")
                self.take(")")
            out.append(_Step("filter", name, extra))
        return out


@functools.lru_cache(maxsize=512)
def compile_template(source: str) -> ValueTemplate:
    """Compile ``source`` or raise :class:`TemplateError` saying what voiced cannot evaluate."""
    text = source.strip()
    if "{%" in text or "{#" in text:
        raise TemplateError("{% %} statements are not supported")
    m = re.fullmatch(r"\{\{(.*)\}\}", text, re.DOTALL)
    if m is None or "{{" in m.group(1) or "}}" in m.group(1):
        raise TemplateError("expected exactly one {{ ... }} expression")
    p = _Parser(source, m.group(1))
    if not p.tokens:
        raise TemplateError("empty expression")
    root, steps = p.expression()
    if p.peek() is not None:
        raise TemplateError(f"cannot evaluate {p.peek()[1]!r} here")  # type: ignore[index]
    return ValueTemplate(source, root, tuple(steps))
