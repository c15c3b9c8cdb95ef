"""PocketSphinx engine: the en-US acoustic model and dictionary shipped in the PyPI package.

It is what runs when no English Vosk model is installed, so a fresh install works offline at once.
Recognition is restricted to the home's *whole* command sentences (a compositional grammar or an n-gram LM was
much worse on these machines), compiled into a minimal word automaton (``grammar.word_graph``)
rather than a flat JSGF list: same language, a fraction of the search (RTF 0.7 → 0.15 for 2,000
sentences on a busy 2-core machine).  There is no
grapheme-to-phoneme step: a sentence with a word missing from the CMU dictionary is dropped from
the grammar (and logged); add the word's pronunciation with ``extra_words`` to keep it.

Live cepstral mean normalisation carries over between utterances and lowers accuracy when
conditions change, so ``transcribe`` uses whole-utterance CMN (``full_utt``) and streaming resets
the CMN to its initial value at every ``start()``.
"""

from __future__ import annotations

import logging
import math
import os
import time
from typing import Any

from voiced.asr.base import check_rate
from voiced.asr.grammar import GrammarBuild, SentenceMatcher, WordGraph, filter_known, normalize, word_graph
from voiced.errors import SpeechToTextError
from voiced.events import SAMPLE_RATE, Transcript, Utterance

log = logging.getLogger(__name__)


def _model_dir() -> str:
    try:
        import pocketsphinx
    except ImportError as exc:
        raise SpeechToTextError(f"PocketSphinx is not installed ({exc}): pip install pocketsphinx") from exc
    return str(pocketsphinx.get_model_path())


# Search beams.  Narrower than PocketSphinx's defaults (1e-48) would be faster, but on the home's
# ~2,600-sentence automaton the defaults pruned the right sentence early and a rare branch won
# ("turn the bedroom lamp on" → "dim the bedroom lamp"): exact sentences on 60 eSpeak commands went
# 52 → 57/60 with 1e-56 (1e-64: 57/60 at three times the cost).
BEAMS: dict[str, float] = {"beam": 1e-56, "wbeam": 1e-40, "pbeam": 1e-56}
# When the search still reaches no final state (no hypothesis at all), the utterance is decoded
# again with much wider beams: that recovered the measured cases; the others never take this path.
FALLBACK_BEAMS: dict[str, float] = {"beam": 1e-80, "wbeam": 1e-60, "pbeam": 1e-80}
PARTIAL_EVERY = SAMPLE_RATE * 3 // 10  # samples between two partial hypotheses when streaming


