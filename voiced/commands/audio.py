"""`voiced listen FILE.wav`: one utterance from a WAV → transcript + parse (+ --act: MQTT commands).

Runs the same front end as the daemon (WAV source → [wake word] → VAD → ASR restricted to the
home's command sentences) so a WAV that works here works live.  Prints one JSON object:
``{"transcript": {...}, <the voiced parse fields>, "engine", "timings_ms": {...}}`` and, with
``--act``, ``"outcome"`` and the ``"commands"`` published.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from voiced.asr.select import choose_engine, make_recognizer
from voiced.audio.frontend import TRANSCRIPT, VoiceEvent, VoiceFrontend
from voiced.audio.sources import WavSource, read_wav
from voiced.audio.wake import WakeWord
from voiced.config import Settings, load_settings
from voiced.errors import AudioError, MqttError, VoicedError
from voiced.home import load_home
from voiced.listener import asr_sentences
from voiced.nlu.parser import Parser

log = logging.getLogger(__name__)


def _publish(settings: Settings, url: str, commands: list[Any]) -> list[dict[str, Any]]:
    from voiced.mqtt.client import MqttClient

    client = MqttClient(settings.mqtt, url, queue.Queue(), client_id=f"voiced-listen-{settings.site}")
    try:
        if not client.connect(timeout=5.0):
            raise MqttError(f"broker {url} not reachable")
        sent = []
        for c in commands:
            ok = client.publish(c.topic, c.payload, qos=c.qos, retain=c.retain, entity_id=c.entity_id, command=True)
            sent.append({"topic": c.topic, "payload": c.payload, "entity_id": c.entity_id, "sent": ok})
        return sent
    finally:
        client.close(publish_offline=False)


def cmd_listen(args: argparse.Namespace) -> int:
    t_start = time.perf_counter()
    settings = load_settings(getattr(args, "config", None))
    devices = Path(args.devices) if getattr(args, "devices", None) else Path(settings.devices)
    home = load_home(devices)
    if not Path(args.wav).exists():
        print(f"voiced listen: {args.wav}: no such file", file=sys.stderr)
        return 2
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sentences = asr_sentences(home)
    engine = getattr(args, "engine", None) or settings.asr.engine
    choice = choose_engine(settings.asr, engine=engine)
    recognizer = make_recognizer(settings.asr, sentences, engine=engine)
    timings["asr_load"] = round((time.perf_counter() - t0) * 1000, 1)
    wake = WakeWord(settings.wake) if args.wake else None
    if wake is not None:
        wake.prime(read_wav(args.wav))  # a cold decoder's cepstral mean is off (see WakeWord.prime)
    vad = replace(settings.vad, no_speech_timeout=0.0)  # a file: wait for speech until it ends
    source = WavSource(args.wav, settings.audio.block_ms, tail_silence_ms=settings.vad.trailing_silence_ms + 300)
    fe = VoiceFrontend(source, recognizer, vad, wake=wake, use_wake=bool(args.wake), area=settings.area)
    heard: VoiceEvent | None = None
    woke = False
    try:
        for ev in fe.events():
            woke = woke or ev.kind == "wake"
            if ev.kind == TRANSCRIPT:
                heard = ev
                break
    except AudioError as exc:
        print(f"voiced listen: {exc}", file=sys.stderr)
        return 2
    if heard is None or heard.transcript is None:
        why = "the wake word was not heard" if args.wake and not woke else "no speech found"
        print(json.dumps({"error": why, "engine": choice.engine}), flush=True)
        return 1
    timings.update(heard.timings_ms)
    t0 = time.perf_counter()
    parser = Parser.load(Path(args.model) if getattr(args, "model", None) else None, home,
                         threshold=settings.nlu.confidence_threshold,
                         act=settings.nlu.act_threshold)
    timings["nlu_load"] = round((time.perf_counter() - t0) * 1000, 1)
    t0 = time.perf_counter()
    parse = parser.parse(heard.transcript.text, settings.area)
    timings["nlu"] = round((time.perf_counter() - t0) * 1000, 2)
    out: dict[str, Any] = {"transcript": heard.transcript.to_json(), **parse.to_json(),
                           "engine": choice.engine, "engine_reason": choice.reason}
    if args.act:
        from voiced.act.actions import plan
        from voiced.home.state import StateStore

        t0 = time.perf_counter()
        outcome = plan(parse, home, StateStore(home), site=settings.site)
        timings["act"] = round((time.perf_counter() - t0) * 1000, 2)
        url = getattr(args, "broker", None) or settings.mqtt.url or "mqtt://127.0.0.1:1883"
        out["outcome"] = outcome.status
        try:
            t0 = time.perf_counter()
            out["commands"] = _publish(settings, url, list(outcome.commands))
            timings["mqtt"] = round((time.perf_counter() - t0) * 1000, 2)
        except VoicedError as exc:
            out["error"] = f"mqtt: {exc}"
            timings["total"] = round((time.perf_counter() - t_start) * 1000, 1)
            out["timings_ms"] = timings
            print(json.dumps(out, ensure_ascii=False), flush=True)
            return 1
    timings["total"] = round((time.perf_counter() - t_start) * 1000, 1)
    out["timings_ms"] = timings
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0
