"""Synthetic audio for training and measuring a wake-word head: eSpeak NG voices, noise, music, rooms.

Nothing is downloaded and nothing recorded: the phrase and the negatives are spoken by eSpeak NG
(the engine pyttsx3 drives on Linux) in many accent × voice-variant combinations, at several
speeds, pitches and word gaps, then warped (resampling changes pitch, tempo and formants together,
like a longer or shorter vocal tract), put in a synthetic room (exponentially decaying noise
impulse response), set to a random level and mixed with noise at a random SNR.

Voices are split: ``TRAIN_VOICES`` make the training data, ``HELDOUT_VOICES`` (other accents *and*
other variants) only the benchmark's, so its misses are measured on voices the head never heard.
"""

from __future__ import annotations

import io
import re
import subprocess
import wave
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from voiced.errors import WakeError

RATE = 16000
TRAIN_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-029")
HELDOUT_ACCENTS = ("en-gb-x-rp", "en-us-nyc", "en-gb-x-gbcwmd")
TRAIN_VARIANTS = ("", "m1", "m2", "m3", "m4", "f1", "f2", "f3", "adam", "Alex", "Andy", "Annie", "aunty",
                  "boris", "caleb", "david", "ed", "Gene", "iven", "Jacky", "Lee", "max", "Mike", "paul",
                  "quincy", "rob", "robert", "steph", "Tweaky", "zac", "anika", "whisperf", "klatt")
HELDOUT_VARIANTS = ("m5", "m6", "m7", "f4", "f5", "Andrea", "belinda", "benjamin", "edward", "john",
                    "linda", "Michael", "pablo", "steph2", "grandpa")
# other languages' voices reading English: accented English, as many people speak it at home
FOREIGN_ACCENTS = ("de", "nl", "sv", "da", "nb", "fr-fr", "es", "it", "pt", "pl", "hi", "ru", "cs", "fi")
FOREIGN_VARIANTS = ("", "m2", "f2", "m4", "f1", "max", "Annie", "klatt")
VALIDATION_ACCENT = "en-029"  # all its voices choose the threshold: an accent the head is not fitted to
TRAIN_VOICES = (tuple(f"{a}+{v}" if v else a for a in TRAIN_ACCENTS for v in TRAIN_VARIANTS)
                + tuple(f"{a}+{v}" if v else a for a in FOREIGN_ACCENTS for v in FOREIGN_VARIANTS))
HELDOUT_VOICES = tuple(f"{a}+{v}" for a in HELDOUT_ACCENTS for v in HELDOUT_VARIANTS)

# near misses: they share the phrase's sounds or words, and must not wake it ("hey computer")
CONFUSABLE_TEMPLATES = (
    "{a}", "{b}", "hey", "hey there", "hey you", "okay {b}", "a {b}", "the {b}", "my {b}", "hey {a2}",
    "hey commuter", "hey compute", "hey company", "hey cucumber", "hey cooper", "hey peter", "they compete",
    "hey come here", "hey come pick her up", "say computer", "play computer games", "hey, is the computer on",
    "the computer is slow", "turn off the computer", "hey what's up", "hey google", "hey siri", "alexa",
    "okay", "hey mum", "hey kids, dinner", "computers", "computing", "hey there computer nerds",
    "he computed it", "hey, compute this", "pay the commuter", "hey hey", "hay", "a cute computer",
)


@dataclass(frozen=True)
class Spoken:
    text: str
    voice: str
    speed: int
    pitch: int
    gap: int = 0


def espeak(item: Spoken) -> np.ndarray:
    """eSpeak NG's speech for one item as float32 int16-scaled samples at 16 kHz (silence trimmed)."""
    from voiced.audio.sources import resample

    cmd = ["espeak-ng", "-v", item.voice, "-s", str(item.speed), "-p", str(item.pitch), "-g", str(item.gap),
           "--stdout", item.text]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout
        with wave.open(io.BytesIO(out)) as w:
            rate = w.getframerate()
            x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32)
    except FileNotFoundError as exc:
        raise WakeError("espeak-ng is not installed (apt install espeak-ng)") from exc
    except (subprocess.SubprocessError, wave.Error, EOFError) as exc:
        raise WakeError(f"espeak-ng failed on {item}: {exc}") from exc
    x = resample(x, rate, RATE)
    nz = np.flatnonzero(np.abs(x) > 100)
    return x[max(0, nz[0] - 160): nz[-1] + 160].copy() if len(nz) else x[:0]


