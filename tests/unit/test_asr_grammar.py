"""Sentences → grammars, and the check of a result against the allowed sentences."""

from __future__ import annotations

import pytest

from voiced.asr.grammar import (
    SentenceMatcher,
    filter_known,
    jsgf,
    normalize,
    unique_sentences,
    vocabulary,
    vosk_phrases,
    word_graph,
)


def test_normalize() -> None:
    assert normalize("  Turn ON the Kids-Room light, please! ") == "turn on the kids room light please"
    assert normalize("the children's room") == "the children's room"


def test_unique_and_vocabulary() -> None:
    s = unique_sentences(["Turn on the lamp", "turn on the lamp", "", "lock the door"])
    assert s == ["turn on the lamp", "lock the door"]
    assert vocabulary(s) == {"turn", "on", "the", "lamp", "lock", "door"}


def test_filter_known_drops_oov_sentences() -> None:
    known = {"turn", "on", "the", "lamp", "roomba", "start"}.__contains__
    b = filter_known(["turn on the lamp", "start the roomba", "start the zzyzx", "turn on the qqq lamp"], known)
    assert b.sentences == ("turn on the lamp", "start the roomba")
    assert b.dropped == ("start the zzyzx", "turn on the qqq lamp")
    assert b.oov == ("qqq", "zzyzx")


def test_jsgf_lists_whole_sentences() -> None:
    g = jsgf(["turn on the lamp", "what's the time"])
    assert g.startswith("#JSGF V1.0;\ngrammar commands;\npublic <commands> = (")
    assert "turn on the lamp\n  | what's the time" in g
    with pytest.raises(ValueError):
        jsgf([])


def test_vosk_phrases_add_the_model_unknown_token() -> None:
    assert vosk_phrases(["a b"], "<UNK>") == ["a b", "<UNK>"]
    assert vosk_phrases(["a b"], None) == ["a b"]


def test_matcher_exact_snap_and_reject() -> None:
    m = SentenceMatcher(["turn on the kitchen light", "turn off the kitchen light", "lock the front door"])
    assert m.snap("Turn on the kitchen light") == ("turn on the kitchen light", 1.0, True)
    text, sim, ok = m.snap("lock the front store")  # one word wrong of four
    assert (text, ok) == ("lock the front door", True) and sim == pytest.approx(0.75)
    text, sim, ok = m.snap("what is the weather like")  # unrelated: passed on unchanged, flagged
    assert (text, ok) == ("what is the weather like", False) and sim < 0.5
    assert m.match("") == ("", 0.0)


def test_word_graph_accepts_exactly_the_sentences() -> None:
    sents = ["turn on the lamp", "turn on the lamp please", "turn off the lamp", "lock the door",
             "lock the back door", "what time is it"]
    g = word_graph(sents)
    assert all(g.accepts(s) for s in sents)
    for other in ["turn on the", "turn off the lamp please", "lock door", "what time is", "lamp"]:
        assert not g.accepts(other)
    # shared prefixes and suffixes: far fewer arcs than words
    assert len(g.transitions) < sum(len(s.split()) for s in sents)
    # every sentence equally likely: the product of arc probabilities along its path is 1/N
    probs = {}
    for a, b, p, w in g.transitions:
        probs.setdefault((a, w), []).append((b, p))

    def prob(sentence: str) -> float:
        states = {g.start: 1.0}
        for word in sentence.split():
            nxt: dict[int, float] = {}
            for st, sp in states.items():
                for b, p in probs.get((st, word), []):
                    nxt[b] = nxt.get(b, 0.0) + sp * p
            states = nxt
        return states.get(g.final, 0.0)

    for s in sents:
        assert prob(s) == pytest.approx(1 / len(sents))
    assert all(w for *_x, w in g.transitions)  # no ε-arcs (PocketSphinx would not close them)


def test_core_sentences_cover_every_entity_and_area() -> None:
    from voiced.asr.grammar import core_sentences, home_sentences, number_words
    from voiced.config import DEFAULT_DEVICES
    from voiced.home import load_home

    assert [number_words(n) for n in (0, 7, 20, 21, 55, 100)] == ["zero", "seven", "twenty", "twenty one",
                                                                  "fifty five", "one hundred"]
    home = load_home(DEFAULT_DEVICES)
    core = core_sentences(home)
    for s in ("turn off the coffee maker", "lock the front door", "open the garage door",
              "set the bedroom lamp to fifty percent", "turn on the lights in the kitchen",
              "set the thermostat to twenty one degrees", "what time is it"):
        assert s in core
    words = vocabulary(core)
    for e in home.entities:
        assert set(e.name.lower().split()) <= words, e.id
    merged = home_sentences(home, ["Turn off the coffee maker", "could you dim the desk lamp"])
    assert merged[: len(core)] == core and merged[-1] == "could you dim the desk lamp"
    assert len(merged) == len(core) + 1  # duplicates removed after normalisation
