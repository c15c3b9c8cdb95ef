"""A command wrapped in talk: the clause of a longer sentence that may be re-read on its own.

People put a command inside a sentence: "it's getting chilly out here, can you switch the heater
on", "we're off now, start the leaving routine", "turn off the espresso machine when you get a
chance", "retract the awning, it's about to rain".  The model, trained on commands, reads the whole
as talk.  When it does, the parser re-reads the clause that may carry the command; the clause must
then be understood on its own, surely, for anything to happen (voiced/nlu/parser.py).

Only splits that cannot change what the command means: talk before a request ("…, can you", "…,
please", "…, now"), and after a command a courtesy ("when you get a chance", "if you can") or a
reason ("it's …", "because …").  Never a condition or a time ("when I get home", "after dinner",
"until ten"), which would make a later command happen now, and never inside a question ("how can
you turn on the lights" is no request).  A pure function of the words.
"""

from __future__ import annotations

# a request starts here when talk came before it
_REQUEST_START = {"can", "could", "would", "will", "please", "now", "just"}
_YOU = {"can", "could", "would", "will"}  # … followed by "you"
# after a command: a courtesy (these words, then anything) …
_COURTESY = (("when", "you", "get", "a"), ("when", "you", "have", "a"), ("if", "you", "can"), ("if", "you", "could"),
             ("if", "you", "don't", "mind"), ("if", "you", "would"), ("thanks",), ("thank", "you"))
# … or a reason said as a statement
_REASON_START = {"it's", "its", "because", "since", "we're", "i'm", "i've", "it", "cause"}
_REASON_SECOND = {"it": {"is", "was", "will", "looks", "feels", "gets"}}
# a sentence that asks something is not split
_QUESTION_START = {"how", "why", "what", "when", "where", "who", "which", "whose", "should", "do", "does", "did",
                   "is", "are", "was", "were", "am", "have", "has"}
_MIN_WORDS = 2  # a clause of fewer words is no command
MAX_READS = 2  # clauses re-read at most per sentence (each costs one reading)


def command_clauses(words: list[str]) -> list[tuple[int, int]]:
    """Token ranges [i, j) of ``words`` that may be a command said within talk, best first."""
    if len(words) < _MIN_WORDS + 2 or words[0] in _QUESTION_START:
        return []
    out: list[tuple[int, int]] = []
    for k in range(2, len(words) - _MIN_WORDS + 1):
        w = words[k]
        if w in _REQUEST_START and (w not in _YOU or words[k + 1:k + 2] == ["you"]) \
                and words[k - 1] not in _QUESTION_START and words[k - 1] not in ("i", "you", "we", "they", "to"):
            out.append((k, len(words)))
            break
    for k in range(_MIN_WORDS, len(words) - 1):
        tail = words[k:]
        if any(tuple(tail[:len(c)]) == c for c in _COURTESY) or (
                words[k] in _REASON_START and (words[k] not in _REASON_SECOND
                                               or words[k + 1] in _REASON_SECOND[words[k]])):
            out.append((0, k))
            break
    return out[:MAX_READS]
