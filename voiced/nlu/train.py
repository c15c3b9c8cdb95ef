"""Training: generated examples for a home → a checkpoint directory, with held-out figures.

The held-out figures are measured on generated sentences the network did not see, with the same
metric code as ``voiced eval`` (names compared as spoken, since generated names are partly fake).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import torch
from torch import nn
from tqdm import tqdm

from voiced.home.model import Home
from voiced.nlu import checkpoint, metrics
from voiced.nlu.encoder import SentenceEncoder
from voiced.nlu.generate import Example, generate
from voiced.nlu.model import JointNlu, Net, NluConfig, NluEnsemble
from voiced.nlu.slots import LABELS, span_slots

RECIPE: dict[str, Any] = {
    "sentences": 15000,
    "epochs": 8,
    "batch_size": 64,
    "lr": 0.003,
    "word_dropout": 0.08,
    "name_word_dropout": 0.4,
    "min_word_count": 2,
    "heldout": 0.08,
    "fake_name_share": 0.5,
    "sentence_encoder": True,  # frozen MiniLM sentence vector beside the BiGRU (when the package is there)
    "encoder_int8": True,  # its int8 export (after `voiced model prepare`): 2x faster parsing, accuracy within seed noise
    # BiGRUs read as one (model.NluEnsemble), trained side by side, each on its own random share of
    # the sentences: two members on all of them were no better than one across seeds, on 70 % each
    # they were (docs/benchmarks.md)
    "members": int(os.environ.get("VOICED_MEMBERS", "2")),
    "member_share": float(os.environ.get("VOICED_SHARE", "0.7")),
}


def spans_from_tags(tokens: list[Any], tags: list[str]) -> list[tuple[str, int, int]]:
    """(label, first token, last token + 1) for each BIO span."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(tags):
        if tags[i].startswith("B-"):
            label = tags[i][2:]
            j = i + 1
            while j < len(tags) and tags[j] == f"I-{label}":
                j += 1
            out.append((label, i, j))
            i = j
        else:
            i += 1
    return out


