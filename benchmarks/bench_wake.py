"""Wake word: false wakes per hour on non-wake audio, misses on held-out voices, CPU and RSS.

    .venv/bin/python benchmarks/bench_wake.py [--minutes 60] [--per-condition 100] [--engine auto]
                                              [--daemon-seconds 60] [--seed 1] [--model-dir DIR] [--json]

Nothing here is used in training (voiced/audio/wake/train.py):

- the non-wake audio is spoken by ``HELDOUT_VOICES`` (accents *and* voice variants the head never
  heard) reading prose it never saw (the licence texts in /usr/share/common-licenses, which say
  "computer" and "hey" now and then), plus noise and music made with other seeds, and mixtures
  (speech over music or noise at 0–20 dB: a television);
- misses: "hey computer" by the held-out voices after quiet or after other speech, with noise
  over the whole stream at clean / 15 dB / 5 dB (pink, white, brown, fan or hum noise in turn).

Everything runs through ``WakeWord.process`` on 30 ms chunks, as the daemon's listening thread
does.  ``--daemon-seconds`` also starts ``voiced run`` on a private PulseAudio's virtual
microphone and reads its CPU time and RSS from /proc while it waits for the wake word.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voiced.audio.wake import WakeWord  # noqa: E402
from voiced.audio.wake import data as D  # noqa: E402
from voiced.config import WakeSettings  # noqa: E402
from voiced.events import AudioChunk  # noqa: E402

CHUNK = 480  # 30 ms, the daemon's block
LICENSES = Path("/usr/share/common-licenses")
NOISES = ("pink", "white", "brown", "fan", "hum")


def prose(limit: int, seed: int) -> list[str]:
    """Sentences of the licence texts (3 to 30 words), shuffled."""
    files = sorted(p for p in LICENSES.glob("*") if p.is_file()) if LICENSES.is_dir() else []
    if not files:
        raise SystemExit(f"bench_wake: no prose to read ({LICENSES} is empty or missing)")
    text = " ".join(p.read_text(errors="replace") for p in files)
    text = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9,.;:!?' -]", " ", text))
    sents = [s.strip() for s in re.split(r"(?<=[.;:!?])\s+", text)]
    sents = [s for s in dict.fromkeys(sents) if 3 <= len(s.split()) <= 30 and sum(c.isalpha() for c in s) > 10]
    rng = np.random.default_rng(seed)
    rng.shuffle(sents)
    return sents[:limit]


class Counter:
    """Feeds a stream to the detector in 30 ms chunks; records wake times (stream seconds)."""

    def __init__(self, ww: WakeWord) -> None:
        self.ww = ww
        self.t = 0.0
        self.wakes: list[float] = []
        self.cpu = 0.0
        self.seconds = 0.0

    def feed(self, x: np.ndarray) -> None:
        a = np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()
        c0 = time.process_time()
        for i in range(0, len(a), CHUNK * 2):
            b = a[i:i + CHUNK * 2]
            ev = self.ww.process(AudioChunk(b, timestamp=self.t))
            self.t += len(b) / 2 / D.RATE
            if ev is not None:
                self.wakes.append(ev.time)
        self.cpu += time.process_time() - c0
        self.seconds += len(a) / 2 / D.RATE


def speech_block(sents: list[str], rng: np.random.Generator) -> np.ndarray:
    items = D.variety(sents, D.HELDOUT_VOICES, rng, speeds=(130, 200))
    parts = []
    for x in D.speak_all(items):
        if len(x):
            a = D.augment(x, rng)
            parts += [D.floor(int(rng.uniform(0.2, 1.5) * D.RATE), rng), a + D.floor(len(a), rng)]
    return np.concatenate(parts) if parts else np.zeros(0)


def false_wakes(ww: WakeWord, minutes: float, seed: int, log: list[str]) -> dict[str, float]:
    """Speech 45 %, noise 15 %, music 15 %, mixtures 25 % of ``minutes``."""
    rng = np.random.default_rng(seed)
    per_kind: dict[str, dict[str, float]] = {}
    sents = prose(20000, seed)
    cursor = 0
    counter = Counter(ww)

    def run(kind: str, seconds: float, make: object) -> None:
        nonlocal cursor
        w0, s0 = len(counter.wakes), counter.seconds
        while counter.seconds - s0 < seconds:
            x = make()  # type: ignore[operator]
            counter.feed(x)
            for t in counter.wakes[w0:]:
                log.append(f"false wake in {kind} at {t:.1f} s")
            w0 = len(counter.wakes)
        n_kind = sum(1 for line in log if f" in {kind} " in line)
        per_kind[kind] = {"minutes": round((counter.seconds - s0) / 60, 1), "false_wakes": n_kind}

    def speech() -> np.ndarray:
        nonlocal cursor
        block = sents[cursor:cursor + 12]
        cursor += 12
        return speech_block(block, rng)

    def noise() -> np.ndarray:
        kind = NOISES[int(rng.integers(len(NOISES)))]
        return D.noise(int(20 * D.RATE), rng, kind) * float(10 ** rng.uniform(1.5, 3.3))

    def music() -> np.ndarray:
        return D.music(20.0, rng) * float(10 ** rng.uniform(2.3, 3.6))

    def mixture() -> np.ndarray:
        s = speech()
        bed = np.resize(D.music(20.0, rng), len(s)) if rng.random() < 0.5 else D.noise(len(s), rng)
        loud = s[np.abs(s) > 100]
        return D.add_noise(s, float(rng.uniform(0, 20)), rng, D.rms(loud) if len(loud) else 1000.0, bed)

    total = minutes * 60
    run("speech", 0.45 * total, speech)
    run("noise", 0.15 * total, noise)
    run("music", 0.15 * total, music)
    run("mixture", 0.25 * total, mixture)
    hours = counter.seconds / 3600
    return {"minutes": round(counter.seconds / 60, 1), "false_wakes": len(counter.wakes),
            "per_hour": round(len(counter.wakes) / hours, 2), "per_kind": per_kind,  # type: ignore[dict-item]
            "cpu_fraction": round(counter.cpu / counter.seconds, 4)}


def misses(ww: WakeWord, phrase: str, n: int, snr: float | None, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    items = D.variety([phrase] * n, D.HELDOUT_VOICES, rng, speeds=(130, 200))
    context = prose(n, seed + 7)
    ctx_audio = D.speak_all(D.variety(context, D.HELDOUT_VOICES, rng))
    parts: list[np.ndarray] = []
    ends: list[float] = []
    t = 0.0
    for i, x in enumerate(D.speak_all(items)):
        if rng.random() < 0.5 and len(ctx_audio[i]):
            pre = np.concatenate([D.floor(int(0.5 * D.RATE), rng), D.augment(ctx_audio[i], rng),
                                  D.floor(int(rng.uniform(0.3, 0.8) * D.RATE), rng)])
        else:
            pre = D.floor(int(rng.uniform(1.5, 3.0) * D.RATE), rng)
        a = D.augment(x, rng)
        post = D.floor(int(1.5 * D.RATE), rng)
        seg = np.concatenate([pre, a + D.floor(len(a), rng), post])
        if snr is not None:
            loud = a[np.abs(a) > 100]
            seg = D.add_noise(seg, snr, rng, D.rms(loud) if len(loud) else 1000.0,
                              D.noise(len(seg), rng, NOISES[i % len(NOISES)]))
        ends.append(t + (len(pre) + len(a)) / D.RATE)
        t += len(seg) / D.RATE
        parts.append(seg)
    ww.reset()
    counter = Counter(ww)
    for seg in parts:
        counter.feed(seg)
    heard = [any(e - 0.5 <= w <= e + 1.0 for w in counter.wakes) for e in ends]
    stray = sum(1 for w in counter.wakes if not any(e - 0.5 <= w <= e + 1.0 for e in ends))
    per_accent: dict[str, list[int]] = {}  # accent → [missed, phrases]: which voices it cannot hear
    for it, h in zip(items, heard, strict=True):
        row = per_accent.setdefault(it.voice.split("+")[0], [0, 0])
        row[0] += not h
        row[1] += 1
    return {"phrases": n, "missed": n - sum(heard), "miss_rate": round(1 - sum(heard) / n, 4), "stray_wakes": stray,
            "missed_per_accent": {a: f"{m}/{k}" for a, (m, k) in sorted(per_accent.items())}}


def daemon_idle(seconds: float, settings_yaml: str) -> dict[str, float]:
    """``voiced run`` on a virtual microphone feeding room silence: CPU share and RSS from /proc."""
    from tests.conftest import EXAMPLE_HOME
    from tests.integration.test_pulse_mic import PrivatePulse
    from voiced.proc import stop_process

    with tempfile.TemporaryDirectory(prefix="voiced-bench-wake-") as d:
        root = Path(d)
        pulse = PrivatePulse(root)
        pulse.start()
        cfg = root / "voiced.yaml"
        cfg.write_text(f"state_dir: {root / 'state'}\naudio:\n  input_device: pulse\n  output_device: pulse\n"
                       f"{settings_yaml}reply:\n  use_model: false\nasr:\n  engine: pocketsphinx\n")
        log = root / "daemon.log"
        proc = subprocess.Popen([sys.executable, "-m", "voiced.cli", "run", "--config", str(cfg), "--devices",
                                 str(EXAMPLE_HOME), "--site", "bench"], cwd=REPO, env=pulse.env,
                                stdout=subprocess.DEVNULL, stderr=log.open("wb"))
        try:
            deadline = time.monotonic() + 300
            while "microphone 'pulse' open" not in log.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("bench_wake: the daemon did not open the microphone:\n"
                                     + log.read_text(errors="replace")[-2000:])
                time.sleep(0.2)
            time.sleep(5)  # let start-up work (model loads, first MQTT traffic) finish before measuring
            tick = float(__import__("os").sysconf("SC_CLK_TCK"))

            def cpu() -> float:
                f = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(f[11]) + int(f[12])) / tick

            c0, w0 = cpu(), time.monotonic()
            pulse.play((D.floor(int(seconds * D.RATE), np.random.default_rng(3))).astype("<i2").tobytes())
            pulse.wait_played(seconds * 3 + 60)
            c1, w1 = cpu(), time.monotonic()
            rss = 0
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) // 1024
            engine = re.findall(r"wake word: .*", log.read_text(errors="replace"))
            return {"cpu_fraction": round((c1 - c0) / (w1 - w0), 4), "rss_mb": rss, "seconds": round(w1 - w0, 1),
                    "wake_log": engine[-1] if engine else ""}
        finally:
            stop_process(proc, 10)
            pulse.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--per-condition", type=int, default=100)
    ap.add_argument("--engine", default="auto", choices=["auto", "neural", "pocketsphinx"])
    ap.add_argument("--sensitivity", type=float, default=0.5)
    ap.add_argument("--model-dir", help="a head to measure instead of the shipped one (voiced train-wake --out)")
    ap.add_argument("--daemon-seconds", type=float, default=60.0, help="0: skip the daemon measurement")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    settings = WakeSettings(engine=args.engine, sensitivity=args.sensitivity, model_dir=args.model_dir)
    ww = WakeWord(settings)
    phrase = settings.phrases[0]
    res: dict[str, object] = {"engine": ww.engine, "sensitivity": args.sensitivity}
    t0 = time.perf_counter()
    for name, snr in (("clean", None), ("15 dB", 15.0), ("5 dB", 5.0)):  # a fresh detector per stream
        res[f"miss {name}"] = misses(WakeWord(settings), phrase, args.per_condition, snr, args.seed + 10)
        print(f"misses {name}: {res[f'miss {name}']}", file=sys.stderr, flush=True)
    log: list[str] = []
    res["false"] = false_wakes(ww, args.minutes, args.seed, log)
    res["false_log"] = log
    res["bench_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if args.daemon_seconds > 0:
        extra = f"  model_dir: {Path(args.model_dir).resolve()}\n" if args.model_dir else ""
        res["daemon"] = daemon_idle(args.daemon_seconds, f"wake:\n  engine: {args.engine}\n"
                                                         f"  sensitivity: {args.sensitivity}\n{extra}")
    res["seconds"] = round(time.perf_counter() - t0, 1)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    f = res["false"]
    assert isinstance(f, dict)
    print(f"## Wake word ({res['engine']}, sensitivity {args.sensitivity})\n")
    print("| figure | value | target |\n|---|---|---|")
    print(f"| false wakes on {f['minutes']} min of non-wake audio | {f['false_wakes']} ({f['per_hour']} per hour) | ≤ 1 per hour |")
    for kind, v in f["per_kind"].items():
        print(f"| … of which {kind} ({v['minutes']} min) | {v['false_wakes']} | |")
    for name, target in (("clean", ""), ("15 dB", "≤ 5 %"), ("5 dB", "≤ 15 %")):
        m = res[f"miss {name}"]
        assert isinstance(m, dict)
        per = ", ".join(f"{a} {v}" for a, v in m["missed_per_accent"].items())
        print(f"| misses, held-out voices, {name} | {m['miss_rate']:.1%} ({m['missed']}/{m['phrases']}; "
              f"{m['stray_wakes']} stray wakes; by accent: {per}) | {target} |")
    print(f"| detector CPU per second of audio | {f['cpu_fraction']:.1%} of one core | |")
    if "daemon" in res:
        dm = res["daemon"]
        assert isinstance(dm, dict)
        print(f"| `voiced run` waiting for the wake word ({dm['seconds']} s) | {dm['cpu_fraction']:.1%} of one core, "
              f"RSS {dm['rss_mb']} MB | ≤ 10 % |")
    print(f"\n{len(log)} false wakes: " + "; ".join(log[:20]))
    print(f"(benchmark took {res['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