def speak_all(items: Sequence[Spoken], workers: int = 2) -> list[np.ndarray]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(espeak, items))


def variety(texts: Iterable[str], voices: Sequence[str], rng: np.random.Generator,
            speeds: tuple[int, int] = (120, 215), pitches: tuple[int, int] = (15, 85)) -> list[Spoken]:
    """Each text once, in a random voice, speed, pitch and (sometimes) word gap."""
    out = []
    for t in texts:
        gap = int(rng.choice([0, 0, 0, 1, 2, 4]))
        out.append(Spoken(t, str(rng.choice(voices)), int(rng.integers(*speeds)), int(rng.integers(*pitches)), gap))
    return out


def phonemes(text: str, voice: str = "en-gb") -> str:
    """eSpeak NG's phoneme mnemonics for ``text`` (``-x``), the input of ``accent_variant``."""
    try:
        out = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice, text], check=True, capture_output=True,
                             text=True, timeout=60).stdout
    except FileNotFoundError as exc:
        raise WakeError("espeak-ng is not installed (apt install espeak-ng)") from exc
    except subprocess.SubprocessError as exc:
        raise WakeError(f"espeak-ng failed on {text!r}: {exc}") from exc
    return " _: ".join(" ".join(line.split()) for line in out.splitlines() if line.strip())  # a comma's pause


_C = "bdfgklmnpstvwzDNSTZ"  # consonant mnemonics around an unstressed vowel
# Ways English accents differ from the dictionary's pronunciation, as rewrites of eSpeak's phoneme
# mnemonics (each applied at random): dropped h ("'ey computer"), the vowel of "hey"/"go"/"house",
# "com-" read as spelt, no "y" in "-pu-" ("compooter"), a glottal, flapped or voiced t, the
# final "-er" with or without r.  Every English voice realises the result in its own way, so the
# head meets accents beyond the five it is trained on (measured: most misses of the head trained
# without them were an h-dropping accent it never heard; dropping h twice as often made the near
# misses "say computer", "a computer" wake it on validation and so raised the threshold).
ACCENT_RULES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    (r"(^| )([',]?)h(?=[^ ])", (r"\1\2",), 0.25),  # h-dropping: many English accents
    (r"eI", ("e:", "E", "aI", "eI"), 0.3),
    (r"oU", ("o:", "O:", "oU"), 0.3),
    (r"aU", ("a:", "aU"), 0.2),
    (rf"(?<=[{_C}])@(?=[{_C}])", ("O", "0", "V", "@"), 0.25),
    (r"j(?=[',]?u:)", ("",), 0.25),
    (r"u:", ("u", "U", "u:"), 0.15),
    (r"t#?(?=3|a#|@)", ("?", "d", "t#", "t"), 0.3),
    (r"(3:?|a#)$", ("3", "a#", "@", "3:"), 0.35),
)


def accent_variant(ph: str, rng: np.random.Generator) -> str:
    """One random accent's rewrite of phoneme mnemonics (``ACCENT_RULES``); may return ``ph``."""
    for pattern, choices, p in ACCENT_RULES:
        if rng.random() < p:
            ph = re.sub(pattern, str(rng.choice(choices)), ph)
    return ph


def with_accents(items: Sequence[Spoken], share: float, rng: np.random.Generator,
                 accents: Sequence[str] = TRAIN_ACCENTS) -> list[Spoken]:
    """``share`` of the items spoken by an English accent's voice become phoneme input
    (``[[...]]``) rewritten by ``accent_variant``; the other items stay as they are (share 0:
    all of them, drawing nothing from ``rng``)."""
    if share <= 0:
        return list(items)
    cache: dict[str, str] = {}  # text → its phonemes, one eSpeak call per text
    out = []
    for it in items:
        if it.voice.split("+")[0] in accents and rng.random() < share:
            if it.text not in cache:
                cache[it.text] = phonemes(it.text)
            it = replace(it, text=f"[[{accent_variant(cache[it.text], rng)}]]")
        out.append(it)
    return out


