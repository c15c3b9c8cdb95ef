"""The home's names to the parts that recognise them, after every change of the running home
(a HomeManager listener): the NLU's names are swapped on the main loop (cheap, and never in the
middle of a parse); the ASR grammar is rebuilt on a worker (seconds) and swapped in by the voice
thread between utterances, so commands are never blocked by a discovery.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from voiced.home.model import Home

log = logging.getLogger("voiced.service")


class NameRefresher:
    def __init__(self, nlu: Any) -> None:
        self.nlu = nlu
        self.voice: Any = None  # voiced.listener.VoiceInput, once attached
        self._worker: threading.Thread | None = None
        self._worker_home: Home | None = None
        self._worker_lock = threading.Lock()

    def __call__(self, home: Home) -> None:
        setter = getattr(self.nlu, "set_home", None)
        if setter is not None:
            t = time.perf_counter()
            try:
                setter(home)
                log.info("NLU vocabulary refreshed for %d entities in %.1f ms", len(home.entities),
                         (time.perf_counter() - t) * 1000)
            except Exception:  # noqa: BLE001
                log.exception("NLU refresh failed; keeping the previous vocabulary")
        if self.voice is None:
            return
        with self._worker_lock:
            self._worker_home = home
            if self._worker is not None and self._worker.is_alive():
                return  # the running worker picks the newest home up when it finishes
            self._worker = threading.Thread(target=self._work, name="voiced-grammar-refresh", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self._worker_lock:
                target, self._worker_home = self._worker_home, None
                if target is None:
                    self._worker = None
                    return
            try:
                self.voice.set_home(target)
            except Exception:  # noqa: BLE001
                log.exception("ASR grammar refresh failed; keeping the previous grammar")

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """For tests and shutdown: wait until the background grammar refresh is idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._worker_lock:
                if self._worker is None and self._worker_home is None:
                    return True
            time.sleep(0.02)
        return False