def _raw_frame(ex_tokens: list[str], tags: list[str]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for label, i, j in spans_from_tags(ex_tokens, tags):
        slots.update(span_slots(label, " ".join(ex_tokens[i:j])))
    return slots


Encoded = tuple[list[int], list[list[int]], list[list[float]], int, list[int], list[bool], int]


def _batches(data: list[Encoded], batch_size: int, rng: random.Random, unk_p: float, name_unk_p: float,
             train: bool, sents: torch.Tensor) -> list[tuple[torch.Tensor, ...]]:
    order = list(range(len(data)))
    starts = list(range(0, len(order), batch_size))
    if train:
        # shuffled, then sorted by length within pools of 20 batches, the batches in random order: a
        # batch pads to its longest sentence, and with random batches half of every tensor was padding
        rng.shuffle(order)
        pool = 20 * batch_size
        order = [i for p in range(0, len(order), pool) for i in sorted(order[p:p + pool], key=lambda i: len(data[i][0]))]
        rng.shuffle(starts)
    out: list[tuple[torch.Tensor, ...]] = []
    for s in starts:
        items = [data[i] for i in order[s:s + batch_size]]
        t_max = max(len(it[0]) for it in items)
        no_chars, no_gaz = [0] * len(items[0][1][0]), [0.0, 0.0, 0.0]
        w_rows, c_rows, g_rows, tag_rows = [], [], [], []
        # padded rows as lists, then one tensor per field (a tensor per item and field was 10 % of training)
        for wids, cids, gz, _intent, tids, is_name, _s in items:
            n = len(wids)
            ws = list(wids)
            if train:
                for k in range(n):
                    if rng.random() < (name_unk_p if is_name[k] else unk_p):
                        ws[k] = 1
            pad = t_max - n
            w_rows.append(ws + [0] * pad)
            c_rows.append(cids + [no_chars] * pad)
            g_rows.append(gz + [no_gaz] * pad)
            tag_rows.append(tids + [-100] * pad)
        w = torch.tensor(w_rows, dtype=torch.long)
        c = torch.tensor(c_rows, dtype=torch.long)
        g = torch.tensor(g_rows, dtype=torch.float32)
        y_tag = torch.tensor(tag_rows, dtype=torch.long)
        y_int = torch.tensor([it[3] for it in items], dtype=torch.long)
        lengths = torch.tensor([len(it[0]) for it in items], dtype=torch.long)
        s_vec = sents[torch.tensor([it[6] for it in items])]
        out.append((w, c, g, lengths, s_vec, y_int, y_tag))
    return out


def sentence_vectors(encoder: SentenceEncoder | None, sentences: list[list[str]]) -> torch.Tensor:
    """(N, S) frozen sentence vectors (S = 1 zero column without an encoder), each distinct sentence
    encoded once.  int8 (after ``voiced model prepare``): one sentence at a time (its vectors depend
    on the batch; alone is as fast), by two threads; float in onnxruntime: batches of 32 on its one
    thread, shortest first so that batches carry little padding; in torch: with two threads.  This
    runs once per training."""
    if encoder is None:
        return torch.zeros(len(sentences), 1)
    texts = [" ".join(t) for t in sentences]
    uniq = sorted(set(texts), key=lambda x: (len(x), x))
    if encoder.int8:
        with ThreadPoolExecutor(2) as pool:  # onnxruntime releases the GIL while it runs
            halves = list(pool.map(encoder.encode, (uniq[0::2], uniq[1::2])))
        vecs = torch.empty(len(uniq), encoder.dim)
        vecs[0::2], vecs[1::2] = halves
    elif encoder.backend == "onnxruntime":
        vecs = encoder.encode(uniq, batch_size=32)
    else:
        threads = torch.get_num_threads()
        torch.set_num_threads(max(threads, 2))
        try:
            vecs = encoder.encode(uniq, batch_size=128)
        finally:
            torch.set_num_threads(threads)
    row = {t: i for i, t in enumerate(uniq)}
    return vecs[torch.tensor([row[t] for t in texts])]


class _Known:
    """Sentence vectors already computed, looked up by sentence (``SentenceEncoder.encode``'s role)."""

    def __init__(self, texts: list[str], vecs: torch.Tensor) -> None:
        self.rows = dict(zip(texts, vecs, strict=True))

    def encode(self, sentences: list[str]) -> torch.Tensor:
        return torch.stack([self.rows[s] for s in sentences])


def fit_temperature(logits: torch.Tensor, gold: torch.Tensor) -> float:
    """Temperature that minimises the held-out negative log-likelihood (Guo et al. 2017)."""
    best, best_nll = 1.0, float("inf")
    for k in range(5, 101):
        t = k / 20
        nll = float(nn.functional.cross_entropy(logits / t, gold))
        if nll < best_nll:
            best, best_nll = t, nll
    return best


def reliability(conf: list[float], correct: list[bool], bins: int = 10) -> dict[str, Any]:
    """Per confidence bin: count, mean confidence, accuracy; and the expected calibration error."""
    rows = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not idx:
            rows.append({"lo": lo, "hi": hi, "n": 0})
            continue
        mc = sum(conf[i] for i in idx) / len(idx)
        acc = sum(correct[i] for i in idx) / len(idx)
        ece += len(idx) / len(conf) * abs(mc - acc)
        rows.append({"lo": lo, "hi": hi, "n": len(idx), "confidence": round(mc, 4), "accuracy": round(acc, 4)})
    return {"bins": rows, "ece": round(ece, 4)}


def _share(n: int) -> int:
    """How many of ``n`` training sentences one ensemble member learns from."""
    return max(1, min(n, round(n * float(RECIPE["member_share"]))))


def _fit(cfg: NluConfig, data: list[Encoded], sents: torch.Tensor, epochs: int, seed: int,
         bar: tqdm | None) -> JointNlu:
    """One BiGRU trained from ``seed`` (its initial weights, batch order and dropout)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    if cfg.members > 1:
        data = rng.sample(data, _share(len(data)))
    net = JointNlu(cfg)
    opt = torch.optim.Adam(net.parameters(), lr=float(RECIPE["lr"]))
    n_batches = (len(data) + RECIPE["batch_size"] - 1) // RECIPE["batch_size"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=float(RECIPE["lr"]), total_steps=epochs * n_batches)
    ce = nn.CrossEntropyLoss(ignore_index=-100)
    net.train()
    for epoch in range(epochs):
        total = 0.0
        for w, c, g, lengths, s_vec, y_int, y_tag in _batches(data, int(RECIPE["batch_size"]), rng,
                                                               float(RECIPE["word_dropout"]),
                                                               float(RECIPE["name_word_dropout"]), True, sents):
            intent_logits, tag_logits = net(w, c, g, lengths, s_vec if cfg.sent_dim else None)
            loss = ce(intent_logits, y_int) + ce(tag_logits.reshape(-1, cfg.n_tags), y_tag.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            sched.step()
            total += loss.item()
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.set_postfix(epoch=epoch + 1, loss=f"{total / n_batches:.3f}")
    return net.eval()


def _fit_all(cfg: NluConfig, data: list[Encoded], sents: torch.Tensor, epochs: int, seed: int,
             progress: bool) -> Net:
    """The network of ``cfg``: its members trained side by side, one per core (``VOICED_TRAIN_PROCS``,
    default 2: training runs one thread, so a second core was idle), member 0 here with the bar and
    the others in forked processes that send their weights back."""
    n = len(data) if cfg.members == 1 else _share(len(data))
    n_batches = (n + RECIPE["batch_size"] - 1) // RECIPE["batch_size"]
    bar = tqdm(total=epochs * n_batches, desc="nlu", unit="batch", disable=not progress, file=sys.stderr)
    seeds = [seed + 1000 * k for k in range(cfg.members)]
    if cfg.members == 1:
        net: Net = _fit(cfg, data, sents, epochs, seeds[0], bar)
        bar.close()
        return net
    procs = max(1, int(os.environ.get("VOICED_TRAIN_PROCS", "2")))
    if "fork" not in multiprocessing.get_all_start_methods():
        procs = 1
    ctx = multiprocessing.get_context("fork" if procs > 1 else None)
    states: dict[int, dict[str, torch.Tensor]] = {}
    order = list(range(cfg.members))
    while order:
        here, others, order = order[0], order[1:procs], order[procs:]
        running = []
        for k in others:
            recv, send = ctx.Pipe(duplex=False)
            child = ctx.Process(target=_member_child, args=(send, cfg, data, sents, epochs, seeds[k]), daemon=True)
            child.start()
            send.close()
            running.append((k, child, recv))
        states[here] = _fit(cfg, data, sents, epochs, seeds[here], bar if here == 0 else None).state_dict()
        for k, child, recv in running:
            try:
                status, payload = recv.recv()
            except EOFError:
                status, payload = "error", f"exit code {child.exitcode}"
            child.join()
            if status != "ok":
                raise RuntimeError(f"nlu: training member {k} failed: {payload}")
            states[k] = torch.load(io.BytesIO(payload), weights_only=True)
    bar.close()
    ensemble = NluEnsemble(cfg)
    for k, member in enumerate(ensemble.members):
        member.load_state_dict(states[k])
    return ensemble.eval()


def _member_child(send: Any, cfg: NluConfig, data: list[Encoded], sents: torch.Tensor, epochs: int,
                  seed: int) -> None:
    try:
        torch.set_num_threads(1)
        buf = io.BytesIO()  # bytes, not tensors: torch would share them through this process's fds
        torch.save(_fit(cfg, data, sents, epochs, seed, None).state_dict(), buf)
        send.send(("ok", buf.getvalue()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        send.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def train(home: Home, out_dir: Path, epochs: int | None = None, seed: int = 0, progress: bool = True,
          sentences: int | None = None) -> dict[str, float]:
    """Train the NLU for ``home`` into ``out_dir``; returns (and prints) the held-out figures."""
    t0 = time.perf_counter()
    epochs = epochs or int(RECIPE["epochs"])
    n_sent = sentences or int(RECIPE["sentences"])
    # one thread: on a shared 2-core machine a second OpenMP thread mostly spin-waits
    torch.set_num_threads(int(os.environ.get("VOICED_TRAIN_THREADS", "1")))
    rng = random.Random(seed)
    examples = generate(home, n_sent, seed=seed, fake_p=float(RECIPE["fake_name_share"]))
    rng.shuffle(examples)
    n_held = max(1, int(len(examples) * float(RECIPE["heldout"])))
    held, train_ex = examples[:n_held], examples[n_held:]

    counts = Counter(t for ex in train_ex for t in ex.tokens)
    words = [checkpoint.PAD, checkpoint.UNK] + sorted(w for w, c in counts.items() if c >= RECIPE["min_word_count"])
    chars = [checkpoint.PAD, checkpoint.UNK] + sorted({ch for ex in train_ex for t in ex.tokens for ch in t})
    intents = sorted({ex.intent or "" for ex in examples})
    tags = ["O"] + [f"{p}-{lab}" for lab in LABELS for p in ("B", "I")]
    vocab = checkpoint.Vocab(words, chars, intents, tags)
    encoder = SentenceEncoder.from_package(int8=bool(RECIPE["encoder_int8"])) if RECIPE["sentence_encoder"] else None
    cfg = NluConfig(n_words=len(words), n_chars=len(chars), n_intents=len(intents), n_tags=len(tags),
                    sent_dim=encoder.dim if encoder is not None else 0,
                    sent_int8=encoder is not None and encoder.int8, members=int(RECIPE["members"]))
    sents = sentence_vectors(encoder, [ex.tokens for ex in train_ex + held])

    def encode(k: int, ex: Example) -> Encoded:
        return ([vocab.word_id(t) for t in ex.tokens], [vocab.char_ids(t, cfg.max_word_len) for t in ex.tokens],
                [[float((b >> i) & 1) for i in range(3)] for b in ex.gaz], vocab.intent_ix[ex.intent or ""],
                [vocab.tag_ix[t] for t in ex.tags], [t[2:] in ("name", "area", "floor") for t in ex.tags], k)

    data = [encode(k, ex) for k, ex in enumerate(train_ex)]
    held_data = [encode(len(train_ex) + k, ex) for k, ex in enumerate(held)]
    net = _fit_all(cfg, data, sents, epochs, seed, progress)
    net.eval()
    with torch.inference_mode():
        held_logits = torch.cat([net(w, c, g, n, s_vec if encoder is not None else None)[0]
                                 for w, c, g, n, s_vec, _y, _t in _batches(held_data, 256, rng, 0, 0, False, sents)])
    gold = torch.tensor([d[3] for d in held_data])
    temperature = fit_temperature(held_logits, gold)
    probs = torch.softmax(held_logits / temperature, dim=1)
    calib = {"temperature": temperature,
             **reliability(probs.max(1).values.tolist(), (probs.argmax(1) == gold).tolist()),
             "uncalibrated": reliability(torch.softmax(held_logits, 1).max(1).values.tolist(),
                                         (held_logits.argmax(1) == gold).tolist())}
    # held-out readings with the vectors computed above (as parsing would compute them, to 1e-6)
    known = _Known([" ".join(ex.tokens) for ex in held], sents[len(train_ex):]) if encoder is not None else None
    model = checkpoint.NluModel(net, vocab, {}, cast(SentenceEncoder | None, known), temperature)
    pairs = []
    for ex in held:
        intent, _conf, pred_tags, _ = model.predict(ex.tokens, ex.gaz)
        pairs.append(({"intent": ex.intent, "slots": ex.slots},
                      {"intent": intent, "slots": _raw_frame(ex.tokens, pred_tags)}))
    figures = metrics.score(pairs)
    seconds = time.perf_counter() - t0
    result = {k: float(v) for k, v in figures.items()}
    result["train_seconds"] = round(seconds, 1)
    checkpoint.save(out_dir, net, vocab, {
        "recipe": {**RECIPE, "epochs": epochs, "sentences": n_sent, "seed": seed},
        "trained_on": home.source, "heldout": result, "calibration": calib,
        "params": sum(p.numel() for p in net.parameters()),
    })
    try:  # parsing runs it in onnxruntime (voiced/nlu/checkpoint.py); without the export, in torch
        checkpoint.export_onnx(out_dir, net)
    except Exception as exc:  # noqa: BLE001 - the checkpoint is written; only the fast path is missing
        print(f"nlu: no onnxruntime export ({exc}); parsing will run the network in torch", file=sys.stderr)
    if progress:
        print(f"nlu held-out ({len(held)} generated sentences): intent accuracy {result['intent_accuracy']:.3f}, "
              f"slot F1 {result['slot_f1']:.3f}, frame exact match {result['frame_exact_match']:.3f}, "
              f"false action rate {result['false_action_rate']:.3f}; {seconds:.0f} s", file=sys.stderr)
    return result
