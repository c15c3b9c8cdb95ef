"""voiced: an offline, voice-driven smart-home assistant."""

__version__ = "0.1.0"
