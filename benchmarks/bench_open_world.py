"""The open world as a daily measure: people's own requests (SLURP devel split, ../shared/data/slurp_devel).

    .venv/bin/python benchmarks/bench_open_world.py                 # shipped model, example home
    .venv/bin/python benchmarks/bench_open_world.py --model DIR --plot docs/reliability.png

Prints, with the metric definitions of shared/spec/intents.md (the folder's own score.py):
in-domain intent accuracy (SLURP labels mapped by map.json) on `home.jsonl`; the false action rate
on `ood.jsonl` (requests for other skills: any non-null `voiced parse` intent is an action); the
share of requests that voiced would *confirm* first instead of acting (a question, not an action);
what was refused and why; which intents take which (confusions); the hand-written regression sets
beside them; parse latency and memory.  Evaluation only: nothing here is used for training.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voiced.commands.nlu import evaluate, read_test_file  # noqa: E402
from voiced.home import load_home  # noqa: E402
from voiced.nlu.parser import Parser  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "slurp_devel"
HAND = [("example home", REPO / "tests/data/nlu_test.jsonl", REPO / "devices/home.yaml"),
        ("cottage, not retrained", REPO / "tests/data/nlu_test_cottage.jsonl", REPO / "devices/cottage.yaml"),
        ("flat, not retrained", REPO / "tests/data/nlu_test_flat.jsonl", REPO / "devices/flat.yaml")]


def _scorer(data: Path) -> Any:
    spec = importlib.util.spec_from_file_location("slurp_score", data / "score.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(parser: Parser, rows: list[dict[str, Any]],
        other: Callable[[str], dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], list[float],
                                                                 list[dict[str, Any]], list[float]]:
    """voiced's readings and times; with ``other`` (hassil's matcher) its readings and times too, the
    two taken in turn on each request (which goes first alternates), so that both see the same
    moment of a shared machine, whose speed drifts by ±20 % from one minute to the next."""
    out, ms, o_out, o_ms = [], [], [], []
    for k, r in enumerate(rows):
        if other is not None and k % 2:
            t = time.perf_counter()
            o_out.append(other(r["text"]))
            o_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        p = parser.parse(r["text"], area=r.get("area"))
        ms.append((time.perf_counter() - t) * 1000)
        if other is not None and not k % 2:
            t = time.perf_counter()
            o_out.append(other(r["text"]))
            o_ms.append((time.perf_counter() - t) * 1000)
        j = p.to_json()
        j["_reading"] = p.intent or (p.extra.get("rejected") or {}).get("intent")
        j["_reason"] = p.extra.get("reason")
        j["_confidence"] = p.confidence
        out.append(j)
    return out, ms, o_out, o_ms


def confusions(rows: list[dict[str, Any]], preds: list[dict[str, Any]], accept: dict[str, list[str]],
               top: int = 12) -> list[tuple[str, str, int]]:
    c: Counter[tuple[str, str]] = Counter()
    for r, p in zip(rows, preds, strict=True):
        exp = r.get("intent")
        got = p["intent"] if p["intent"] else ("confirm:" + str(p["proposal"]["intent"])
                                               if p.get("decision") == "confirm" else "null")
        if got not in accept.get(str(exp), [exp]):
            c[(str(exp), str(got))] += 1
    return [(e, g, n) for (e, g), n in c.most_common(top)]


def reliability_plot(path: Path, meta: dict[str, Any], real: list[tuple[float, bool]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=1, label="perfect calibration")
    cal = meta.get("calibration") or {}
    for key, label, style in (("uncalibrated", "generated held-out, raw", "o:"),
                              ("", f"generated held-out, T={cal.get('temperature')}", "o-")):
        bins = (cal.get(key) or {}).get("bins") if key else cal.get("bins")
        if not bins:
            continue
        pts = [(b["confidence"], b["accuracy"]) for b in bins if b.get("n")]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
    edges = [i / 10 for i in range(11)]
    pts = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = [(c, ok) for c, ok in real if lo <= c < hi or (hi == 1.0 and c == 1.0)]
        if len(inside) >= 5:
            pts.append((statistics.mean(c for c, _ in inside), sum(ok for _, ok in inside) / len(inside)))
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "s-", color="tab:red",
                label="people's requests (SLURP devel)")
    ax.set_xlabel("confidence of the reading")
    ax.set_ylabel("share of readings that were right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title("NLU reliability (models/nlu)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=REPO / "models/nlu")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--plot", type=Path, help="write the reliability curve (PNG) here")
    ap.add_argument("--no-hand", action="store_true", help="skip the hand-written regression sets")
    ap.add_argument("--json", action="store_true", help="also print every figure as one JSON object")
    ap.add_argument("--hassil", action="store_true",
                    help="also run Home Assistant's matcher (hassil) on the same requests: accuracy and speed")
    args = ap.parse_args()
    if not (args.data / "home.jsonl").exists():
        print(f"no development set at {args.data}", file=sys.stderr)
        return 2
    score = _scorer(args.data)
    accept = json.loads((args.data / "map.json").read_text())
    home = load_home(REPO / "devices/home.yaml")
    parser = Parser.load(args.model, home)
    parser.parse("warm up")  # first call pays lazy initialisation
    figures: dict[str, Any] = {}

    base: Callable[[str], dict[str, Any]] | None = None
    if args.hassil:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from hassil_baseline import HassilBaseline

        base = HassilBaseline(home).parse
        base("turn on the kitchen spots")
    dom, ood = _rows(args.data / "home.jsonl"), _rows(args.data / "ood.jsonl")
    p_dom, ms_dom, h_dom_out, h_dom_ms = run(parser, dom, base)
    p_ood, ms_ood, h_ood_out, h_ood_ms = run(parser, ood, base)
    s_dom = score.score(dom, p_dom, keys=(), intent_map=accept)
    s_ood = score.score(ood, p_ood, keys=())
    conf_dom = sum(p.get("decision") == "confirm" for p in p_dom) / len(dom)
    conf_ood = sum(p.get("decision") == "confirm" for p in p_ood) / len(ood)
    reasons = Counter(p["_reason"] for p in p_ood if not p["intent"])
    print(f"open world (SLURP devel, {len(dom)} smart-home/clock/weather + {len(ood)} other-skill requests), "
          f"model {args.model}")
    print(f"  in-domain intent accuracy      {s_dom['intent_accuracy']:.3f}   (target >= 0.90)")
    print(f"  in-domain confirmed first      {conf_dom:.3f}")
    print(f"  in-domain wrong action         {s_dom['wrong_action_rate']:.3f}")
    print(f"  out-of-domain false action     {s_ood['false_action_rate']:.4f}  (target <= 0.01)")
    print(f"  out-of-domain confirmed first  {conf_ood:.4f}  (target <= 0.05)")
    print(f"  out-of-domain refused: {dict(reasons)}")
    print("  per SLURP label: " + ", ".join(f"{k} {v:.2f}" for k, v in s_dom["per_intent"].items()))
    print("  confusions (expected -> got, count):")
    for e, g, n in confusions(dom, p_dom, accept) + confusions(ood, p_ood, {"None": ["null"]}):
        print(f"    {e:22s} -> {g:32s} {n}")
    acted = Counter(p["intent"] for p in p_ood if p["intent"])
    print(f"  out-of-domain requests acted on, by intent: {dict(acted.most_common())}")
    ms = sorted(ms_dom + ms_ood)
    print(f"  parse latency p50 {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * len(ms))]:.2f} ms; "
          f"RSS {_rss_mb():.0f} MB")
    figures.update(in_domain_intent_accuracy=s_dom["intent_accuracy"], in_domain_confirmed=round(conf_dom, 4),
                   in_domain_wrong_action=s_dom["wrong_action_rate"], ood_false_action=s_ood["false_action_rate"],
                   ood_confirmed=round(conf_ood, 4), parse_p50_ms=round(statistics.median(ms), 3),
                   rss_mb=round(_rss_mb()))
    if base is not None:
        h_dom = score.score(dom, h_dom_out, keys=(), intent_map=accept)
        h_ood = score.score(ood, h_ood_out, keys=())
        hs = sorted(h_dom_ms + h_ood_ms)
        ratio = statistics.median(ms) / statistics.median(hs)
        print(f"hassil + home-assistant-intents on the same requests: in-domain {h_dom['intent_accuracy']:.3f}, "
              f"false action {h_ood['false_action_rate']:.4f}; match p50 {statistics.median(hs):.2f} ms, "
              f"p95 {hs[int(0.95 * len(hs))]:.2f} ms; voiced/hassil p50 ratio {ratio:.2f} "
              "(each request parsed by both in turn)")
        figures.update(hassil_in_domain=h_dom["intent_accuracy"], hassil_false_action=h_ood["false_action_rate"],
                       hassil_p50_ms=round(statistics.median(hs), 3), voiced_over_hassil_p50=round(ratio, 2))
    if not args.no_hand:
        print("hand-written regression sets (tests/data):")
        for label, path, devices in HAND:
            p = parser if devices == REPO / "devices/home.yaml" else Parser.load(args.model, load_home(devices))
            r = evaluate(p, read_test_file(path))
            print(f"  {label:24s} intent {r['intent_accuracy']:.3f}  frame {r['frame_exact_match']:.3f}  "
                  f"slot F1 {r['slot_f1']:.3f}  false action {r['false_action_rate']:.3f}  "
                  f"confirmed {r['confirmed']:.3f}  (n={int(r['n'])})")
            figures[f"hand:{label}"] = r
    if args.plot:
        real = []
        for r, p in zip(dom, p_dom, strict=True):
            real.append((p["_confidence"], p["_reading"] in accept.get(r["intent"], [r["intent"]])))
        for p in p_ood:
            real.append((p["_confidence"], p["_reading"] is None))
        meta = json.loads((args.model / "meta.json").read_text())
        reliability_plot(args.plot, meta, real)
        print(f"reliability curve: {args.plot}")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