class PocketSphinxRecognizer:
    """PocketSphinx restricted to a list of whole sentences (or free decoding with its en-US LM)."""

    name = "pocketsphinx"

    def __init__(self, sentences: list[str] | None = None, open_vocabulary: bool = False,
                 hmm: str | None = None, dictionary: str | None = None,
                 extra_words: dict[str, str] | None = None, carry_cmn: bool = True) -> None:

        base = _model_dir()
        self.hmm = hmm or os.path.join(base, "en-us", "en-us")
        self.dictionary = dictionary or os.path.join(base, "en-us", "cmudict-en-us.dict")
        for path in (self.hmm, self.dictionary):
            if not os.path.exists(path):
                raise SpeechToTextError(f"PocketSphinx model file missing: {path}")
        self.open_vocabulary = open_vocabulary
        t0 = time.perf_counter()
        kwargs: dict[str, Any] = {"hmm": self.hmm, "dict": self.dictionary, "samprate": SAMPLE_RATE,
                                  "loglevel": "FATAL", **BEAMS}
        if open_vocabulary:
            kwargs["lm"] = os.path.join(base, "en-us", "en-us.lm.bin")
        else:
            kwargs["lm"] = None
        self._kwargs = kwargs
        self._extra_words = dict(extra_words or {})
        self._dec: Any = self._new_decoder(kwargs)
        self._wide: Any = None  # fallback decoder with wider beams, built on first need
        self._cmn0 = self._dec.get_cmn()
        self._cmn_last = ""
        self.carry_cmn = carry_cmn
        self._partial = ""
        self.setup_seconds = time.perf_counter() - t0
        self.build: GrammarBuild | None = None
        self.graph: WordGraph | None = None
        self.matcher: SentenceMatcher | None = None
        self._in_utt = False
        self._samples = 0
        self._stream_audio = bytearray()
        self._search = ""
        self._generation = 0
        if sentences is not None and not open_vocabulary:
            self.set_sentences(sentences)

    def _new_decoder(self, kwargs: dict[str, Any]) -> Any:
        import pocketsphinx

        try:
            dec = pocketsphinx.Decoder(**kwargs)
        except (RuntimeError, ValueError) as exc:
            raise SpeechToTextError(f"PocketSphinx failed to load {self.hmm}: {exc}") from exc
        for word, phones in self._extra_words.items():
            dec.add_word(word.lower(), phones, False)
        return dec

    def _load_graph(self, dec: Any, name: str, graph: WordGraph) -> None:
        try:
            fsg = dec.create_fsg(name, graph.start, graph.final, list(graph.transitions))
            dec.add_fsg(name, fsg)
            dec.activate_search(name)
        except (RuntimeError, ValueError) as exc:
            raise SpeechToTextError(f"PocketSphinx rejected the command grammar: {exc}") from exc

    def _fallback(self, audio: bytes) -> Any:
        """Decode again with wider beams (only for utterances that gave no hypothesis)."""
        if self.graph is None or self.open_vocabulary:
            return None
        if self._wide is None:
            self._wide = self._new_decoder({**self._kwargs, **FALLBACK_BEAMS})
            self._load_graph(self._wide, self._search, self.graph)
        self._wide.start_utt()
        self._wide.process_raw(audio, False, True)
        self._wide.end_utt()
        return self._wide.hyp()

    def known(self, word: str) -> bool:
        return self._dec.lookup_word(word) is not None

    def set_sentences(self, sentences: list[str]) -> None:
        if self.open_vocabulary:
            self.matcher = SentenceMatcher(sentences)
            return
        build = filter_known(sentences, self.known)
        if not build.sentences:
            raise SpeechToTextError("no command sentence can be spoken with the PocketSphinx dictionary"
                                    + (f" (unknown words: {', '.join(build.oov[:10])})" if build.oov else ""))
        if build.dropped:
            log.warning("pocketsphinx: %d of %d sentences dropped, words not in the dictionary: %s",
                        len(build.dropped), len(build.dropped) + len(build.sentences), ", ".join(build.oov[:20]))
        self._generation += 1
        name = f"commands{self._generation}"
        graph = word_graph(build.sentences)
        self._load_graph(self._dec, name, graph)
        self._wide = None  # rebuilt with the new grammar when needed
        if self._search:
            try:
                self._dec.remove_search(self._search)
            except (RuntimeError, KeyError) as exc:
                log.debug("removing old grammar: %s", exc)
        self._search = name
        self.build = build
        self.graph = graph
        self.matcher = SentenceMatcher(build.sentences)
        log.info("pocketsphinx: grammar of %d sentences, %d words", len(build.sentences),
                 len({w for s in build.sentences for w in s.split()}))

    # ------------------------------------------------------------------ streaming
    def start(self) -> None:
        if self._in_utt:
            self._dec.end_utt()
        # the cepstral mean of the previous utterance when carrying over (a live microphone in one
        # room), else the built-in start value (tests that alternate conditions, field notes)
        self._dec.set_cmn(self._cmn_last if self.carry_cmn and self._cmn_last else self._cmn0)
        self._dec.start_utt()
        self._in_utt = True
        self._samples = 0
        self._stream_audio = bytearray()
        self._partial = ""

    def accept(self, audio: bytes) -> str:
        if not self._in_utt:
            self.start()
        self._dec.process_raw(audio, False, False)
        before = self._samples
        self._samples += len(audio) // 2
        self._stream_audio.extend(audio)
        if before // PARTIAL_EVERY != self._samples // PARTIAL_EVERY:  # a backtrace costs: not every chunk
            hyp = self._dec.hyp()
            self._partial = normalize(hyp.hypstr) if hyp is not None else ""
        return self._partial

    def finish(self) -> Transcript:
        if not self._in_utt:
            return Transcript("", 0.0, 0.0)
        self._dec.end_utt()
        self._in_utt = False
        self._cmn_last = self._dec.get_cmn()
        return self._result(self._samples / SAMPLE_RATE, bytes(self._stream_audio))

    def transcribe(self, utterance: Utterance) -> Transcript:
        check_rate(utterance.rate)
        seconds = len(utterance.audio) / 2 / SAMPLE_RATE
        if len(utterance.audio) < 2 * SAMPLE_RATE // 10:  # under 100 ms: nothing to decode
            return Transcript("", 0.0, seconds)
        if self._in_utt:
            self._dec.end_utt()
        try:
            self._dec.start_utt()
            self._dec.process_raw(utterance.audio, False, True)  # whole-utterance CMN
            self._dec.end_utt()
            self._cmn_last = self._dec.get_cmn()
        except (RuntimeError, IndexError, ValueError) as exc:
            raise SpeechToTextError(f"PocketSphinx failed on a {seconds:.2f} s utterance: {exc}") from exc
        finally:
            self._in_utt = False
        return self._result(seconds, utterance.audio)

    def _result(self, seconds: float, audio: bytes) -> Transcript:
        hyp = self._dec.hyp()
        if (hyp is None or not hyp.hypstr) and len(audio) >= SAMPLE_RATE // 5:
            hyp = self._fallback(audio)
        text = normalize(hyp.hypstr) if hyp is not None else ""
        if not text:
            return Transcript("", 0.0, seconds)
        conf = 1.0
        try:
            conf = float(self._dec.get_logmath().exp(hyp.prob)) if hyp.prob else 1.0
        except (AttributeError, OverflowError):
            conf = 1.0
        if math.isnan(conf):
            conf = 0.0
        if self.matcher is not None:
            # with a grammar, a result that is not a whole sentence means no final state was reached
            # (PocketSphinx then returns the best partial path): snap it if close, else flag it
            snapped, sim, ok = self.matcher.snap(text)
            if ok and not self.open_vocabulary:
                text = snapped
            conf = conf * sim if ok else conf * 0.5 * sim
        return Transcript(text, round(min(1.0, max(0.0, conf)), 4), seconds)
