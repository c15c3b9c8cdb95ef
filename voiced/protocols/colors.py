"""Colour names and conversions the encoders share (sRGB, HSB, CIE xy, mired)."""

from __future__ import annotations

import colorsys
from typing import Any

from voiced.home.model import Entity
from voiced.protocols.base import Unsupported, supports

# colour names (the NLU's canonical lower-case names) → sRGB
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255), "warm white": (255, 180, 107), "cool white": (201, 226, 255),
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
    "orange": (255, 165, 0), "purple": (128, 0, 128), "pink": (255, 192, 203),
    "violet": (238, 130, 238), "cyan": (0, 255, 255), "magenta": (255, 0, 255),
    "turquoise": (64, 224, 208), "teal": (0, 128, 128), "lime": (50, 205, 50), "amber": (255, 191, 0),
    "indigo": (75, 0, 130), "lavender": (230, 230, 250), "gold": (255, 215, 0),
}
# white shades sent as colour temperature where the device has it (mired = 1e6 / kelvin)
WHITE_MIREDS: dict[str, int] = {"warm white": 370, "cool white": 182}  # 2700 K, 5500 K
COLOR_ALIASES = {"cold white": "cool white", "daylight": "cool white", "warm": "warm white",
                 "cool": "cool white"}


def canonical_color(name: str) -> str | None:
    low = " ".join(name.lower().split())
    low = COLOR_ALIASES.get(low, low)
    return low if low in COLORS else None


def rgb_to_hsb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    return round(h * 360) % 360, round(s * 100), round(v * 100)


def rgb_to_xy(rgb: tuple[int, int, int]) -> tuple[float, float]:
    """sRGB → CIE 1931 xy (gamma-expanded, wide-gamut D65 matrix as used by Hue/zigbee lights)."""
    def lin(c: float) -> float:
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = (lin(c / 255.0) for c in rgb)
    x = r * 0.664511 + g * 0.154324 + b * 0.162028
    y = r * 0.283881 + g * 0.668433 + b * 0.047685
    z = r * 0.000088 + g * 0.072310 + b * 0.986039
    total = x + y + z
    if total == 0:
        return 0.3127, 0.329
    return round(x / total, 4), round(y / total, 4)


def color_spec(entity: Entity, value: Any) -> tuple[str, tuple[int, int, int], int | None]:
    """(canonical name, sRGB, mired or None) for a colour command; the mired only for a white shade
    on an entity with ``color_temp``.  Raises :class:`Unsupported` for an unknown colour, or a colour
    the entity cannot show."""
    name = canonical_color(str(value)) if value is not None else None
    if name is None:
        raise Unsupported(f"{entity.id}: unknown colour {value!r}")
    mired = WHITE_MIREDS.get(name) if supports(entity, "color_temp") else None
    if mired is None and not supports(entity, "color"):
        raise Unsupported(f"{entity.id}: no colour")
    return name, COLORS[name], mired
