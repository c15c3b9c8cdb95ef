"""Vosk model install: download → verify SHA-256 → unpack into a temp dir → atomic rename.

A half-downloaded or tampered archive never becomes a model directory: the size is checked against
Content-Length, the checksum against the registry (or ``--sha256``), archive members that would
land outside the target (absolute paths, ``..``, links) are refused, and only a verified, fully
unpacked tree is renamed into place.  alphacephei.com publishes no checksums; the small English
model's SHA-256 is the one several independent packagers pinned (Yocto recipes, app installers);
for the larger model none is published, so it needs ``--sha256`` (see docs/voice.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from voiced.asr.vosk import check_model_dir, find_vosk_models
from voiced.errors import ModelError, SpeechToTextError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    name: str  # what `voiced model install NAME` takes
    dirname: str  # directory the archive unpacks to
    url: str
    sha256: str | None  # None: no published checksum, --sha256 required
    size_mb: int
    language: str
    note: str = ""


REGISTRY: dict[str, ModelSpec] = {
    "en-us-small": ModelSpec(
        "en-us-small", "vosk-model-small-en-us-0.15",
        "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498", 40, "en",
        "small English model (Raspberry Pi class), grammar-capable"),
    "en-us-lgraph": ModelSpec(
        "en-us-lgraph", "vosk-model-en-us-0.22-lgraph",
        "https://alphacephei.com/vosk/models/vosk-model-en-us-0.22-lgraph.zip",
        None, 128, "en",
        "larger English model with a dynamic graph (grammar-capable); no published checksum: pass --sha256"),
}
ALIASES = {"en-us": "en-us-lgraph", "en-us-large": "en-us-lgraph", "small": "en-us-small"}


def resolve(name: str) -> ModelSpec | None:
    return REGISTRY.get(ALIASES.get(name, name))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url: str, dest: Path, progress: bool = True, timeout: float = 60.0) -> int:
    """Stream ``url`` to ``dest`` with a tqdm progress bar; refuse a short (truncated) body."""
    from tqdm import tqdm

    try:
        resp = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - http(s)/file URLs by design
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ModelError(f"cannot download {url}: {exc}") from exc
    with resp:
        total = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
        expected = int(total) if total and total.isdigit() else None
        n = 0
        with dest.open("wb") as f, tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024,
                                       desc=os.path.basename(url) or "model", disable=not progress,
                                       leave=False) as bar:
            while True:
                try:
                    block = resp.read(1 << 16)
                except (OSError, urllib.error.URLError) as exc:
                    raise ModelError(f"download of {url} failed after {n} bytes: {exc}") from exc
                if not block:
                    break
                f.write(block)
                n += len(block)
                bar.update(len(block))
    if expected is not None and n != expected:
        raise ModelError(f"download of {url} is truncated: got {n} of {expected} bytes")
    return n


def _safe_member(name: str) -> PurePosixPath:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]):
        raise ModelError(f"archive member {name!r} would be written outside the models directory; refusing")
    return p


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a zip or tar archive into ``dest`` refusing path traversal and links."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                rel = _safe_member(info.filename)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise ModelError(f"archive member {info.filename!r} is a symbolic link; refusing")
                target = dest.joinpath(*rel.parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
        return
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                _safe_member(m.name)
                if m.issym() or m.islnk() or m.isdev():
                    raise ModelError(f"archive member {m.name!r} is a link or device; refusing")
            t.extractall(dest, filter="data")
        return
    raise ModelError(f"{archive.name} is neither a zip nor a tar archive")


def _archive_stem(url: str) -> str:
    """vosk-model-en-us-0.22.zip → vosk-model-en-us-0.22 (version dots kept)."""
    name = PurePosixPath(url.split("?", 1)[0].rsplit("/", 1)[-1]).name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _model_root(unpacked: Path) -> Path:
    entries = [e for e in unpacked.iterdir() if not e.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return unpacked


def install(name: str, models_dir: str | Path, url: str | None = None, sha256: str | None = None,
            progress: bool = True, force: bool = False) -> Path:
    """Install a registry model (or any archive with ``url`` + ``sha256``); returns its directory."""
    spec = resolve(name)
    if spec is None and url is None:
        raise ModelError(f"unknown model {name!r} (known: {', '.join(REGISTRY)}); or give --url and --sha256")
    the_url = url or (spec.url if spec else "")
    want = (sha256 or (spec.sha256 if spec and not url else None) or "").lower().strip()
    if not want:
        raise ModelError(f"no published SHA-256 for {name}: pass --sha256 HEX (compute it on a trusted copy "
                         "with `sha256sum`); voiced never installs an unverified model")
    if len(want) != 64 or any(c not in "0123456789abcdef" for c in want):
        raise ModelError(f"--sha256 must be 64 hex digits, not {want!r}")
    root = Path(models_dir)
    dirname = spec.dirname if spec else _archive_stem(the_url) or name
    final = root / dirname
    if final.exists() and not force:
        try:
            check_model_dir(final)
            log.info("%s is already installed at %s", name, final)
            return final
        except SpeechToTextError:
            log.warning("%s exists but is not a valid model; reinstalling", final)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".install-{dirname}-", dir=root))
    try:
        archive = tmp / "archive"
        download(the_url, archive, progress=progress)
        got = sha256_file(archive)
        if got != want:
            raise ModelError(f"checksum mismatch for {the_url}: expected {want}, got {got}; archive discarded")
        unpacked = tmp / "unpacked"
        unpacked.mkdir()
        unpack(archive, unpacked)
        model = _model_root(unpacked)
        try:
            check_model_dir(model)
        except SpeechToTextError as exc:
            raise ModelError(f"archive from {the_url} does not contain a Vosk model: {exc}") from exc
        if final.exists():
            old = tmp / "old"
            os.rename(final, old)  # atomic swap-out; removed with tmp
        os.rename(model, final)  # same filesystem (tmp is inside root): atomic
        log.info("installed %s into %s", name, final)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    dirname: str
    installed: bool
    path: str
    note: str


def list_models(models_dir: str | Path) -> list[ModelEntry]:
    """Registry models (installed or not) plus any other Vosk model directory found there."""
    root = Path(models_dir)
    installed = {d.name: d for d in find_vosk_models(root)}
    out = [ModelEntry(s.name, s.dirname, s.dirname in installed, str(root / s.dirname), s.note)
           for s in REGISTRY.values()]
    known = {s.dirname for s in REGISTRY.values()}
    out += [ModelEntry(d.name, d.name, True, str(d), "installed manually") for n, d in installed.items() if n not in known]
    return out
