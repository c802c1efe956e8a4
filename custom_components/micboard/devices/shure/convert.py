"""Wire values to human units.

Each converter takes the raw token(s) and returns ``None`` for the special
"unknown" values (255, 65535, ``UNKN``, blank text) and for anything that
does not parse: device input never raises here.
"""

from __future__ import annotations

import math

from ..models import BatteryRuntimeStatus

UNKNOWN_WORDS = frozenset({"UNKN", "UNKNOWN", "UNK", "U", ""})

#: PSM1000 meter thresholds (raw linear value → 0…80 in steps of 10).
PSM_METER_STEPS = (10272, 23728, 85488, 246260, 641928, 1588744, 2157767, 2502970)


def number(value: str) -> int | None:
    """Parse a (possibly zero-padded, possibly signed) integer."""
    if value.isascii():
        if value.isdigit():
            return int(value)
        if value[:1] in "+-" and value[1:].isdigit():
            return int(value)
    return None


def gauge(value: str, offset: int = 0) -> int | None:
    """A 0–254 gauge where 255 means unknown, shifted by ``offset``."""
    raw = number(value)
    if raw is None or raw == 255:
        return None
    return raw - offset


def percent(value: str) -> int | None:
    """A 0–100 percentage; 255 (or anything over 100) is unknown."""
    raw = number(value)
    if raw is None or not 0 <= raw <= 100:
        return None
    return raw


def bars(value: str) -> int | None:
    """Battery bars 0–5; 255 (or ``U`` on UHF-R) is unknown."""
    raw = number(value)
    if raw is None or not 0 <= raw <= 5:
        return None
    return raw


def runtime(value: str) -> tuple[int | None, BatteryRuntimeStatus | None]:
    """Battery runtime in minutes and, when not known, why."""
    raw = number(value)
    if raw is None or raw < 0:
        return None, None
    if raw == 65535:
        return None, BatteryRuntimeStatus.UNKNOWN
    if raw == 65534:
        return None, BatteryRuntimeStatus.CALCULATING
    if raw == 65533:
        return None, BatteryRuntimeStatus.COMMUNICATION_WARNING
    if raw > 65532:
        return None, BatteryRuntimeStatus.UNKNOWN
    return raw, None


def count(value: str) -> int | None:
    """A 5-digit counter where 65535 means unknown."""
    raw = number(value)
    if raw is None or raw == 65535:
        return None
    return raw


def frequency_mhz(value: str) -> float | None:
    """Frequency: kHz digits (6 or 7 wide) or a decimal MHz figure."""
    value = value.strip()
    if "." in value:
        try:
            mhz = float(value)
        except ValueError:
            return None
        return mhz if mhz > 0 and math.isfinite(mhz) else None
    raw = number(value)
    if raw is None or raw <= 0:
        return None
    return raw / 1000


def on_off(value: str) -> bool | None:
    """``ON``/``OFF`` (also ``1``/``0``)."""
    upper = value.upper()
    if upper in {"ON", "1", "YES", "TRUE"}:
        return True
    if upper in {"OFF", "0", "NO", "FALSE"}:
        return False
    return None


def word(value: str) -> str | None:
    """An enumerated word, ``None`` for the unknown spellings."""
    upper = value.strip().upper()
    return None if upper in UNKNOWN_WORDS else upper


def text(value: str) -> str | None:
    """Free text, trimmed; blank is unknown."""
    stripped = value.strip()
    return stripped or None


def group_channel(value: str) -> str | None:
    """``gg,cc``; ``--,--`` (no group) is unknown."""
    stripped = value.strip()
    if not stripped or set(stripped) <= {"-", ","}:
        return None
    return stripped


def antennas(value: str) -> str | None:
    """Active diversity antennas from an LED string.

    Position *i* stands for antenna A, B, C, D; ``X`` means off.  ULX-D writes
    the antenna's letter (``AX``, ``XB``), Axient Digital its LED colour
    (``BB``, ``RX``): both read the same way.
    """
    active = "".join(
        letter for letter, char in zip("ABCD", value.upper(), strict=False) if char not in "X-"
    )
    return active or None


def clamp_percent(value: float) -> int:
    """Round and clamp to 0…100."""
    return max(0, min(100, round(value)))


def bitmap_level(value: str) -> int | None:
    """Level 0–100 from an 8-LED bitmap (highest lit LED)."""
    raw = number(value)
    if raw is None:
        return None
    raw &= 0xFF
    return math.ceil(raw.bit_length() * 12.5)


def psm_meter(value: str) -> int | None:
    """PSM1000 input meter (linear, undocumented scale) to 0…100."""
    raw = number(value)
    if raw is None:
        return None
    steps = sum(1 for threshold in PSM_METER_STEPS if raw >= threshold)
    return clamp_percent(steps * 12.5)
