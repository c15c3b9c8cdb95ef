"""NLU figures for docs/benchmarks.md: training time, parse latency, RSS, accuracy (+ hassil side by side).

    .venv/bin/python benchmarks/bench_nlu.py            # shipped model; training time from its metadata
    .venv/bin/python benchmarks/bench_nlu.py --train    # also retrain from scratch (into a temp dir) and time it
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voiced.commands.nlu import evaluate, read_test_file  # noqa: E402
from voiced.home import load_home  # noqa: E402
from voiced.nlu.generate import gazetteer_flags  # noqa: E402
from voiced.nlu.parser import Parser  # noqa: E402
from voiced.nlu.text import tokenize  # noqa: E402

TESTS = [(REPO / "tests/data/nlu_test.jsonl", REPO / "devices/home.yaml"),
         (REPO / "tests/data/nlu_test_cottage.jsonl", REPO / "devices/cottage.yaml"),
         (REPO / "tests/data/nlu_test_flat.jsonl", REPO / "devices/flat.yaml")]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=REPO / "models/nlu")
    ap.add_argument("--train", action="store_true", help="retrain from scratch and time it")
    ap.add_argument("--repeat", type=int, default=300)
    args = ap.parse_args()

    home = load_home(REPO / "devices/home.yaml")
    if args.train:
        from voiced.nlu.train import train

        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            figures = train(home, Path(d) / "nlu", progress=False)
            print(f"training (example home, recipe defaults): {time.perf_counter() - t0:.1f} s; "
                  f"held-out {json.dumps(figures)}")
    meta = json.loads((args.model / "meta.json").read_text())
    print(f"shipped model: {meta.get('params')} parameters, "
          f"{(args.model / 'model.pt').stat().st_size / 1e6:.2f} MB, recorded training time "
          f"{meta.get('heldout', {}).get('train_seconds')} s, recipe {json.dumps(meta.get('recipe'))}")

    parser = Parser.load(args.model, home)
    rows = read_test_file(TESTS[0][0]) if TESTS[0][0].exists() else [{"text": "turn on the bedroom lamp"}]
    texts = [r["text"] for r in rows][: max(1, args.repeat)]
    for t in texts[:20]:  # warm-up
        parser.parse(t)
    model_ms: list[float] = []
    parse_ms: list[float] = []
    for i in range(args.repeat):
        t = texts[i % len(texts)]
        words = [x.text for x in tokenize(t)]
        gaz = gazetteer_flags(words, *parser.ctx.gaz)
        t0 = time.perf_counter()
        parser.model.predict(words, gaz)
        model_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        parser.parse(t)
        parse_ms.append((time.perf_counter() - t0) * 1000)
    print(f"latency model alone: p50 {statistics.median(model_ms):.2f} ms, p95 {_pct(model_ms, 0.95):.2f} ms; "
          f"whole parse: p50 {statistics.median(parse_ms):.2f} ms, p95 {_pct(parse_ms, 0.95):.2f} ms "
          f"(batch 1, 1 thread, {args.repeat} utterances)")
    print(f"process RSS: {_rss_mb():.0f} MB")

    hassil = None
    spec = REPO / "benchmarks/hassil_baseline.py"
    if spec.exists():
        sp = importlib.util.spec_from_file_location("hassil_baseline", spec)
        if sp and sp.loader:
            hassil = importlib.util.module_from_spec(sp)
            sp.loader.exec_module(hassil)
    print(f"{'set':<28} {'system':<8} {'intent acc':>10} {'slot F1':>8} {'frame EM':>9} {'false act':>9} {'n':>5}")
    for test, devices in TESTS:
        if not test.exists():
            continue
        h = load_home(devices)
        parser.set_home(h)
        rows = read_test_file(test)
        results = [("voiced", evaluate(parser, rows))]
        if hassil is not None:
            try:
                results.append(("hassil", hassil.evaluate_hassil(test, devices)))
            except Exception as exc:  # the baseline is someone else's script: report, don't die
                print(f"hassil baseline failed on {test.name}: {exc}")
        for system, m in results:
            print(f"{test.name:<28} {system:<8} {m['intent_accuracy']:>10.3f} {m['slot_f1']:>8.3f} "
                  f"{m['frame_exact_match']:>9.3f} {m['false_action_rate']:>9.3f} {m['n']:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
