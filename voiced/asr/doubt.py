"""Was it heard well enough to act on?  A pure function of a transcript's evidence.

The engine and the VAD leave their evidence in ``Transcript.evidence``: Whisper's
``no_speech_prob`` and ``avg_logprob`` (its ``confidence`` is ``exp(avg_logprob) × (1 −
no_speech_prob)``, surer when the beam's hypotheses agree on the words: voiced/asr/whisper.py),
the VAD's ``speech_ratio`` (the share of the utterance's frames that were speech).  Typed text
and engines that leave no evidence (Vosk, PocketSphinx: their grammar already forced a command,
and their scores are not on this scale) are ``sure``.

- ``unheard``: below ``asr.reject_below``, or Whisper's own "this was no speech" (no-speech
  probability over 0.6 with a low log-probability), or under a fifth of the frames were speech
  (eSpeak commands measured 0.37–0.87; a one-word command has the lowest): nothing happens,
  whatever the words;
- ``doubtful``: below ``asr.confirm_below``: a command is confirmed before it is carried out;
- ``sure`` otherwise.

The wiring (voiced/pipeline.py) applies it to the NLU's decision: act → confirm when doubtful,
anything → reject when unheard.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiced.events import Transcript

SURE, DOUBTFUL, UNHEARD = "sure", "doubtful", "unheard"
ENGINE_KEYS = ("no_speech_prob", "avg_logprob")
MIN_SPEECH_RATIO = 0.2  # under it: not speech (a door, music, a cough)


@dataclass(frozen=True)
class Hearing:
    level: str  # sure | doubtful | unheard
    reason: str  # what decided it, for the log and `voiced listen`
    confidence: float  # the hearing confidence compared with the thresholds (1.0 without evidence)


def assess(transcript: Transcript, reject_below: float, confirm_below: float) -> Hearing:
    ev = transcript.evidence
    if not transcript.text.strip():
        return Hearing(UNHEARD, "no words", 0.0)
    ratio = ev.get("speech_ratio")
    if ratio is not None and ratio < MIN_SPEECH_RATIO:
        return Hearing(UNHEARD, f"speech in {ratio:.0%} of the audio", transcript.confidence)
    if not any(k in ev for k in ENGINE_KEYS):
        return Hearing(SURE, "no engine evidence", 1.0)
    conf = transcript.confidence
    no_speech = ev.get("no_speech_prob", 0.0)
    logprob = ev.get("avg_logprob", 0.0)
    if no_speech > 0.6 and logprob < -0.7:
        return Hearing(UNHEARD, f"no-speech probability {no_speech:.2f}", conf)
    if conf < reject_below:
        return Hearing(UNHEARD, f"hearing confidence {conf:.2f} < {reject_below}", conf)
    if conf < confirm_below:
        return Hearing(DOUBTFUL, f"hearing confidence {conf:.2f} < {confirm_below}", conf)
    return Hearing(SURE, f"hearing confidence {conf:.2f}", conf)
