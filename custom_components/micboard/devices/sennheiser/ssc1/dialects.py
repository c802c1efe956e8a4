"""What each SSC v1 product family answers, and which addresses a monitor uses.

The families use different key names for the same things (``battery/gauge``
on EW-DX, ``bat_gauge`` on SpeechLine and ew D1, ``skx/battery`` strings on
Digital 6000, per-bay arrays on the CHG 70N).  Each dialect lists the
addresses to read and subscribe; :mod:`.apply` understands all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from ...capabilities import Capability
from ...models import Family
from .codec import Path

C = Capability

_COMMON_TX = frozenset({C.TX_PRESENCE, C.BATTERY_PERCENT, C.BATTERY_RUNTIME})


@dataclass(frozen=True, slots=True)
class Dialect:
    """One product family's tree."""

    family: Family
    channels: int
    capabilities: frozenset[Capability]
    #: Longest channel name the device accepts / reports.
    name_width: int = 8
    #: Separate subscription for metering (``m/rxN/*`` or ``mm``).
    meters: str = "none"  # "none", "channel" (m/rxN), "array" (mm)

    def device_paths(self) -> tuple[Path, ...]:
        """Device-wide addresses (subscribed as one group)."""
        if self.family is Family.CHG_70N:
            return (("device", "name"),)
        return (("device", "name"), ("mates", "active"))

    def channel_paths(self, n: int) -> tuple[Path, ...]:
        """Receiver-channel addresses of channel ``n``."""
        rx = f"rx{n}"
        match self.family:
            case Family.EW_DX:
                return tuple((rx, key) for key in ("name", "mute", "frequency", "gain", "warnings"))
            case Family.DIGITAL_6000:
                return (
                    (rx, "skx", "battery"),
                    (rx, "active_warnings"),
                    (rx, "name"),
                    (rx, "frequency"),
                    (rx, "mute"),
                )
            case Family.SPEECHLINE_DW | Family.EW_D1:
                return ((rx, "name"), (rx, "mates"), (rx, "mute_state"), (rx, "frequency"))
            case _:
                return ()

    def tx_paths(self, n: int) -> tuple[Path, ...]:
        """Transmitter addresses of channel ``n`` (answered 424 while it is absent)."""
        tx = ("mates", f"tx{n}")
        match self.family:
            case Family.EW_DX:
                keys: tuple[Path, ...] = (
                    ("battery", "gauge"),
                    ("battery", "lifetime"),
                    ("battery", "type"),
                    ("mute",),
                    ("name",),
                    ("type",),
                    ("warnings",),
                )
            case Family.SPEECHLINE_DW:
                keys = tuple(
                    (key,)
                    for key in (
                        "bat_gauge",
                        "bat_lifetime",
                        "bat_type",
                        "bat_bars",
                        "bat_health",
                        "bat_cycles",
                        "bat_charging",
                        "warnings",
                    )
                )
            case Family.EW_D1:
                keys = tuple(
                    (key,) for key in ("bat_gauge", "bat_lifetime", "bat_type", "warnings")
                )
            case _:
                return ()
        return tuple((*tx, *key) for key in keys)

    def meter_paths(self, n: int) -> tuple[Path, ...]:
        """Metered addresses of channel ``n`` (subscribed at the metering rate)."""
        if self.meters == "channel":
            return tuple(("m", f"rx{n}", key) for key in ("rssi", "rsqi", "divi", "af"))
        return ()

    def device_meter_paths(self) -> tuple[Path, ...]:
        """Device-wide metered addresses (Digital 6000 ``mm``)."""
        return (("mm",),) if self.meters == "array" else ()

    def bay_paths(self) -> tuple[Path, ...]:
        """Charger bay arrays."""
        if self.family is not Family.CHG_70N:
            return ()
        keys = (
            "bat_gauge",
            "bat_health",
            "bat_cycles",
            "bat_timetofull",
            "device_type",
            "state",
            "warnings",
        )
        return tuple(("bays", key) for key in keys)

    def identify_path(self, channel: int | None) -> Path | None:
        """Where ``true`` flashes the device (or a channel)."""
        if channel is None and C.IDENTIFY in self.capabilities:
            return ("device", "identification", "visual")
        if channel is not None and C.CHANNEL_IDENTIFY in self.capabilities:
            return (f"rx{channel}", "identification", "visual")
        return None


_EW_DX = frozenset(
    _COMMON_TX
    | {
        C.BATTERY_TYPE,
        C.TX_MODEL,
        C.TX_NAME,
        C.TX_MUTE,
        C.FREQUENCY,
        C.GAIN,
        C.MUTE,
        C.MUTE_STATE,
        C.WARNINGS,
        C.INTERFERENCE,
        C.LOW_SIGNAL,
        C.ENCRYPTION_WARNING,
        C.RF_LEVEL,
        C.ANTENNA,
        C.LINK_QUALITY,
        C.AUDIO_LEVEL,
        C.IDENTIFY,
        C.CHANNEL_IDENTIFY,
        C.RENAME,
        C.METERING,
    }
)
_D6000 = frozenset(
    _COMMON_TX
    | {
        C.RF_LEVEL,
        C.RF_PER_ANTENNA,
        C.ANTENNA,
        C.LINK_QUALITY,
        C.AUDIO_LEVEL,
        C.AUDIO_PEAK,
        C.INTERFERENCE,
        C.LOW_SIGNAL,
        C.FREQUENCY,
        C.MUTE_STATE,
        C.WARNINGS,
        C.METERING,
    }
)
_SPEECHLINE = frozenset(
    _COMMON_TX
    | {C.BATTERY_BARS, C.BATTERY_HEALTH, C.BATTERY_CYCLES, C.BATTERY_TYPE}
    | {C.MUTE, C.MUTE_STATE, C.FREQUENCY, C.WARNINGS}
)
_D1 = frozenset(_COMMON_TX | {C.BATTERY_TYPE, C.MUTE, C.MUTE_STATE, C.FREQUENCY, C.WARNINGS})
_CHARGER = frozenset(
    {
        C.CHARGER_BAYS,
        C.TX_PRESENCE,
        C.TX_MODEL,
        C.BATTERY_PERCENT,
        C.BATTERY_HEALTH,
        C.BATTERY_CYCLES,
        C.CHARGE_TIME,
        C.BAY_STATE,
        C.WARNINGS,
    }
)


def lookup(product: str) -> Dialect | None:
    """The dialect of a ``device/identity/product`` string (``None`` if unknown)."""
    norm = re.sub(r"[^A-Z0-9]", "", product.upper())
    if not norm:
        return None
    if "CHG70N" in norm:
        return Dialect(Family.CHG_70N, 2, _CHARGER, meters="none")
    if "EWDX" in norm or norm.startswith(("EM2", "EM4")):
        channels = 4 if ("EM4" in norm or "4CH" in norm) else 2
        return Dialect(Family.EW_DX, channels, _EW_DX, meters="channel")
    if "6000" in norm:
        return Dialect(Family.DIGITAL_6000, 2, _D6000, name_width=8, meters="array")
    if norm.startswith("SL") or "SPEECHLINE" in norm:
        if "CHG" in norm:
            return None  # SpeechLine chargers: tree not known well enough
        match = re.search(r"MCR([24])", norm)
        return Dialect(Family.SPEECHLINE_DW, int(match[1]) if match else 1, _SPEECHLINE)
    if "D1" in norm or "SRX1" in norm:
        return Dialect(Family.EW_D1, 1, _D1)
    return None
