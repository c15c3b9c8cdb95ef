"""The reply templates: loading and validation, case selection, realisation, and the checker.

A *case* is one template entry: the conditions a frame must meet and several phrasings of the
same reply.  The first entry whose conditions hold is the frame's case.  The case is what the
model is trained to say and what its output is checked against:

- every surface field used by *all* phrasings of the case must appear in the reply;
- every other word must be a literal word of the case's phrasings or a word of the frame's own
  values, so no name, number or state can come from anywhere but the frame.

Templates never contain number words as literals ("which one" aside), nor state words in cases
that say a state or answer a question (checked at load), so a number or state in such a reply can
only have been copied from the frame.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from voiced.errors import ReplyError
from voiced.events import OUTCOME_STATUSES
from voiced.reply.frames import (
    CATEGORICAL_FIELDS,
    IMPLIED,
    NUMBER_WORDS,
    PLURAL_FIELDS,
    STATE_WORDS,
    SURFACE_FIELDS,
    FrameView,
    placeholder,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_FILES = ("timers.yaml", "answers.yaml", "devices.yaml", "general.yaml")  # match order
_ENTRY_KEYS = {"intent", "status", "need", "without", "n", "when", "say", "fixed"}
_PHRASE_TOKEN = re.compile(r"\{(\w+)\}|[A-Za-z]+(?:'[A-Za-z]+)*|[.,:;?!]")
_WORD = re.compile(r"\d+(?:[.:]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|[°%]")
_SENSITIVE = STATE_WORDS | set(NUMBER_WORDS)
_PUNCT = set(".,:;?!")


def words(text: str) -> list[str]:
    """Lower-case words and numbers of a text, as the checker compares them."""
    return _WORD.findall(text.lower())


def tokenize_phrasing(text: str) -> list[str]:
    """A template phrasing → target tokens: literal words, punctuation and ``<field>``."""
    toks: list[str] = []
    pos = 0
    for m in _PHRASE_TOKEN.finditer(text):
        if text[pos:m.start()].strip():
            raise ValueError(f"unexpected text {text[pos:m.start()].strip()!r}")
        pos = m.end()
        toks.append(placeholder(m.group(1)) if m.group(1) else m.group(0))
    if text[pos:].strip():
        raise ValueError(f"unexpected text {text[pos:].strip()!r}")
    return toks


def realize(tokens: list[str], surface: dict[str, str]) -> str:
    """Target tokens → the sentence: placeholders replaced by the frame's phrases."""
    out = ""
    for tok in tokens:
        if tok.startswith("<") and tok.endswith(">"):
            piece = surface.get(tok[1:-1], "")
            if not piece:
                continue
        else:
            piece = tok
        if not out:
            out = piece
        elif piece in _PUNCT:
            out += piece
        else:
            out += " " + piece
    return out[:1].upper() + out[1:]


@dataclass(frozen=True)
class Case:
    where: str  # "answers.yaml:12", for messages and tests
    key: str  # stable id from the entry's content: the model's "K:..." source token
    intents: tuple[str | None, ...] | None  # None = any intent
    statuses: tuple[str, ...]
    need: tuple[str, ...]
    without: tuple[str, ...]
    n: tuple[tuple[str, str], ...]
    when: tuple[tuple[str, tuple[str, ...]], ...]
    phrasings: tuple[tuple[str, ...], ...]  # token lists
    required: frozenset[str]  # surface fields every phrasing says
    vocab: frozenset[str]  # lower-case literal words of the phrasings
    fixed: bool = False  # its words carry meaning the check cannot verify ("I can only tell…"): never the model

    def matches(self, fv: FrameView) -> bool:
        if self.intents is not None and fv.intent not in self.intents:
            return False
        if fv.status not in self.statuses:
            return False
        if any(f not in fv.surface for f in self.need) or any(f in fv.surface for f in self.without):
            return False
        if any(fv.plural.get(f) != want for f, want in self.n):
            return False
        return all(fv.categorical.get(f) in allowed for f, allowed in self.when)

    def phrasing(self, style: int) -> tuple[str, ...]:
        return self.phrasings[style % len(self.phrasings)]

    def say(self, fv: FrameView, style: int = 0) -> str:
        return realize(list(self.phrasing(style)), fv.surface)


# used when no template matches (an unknown status): still a safe, honest sentence
DEFAULT_CASE = Case("<built-in>", "default", None, (), (), (), (), (),
                    (("Sorry", ",", "I", "can't", "help", "with", "that", "."),), frozenset(),
                    frozenset({"sorry", "i", "can't", "help", "with", "that"}))


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReplyError(f"{where}: {key}: expected a list of strings")
    return tuple(value)


