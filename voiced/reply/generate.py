"""ReplyFrame → Reply: generate with the model, check, fall back to a template when the check fails.

The style (which phrasing of a case) turns with every reply, so the assistant does not repeat
itself; greedy decoding keeps each (frame, style) deterministic.  The fallback is always the
case's first phrasing, filled from the frame, and is itself checked by the tests.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiced.errors import ModelError
from voiced.events import AMBIGUOUS, Reply, ReplyFrame
from voiced.reply.cases import Case, Casebook, casebook, check, realize
from voiced.reply.frames import FrameView, source_tokens, view

if TYPE_CHECKING:
    from voiced.reply.model import ReplySeq2Seq

log = logging.getLogger(__name__)


class ReplyGenerator:
    """Loaded once per daemon; ``generate`` is safe to call from several threads."""

    def __init__(self, book: Casebook, model: ReplySeq2Seq | None = None, vocab: list[str] | None = None,
                 known_names: tuple[str, ...] = (), n_styles: int = 3) -> None:
        self.book = book
        self.model = model
        self.vocab = vocab or []
        self.index = {t: i for i, t in enumerate(self.vocab)}
        self.known_names = known_names
        self.n_styles = n_styles
        self.generated = 0  # replies from the model that passed the check
        self.fallback = 0  # replies replaced by a template
        self.templated = 0  # replies said as written: no model, a fixed case, or a case newer than the model
        self._turn = 0
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_dir: Path | None = None, use_model: bool = True) -> ReplyGenerator:
        """``model_dir`` None = the shipped models/reply; ``use_model=False`` = templates only
        (no torch import at all)."""
        book = casebook()
        if not use_model:
            return cls(book)
        import torch

        from voiced.reply import checkpoint

        torch.set_num_threads(1)  # batch-1 latency: one thread avoids multi-ms scheduling spikes
        model, vocab, meta = checkpoint.load(model_dir)
        names = meta.get("home_names", [])
        styles = meta.get("recipe", {}).get("styles", 3)
        if not isinstance(names, list) or not isinstance(styles, int) or styles < 1:
            raise ModelError(f"{model_dir or checkpoint.DEFAULT_DIR}: meta.json: bad home_names/recipe")
        return cls(book, model, vocab, tuple(str(n) for n in names), styles)

    @property
    def counters(self) -> dict[str, int]:
        return {"generated": self.generated, "fallback": self.fallback, "templated": self.templated}

    def _next_style(self) -> int:
        with self._lock:
            style = self._turn % self.n_styles
            self._turn += 1
            return style

    def _unseen(self, fv: FrameView, case: Case) -> bool:
        """A case the model never saw in training (added after it was trained): its words would be
        a guess that the check might still pass ("It's 10:30." for "I can only tell the time here")."""
        return f"K:{case.key}" not in self.index

    def model_text(self, fv: FrameView, style: int, case: Case) -> str:
        """The model's raw sentence for a frame view (no check)."""
        import torch

        from voiced.reply.model import UNK

        assert self.model is not None
        ids = [self.index.get(t, UNK) for t in source_tokens(fv, style, case.key)]
        out = self.model.greedy(torch.tensor([ids]), torch.tensor([len(ids)]))[0]
        return realize([self.vocab[i] for i in out], fv.surface)

    def generate(self, frame: ReplyFrame, session_id: str = "", style: int | None = None) -> Reply:
        """The sentence to speak for ``frame``; never raises (see module docstring)."""
        try:
            fv = view(frame)
            case = self.book.select(fv)
        except Exception:  # a frame nobody foresaw: say something safe rather than nothing
            log.exception("unreadable reply frame %r", frame)
            with self._lock:
                self.fallback += 1
            return Reply("Sorry, something went wrong.", fallback=True, session_id=session_id)
        style = self._next_style() if style is None else style
        end = frame.status != AMBIGUOUS  # a question keeps the session open for the answer
        if self.model is None or case.fixed or self._unseen(fv, case):
            # no model, words that must be said as written, or a case newer than the model
            with self._lock:
                self.templated += 1
            return Reply(case.say(fv, style), fallback=False, session_id=session_id, end_session=end)
        problems: list[str]
        try:
            text = self.model_text(fv, style, case)
            problems = check(text, fv, case, self.known_names)
        except Exception as exc:  # a model failure must never cost the user a reply
            log.exception("reply model failed")
            text, problems = "", [f"model error: {exc}"]
        if not problems:
            with self._lock:
                self.generated += 1
            return Reply(text, fallback=False, session_id=session_id, end_session=end)
        with self._lock:
            self.fallback += 1
        log.info("reply fallback (%s): %r failed the check: %s", case.where, text, "; ".join(problems))
        return Reply(case.say(fv, 0), fallback=True, session_id=session_id, end_session=end)

    def stats(self) -> dict[str, Any]:
        total = self.generated + self.fallback
        return {**self.counters, "fallback_rate": self.fallback / total if total else 0.0}
