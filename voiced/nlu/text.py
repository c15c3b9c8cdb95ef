"""Tokenisation shared by the generator, training and the parser (one definition, so offsets agree)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# words (with inner apostrophes), numbers (21.5, 8:30), and the two symbols that carry meaning
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*|%|°")


@dataclass(frozen=True)
class Token:
    text: str  # lower case, curly apostrophe straightened
    start: int  # character offsets into the original string
    end: int


def tokenize(text: str) -> list[Token]:
    """Lower-cased tokens with their character offsets; other punctuation is dropped."""
    return [Token(m.group(0).lower().replace("’", "'"), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def normalise(text: str) -> str:
    """Lower case, single spaces, punctuation dropped: the form names are compared in."""
    return " ".join(words(text))
