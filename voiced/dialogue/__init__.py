"""Dialogue stage: follow-up questions, confirmations, timers (pure) and spoken alerts."""

from voiced.dialogue.alerts import Alert, AlertEngine
from voiced.dialogue.session import TIMER_INTENTS, Decision, DialogueManager
from voiced.dialogue.store import load_state, save_state, timers_path
from voiced.dialogue.timers import Timer, TimerManager

__all__ = ["TIMER_INTENTS", "Alert", "AlertEngine", "Decision", "DialogueManager", "Timer",
           "TimerManager", "load_state", "save_state", "timers_path"]
