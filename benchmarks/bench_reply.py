"""Reply figures: generation latency, time to first audio, held-out fallback rate, BLEU.

    .venv/bin/python benchmarks/bench_reply.py [--model DIR] [--frames N] [--seed S] [--json]

- latency: ``ReplyGenerator.generate`` at batch 1, one torch thread (p50, p95 in ms);
- time to first audio: reply text → rendered audio buffer ready to play (pyttsx3/eSpeak NG);
- held-out: frames whose shape (intent, outcome, values present) training never drew, with names,
  numbers and list lengths from a pool training never used: the share that passes the check
  after fallback (must be 100 %) and the fallback rate (target ≤ 1 %);
- BLEU-4 of the model's replies against tests/data/reply_references.jsonl (hand-written).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voiced.config import TtsSettings  # noqa: E402
from voiced.events import ReplyFrame  # noqa: E402
from voiced.home.loader import load_home  # noqa: E402
from voiced.reply.bleu import corpus_bleu  # noqa: E402
from voiced.reply.cases import check  # noqa: E402
from voiced.reply.frames import view  # noqa: E402
from voiced.reply.generate import ReplyGenerator  # noqa: E402
from voiced.reply.sampler import HELDOUT_POOL, FrameSampler, Pool  # noqa: E402
from voiced.tts import Speaker  # noqa: E402

REFERENCES = REPO / "tests" / "data" / "reply_references.jsonl"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def heldout(gen: ReplyGenerator, n: int, seed: int) -> dict[str, float]:
    home = load_home(REPO / "devices" / "home.yaml")
    names = tuple(sorted({e.name for e in home.entities}))
    sampler = FrameSampler(gen.book, Pool(**{**HELDOUT_POOL.__dict__, "extra_names": names}),
                           random.Random(seed))
    before = dict(gen.counters)
    passed = 0
    for _ in range(n):
        frame, style, case = sampler.sample("heldout", gen.n_styles)
        reply = gen.generate(frame, style=style)
        fv = view(frame)
        passed += not check(reply.text, fv, case, gen.known_names)
    fallback = gen.fallback - before["fallback"]
    return {"heldout_frames": n, "heldout_pass_after_fallback": passed / n, "fallback_rate": fallback / n}


def latency(gen: ReplyGenerator, frames: list[ReplyFrame], rounds: int) -> dict[str, float]:
    for f in frames[:10]:
        gen.generate(f)  # warm-up
    times = []
    for _ in range(rounds):
        for f in frames:
            t = time.perf_counter()
            gen.generate(f)
            times.append((time.perf_counter() - t) * 1000)
    return {"latency_p50_ms": pct(times, 0.5), "latency_p95_ms": pct(times, 0.95), "latency_n": len(times)}


def first_audio(gen: ReplyGenerator, frames: list[ReplyFrame]) -> dict[str, float]:
    speaker = Speaker(TtsSettings(voice="en-us"))
    speaker.render("warm up")
    tts, total = [], []
    for f in frames:
        t0 = time.perf_counter()
        text = gen.generate(f).text
        t1 = time.perf_counter()
        audio, _ = speaker.render(text)
        t2 = time.perf_counter()
        assert audio.size > 0
        tts.append((t2 - t1) * 1000)
        total.append((t2 - t0) * 1000)
    return {"tts_render_p50_ms": pct(tts, 0.5), "tts_render_p95_ms": pct(tts, 0.95),
            "frame_to_audio_p50_ms": pct(total, 0.5), "frame_to_audio_p95_ms": pct(total, 0.95)}


def load_references() -> tuple[list[ReplyFrame], list[list[str]]]:
    frames, refs = [], []
    for line in REFERENCES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            f = item["frame"]
            frames.append(ReplyFrame(f["intent"], f["status"], f.get("slots", {}), f.get("values", {})))
            refs.append(item["references"])
    return frames, refs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, help="reply model directory (default: models/reply)")
    ap.add_argument("--frames", type=int, default=2000, help="held-out frames")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    gen = ReplyGenerator.load(args.model)
    frames, refs = load_references()
    out: dict[str, float] = {}
    out.update(heldout(gen, args.frames, args.seed))
    hyps_by_style = []
    for style in range(gen.n_styles):
        hyps_by_style.append([gen.generate(f, style=style).text for f in frames])
    out["bleu_style0"] = corpus_bleu(hyps_by_style[0], refs)
    out["bleu_all_styles"] = corpus_bleu([h for hs in hyps_by_style for h in hs], refs * gen.n_styles)
    out["reference_pairs"] = len(frames)
    template_only = ReplyGenerator.load(args.model, use_model=False)
    out["bleu_templates_style0"] = corpus_bleu([template_only.generate(f, style=0).text for f in frames], refs)
    out.update(latency(gen, frames, rounds=5))
    out.update(first_audio(gen, frames[:30]))
    if args.json:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
    else:
        for k, v in out.items():
            print(f"{k:32s} {v:.4f}" if isinstance(v, float) else f"{k:32s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
