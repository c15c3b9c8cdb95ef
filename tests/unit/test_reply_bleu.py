"""The benchmark's BLEU: known values on tiny corpora."""

from __future__ import annotations

import math

import pytest

from voiced.reply.bleu import corpus_bleu, tokens


def test_tokens() -> None:
    assert tokens("It's 21.5 degrees, at 14:05.") == ["it's", "21.5", "degrees", ",", "at", "14:05", "."]


def test_identical_is_one_and_disjoint_is_zero() -> None:
    hyp = ["the front door is locked ."]
    assert corpus_bleu(hyp, [["The front door is locked."]]) == pytest.approx(1.0)
    assert corpus_bleu(hyp, [["nothing in common here at all"]]) == 0.0


def test_partial_match_and_brevity_penalty() -> None:
    # 6 hypothesis tokens, reference 7: unigrams 6/6, bigrams 3/5, trigrams 2/4, 4-grams 1/3
    hyp = ["the front door is now locked"]
    ref = [["the front door is locked now ."]]
    expected = math.exp(1 - 7 / 6) * math.exp((math.log(6 / 6) + math.log(3 / 5) + math.log(2 / 4)
                                                 + math.log(1 / 3)) / 4)
    assert corpus_bleu(hyp, ref) == pytest.approx(expected)


def test_best_of_several_references() -> None:
    hyp = ["okay , the timer is cancelled ."]
    assert corpus_bleu(hyp, [["Cancelled your timer.", "Okay, the timer is cancelled."]]) == pytest.approx(1.0)