def prose_sentences() -> list[str]:
    """Plain English sentences of Python's own documentation (``pydoc_data``, in every Python):
    general prose, unlike the home's sentences, so the head meets words it will hear from a
    television or a conversation.  (The benchmark reads other prose: licence texts.)"""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        return []
    text = re.sub(r"\s+", " ", " ".join(topics.values()))
    out = []
    for x in re.split(r"(?<=[.!?])\s+", text):
        if re.search(r"[=_<>{}\[\]\\/|#@%^~+]|\.\.\.|::|\w\.\w", x):
            continue  # code, not prose
        x = re.sub(r"[\"()`*]", "", x).strip()
        if 4 <= len(x.split()) <= 25 and sum(c.isalpha() for c in x) > 0.8 * len(x.replace(" ", "")):
            out.append(x)
    return list(dict.fromkeys(out))


def dictionary_words(limit: int = 20000) -> list[str]:
    """Plain English words from PocketSphinx's pronunciation dictionary (for generated near misses)."""
    try:
        import pocketsphinx
    except ImportError:
        return []
    import os

    path = os.path.join(pocketsphinx.get_model_path(), "en-us", "cmudict-en-us.dict")
    words: list[str] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                w = line.split(" ", 1)[0]
                if w.isalpha() and w.islower() and 3 <= len(w) <= 10:
                    words.append(w)
    except OSError:
        return []
    return words[:: max(1, len(words) // limit)]


def without_phrase(texts: Iterable[str], phrase: str) -> list[str]:
    """Other sentences with the phrase cut out ("hey computer, lock the locks" → "lock the locks";
    one that was only the phrase is dropped): the home's generated sentences start with wake words
    now and then, and a negative that says the phrase teaches the head to miss it."""
    words = [re.escape(w) for w in phrase.split()]
    if not words:
        return list(texts)
    said = re.compile(r"\b" + r"[\s,.!?;:'-]+".join(words) + r"\b[\s,.!?;:'-]*", re.IGNORECASE)
    out = []
    for t in texts:
        t = " ".join(said.sub(" ", t).split())
        if any(c.isalpha() for c in t):
            out.append(t)
    return out


def near_misses(phrase: str, n: int, rng: np.random.Generator, words: Sequence[str]) -> list[str]:
    """``n`` generated near misses: the phrase's first word before another word, another word
    before the rest of the phrase ("hey lantern", "tiny computer"), and either inside a sentence."""
    head, *rest = phrase.split()
    tail = " ".join(rest)
    out: list[str] = []
    pool = [w for w in words if w not in phrase.split()]
    if not pool:
        return out
    for i in range(n):
        w = str(rng.choice(pool))
        if i % 3 == 0:
            out.append(f"{head} {w}")
        elif i % 3 == 1 and tail:
            out.append(f"{w} {tail}")
        else:
            out.append(f"{head} {w} {rng.choice(pool)}" if rng.random() < 0.5 else f"the {w} {tail or head} {rng.choice(pool)}")
    return out


def confusables(phrase: str) -> list[str]:
    words = phrase.split()
    a, b = words[0], " ".join(words[1:]) or words[0]
    seen: dict[str, None] = {}
    for t in CONFUSABLE_TEMPLATES:
        s = t.format(a=a, b=b, a2=b[:-2] if len(b) > 4 else b)
        if s.replace(",", "").strip() != phrase:
            seen[s] = None
    return list(seen)


# ----------------------------------------------------------------------------- noise and music


def _shape(white: np.ndarray, exponent: float) -> np.ndarray:
    spec = np.fft.rfft(white)
    f = np.fft.rfftfreq(len(white), 1 / RATE)
    f[0] = f[1] if len(f) > 1 else 1.0
    y = np.fft.irfft(spec / f ** (exponent / 2), len(white))
    return np.asarray(y / (np.sqrt(np.mean(y**2)) + 1e-9))


def noise(n: int, rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """Unit-RMS noise of a random (or given) colour: white, pink, brown, hum or fan."""
    kind = kind or str(rng.choice(["white", "pink", "pink", "brown", "hum", "fan"]))
    n = max(1, n)
    if kind == "white":
        return rng.normal(0, 1, n)
    if kind == "pink":
        return _shape(rng.normal(0, 1, n), 1.0)
    if kind == "brown":
        return _shape(rng.normal(0, 1, n), 2.0)
    t = np.arange(n) / RATE
    if kind == "hum":  # mains hum and harmonics over a little hiss
        f0 = float(rng.choice([50.0, 60.0]))
        y = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 8))
        y = y + 0.3 * rng.normal(0, 1, n)
    else:  # fan: band-limited noise with a slow wobble
        y = _shape(rng.normal(0, 1, n), 1.5) * (1 + 0.3 * np.sin(2 * np.pi * rng.uniform(0.2, 2) * t))
    return np.asarray(y / (np.sqrt(np.mean(y**2)) + 1e-9))


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS music-like audio: chords and a melody of harmonic tones with envelopes, a beat."""
    n = int(seconds * RATE)
    y = np.zeros(n)
    bpm = rng.uniform(70, 150)
    beat = int(RATE * 60 / bpm)
    root = rng.uniform(110, 220)
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12])
    n_harm = int(rng.integers(2, 7))
    decay = rng.uniform(2, 10)
    pos = 0
    while pos < n:
        length = beat * int(rng.choice([1, 1, 2, 4]))
        t = np.arange(min(length, n - pos)) / RATE
        env = np.exp(-decay * t)
        chord = root * 2 ** (rng.choice(scale, 3) / 12) * rng.choice([1, 2])
        note = sum(np.sin(2 * np.pi * f * h * t) / h**1.2 for f in chord for h in range(1, n_harm + 1))
        y[pos:pos + len(t)] += env * note
        if rng.random() < 0.7:  # a drum: a burst of noise
            k = min(len(t), int(0.05 * RATE))
            y[pos:pos + k] += rng.normal(0, 2, k) * np.exp(-np.arange(k) / (0.01 * RATE))
        pos += length
    return np.asarray(y / (np.sqrt(np.mean(y**2)) + 1e-9))


def room(x: np.ndarray, rng: np.random.Generator, rt60: float | None = None) -> np.ndarray:
    """The sound in a synthetic room: direct path + exponentially decaying diffuse tail."""
    rt60 = rt60 if rt60 is not None else float(rng.uniform(0.15, 0.9))
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    ir = rng.normal(0, 1, n) * np.exp(-6.9 * t / rt60)
    ir[: int(0.002 * RATE)] = 0
    ir = ir / (np.sqrt(np.sum(ir**2)) + 1e-9) * rng.uniform(0.2, 0.8)
    ir[0] = 1.0
    size = 1 << int(np.ceil(np.log2(len(x) + n)))
    wet = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[: len(x)]
    return np.asarray(wet * (np.sqrt(np.mean(x**2)) / (np.sqrt(np.mean(wet**2)) + 1e-9)))


def warp(x: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (pitch and formants move too)."""
    n = max(1, int(len(x) / factor))
    return np.interp(np.arange(n) * factor, np.arange(len(x)), x)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2))) if len(x) else 0.0


