"""Train the reply model from the templates (``voiced train`` calls ``train``).

Frames are drawn case by case from the templates with random names and numbers (plus the home's
own names, so the checker knows them) and paired with the phrasing their style selects.  Frame
shapes reserved for held-out evaluation are never drawn here.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from voiced.events import OUTCOME_STATUSES
from voiced.home.model import Home
from voiced.reply import checkpoint
from voiced.reply.cases import DEFAULT_CASE, Case, Casebook, casebook
from voiced.reply.frames import (
    CATEGORICAL_FIELDS,
    PLURAL_FIELDS,
    SURFACE_FIELDS,
    placeholder,
    source_tokens,
    view,
)
from voiced.reply.model import BOS, EOS, PAD, SPECIALS, UNK, ReplyModelConfig, ReplySeq2Seq
from voiced.reply.sampler import (
    HELDOUT_POOL,
    INTENTS,
    QUESTIONS,
    STATES,
    TRAIN_POOL,
    FrameSampler,
    Pool,
)

RECIPE: dict[str, Any] = {
    "epochs": 10, "examples": 8000, "batch": 64, "lr": 5e-3, "styles": 3, "embedding": 64,
    "hidden": 128, "dropout": 0.1, "threads": 2, "eval_frames": 600,
}


def home_names(home: Home | None) -> list[str]:
    if home is None:
        return []
    return sorted({e.name for e in home.entities} | {a.name for a in home.areas})


def build_vocab(book: Casebook, n_styles: int) -> list[str]:
    """Every token the source or target can hold, in a fixed order."""
    from voiced.reply.frames import ACTION_FORMS
    src = [f"I:{i}" for i in (*INTENTS, None)] + [f"S:{s}" for s in OUTCOME_STATUSES]
    src += [f"STYLE:{k}" for k in range(n_styles)]
    cats = {"action": list(ACTION_FORMS), "state": list(STATES), "question": list(QUESTIONS),
            "all": ["true", "false"], "scope": ["elsewhere", "other_day"]}
    src += [f"C:{f}={v}" for f in CATEGORICAL_FIELDS for v in cats[f]]
    src += [f"N:{f}={p}" for f in PLURAL_FIELDS for p in ("0", "1", "many")]
    src += [placeholder(f) for f in SURFACE_FIELDS]
    src += [f"K:{c.key}" for c in [*book.cases, DEFAULT_CASE]]
    words = sorted(book.vocabulary() - set(src))
    return [*SPECIALS, *src, *words]


def encode(tokens: list[str], index: dict[str, int]) -> list[int]:
    return [index.get(t, UNK) for t in tokens]


def _pad(seqs: list[list[int]]) -> torch.Tensor:
    width = max(len(s) for s in seqs)
    return torch.tensor([s + [PAD] * (width - len(s)) for s in seqs], dtype=torch.long)


def make_examples(sampler: FrameSampler, n: int, split: str, n_styles: int,
                  index: dict[str, int]) -> list[tuple[list[int], list[int]]]:
    out = []
    for _ in range(n):
        frame, style, case = sampler.sample(split, n_styles)
        src = encode(source_tokens(view(frame), style, case.key), index)
        out.append((src, encode(list(case.phrasing(style)), index)))
    return out


def evaluate(model: ReplySeq2Seq, sampler: FrameSampler, n: int, split: str, n_styles: int,
             vocab: list[str], index: dict[str, int], known: tuple[str, ...] = ()) -> dict[str, float]:
    """Exact phrasing match and check pass rate of greedy replies on fresh frames of a split."""
    from voiced.reply.cases import check, realize
    model.eval()
    items: list[tuple[Any, int, Case]] = [sampler.sample(split, n_styles) for _ in range(n)]
    exact = passed = 0
    for start in range(0, n, 128):
        chunk = items[start:start + 128]
        views = [view(f) for f, _, _ in chunk]
        srcs = [encode(source_tokens(fv, st, case.key), index)
                for fv, (_, st, case) in zip(views, chunk, strict=True)]
        outs = model.greedy(_pad(srcs), torch.tensor([len(s) for s in srcs]))
        for fv, (_, st, case), ids in zip(views, chunk, outs, strict=True):
            toks = [vocab[i] for i in ids]
            exact += toks == list(case.phrasing(st))
            passed += not check(realize(toks, fv.surface), fv, case, known)
    return {"exact_match": exact / n, "check_pass": passed / n}


def train(home: Home | None, out_dir: Path, epochs: int | None = None, seed: int = 0,
          progress: bool = True, examples: int | None = None) -> dict[str, float]:
    """Train a reply model into ``out_dir`` (the reply model directory itself, e.g. models/reply).

    Returns the metrics also stored in the checkpoint: final training loss, exact phrasing match
    and check pass rate on held-out frames, seconds taken.
    """
    t0 = time.monotonic()
    recipe = dict(RECIPE)
    if epochs is not None:
        recipe["epochs"] = epochs
    if examples is not None:
        recipe["examples"] = examples
    rng = random.Random(seed)
    torch.manual_seed(seed)
    old_threads = torch.get_num_threads()
    torch.set_num_threads(recipe["threads"])
    try:
        book = casebook()
        n_styles = recipe["styles"]
        vocab = build_vocab(book, n_styles)
        index = {t: i for i, t in enumerate(vocab)}
        known = home_names(home)
        pool = Pool(**{**TRAIN_POOL.__dict__, "extra_names": tuple(known)})
        sampler = FrameSampler(book, pool, rng)
        data = make_examples(sampler, recipe["examples"], "train", n_styles, index)
        config = ReplyModelConfig(len(vocab), recipe["embedding"], recipe["hidden"], recipe["dropout"])
        model = ReplySeq2Seq(config, checkpoint.copy_ids(vocab))
        opt = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=recipe["lr"], total_steps=recipe["epochs"] * -(-len(data) // recipe["batch"]))
        loss_fn = nn.NLLLoss(ignore_index=PAD)
        loss_value = float("nan")
        for epoch in range(recipe["epochs"]):
            model.train()
            rng.shuffle(data)
            total = count = 0.0
            for start in range(0, len(data), recipe["batch"]):
                batch = data[start:start + recipe["batch"]]
                src = _pad([s for s, _ in batch])
                lengths = torch.tensor([len(s) for s, _ in batch])
                tgt_in = _pad([[BOS, *t] for _, t in batch])
                tgt_out = _pad([[*t, EOS] for _, t in batch])
                logp = model(src, lengths, tgt_in)
                loss = loss_fn(logp.reshape(-1, logp.size(-1)), tgt_out.reshape(-1))
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(batch)
                count += len(batch)
            loss_value = total / max(count, 1)
            if progress:
                print(f"reply epoch {epoch + 1}/{recipe['epochs']}: loss {loss_value:.4f} "
                      f"({time.monotonic() - t0:.0f} s)", file=sys.stderr, flush=True)
        eval_sampler = FrameSampler(book, Pool(**{**HELDOUT_POOL.__dict__, "extra_names": tuple(known)}),
                                    random.Random(seed + 1))
        metrics = evaluate(model, eval_sampler, recipe["eval_frames"], "heldout", n_styles, vocab, index,
                           tuple(known))
        metrics = {"loss": round(loss_value, 5), **{k: round(v, 4) for k, v in metrics.items()},
                   "seconds": round(time.monotonic() - t0, 1), "examples": float(len(data))}
        model.eval()
        checkpoint.save(Path(out_dir), model, vocab,
                        {"recipe": {**recipe, "seed": seed}, "metrics": metrics, "home_names": known,
                         "home": home.source if home is not None else None})
        if progress:
            print(f"reply model: {metrics}", file=sys.stderr, flush=True)
        return metrics
    finally:
        torch.set_num_threads(old_threads)
