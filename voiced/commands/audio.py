"""`voiced listen FILE.wav [FILE.wav ...]`: one utterance per WAV → transcript + parse (+ --act:
MQTT commands).

Runs the same front end as the daemon (WAV source → [wake word] → VAD → the chosen engine →
the NLU → the doubt gate of voiced.pipeline.understand) so a WAV that works here works live.  The
engine and the parser are loaded once for all files.  Prints one JSON object per file, in order:
``{"transcript": {...}, <the voiced parse fields>, "engine", "asr_evidence", "hearing",
"timings_ms": {...}}`` (with several files, ``"file"`` first) and, with ``--act``, the daemon's
pipeline itself: ``"outcome"``, the ``"commands"`` published and the ``"reply"`` — commands only for
a reading voiced would act on without asking.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import queue
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from voiced.asr.select import EngineChoice, choose_engine, make_recognizer
from voiced.audio.frontend import TRANSCRIPT, VoiceEvent, VoiceFrontend
from voiced.audio.sources import WavSource, read_wav
from voiced.audio.wake import WakeWord
from voiced.config import Settings, load_settings
from voiced.errors import AudioError, MqttError, VoicedError
from voiced.home import Home, load_home
from voiced.listener import asr_prompt, asr_sentences
from voiced.nlu.parser import Parser
from voiced.pipeline import understand

log = logging.getLogger(__name__)


def _act(settings: Settings, url: str, home: Home, parser: Parser, transcript: Any,
         timings: dict[str, float]) -> dict[str, Any]:
    """The daemon's own way through the house for one heard utterance (voiced.pipeline.Pipeline, no
    dialogue: nobody can be asked "are you sure?" here, so a reading to confirm is not acted on):
    transcript, intent, commands, reply and metrics are published as the daemon publishes them."""
    from voiced.act.actions import plan
    from voiced.home.state import StateStore
    from voiced.mqtt.client import MqttClient
    from voiced.pipeline import Pipeline
    from voiced.reply.generate import ReplyGenerator

    sent: list[dict[str, Any]] = []

    class _Recorder:
        """The client, noting each device command it publishes (for the JSON line)."""

        def publish(self, topic: str, payload: str | bytes, qos: int = 0, retain: bool = False, *,
                    entity_id: str = "", command: bool = False) -> bool:
            ok = client.publish(topic, payload, qos=qos, retain=retain, entity_id=entity_id, command=command)
            if command:
                sent.append({"topic": topic, "payload": payload if isinstance(payload, str) else payload.decode(),
                             "entity_id": entity_id, "sent": ok})
            return ok

    client = MqttClient(settings.mqtt, url, queue.Queue(), client_id=f"voiced-listen-{settings.site}")
    try:
        if not client.connect(timeout=5.0):
            raise MqttError(f"broker {url} not reachable")
        pipeline = Pipeline(site=settings.site, nlu=parser, planner=plan,
                            replier=ReplyGenerator.load(None, use_model=False), publisher=_Recorder(),
                            home=lambda: home, states=StateStore(home), hermes=settings.hermes.enabled,
                            hearing=(settings.asr.reject_below, settings.asr.confirm_below))
        reply = pipeline.handle_transcript(transcript, timings)
        outcome = pipeline.last.get("outcome")
        return {"outcome": outcome.status if outcome is not None else "not_acted", "commands": sent,
                "reply": reply.text}
    finally:
        client.close(publish_offline=False)


def cmd_listen(args: argparse.Namespace) -> int:
    """Every file in turn through one front end, one engine and one parser (loaded once): one JSON
    line per file, in order.  Exit 2 when a file is missing or unreadable, else 1 when one had no
    speech (or no wake word, or the broker failed), else 0."""
    t_start = time.perf_counter()
    wavs: list[str] = list(args.wav) if isinstance(args.wav, list) else [args.wav]
    settings = load_settings(getattr(args, "config", None))
    devices = Path(args.devices) if getattr(args, "devices", None) else Path(settings.devices)
    home = load_home(devices)
    if len(wavs) == 1 and not Path(wavs[0]).exists():
        print(f"voiced listen: {wavs[0]}: no such file", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    engine = getattr(args, "engine", None) or settings.asr.engine
    choice = choose_engine(settings.asr, engine=engine)
    recognizer = make_recognizer(settings.asr, asr_sentences(home), engine=engine, prompt=asr_prompt(home))
    load = {"asr_load": round((time.perf_counter() - t0) * 1000, 1)}
    t0 = time.perf_counter()
    parser = Parser.load(Path(args.model) if getattr(args, "model", None) else None, home,
                         threshold=settings.nlu.confidence_threshold,
                         act=settings.nlu.act_threshold)
    load["nlu_load"] = round((time.perf_counter() - t0) * 1000, 1)
    rc = 0
    for i, wav in enumerate(wavs):
        t_file = time.perf_counter() if i else t_start
        out, code = _listen_one(args, settings, home, recognizer, parser, choice, wav)
        if i == 0:
            out["timings_ms"] = {**load, **out.get("timings_ms", {})}
        out.setdefault("timings_ms", {})["total"] = round((time.perf_counter() - t_file) * 1000, 1)
        if len(wavs) > 1:
            out = {"file": wav, **out}
        print(json.dumps(out, ensure_ascii=False), flush=True)
        rc = max(rc, code)
    return rc


def _listen_one(args: argparse.Namespace, settings: Settings, home: Home, recognizer: Any, parser: Parser,
                choice: EngineChoice, wav: str) -> tuple[dict[str, Any], int]:
    """One file → (its JSON object, its exit code)."""
    base: dict[str, Any] = {"engine": choice.engine}
    if not Path(wav).exists():
        print(f"voiced listen: {wav}: no such file", file=sys.stderr)
        return {"error": "no such file", **base}, 2
    timings: dict[str, float] = {}
    wake = WakeWord(settings.wake) if args.wake else None
    vad = replace(settings.vad, no_speech_timeout=0.0)  # a file: wait for speech until it ends
    heard: VoiceEvent | None = None
    woke = False
    try:
        if wake is not None:
            wake.prime(read_wav(wav))  # a cold decoder's cepstral mean is off (see WakeWord.prime)
        source = WavSource(wav, settings.audio.block_ms, tail_silence_ms=settings.vad.trailing_silence_ms + 300)
        fe = VoiceFrontend(source, recognizer, vad, wake=wake, use_wake=bool(args.wake), area=settings.area)
        for ev in fe.events():
            woke = woke or ev.kind == "wake"
            if ev.kind == TRANSCRIPT:
                heard = ev
                break
            if ev.kind == "error":
                return {"error": f"asr: {ev.text}", **base}, 1
    except AudioError as exc:
        print(f"voiced listen: {exc}", file=sys.stderr)
        return {"error": str(exc), **base}, 2
    finally:
        with contextlib.suppress(Exception):
            recognizer.finish()  # a file cut short mid-utterance leaves nothing behind for the next
    if heard is None or heard.transcript is None:
        why = "the wake word was not heard" if args.wake and not woke else "no speech found"
        return {"error": why, **base}, 1
    tr = heard.transcript
    timings.update(heard.timings_ms)
    t0 = time.perf_counter()
    parse = understand(lambda heard: parser.parse(heard, settings.area), tr, settings.asr.reject_below,
                       settings.asr.confirm_below)
    timings["nlu"] = round((time.perf_counter() - t0) * 1000, 2)
    out: dict[str, Any] = {"transcript": tr.to_json(), **parse.to_json(), "engine": choice.engine,
                           "engine_reason": choice.reason}
    if tr.evidence:
        out["asr_evidence"] = dict(tr.evidence)
    if "hearing" in parse.extra:
        out["hearing"] = {"level": parse.extra["hearing"], "reason": parse.extra.get("hearing_reason", "")}
    code = 0
    if args.act:
        url = getattr(args, "broker", None) or settings.mqtt.url or "mqtt://127.0.0.1:1883"
        t0 = time.perf_counter()
        try:
            out.update(_act(settings, url, home, parser, tr, {}))
        except VoicedError as exc:
            out["error"] = f"mqtt: {exc}"
            code = 1
        timings["act"] = round((time.perf_counter() - t0) * 1000, 2)
    out["timings_ms"] = timings
    return out, code