def _entry(data: Any, where: str) -> Case:
    if not isinstance(data, dict):
        raise ReplyError(f"{where}: expected a mapping")
    unknown = set(data) - _ENTRY_KEYS
    if unknown:
        raise ReplyError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected {', '.join(sorted(_ENTRY_KEYS))})")
    intents = _strings(data["intent"], where, "intent") if "intent" in data else None
    statuses = _strings(data.get("status"), where, "status")
    for st in statuses:
        if st not in OUTCOME_STATUSES:
            raise ReplyError(f"{where}: status: unknown status {st!r}")
    need = _strings(data.get("need", []), where, "need")
    without = _strings(data.get("without", []), where, "without")
    for f in (*need, *without):
        if f not in SURFACE_FIELDS:
            raise ReplyError(f"{where}: need/without: unknown surface field {f!r}")
    n_raw = data.get("n", {})
    when_raw = data.get("when", {})
    if not isinstance(n_raw, dict) or not isinstance(when_raw, dict):
        raise ReplyError(f"{where}: n/when: expected a mapping")
    n: list[tuple[str, str]] = []
    for f, want in n_raw.items():
        if f not in PLURAL_FIELDS or str(want) not in ("0", "1", "many"):
            raise ReplyError(f"{where}: n: {f}: expected one of {PLURAL_FIELDS} with 0, 1 or many")
        n.append((f, str(want)))
    when: list[tuple[str, tuple[str, ...]]] = []
    for f, allowed in when_raw.items():
        if f not in CATEGORICAL_FIELDS:
            raise ReplyError(f"{where}: when: unknown categorical field {f!r}")
        when.append((f, _strings(allowed, where, f"when.{f}")))
    says = _strings(data.get("say"), where, "say")
    if not says:
        raise ReplyError(f"{where}: say: no phrasing")
    # where a case says a state, a literal state word could contradict the frame
    states_matter = bool({"state", "action_state"} & set(need)) or "answer" in statuses
    phrasings = []
    fields_per: list[set[str]] = []
    vocab: set[str] = set()
    for i, text in enumerate(says):
        try:
            toks = tokenize_phrasing(text)
        except ValueError as exc:
            raise ReplyError(f"{where}: say[{i}]: {exc}") from exc
        fields = {t[1:-1] for t in toks if t.startswith("<")}
        missing = {f for f in fields - set(need) if not set(IMPLIED.get(f, ("-",))) <= set(need)}
        if missing:
            raise ReplyError(f"{where}: say[{i}]: uses {{{sorted(missing)[0]}}} which is not in need")
        lits = [t.lower() for t in toks if not t.startswith("<") and t not in _PUNCT]
        for j, w in enumerate(lits):
            if w in STATE_WORDS and not states_matter:
                continue  # a preposition ("on the list") where no state is said
            if w in _SENSITIVE and not (w == "one" and j > 0 and lits[j - 1] == "which"):
                raise ReplyError(f"{where}: say[{i}]: the number/state word {w!r} must come from the frame")
        vocab.update(lits)
        phrasings.append(tuple(toks))
        fields_per.append(fields)
    required = frozenset(set.intersection(*fields_per))
    stem = where.split(".", 1)[0]
    key = f"{stem}-{zlib.crc32(json.dumps(data, sort_keys=True).encode()):08x}"
    fixed = data.get("fixed", False)
    if not isinstance(fixed, bool):
        raise ReplyError(f"{where}: fixed: expected true or false")
    return Case(where, key, intents, statuses, need, without, tuple(n), tuple(when), tuple(phrasings),
                required, frozenset(vocab), fixed)


class Casebook:
    """All template cases in match order."""

    def __init__(self, cases: list[Case]) -> None:
        self.cases = cases

    @classmethod
    def load(cls, directory: Path | None = None) -> Casebook:
        directory = directory or TEMPLATE_DIR
        cases: list[Case] = []
        for name in TEMPLATE_FILES:
            path = directory / name
            try:
                text = path.read_text(encoding="utf-8")
                node = yaml.compose(text, Loader=yaml.SafeLoader)
                data = yaml.safe_load(text)
            except OSError as exc:
                raise ReplyError(f"{path}:1: cannot read: {exc}") from exc
            except yaml.YAMLError as exc:
                raise ReplyError(f"{path}:1: invalid YAML: {exc}") from exc
            if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
                raise ReplyError(f"{path}:1: expected a list of entries")
            for item, item_node in zip(data, node.value, strict=True):
                cases.append(_entry(item, f"{name}:{item_node.start_mark.line + 1}"))
        return cls(cases)

    def select(self, fv: FrameView) -> Case:
        for case in self.cases:
            if case.matches(fv):
                return case
        return DEFAULT_CASE

    def vocabulary(self) -> set[str]:
        toks: set[str] = set()
        for case in [*self.cases, DEFAULT_CASE]:
            for p in case.phrasings:
                toks.update(p)
        return toks


_casebook: Casebook | None = None


def casebook() -> Casebook:
    """The shipped templates, loaded once."""
    global _casebook
    if _casebook is None:
        _casebook = Casebook.load()
    return _casebook


def check(text: str, fv: FrameView, case: Case, known_names: tuple[str, ...] = ()) -> list[str]:
    """Why a reply may not be spoken (empty when it may): see the module docstring.

    ``known_names`` are the home's display names: one of them in the reply that is not part of
    the frame's own values is an invented entity.
    """
    problems: list[str] = []
    if not text.strip():
        return ["empty reply"]
    if "<" in text or ">" in text:
        problems.append("unresolved placeholder")
    low = text.lower()
    for f in sorted(case.required):
        phrase = fv.surface.get(f, "")
        if not phrase or not re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", low):
            problems.append(f"missing {f} ({phrase!r})")
    value_words: set[str] = set()
    for v in fv.surface.values():
        value_words.update(words(v))
    for w in words(text):
        if w not in value_words and w not in case.vocab:
            kind = "number" if w[0].isdigit() or w in NUMBER_WORDS else \
                "state" if w in STATE_WORDS else "word"
            problems.append(f"{kind} {w!r} is not in the frame")
    values_low = " | ".join(v.lower() for v in fv.surface.values())
    for name in known_names:
        n = name.lower()
        if n and re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", low) and n not in values_low:
            problems.append(f"name {name!r} is not in the frame")
    longest = max(len(words(case.say(fv, i))) for i in range(len(case.phrasings)))
    if len(words(text)) > longest + 2:
        problems.append("reply longer than any phrasing")
    return problems
