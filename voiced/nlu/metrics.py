"""The metric definitions of shared/spec/intents.md, shared by ``voiced eval`` and every benchmark."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _norm(value: Any) -> Any:
    """Canonical comparison form: numbers numerically, strings case-insensitively."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, str):
        s = value.strip().lower()
        try:
            return round(float(s), 6)
        except ValueError:
            return s
    if isinstance(value, list | tuple):
        return tuple(sorted(str(_norm(v)) for v in value))
    return str(value).lower()


def slot_pairs(slots: Mapping[str, Any]) -> set[tuple[str, Any]]:
    return {(k, _norm(v)) for k, v in slots.items()}


def score(pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> dict[str, Any]:
    """``pairs`` of (expected, predicted) frames, each with ``intent`` and ``slots``."""
    n = correct_intent = exact = 0
    tp = fp = fn = 0
    null_n = null_acted = 0
    for expected, predicted in pairs:
        n += 1
        e_int, p_int = expected.get("intent"), predicted.get("intent")
        e_slots = slot_pairs(expected.get("slots") or {})
        p_slots = slot_pairs(predicted.get("slots") or {})
        if e_int == p_int:
            correct_intent += 1
            if e_slots == p_slots:
                exact += 1
        tp += len(e_slots & p_slots)
        fp += len(p_slots - e_slots)
        fn += len(e_slots - p_slots)
        if e_int is None:
            null_n += 1
            if p_int is not None:
                null_acted += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "intent_accuracy": correct_intent / n if n else 0.0,
        "slot_f1": f1,
        "frame_exact_match": exact / n if n else 0.0,
        "false_action_rate": null_acted / null_n if null_n else 0.0,
        "n": n,
    }
