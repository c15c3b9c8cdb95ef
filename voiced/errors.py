"""Typed errors: one base with a stable code, one subclass per stage.

The pipeline turns a stage error into an error event and a spoken fallback, so each carries a
short machine-readable ``code`` besides its human message.
"""

from __future__ import annotations


class VoicedError(Exception):
    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigError(VoicedError):
    """A config or devices file is invalid; the message names file, line and field."""

    code = "config"


class AudioError(VoicedError):
    code = "audio"


class WakeError(VoicedError):
    code = "wake"


class SpeechToTextError(VoicedError):
    code = "stt"


class IntentRecognitionError(VoicedError):
    code = "nlu"


class ActionError(VoicedError):
    code = "action"


class DialogueError(VoicedError):
    code = "dialogue"


class MqttError(VoicedError):
    code = "mqtt"


class ReplyError(VoicedError):
    code = "reply"


class TextToSpeechError(VoicedError):
    code = "tts"


class ModelError(VoicedError):
    """A checkpoint is missing, corrupt or of another format version."""

    code = "model"


# the pipeline's stages and the error each one's failures are reported as
STAGE_ERRORS: dict[str, type[VoicedError]] = {
    "stt": SpeechToTextError, "nlu": IntentRecognitionError, "dialogue": DialogueError,
    "action": ActionError, "reply": ReplyError, "tts": TextToSpeechError,
}


def stage_error(stage: str, exc: BaseException) -> VoicedError:
    """``exc`` as a typed error: a VoicedError stays what it is (an MQTT failure while acting is
    ``mqtt``); anything else — a bug, a library's own exception — becomes the stage's error, with
    the original as its cause, so an ErrorEvent always names the stage that failed."""
    if isinstance(exc, VoicedError):
        return exc
    typed = STAGE_ERRORS.get(stage, VoicedError)(str(exc) or type(exc).__name__)
    typed.__cause__ = exc
    return typed
