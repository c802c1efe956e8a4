"""Wire values to human units.

Each converter takes the raw token(s) and returns ``None`` for the special
"unknown" values (255, 65535, ``UNKN``, blank text), for anything that does
not parse and for anything outside the field's range: device input never
raises here, and never builds huge numbers or unbounded strings.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata

from ..models import BatteryRuntimeStatus

UNKNOWN_WORDS = frozenset({"UNKN", "UNKNOWN", "UNK", "U", ""})

#: PSM1000 meter thresholds (raw linear value → 0…80 in steps of 10).
PSM_METER_STEPS = (10272, 23728, 85488, 246260, 641928, 1588744, 2157767, 2502970)

#: Most significant digits of a number (the widest wire field has 7; the
#: PSM1000 meters have 11 and ask for them).
MAX_DIGITS = 9
#: Longest numeric token read at all (zero padding included).
MAX_NUMBER_LENGTH = 16
#: Cap for free text whose width the protocol notes do not give.
MAX_TEXT = 32
#: Cap for enumerated words (``LINKED.ACTIVE``, ``ADX2FD``, ``1+2/3+4``).
MAX_WORD = 16
#: Widest ``gg,cc`` group/channel field (given as 5 and as 10 wide).
MAX_GROUP_CHANNEL = 10

#: Unicode categories removed from device text: controls, format characters
#: (bidi overrides and isolates, zero-width characters), surrogates, private
#: use, unassigned code points and line/paragraph separators.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Terminal escape sequences (CSI, OSC, two-character ESC and 8-bit CSI).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
#: Characters of an antenna LED string: letters (ULX-D), colours (Axient Digital), off.
_ANTENNA_CHARS = frozenset("ABCDRX-")
_ANTENNAS = 4
_DECIMAL_MHZ = re.compile(r"\d{1,5}\.\d{0,6}")


def number(value: str, max_digits: int = MAX_DIGITS) -> int | None:
    """Parse a (possibly zero-padded, possibly signed) integer.

    More than ``max_digits`` significant digits is not a number any field
    holds: ``None``, like anything else that is not plain ASCII digits.
    """
    if len(value) > MAX_NUMBER_LENGTH or not value.isascii():
        return None
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isdigit() or len(digits.lstrip("0")) > max_digits:
        return None
    return int(value)


def ranged(value: int | None, low: int, high: int) -> int | None:
    """``value`` if it lies within ``low``…``high``, else ``None``."""
    return value if value is not None and low <= value <= high else None


def gauge(value: str, offset: int = 0) -> int | None:
    """A 0–254 gauge where 255 (or anything else) means unknown, shifted by ``offset``."""
    raw = ranged(number(value), 0, 254)
    return None if raw is None else raw - offset


def percent(value: str) -> int | None:
    """A 0–100 percentage; 255 (or anything over 100) is unknown."""
    return ranged(number(value), 0, 100)


def bars(value: str) -> int | None:
    """Battery bars 0–5; 255 (or ``U`` on UHF-R) is unknown."""
    return ranged(number(value), 0, 5)


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
    """A 5-digit counter 0–65534 where 65535 means unknown."""
    return ranged(number(value), 0, 65534)


def frequency_mhz(value: str) -> float | None:
    """Frequency: kHz digits (6 or 7 wide) or a decimal MHz figure (under 100 GHz)."""
    value = value.strip()
    if "." in value:
        if _DECIMAL_MHZ.fullmatch(value) is None:
            return None
        mhz = float(value)
        return mhz if mhz > 0 and math.isfinite(mhz) else None
    raw = number(value, max_digits=8)
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


def clean(value: str) -> str:
    """Device text without anything that is not printable.

    Text that is valid UTF-8 once read back as bytes is decoded as such (the
    wire is read as Latin-1); then escape sequences, control characters (C0,
    C1, DEL), bidirectional overrides and isolates, zero-width and other
    format characters are removed.
    """
    if not value.isascii():
        with contextlib.suppress(UnicodeError):
            value = value.encode("latin-1").decode("utf-8")
    if "\x1b" in value or "\x9b" in value:
        value = _ESCAPES.sub("", value)
    if value.isascii() and value.isprintable():
        return value
    return "".join(char for char in value if unicodedata.category(char) not in _REMOVED_CATEGORIES)


def word(value: str) -> str | None:
    """An enumerated word (at most 16 characters), ``None`` for the unknown spellings."""
    upper = clean(value[: 4 * MAX_WORD]).strip().upper()
    if upper in UNKNOWN_WORDS or len(upper) > MAX_WORD:
        return None
    return upper


def text(value: str, width: int = MAX_TEXT) -> str | None:
    """Free text, cleaned, trimmed and cut to ``width``; blank is unknown."""
    cleaned = clean(value[: 4 * max(width, MAX_TEXT)]).strip()
    return cleaned[:width].rstrip() or None


def group_channel(value: str) -> str | None:
    """``gg,cc``; ``--,--`` (no group) is unknown."""
    stripped = clean(value[: 4 * MAX_GROUP_CHANNEL]).strip()[:MAX_GROUP_CHANNEL].strip()
    if not stripped or set(stripped) <= {"-", ","}:
        return None
    return stripped


def antennas(value: str) -> str | None:
    """Active diversity antennas from an LED string.

    Position *i* stands for antenna A, B, C, D; ``X`` means off.  ULX-D writes
    the antenna's letter (``AX``, ``XB``), Axient Digital its LED colour
    (``BB``, ``RX``): both read the same way.
    """
    upper = value.upper()
    if len(upper) > 2 * _ANTENNAS or not set(upper) <= _ANTENNA_CHARS:
        return None  # not an LED string
    active = "".join(
        letter for letter, char in zip("ABCD", upper, strict=False) if char not in "X-"
    )
    return active or None


def clamp_percent(value: float) -> int:
    """Round and clamp to 0…100."""
    return max(0, min(100, round(value)))


def bitmap_level(value: str) -> int | None:
    """Level 0–100 from an 8-LED bitmap (highest lit LED)."""
    raw = ranged(number(value), 0, 255)
    if raw is None:
        return None
    return math.ceil(raw.bit_length() * 12.5)


def psm_meter(value: str) -> int | None:
    """PSM1000 input meter (linear, undocumented scale, 11 digits) to 0…100."""
    raw = number(value, max_digits=11)
    if raw is None or raw < 0:
        return None
    steps = sum(1 for threshold in PSM_METER_STEPS if raw >= threshold)
    return clamp_percent(steps * 12.5)
