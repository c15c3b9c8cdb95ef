"""The home's command sentences → ASR grammars (JSGF for PocketSphinx, a phrase list for Vosk).

The sentences come from the caller (``voiced.nlu.generate.command_sentences`` wired in by
``voiced/commands`` or the pipeline): asr/ never imports the NLU.  A flat list of whole commands
is used on purpose: on these machines it beat a compositional grammar and an n-gram LM (field
notes).  Because Vosk's grammar is only a bigram over the phrases, ``SentenceMatcher`` checks a
result against the allowed sentences afterwards and snaps near misses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from voiced.home.model import Home

_PUNCT = re.compile(r"[^\w' ]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower case, punctuation out (apostrophes kept: "children's"), single spaces."""
    t = _PUNCT.sub(" ", text.lower().replace("-", " "))
    return _SPACE.sub(" ", t).strip()


def unique_sentences(sentences: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for s in sentences:
        n = normalize(s)
        if n:
            seen.setdefault(n, None)
    return list(seen)


def vocabulary(sentences: Iterable[str]) -> set[str]:
    return {w for s in sentences for w in normalize(s).split()}


@dataclass(frozen=True)
class GrammarBuild:
    sentences: tuple[str, ...]  # what the grammar accepts
    dropped: tuple[str, ...]  # sentences with words the recogniser cannot say
    oov: tuple[str, ...]  # those words


def filter_known(sentences: Sequence[str], known: Callable[[str], bool]) -> GrammarBuild:
    """Keep sentences whose every word the recogniser knows (no grapheme-to-phoneme here)."""
    kept: list[str] = []
    dropped: list[str] = []
    oov: set[str] = set()
    cache: dict[str, bool] = {}
    for s in unique_sentences(sentences):
        bad = [w for w in s.split() if not cache.setdefault(w, known(w))]
        if bad:
            dropped.append(s)
            oov.update(bad)
        else:
            kept.append(s)
    return GrammarBuild(tuple(kept), tuple(dropped), tuple(sorted(oov)))


def _jsgf_token(word: str) -> str:
    # JSGF tokens may not contain grammar syntax characters; quote anything unusual
    return word if re.fullmatch(r"[\w']+", word) else '"' + word.replace('"', "") + '"'


def jsgf(sentences: Sequence[str], name: str = "commands") -> str:
    """A JSGF grammar whose public rule is exactly the alternatives of the given sentences."""
    if not sentences:
        raise ValueError("no sentences for the grammar")
    alts = "\n  | ".join(" ".join(_jsgf_token(w) for w in s.split()) for s in sentences)
    return f"#JSGF V1.0;\ngrammar {name};\npublic <{name}> = (\n    {alts}\n  );\n"


@dataclass(frozen=True)
class WordGraph:
    """A minimal deterministic word automaton accepting exactly the sentences (a DAWG)."""

    n_states: int
    start: int
    final: int
    transitions: tuple[tuple[int, int, float, str], ...]  # (from, to, probability, word)

    def accepts(self, sentence: str) -> bool:
        out: dict[int, list[tuple[int, str]]] = {}
        for a, b, _p, w in self.transitions:
            out.setdefault(a, []).append((b, w))
        states = {self.start}
        for word in sentence.split():
            states = {b for st in states for b, w in out.get(st, []) if w == word}
            if not states:
                return False
        return self.final in states


def word_graph(sentences: Sequence[str]) -> WordGraph:
    """Sentences → minimal DAWG (shared prefixes *and* suffixes) with every sentence equally likely.

    A flat list of 2,000 whole sentences (JSGF alternatives) makes PocketSphinx search every
    sentence separately from the first frame (RTF ≈ 0.7 here); the minimal automaton accepts the
    same language with a fraction of the states.  Each edge's probability is the share of the
    node's completions that go through it, so the prior over whole sentences stays uniform.
    """
    sents = unique_sentences(sentences)
    if not sents:
        raise ValueError("no sentences for the grammar")
    # trie
    children: list[dict[str, int]] = [{}]
    final: list[bool] = [False]
    for s in sents:
        node = 0
        for w in s.split():
            nxt = children[node].get(w)
            if nxt is None:
                nxt = len(children)
                children.append({})
                final.append(False)
                children[node][w] = nxt
            node = nxt
        final[node] = True
    # minimise: merge nodes with equal right languages (post-order signatures)
    canon: dict[int, int] = {}
    registry: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}
    order: list[int] = []
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children[node].values())
    new_children: list[dict[str, int]] = []
    new_final: list[bool] = []
    for node in order:
        sig = (final[node], tuple(sorted((w, canon[c]) for w, c in children[node].items())))
        if sig not in registry:
            registry[sig] = len(new_children)
            new_children.append(dict(sig[1]))
            new_final.append(sig[0])
        canon[node] = registry[sig]
    start = canon[0]
    n = len(new_children)
    count = [0] * n  # completions of each state (ids are in post-order: children first)
    for i in range(n):
        count[i] = int(new_final[i]) + sum(count[c] for c in new_children[i].values())
    leaves = [i for i in range(n) if not new_children[i]]
    end = leaves[0]  # the one leaf: every sentence ends there (all leaves have the same signature)
    cont = [count[i] - int(new_final[i]) for i in range(n)]  # completions that go on from i
    trans: list[tuple[int, int, float, str]] = []
    for i in range(n):
        for w, c in sorted(new_children[i].items()):
            if new_final[c] and new_children[c]:
                # a sentence ends here and others go on: a second arc straight to the end state
                # (no ε-arcs: PocketSphinx does not close ε-transitions of a grammar built this way)
                trans.append((i, c, cont[c] / cont[i], w))
                trans.append((i, end, 1 / cont[i], w))
            else:
                trans.append((i, c, count[c] / cont[i], w))
    return WordGraph(n, start, end, tuple(trans))


