"""The daemon's ears swap a rebuilt ASR grammar in only on the voice thread, between utterances."""

from __future__ import annotations

from voiced.asr.pocketsphinx import PocketSphinxRecognizer
from voiced.listener import _Swappable


def test_grammar_is_swapped_at_the_next_utterance_not_before() -> None:
    rec = _Swappable(PocketSphinxRecognizer(["turn on the hall light"]))
    assert rec.name == "pocketsphinx"  # attributes pass through
    rec.later(["turn on the fairy lights", "turn off the fairy lights"])
    assert list(rec.build.sentences) == ["turn on the hall light"]  # a discovery never changes a live decoder
    rec.start()
    assert sorted(rec.build.sentences) == ["turn off the fairy lights", "turn on the fairy lights"]
    rec.finish()
