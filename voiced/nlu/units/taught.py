"""A verb the templates never taught for the intent: "paint the front door" read as *lock it*.

The model reads an imperative with one of the home's names as a command whatever its verb ("move
the desk lamp" → turn on, "dust the ceiling fan" → turn off, "sell the tv" → resume): it learnt
that a name after a verb is a command, and the verb is one it never saw for any.  When none of the
words said around the names and values is a word the intent's templates use (courtesy, fillers, articles and
numbers aside), the reading is marked ``untaught`` and decide.py asks before doing it.  A sentence
of names alone ("the desk lamp please") says no verb: not this unit's to judge.
"""

from __future__ import annotations

from voiced.intents import DOMAIN_ACTIONS, INTENTS
from voiced.nlu.evidence import TARGETED
from voiced.nlu.generate import Templates, load_templates, macro_words, template_words
from voiced.nlu.numbers import NUMBER_WORDS
from voiced.nlu.units.reading import Reading

_SWITCHING = frozenset(DOMAIN_ACTIONS)  # on, off, toggle: one family
# words that say nothing of what to do
_FUNCTION = frozenset({
    "the", "a", "an", "my", "our", "your", "this", "that", "these", "those", "all", "every", "some", "any",
    "of", "in", "on", "at", "to", "for", "with", "it", "them", "me", "us", "here", "there", "now", "thanks",
    "thank", "and", "percent", "degrees", "degree", "celsius", "fahrenheit"})


def _families(tpl: Templates) -> dict[str, frozenset[str]]:
    """The taught words of each device command, pooled over the intents of one topic (switching,
    lights, climate, media, …): which way a command goes is for other units (polarity, locks)."""
    vocab = template_words(tpl)
    topic = {n: s.topic or ("switch" if n in _SWITCHING else n) for n, s in INTENTS.items()
             if n in TARGETED and not s.read_only}
    pooled: dict[str, set[str]] = {}
    for name, t in topic.items():
        pooled.setdefault(t, set()).update(vocab.get(name, ()))
    return {name: frozenset(pooled[t]) for name, t in topic.items()}


class UntaughtVerb:
    """Marks a device command whose words (outside names and places) are none the intent was
    taught with (``extra["untaught"]``: the words said)."""

    name = "untaught_verb"

    def __init__(self, tpl: Templates | None = None) -> None:
        tpl = tpl or load_templates()
        self.taught = _families(tpl)
        fillers = {w for f in tpl.prefix + tpl.suffix for w in f.lower().split()}
        self.silent = _FUNCTION | NUMBER_WORDS | macro_words(tpl, "pls") | fillers

    def __call__(self, r: Reading) -> None:
        taught = self.taught.get(r.intent or "")
        if taught is None:
            return
        spans = r.spans  # names, places and values alike: what the verb is said of
        said = [t.text for t in r.toks if not any(sp.start <= t.start < sp.end for sp in spans)
                and t.text not in self.silent and not any(c.isdigit() for c in t.text)]
        if said and not any(w in taught for w in said):
            r.extra["untaught"] = said