def vosk_phrases(sentences: Sequence[str], unk: str | None) -> list[str]:
    """Vosk grammar: the phrases plus the model's unknown-word token (absorbs other speech)."""
    out = list(sentences)
    if unk:
        out.append(unk)
    return out


class SentenceMatcher:
    """Check a recognised text against the allowed sentences; snap close ones.

    Similarity is word-level normalised Levenshtein, so "turn of the kitchen light" →
    "turn off the kitchen light" (one substituted word) snaps, an unrelated phrase does not.
    """

    def __init__(self, sentences: Sequence[str], min_similarity: float = 0.75) -> None:
        self.sentences = unique_sentences(sentences)
        self._set = set(self.sentences)
        self._tokens = [s.split() for s in self.sentences]
        self.min_similarity = min_similarity

    def match(self, text: str) -> tuple[str, float]:
        """(best allowed sentence, similarity 0..1); exact matches give 1.0, none gives ("", 0)."""
        t = normalize(text)
        if t in self._set:
            return t, 1.0
        words = t.split()
        if not words or not self._tokens:
            return "", 0.0
        best_i, best = -1, 0.0
        for i, cand in enumerate(self._tokens):
            if abs(len(cand) - len(words)) > max(len(cand), len(words)) * (1 - self.min_similarity) + 1:
                continue
            sim = float(Levenshtein.normalized_similarity(words, cand))
            if sim > best:
                best_i, best = i, sim
        return (self.sentences[best_i], best) if best_i >= 0 else ("", 0.0)

    def snap(self, text: str) -> tuple[str, float, bool]:
        """(text to pass on, similarity, in_grammar): snapped when similar enough, else unchanged."""
        best, sim = self.match(text)
        if sim >= 1.0:
            return best, 1.0, True
        if sim >= self.min_similarity:
            return best, sim, True
        return normalize(text), sim, False


# ----------------------------------------------------------------------------- core commands

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0..100 as spoken ("twenty one"), the form the ASR outputs and the NLU reads."""
    if n == 100:
        return "one hundred"
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")


def core_sentences(home: Home) -> list[str]:
    """The plain, canonical commands for every entity and area of the home.

    The NLU's generated sentences sample many phrasings but may miss the simplest ones ("turn off
    the coffee maker", "lock the front door" were absent from 2,000 generated sentences); a
    whole-sentence grammar cannot recognise what it does not list, so these are always added.
    """
    out: list[str] = []
    on_off = {"light", "switch", "fan", "media_player", "climate"}
    for e in home.entities:
        d = e.domain
        for name in (n.lower() for n in e.names):
            the = f"the {name}"
            if d in on_off:
                out += [f"turn on {the}", f"turn off {the}", f"switch on {the}", f"switch off {the}",
                        f"turn {the} on", f"turn {the} off"]
            if d == "lock":
                out += [f"lock {the}", f"unlock {the}", f"is {the} locked"]
            if d in ("cover", "valve"):
                out += [f"open {the}", f"close {the}", f"is {the} open"]
            if d in ("scene", "script"):
                out += [f"activate {name}", f"turn on {name}", f"run {name}" if d == "script" else f"start {name}"]
            if d == "light" and "brightness" in e.features:
                out += [f"dim {the}", f"brighten {the}"]
                out += [f"set {the} to {number_words(v)} percent" for v in range(10, 101, 10)]
            if d == "climate":
                out += [f"set {the} to {number_words(v)} degrees" for v in range(16, 27)]
            if d == "media_player":
                out += [f"pause {the}", f"resume {the}", f"next track on {the}", f"mute {the}"]
            if d == "vacuum":
                out += [f"start {the}", f"send {the} home", f"stop {the}"]
            if d == "sensor" and e.device_class in ("temperature", "humidity"):
                out += [f"what is {the}"]
            if d == "binary_sensor":
                out += [f"is {the} on"]
            if d == "todo":
                out += [f"add {item} to {the}" for item in ("milk", "bread", "eggs", "coffee")]
            if d == "weather":
                out += [f"what is {the}", f"what is the {name} for today"]
    for a in home.areas:
        for name in (n.lower() for n in a.names):
            out += [f"turn on the lights in the {name}", f"turn off the lights in the {name}",
                    f"turn on the {name} lights", f"turn off the {name} lights",
                    f"what is the temperature in the {name}"]
    out += ["turn on the lights", "turn off the lights", "turn off all the lights", "what time is it",
            "what is the date today", "what is the weather like", "never mind", "cancel", "yes", "no",
            "cancel the timer", "how much time is left on the timer"]
    out += [f"set a timer for {number_words(m)} minutes" for m in (2, 3, 4, 5, 10, 15, 20, 30)]
    out += ["set a timer for one minute"]
    return unique_sentences(out)


def home_sentences(home: Home, generated: Sequence[str]) -> list[str]:
    """The ASR grammar's sentences: the canonical commands first, then the NLU's generated ones."""
    return unique_sentences([*core_sentences(home), *generated])


def home_names(home: Home) -> list[str]:
    """The home's areas, then its entities and floors (aliases after them), as written: what
    biases an open-vocabulary decoder (Whisper's prompt)."""
    first = [a.name for a in home.areas] + [e.name for e in home.entities] + [f.name for f in home.floors]
    aliases = [n for e in home.entities for n in e.names] + [n for a in home.areas for n in a.names] \
        + [n for f in home.floors for n in f.names]
    return list(dict.fromkeys(n for n in first + aliases if n.strip()))
