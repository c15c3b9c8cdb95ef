"""`voiced model install`: download from a local HTTP server, verify, unpack atomically, refuse bad archives."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiced.asr.install import install, list_models
from voiced.asr.vosk import check_model_dir
from voiced.errors import ModelError

REPO = Path(__file__).resolve().parents[2]
MODEL_FILES = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst", "README")


def make_zip(top: str = "vosk-model-test-en-0.1", extra: dict[str, bytes] | None = None,
             files: tuple[str, ...] = MODEL_FILES) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in files:
            z.writestr(f"{top}/{f}" if top else f, f"content of {f}\n" * 50)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[bytes, int | None]] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path not in self.routes:
            self.send_error(404)
            return
        body, length = self.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[bytes, int | None]]]]:
    routes: dict[str, tuple[bytes, int | None]] = {}
    handler = type("H", (_Handler,), {"routes": routes})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        httpd.shutdown()
        httpd.server_close()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_good_archive_installs_atomically(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip()
    routes["/m.zip"] = (data, None)
    models = tmp_path / "asr"
    path = install("test-model", models, url=f"{base}/m.zip", sha256=sha(data), progress=False)
    assert path == models / "m"  # named after the archive
    check_model_dir(path)
    assert (path / "graph" / "HCLr.fst").read_text().startswith("content of graph/HCLr.fst")
    assert leftovers(models) == ["m"]  # no temp dirs left behind
    # installing again is a no-op that returns the same directory
    assert install("test-model", models, url=f"{base}/m.zip", sha256=sha(data), progress=False) == path
    entries = {e.name: e for e in list_models(models)}
    assert entries["m"].installed and entries["en-us-small"].installed is False


def test_registry_name_with_mirror_url(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip(top="")  # flat archive (no top directory) also works
    routes["/small.zip"] = (data, None)
    path = install("en-us-small", tmp_path, url=f"{base}/small.zip", sha256=sha(data), progress=False)
    assert path.name == "vosk-model-small-en-us-0.15"
    assert {e.name: e.installed for e in list_models(tmp_path)}["en-us-small"] is True


def test_bad_checksum_leaves_nothing(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip()
    routes["/m.zip"] = (data, None)
    with pytest.raises(ModelError, match="checksum mismatch"):
        install("x", tmp_path / "asr", url=f"{base}/m.zip", sha256="0" * 64, progress=False)
    assert leftovers(tmp_path / "asr") == []


def test_truncated_download_is_refused(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip()
    routes["/m.zip"] = (data[: len(data) // 2], len(data))  # server promises more than it sends
    with pytest.raises(ModelError, match="truncated|failed"):
        install("x", tmp_path, url=f"{base}/m.zip", sha256=sha(data), progress=False)
    assert leftovers(tmp_path) == []


def test_path_traversal_is_refused(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip(extra={"../../evil.txt": b"pwned"})
    routes["/m.zip"] = (data, None)
    models = tmp_path / "a" / "b"
    with pytest.raises(ModelError, match="outside"):
        install("x", models, url=f"{base}/m.zip", sha256=sha(data), progress=False)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "a" / "evil.txt").exists()
    assert leftovers(models) == []


def test_archive_without_a_model_is_refused(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip(files=("README", "notes.txt"))
    routes["/m.zip"] = (data, None)
    with pytest.raises(ModelError, match="does not contain a Vosk model"):
        install("x", tmp_path, url=f"{base}/m.zip", sha256=sha(data), progress=False)
    assert leftovers(tmp_path) == []


def test_not_found_and_missing_checksum(server: tuple[str, dict], tmp_path: Path) -> None:
    base, _routes = server
    with pytest.raises(ModelError, match="cannot download"):
        install("x", tmp_path, url=f"{base}/nothing.zip", sha256="a" * 64, progress=False)
    with pytest.raises(ModelError, match="--sha256"):
        install("en-us-lgraph", tmp_path, progress=False)  # no published checksum: never unverified
    with pytest.raises(ModelError, match="unknown model"):
        install("klingon", tmp_path, progress=False)


def test_cli(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    data = make_zip()
    routes["/cli.zip"] = (data, None)
    run = [sys.executable, "-m", "voiced.cli", "model"]
    p = subprocess.run([*run, "install", "mine", "--dir", str(tmp_path), "--url", f"{base}/cli.zip",
                        "--sha256", sha(data)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert p.returncode == 0, p.stderr
    assert Path(p.stdout.strip()) == tmp_path / "cli"
    p = subprocess.run([*run, "list", "--dir", str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert {r["name"]: r["installed"] for r in rows} == {"en-us-small": False, "en-us-lgraph": False, "cli": True}
    p = subprocess.run([*run, "install", "klingon", "--dir", str(tmp_path)], capture_output=True, text=True,
                       cwd=REPO, timeout=60)
    assert p.returncode == 2 and "unknown model" in p.stderr
    p = subprocess.run([*run, "install", "mine", "--dir", str(tmp_path / "z"), "--url", f"{base}/cli.zip",
                        "--sha256", "f" * 64], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert p.returncode == 1 and "checksum mismatch" in p.stderr
