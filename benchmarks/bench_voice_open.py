"""Spoken open-world benchmark: people's own requests (SLURP devel texts), spoken by eSpeak NG,
through the default engine → NLU → the doubt gate, as the daemon does.

    .venv/bin/python benchmarks/bench_voice_open.py [--set dev|own] [--home 60] [--ood 60]
        [--snr clean,15,5] [--voices en-us,en-us+f3,en-gb] [--speeds 140,160,180]
        [--prompt on,off] [--window 0,30]
        [--beam 5,1] [--engine auto] [--jsonl OUT]
    .venv/bin/python benchmarks/bench_voice_open.py --wer 160 --window 30,0,10 --beam 5

A seeded sample of ``../shared/data/slurp_devel/home.jsonl`` (smart-home requests) and
``ood.jsonl`` (requests for other skills: the right answer is no action) — or, with ``--set own``,
of the project's hand-written ``tests/data/nlu_test.jsonl`` — each spoken by one of the
voices in turn, clean and with pink noise at the given SNRs, goes through the voice front end
(Silero VAD, no wake word) → the engine → ``Parser.parse`` → ``voiced.pipeline.understand`` (doubtful
speech is confirmed, unheard speech refused).  Printed per engine/prompt/condition:

- intent accuracy: home rows whose acted intent is one that ``map.json`` accepts for the SLURP label
  (a confirmation is not an action: it does not count as right) and ood rows left alone;
- wrong actions: home rows acted on with an intent the label does not accept (% of home rows);
- false actions: ood rows that acted (% of ood rows);
- confirmations: rows that would be asked about first (% of all rows);
- latency: end of speech (the VAD's decision) → the decision (ASR + NLU), p50/p95 ms;
- RTF: ASR seconds / audio seconds (median);
- the peak RSS of the process (engine, VAD and NLU loaded, as in the daemon).

Evaluation only: the rows are sampled, spoken and scored, never trained on or copied.  eSpeak is
a poor stand-in for people (Whisper does worse on it than on humans).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.audio_fixtures import RATE, to_bytes, utterance  # noqa: E402
from voiced.asr.select import choose_engine, make_recognizer  # noqa: E402
from voiced.audio.frontend import TRANSCRIPT, VoiceFrontend  # noqa: E402
from voiced.audio.vad import SileroVad  # noqa: E402
from voiced.config import AsrSettings, VadSettings  # noqa: E402
from voiced.events import AudioChunk, Utterance  # noqa: E402
from voiced.home import load_home  # noqa: E402
from voiced.listener import asr_prompt, asr_sentences  # noqa: E402
from voiced.nlu.parser import Parser  # noqa: E402
from voiced.pipeline import understand  # noqa: E402

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


def sample(n_home: int, n_ood: int, seed: int, which: str = "dev") -> list[dict[str, Any]]:
    """``dev``: SLURP devel rows; ``own``: the project's hand-written set (``tests/data/nlu_test.jsonl``,
    its rows without an intent play the part of ood.jsonl)."""
    rng = random.Random(seed)
    if which == "own":
        rows = _rows(REPO / "tests" / "data" / "nlu_test.jsonl")
        cmds, other = [r for r in rows if r.get("intent")], [r for r in rows if not r.get("intent")]
        home, ood = rng.sample(cmds, min(n_home, len(cmds))), rng.sample(other, min(n_ood, len(other)))
    else:
        home = rng.sample(_rows(DATA / "home.jsonl"), n_home)
        ood = rng.sample(_rows(DATA / "ood.jsonl"), n_ood)
    return [{**r, "set": "home"} for r in home] + [{**r, "set": "ood", "intent": None} for r in ood]


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c in "' " else " " for c in text.lower()).split()


def wer_by_window(recognizer: Any, n: int, windows: list[float], seed: int) -> None:
    """The words heard in each window, straight to the recogniser (no VAD, no NLU): n texts of
    home.jsonl and nlu_test.jsonl, 4 voices, clean and 20 dB alternating."""
    texts = [r["text"] for r in _rows(DATA / "home.jsonl") + _rows(REPO / "tests" / "data" / "nlu_test.jsonl")]
    texts = random.Random(seed).sample(texts, n)
    voices = ["en-us", "en-us+f3", "en-gb", "en-us+m7"]
    audio = [to_bytes(utterance(t, voices[i % 4], 160, None if i % 2 == 0 else 20, seed=i)) for i, t in enumerate(texts)]
    for window in windows:
        recognizer.window = window
        errors = words = exact = 0
        ms = []
        for text, raw in zip(texts, audio, strict=True):
            t = time.perf_counter()
            heard = recognizer.transcribe(Utterance(raw)).text
            ms.append((time.perf_counter() - t) * 1000)
            ref, hyp = _words(text), _words(heard)
            errors += Levenshtein.distance(ref, hyp)  # word-level: substitutions, insertions, deletions
            words += len(ref)
            exact += ref == hyp
        print(f"window {'fitted' if window == 0 else f'{window:g} s'}: WER {errors / max(1, words):.3f}, "
              f"exact {exact} of {n}, ASR p50 {pct(ms, 50):.0f} ms", flush=True)


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
    ap.add_argument("--set", default="dev", choices=["dev", "own"],
                    help="dev: SLURP devel texts; own: tests/data/nlu_test.jsonl")
    ap.add_argument("--voices", default="en-us,en-us+f3,en-gb")
    ap.add_argument("--speeds", default="160", help="comma list of eSpeak speeds (words a minute), rotating")
    ap.add_argument("--snr", default="clean,15", help="comma list: clean or dB")
    ap.add_argument("--prompt", default="on" if AsrSettings().prompt else "off",
                    help="Whisper's home prompt: on, off or both (default: the configured default)")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--beam", default=str(AsrSettings().beam_size),
                    help="Whisper's beam size(s) (default: the configured default)")
    ap.add_argument("--window", default="0", help="Whisper's audio window(s), seconds: 0 fits the utterance, 30")
    ap.add_argument("--jsonl", help="write one line per utterance here")
    ap.add_argument("--wer", type=int, default=0, metavar="N",
                    help="only the word error rate of N renderings in each --window (Whisper)")
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
    if a.wer:
        recognizer.beam_size = int(a.beam.split(",")[0])  # type: ignore[attr-defined]
        wer_by_window(recognizer, a.wer, [float(w) for w in a.window.split(",")], seed=5)
        return 0
    rows = sample(a.home, a.ood, a.seed, a.set)
    voices = a.voices.split(",")
    speeds = [int(x) for x in a.speeds.split(",")]
    snrs: list[float | None] = [None if s == "clean" else float(s) for s in a.snr.split(",")]
    prompts = a.prompt.split(",") if choice.engine == "whisper" else ["-"]
    windows = [float(w) for w in a.window.split(",")] if choice.engine == "whisper" else [0.0]
    fe_args = {"vad": VadSettings(no_speech_timeout=0.0), "wake": None, "use_wake": False,
               "vad_model": SileroVad()}
    out = open(a.jsonl, "w", encoding="utf-8") if a.jsonl else None  # noqa: SIM115
    table = []
    beams = [int(b) for b in a.beam.split(",")] if choice.engine == "whisper" else [1]
    for pr, window, beam, snr in [(p, w, b, s) for p in prompts for w in windows for b in beams for s in snrs]:
        if choice.engine == "whisper":
            recognizer.beam_size = beam  # type: ignore[attr-defined]
            recognizer.set_prompt(prompt if pr == "on" else None)  # type: ignore[attr-defined]
            recognizer.window = window  # type: ignore[attr-defined]
        res: list[dict[str, Any]] = []
        for i, row in enumerate(rows):
            voice = voices[i % len(voices)]
            speed = speeds[i // len(voices) % len(speeds)]  # every voice at every speed
            raw = to_bytes(utterance(row["text"], voice, speed, snr, seed=i))
            tr, asr_s, eos_to_tr = run_one(fe_args, recognizer, raw)
            t = time.perf_counter()
            proposed, nlu_conf = None, 0.0
            if tr is None or not tr.text.strip():
                decision, intent, text, conf, ev = "unheard", None, "", 0.0, {}
            else:
                p = understand(parser.parse, tr, settings.reject_below, settings.confirm_below)
                decision = p.extra.get("decision", "act" if p.intent else "reject")
                intent = p.intent if decision == "act" else None
                text, conf, ev = tr.text, tr.confidence, tr.evidence
                proposed = p.intent or (p.extra.get("rejected") or {}).get("intent")
                if "heard_first" in p.extra:
                    text = f"{tr.text} → {p.text}"
                nlu_conf = p.confidence
            latency = eos_to_tr + time.perf_counter() - t
            exp = row.get("intent")
            ok = intent in accept.get(str(exp), [exp]) if exp is not None else intent is None
            r = {"set": row["set"], "voice": voice, "speed": speed, "snr": snr, "prompt": pr, "window": window, "beam": beam, "said": row["text"],
                 "heard": text, "confidence": conf, "evidence": ev, "decision": decision, "intent": intent,
                 "proposed": proposed, "nlu_confidence": nlu_conf,
                 "alternatives": list(tr.alternatives) if tr is not None else [],
                 "expected": exp, "ok": ok, "wrong": exp is not None and intent is not None and not ok,
                 "false": exp is None and intent is not None, "latency_ms": latency * 1000,
                 "rtf": asr_s / (len(raw) / 2 / RATE)}
            res.append(r)
            if out is not None:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        n_home = sum(r["set"] == "home" for r in res)
        n_ood = len(res) - n_home
        cell = {
            "engine": choice.engine, "prompt": pr, "window": window, "beam": beam, "condition": "clean" if snr is None else f"{snr:g} dB",
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
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process (engine + VAD + NLU, as in the daemon): {rss:.0f} MiB")
    print(f"\n{a.set}: {a.home} home + {a.ood} ood rows (seed {a.seed}), voices {', '.join(voices)} and speeds {a.speeds} wpm rotating\n")
    print("| engine | prompt | window | beam | condition | intent acc. (all) | home rows right | wrong actions | "
          "false actions (ood) | confirmations | latency p50 / p95 ms | RTF |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in table:
        win = "fitted" if c["window"] == 0 else f"{c['window']:g} s"
        print(f"| {c['engine']} | {c['prompt']} | {win} | {c['beam']} | {c['condition']} | {c['intent_acc']:.1%} | {c['home_acc']:.1%} | "
              f"{c['wrong']:.1%} | {c['false']:.1%} | {c['confirm']:.1%} | {c['p50']:.0f} / {c['p95']:.0f} | "
              f"{c['rtf']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
