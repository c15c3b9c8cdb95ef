"""How often each parser unit changes a reading, on the sentences it is meant for.

    .venv/bin/python benchmarks/bench_rules.py            # shipped model, example home
    .venv/bin/python benchmarks/bench_rules.py --json

Sets: the generated held-out sentences of the shipped model (regenerated from its recipe: same
seed, count and share as voiced/nlu/train.py), the SLURP devel split (../shared/data/slurp_devel,
home + other-skill requests) and the hand-written regression sets.  Each sentence is read twice:
without a satellite and from a satellite in the home's first area, so a rule that needs a room
is seen.  A rule at 0 on held-out and devel repairs nothing the model gets wrong there: delete it
(issue #10) — and teach the model a missing phrasing through the templates, not a rule.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voiced.home import load_home  # noqa: E402
from voiced.home.model import Home  # noqa: E402
from voiced.nlu.generate import generate  # noqa: E402
from voiced.nlu.parser import Parser  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "slurp_devel"


def heldout(home: Home, recipe: dict[str, Any]) -> list[dict[str, Any]]:
    """The held-out split of training (voiced/nlu/train.py: generate, shuffle with the seed, first share)."""
    seed = int(recipe.get("seed", 0))
    examples = generate(home, int(recipe["sentences"]), seed=seed, fake_p=float(recipe["fake_name_share"]))
    random.Random(seed).shuffle(examples)
    return [{"text": ex.text} for ex in examples[:max(1, int(len(examples) * float(recipe["heldout"])))]]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def count(parser: Parser, home: Home, rows: list[dict[str, Any]]) -> dict[str, int]:
    parser.set_home(home)
    parser.fired.clear()
    satellite = home.areas[0].id if home.areas else None
    for r in rows:
        for area in {r.get("area"), satellite}:
            parser.parse(r["text"], area=area)
    return {n: parser.fired[n] for n in parser.unit_names()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=REPO / "models/nlu")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    args = ap.parse_args()
    home = load_home(REPO / "devices/home.yaml")
    parser = Parser.load(args.model, home)
    recipe = json.loads((args.model / "meta.json").read_text())["recipe"]
    sets: list[tuple[str, Home, list[dict[str, Any]]]] = [("held-out", home, heldout(home, recipe))]
    if (args.data / "home.jsonl").exists():
        sets.append(("devel", home, _rows(args.data / "home.jsonl") + _rows(args.data / "ood.jsonl")))
    sets += [("hand", home, _rows(REPO / "tests/data/nlu_test.jsonl")),
             ("cottage", load_home(REPO / "devices/cottage.yaml"), _rows(REPO / "tests/data/nlu_test_cottage.jsonl")),
             ("flat", load_home(REPO / "devices/flat.yaml"), _rows(REPO / "tests/data/nlu_test_flat.jsonl"))]
    counts = {name: count(parser, h, rows) for name, h, rows in sets}
    if args.json:
        print(json.dumps({"sentences": {name: len(rows) for name, _h, rows in sets}, "fired": counts}))
        return 0
    print(f"{'unit':34s}" + "".join(f"{name:>10s}" for name in counts))
    for unit in parser.unit_names():
        print(f"{unit:34s}" + "".join(f"{c[unit]:10d}" for c in counts.values()))
    print(f"{'(sentences, each read twice)':34s}" + "".join(f"{len(rows):10d}" for _n, _h, rows in sets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
