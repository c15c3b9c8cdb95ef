"""Spoken commands end to end: eSpeak NG audio → VAD → PocketSphinx → NLU → actions → real Mosquitto.

60 commands of the example home, 3 voices × 2 speeds (rotating), clean and with pink noise at 20 dB
and 10 dB SNR; an utterance counts as right when exactly the expected MQTT commands arrive.
The full cross product (every command in every voice and speed) is in benchmarks/bench_voice.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.audio_fixtures import SPEEDS, VOICES, VoiceE2E, actionable_commands, spoken_set, utterance
from tests.conftest import Broker

N_COMMANDS = 60
TARGETS = {None: 0.95, 20: 0.92, 10: 0.85}


@pytest.fixture(scope="module")
def e2e(module_broker: Broker) -> Iterator[VoiceE2E]:
    h = VoiceE2E(module_broker.url)
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(scope="module")
def commands() -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    return actionable_commands(N_COMMANDS, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("snr", [None, 20, 10])
def test_spoken_commands_reach_mosquitto(e2e: VoiceE2E, commands: tuple[list[str], dict], snr: int | None) -> None:
    texts, expected = commands
    assert len(texts) == N_COMMANDS
    items = spoken_set(texts)
    assert {(v, s) for _t, v, s in items} == {(v, s) for v in VOICES for s in SPEEDS}
    results = []
    for i, (text, voice, speed) in enumerate(items):
        r = e2e.run(utterance(text, voice, speed, snr, seed=1000 + i), expected[text])
        results.append((text, voice, speed, r))
    acc = sum(bool(r["ok"]) for *_x, r in results) / len(results)
    wrong = [(t, v, s, r["text"]) for t, v, s, r in results if not r["ok"]]
    print(f"\nSNR {snr}: {acc:.1%} right; wrong: {wrong}")
    assert acc >= TARGETS[snr], wrong
