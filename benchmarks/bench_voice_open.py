"""Spoken open-world benchmark: people's own requests (SLURP devel texts), spoken by eSpeak NG,
through the default engine → NLU → the doubt gate, as the daemon does.

    .venv/bin/python benchmarks/bench_voice_open.py [--home 60] [--ood 60] [--snr clean,15]
        [--voices en-us,en-us+f3,en-gb] [--prompt on,off] [--engine auto] [--jsonl OUT]

A seeded sample of ``../shared/data/slurp_devel/home.jsonl`` (smart-home requests) and
``ood.jsonl`` (requests for other skills: the right answer is no action), each spoken by one of the
voices in turn, clean and with pink noise at the given SNRs, goes through the voice front end
(Silero VAD, no wake word) → the engine → ``Parser.parse`` → ``voiced.pipeline.heard_as`` (doubtful
speech is confirmed, unheard speech refused).  Printed per engine/prompt/condition:

- intent accuracy: home rows whose acted intent is one that ``map.json`` accepts for the SLURP label
  (a confirmation is not an action: it does not count as right) and ood rows left alone;
- wrong actions: home rows acted on with an intent the label does not accept (% of home rows);
- false actions: ood rows that acted (% of ood rows);
- confirmations: rows that would be asked about first (% of all rows);
- latency: end of speech (the VAD's decision) → the decision (ASR + NLU), p50/p95 ms;
- RTF: ASR seconds / audio seconds (median).

Evaluation only: the rows are sampled, spoken and scored, never trained on or copied.  eSpeak is
a poor stand-in for people (Whisper does worse on it than on humans).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.audio_fixtures import RATE, to_bytes, utterance  # noqa: E402
from voiced.asr.select import choose_engine, make_recognizer  # noqa: E402
from voiced.audio.frontend import TRANSCRIPT, VoiceFrontend  # noqa: E402
from voiced.audio.vad import SileroVad  # noqa: E402
from voiced.config import AsrSettings, VadSettings  # noqa: E402
from voiced.events import AudioChunk  # noqa: E402
from voiced.home import load_home  # noqa: E402
from voiced.listener import asr_prompt, asr_sentences  # noqa: E402
from voiced.nlu.parser import Parser  # noqa: E402
from voiced.pipeline import heard_as  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "slurp_devel"


class _Memory:
    """An in-memory audio source in 30 ms blocks."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def chunks(self) -> Iterator[AudioChunk]:
        step = RATE * 2 * 30 // 1000
        for i in range(0, len(self.raw), step):
            yield AudioChunk(self.raw[i:i + step], RATE, i / 2 / RATE)

    def close(self) -> None:
        pass


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample(n_home: int, n_ood: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    home = rng.sample(_rows(DATA / "home.jsonl"), n_home)
    ood = rng.sample(_rows(DATA / "ood.jsonl"), n_ood)
    return [{**r, "set": "home"} for r in home] + [{**r, "set": "ood"} for r in ood]


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


def run_one(fe_args: dict[str, Any], recognizer: Any, raw: bytes) -> tuple[Any, float, float]:
    """(transcript or None, ASR seconds, end-of-speech → transcript seconds)."""
    fe = VoiceFrontend(_Memory(raw), recognizer, **fe_args)
    for ev in fe.events():
        if ev.kind == TRANSCRIPT and ev.transcript is not None:
            return ev.transcript, ev.timings_ms.get("asr", 0.0) / 1000, time.perf_counter() - ev.end_of_speech
    return None, 0.0, 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=int, default=60)
    ap.add_argument("--ood", type=int, default=60)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--voices", default="en-us,en-us+f3,en-gb")
    ap.add_argument("--snr", default="clean,15", help="comma list: clean or dB")
    ap.add_argument("--prompt", default="on,off", help="Whisper's home prompt: on, off or both")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--jsonl", help="write one line per utterance here")
    a = ap.parse_args()

    accept: dict[str, list[str]] = json.loads((DATA / "map.json").read_text())
    home = load_home(REPO / "devices" / "home.yaml")
    settings = AsrSettings(engine=a.engine)
    choice = choose_engine(settings)
    t0 = time.perf_counter()
    parser = Parser.load(None, home)
    sentences = asr_sentences(home)
    prompt = asr_prompt(home)
    recognizer = make_recognizer(settings, sentences, prompt=prompt)
    load_s = time.perf_counter() - t0
    print(f"engine {choice.engine} ({choice.reason}); set-up {load_s:.1f} s", flush=True)
    rows = sample(a.home, a.ood, a.seed)
    voices = a.voices.split(",")
    snrs: list[float | None] = [None if s == "clean" else float(s) for s in a.snr.split(",")]
    prompts = a.prompt.split(",") if choice.engine == "whisper" else ["-"]
    fe_args = {"vad": VadSettings(no_speech_timeout=0.0), "wake": None, "use_wake": False,
               "vad_model": SileroVad()}
    out = open(a.jsonl, "w", encoding="utf-8") if a.jsonl else None  # noqa: SIM115
    table = []
    for pr in prompts:
        if choice.engine == "whisper":
            recognizer.set_prompt(prompt if pr == "on" else None)  # type: ignore[attr-defined]
        for snr in snrs:
            res: list[dict[str, Any]] = []
            for i, row in enumerate(rows):
                voice = voices[i % len(voices)]
                raw = to_bytes(utterance(row["text"], voice, 160, snr, seed=i))
                tr, asr_s, eos_to_tr = run_one(fe_args, recognizer, raw)
                t = time.perf_counter()
                if tr is None or not tr.text.strip():
                    decision, intent, text, conf, ev = "unheard", None, "", 0.0, {}
                else:
                    p = heard_as(parser.parse(tr.text), tr, settings.reject_below, settings.confirm_below)
                    decision = p.extra.get("decision", "act" if p.intent else "reject")
                    intent = p.intent if decision == "act" else None
                    text, conf, ev = tr.text, tr.confidence, tr.evidence
                latency = eos_to_tr + time.perf_counter() - t
                exp = row.get("intent")
                ok = intent in accept.get(str(exp), [exp]) if exp is not None else intent is None
                r = {"set": row["set"], "voice": voice, "snr": snr, "prompt": pr, "said": row["text"],
                     "heard": text, "confidence": conf, "evidence": ev, "decision": decision, "intent": intent,
                     "expected": exp, "ok": ok, "wrong": exp is not None and intent is not None and not ok,
                     "false": exp is None and intent is not None, "latency_ms": latency * 1000,
                     "rtf": asr_s / (len(raw) / 2 / RATE)}
                res.append(r)
                if out is not None:
                    out.write(json.dumps(r, ensure_ascii=False) + "\n")
            n_home = sum(r["set"] == "home" for r in res)
            n_ood = len(res) - n_home
            cell = {
                "engine": choice.engine, "prompt": pr, "condition": "clean" if snr is None else f"{snr:g} dB",
                "intent_acc": sum(r["ok"] for r in res) / len(res),
                "home_acc": sum(r["ok"] for r in res if r["set"] == "home") / max(1, n_home),
                "wrong": sum(r["wrong"] for r in res) / max(1, n_home),
                "false": sum(r["false"] for r in res) / max(1, n_ood),
                "confirm": sum(r["decision"] == "confirm" for r in res) / len(res),
                "p50": pct([r["latency_ms"] for r in res], 50), "p95": pct([r["latency_ms"] for r in res], 95),
                "rtf": statistics.median(r["rtf"] for r in res),
            }
            table.append(cell)
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in cell.items()}), flush=True)
    if out is not None:
        out.close()
    print(f"\n{a.home} home + {a.ood} ood rows (seed {a.seed}), voices {', '.join(voices)} rotating\n")
    print("| engine | prompt | condition | intent acc. (all) | home rows right | wrong actions | "
          "false actions (ood) | confirmations | latency p50 / p95 ms | RTF |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in table:
        print(f"| {c['engine']} | {c['prompt']} | {c['condition']} | {c['intent_acc']:.1%} | {c['home_acc']:.1%} | "
              f"{c['wrong']:.1%} | {c['false']:.1%} | {c['confirm']:.1%} | {c['p50']:.0f} / {c['p95']:.0f} | "
              f"{c['rtf']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
