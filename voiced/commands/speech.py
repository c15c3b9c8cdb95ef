"""``voiced say TEXT [--out FILE.wav]``: speak text on the configured output, or render a WAV."""

from __future__ import annotations

import argparse
import sys

from voiced.config import load_settings
from voiced.tts import Speaker


def cmd_say(args: argparse.Namespace) -> int:
    settings = load_settings(getattr(args, "config", None))
    speaker = Speaker(settings.tts, settings.audio.output_device)
    if getattr(args, "out", None):
        seconds = speaker.render_to_file(args.text, args.out)
        print(f"wrote {args.out} ({seconds:.2f} s)", file=sys.stderr)
        return 0
    speaker.speak(args.text)
    return 0
