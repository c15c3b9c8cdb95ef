"""Engine choice: ``asr.engine: auto`` → Vosk when an English Vosk model is configured or installed
under models/asr, else PocketSphinx (ships with its en-US model, so a fresh install works offline).
The reason is logged, so "why is it using PocketSphinx?" has an answer in the journal.
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
    engine: str  # vosk | pocketsphinx
    model_dir: str | None
    reason: str


def choose_engine(settings: AsrSettings, models_dir: str | Path | None = None,
                  engine: str | None = None) -> EngineChoice:
    """Decide which engine (and model) to use, without loading anything."""
    want = engine or settings.engine
    asr_dir = Path(models_dir) if models_dir is not None else DEFAULT_ASR_DIR
    if want == "pocketsphinx":
        return EngineChoice("pocketsphinx", None, "asr.engine is pocketsphinx")
    if settings.vosk_model:
        if want == "vosk":
            check_model_dir(settings.vosk_model)
            return EngineChoice("vosk", settings.vosk_model, f"asr.engine is vosk, model {settings.vosk_model}")
        try:
            check_model_dir(settings.vosk_model)
            return EngineChoice("vosk", settings.vosk_model, f"asr.vosk_model is set ({settings.vosk_model})")
        except SpeechToTextError as exc:
            return EngineChoice("pocketsphinx", None, f"asr.vosk_model is unusable ({exc}); falling back")
    english = [d for d in find_vosk_models(asr_dir) if model_language(d) == "en"]
    if english:
        # prefer the larger model when several are installed (lgraph > small)
        best = sorted(english, key=lambda d: ("small" in d.name, d.name))[0]
        return EngineChoice("vosk", str(best), f"English Vosk model installed at {best}")
    if want == "vosk":
        raise SpeechToTextError(f"asr.engine is vosk but no model is configured (asr.vosk_model) or installed "
                                f"under {asr_dir}: run `voiced model install en-us-small`")
    return EngineChoice("pocketsphinx", None, f"no English Vosk model configured or installed under {asr_dir}")


def make_recognizer(settings: AsrSettings, sentences: list[str] | None, models_dir: str | Path | None = None,
                    engine: str | None = None) -> Recognizer:
    """Build the chosen engine, restricted to ``sentences`` unless ``asr.open_vocabulary``."""
    choice = choose_engine(settings, models_dir, engine)
    log.info("asr: using %s: %s", choice.engine, choice.reason)
    if choice.engine == "vosk":
        from voiced.asr.vosk import VoskRecognizer

        assert choice.model_dir is not None
        return VoskRecognizer(choice.model_dir, sentences, open_vocabulary=settings.open_vocabulary)
    from voiced.asr.pocketsphinx import PocketSphinxRecognizer

    return PocketSphinxRecognizer(sentences, open_vocabulary=settings.open_vocabulary or sentences is None)