def level(x: np.ndarray, target_rms: float) -> np.ndarray:
    loud = x[np.abs(x) > 0.05 * (np.abs(x).max() + 1e-9)]
    return np.asarray(x * (target_rms / (rms(loud) + 1e-9)))


def add_noise(x: np.ndarray, snr_db: float | None, rng: np.random.Generator, speech_rms: float,
              bed: np.ndarray | None = None) -> np.ndarray:
    """Mix unit-RMS ``bed`` (or new noise) so that speech / noise power = ``snr_db``."""
    if snr_db is None:
        return x
    bed = noise(len(x), rng) if bed is None else bed[: len(x)]
    return np.asarray(x + bed * speech_rms / 10 ** (snr_db / 20))


def augment(x: np.ndarray, rng: np.random.Generator, p_room: float = 0.5) -> np.ndarray:
    """Warp, room and level for one rendering (noise is mixed by the caller, over the whole clip)."""
    x = warp(x, float(rng.uniform(0.88, 1.12)))
    if rng.random() < p_room:
        x = room(x, rng)
    if rng.random() < 0.2:  # a cheap microphone: less low end and less top
        spec = np.fft.rfft(x)
        f = np.fft.rfftfreq(len(x), 1 / RATE)
        lo, hi = rng.uniform(80, 300), rng.uniform(3400, 7500)
        spec *= 1 / (1 + (lo / np.maximum(f, 1)) ** 2) / (1 + (f / hi) ** 4)
        x = np.fft.irfft(spec, len(x))
    return level(x, float(10 ** rng.uniform(np.log10(400), np.log10(6000))))


def floor(n: int, rng: np.random.Generator) -> np.ndarray:
    """A quiet microphone's noise floor (never digital silence)."""
    return noise(n, rng, "white") * rng.uniform(8, 60)
