"""Typed models in human units.

Every field is ``None`` while the device has not reported it, or when the
device reports it as unknown (255, 65535, blank braces, ``UNKN`` …).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Family(StrEnum):
    """Product families; each speaks its own dialect of the command strings."""

    ULXD = "ulxd"
    QLXD = "qlxd"
    SLXD = "slxd"
    AXIENT_DIGITAL = "axient_digital"
    UHFR = "uhfr"
    PSM1000 = "psm1000"
    EW_DX = "ew_dx"
    DIGITAL_6000 = "digital_6000"
    SPEECHLINE_DW = "speechline_dw"
    EW_D1 = "ew_d1"
    CHG_70N = "chg_70n"
    SPECTERA = "spectera"
    #: Any Shure device reached through a Shure System API server.
    SHURE_SYSTEM_API = "shure_system_api"


class BatteryRuntimeStatus(StrEnum):
    """Why a transmitter reports no battery runtime in minutes."""

    CALCULATING = "calculating"
    COMMUNICATION_WARNING = "communication_warning"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class ChannelState:
    """One receiver channel and the transmitter linked to it."""

    number: int
    name: str | None = None

    # Transmitter
    tx_on: bool | None = None
    tx_model: str | None = None
    tx_name: str | None = None
    tx_power: str | None = None
    tx_muted: bool | None = None
    tx_offset_db: int | None = None
    battery_bars: int | None = None
    battery_percent: int | None = None
    battery_runtime_min: int | None = None
    battery_runtime_status: BatteryRuntimeStatus | None = None
    battery_health_percent: int | None = None
    battery_cycles: int | None = None
    battery_temperature_c: int | None = None
    battery_type: str | None = None

    # Receiver channel
    frequency_mhz: float | None = None
    group_channel: str | None = None
    gain_db: int | None = None
    muted: bool | None = None
    interference: bool | None = None
    encryption_warning: bool | None = None
    quality: int | None = None

    # Meters (updated at the metering rate)
    rf_level_dbm: float | None = None
    rf_antenna_dbm: tuple[float | None, ...] = ()
    antenna: str | None = None
    audio_level_dbfs: float | None = None
    audio_peak_dbfs: float | None = None
    rf_meter: int | None = None
    audio_meter: int | None = None

    # Appended for other manufacturers (Sennheiser SSC) and chargers
    link_quality_percent: int | None = None
    low_signal: bool | None = None
    warnings: tuple[str, ...] = ()
    battery_charging: bool | None = None
    time_to_full_min: int | None = None
    bay_state: str | None = None

    # Transmitter power lock (ULX-D TX_PWR_LOCK, Axient TX_LOCK ALL/POWER)
    tx_power_lock: bool | None = None
    # In-ear transmitters with two inputs (PSM1000): each side's meter, 0–100
    audio_meter_left: int | None = None
    audio_meter_right: int | None = None
    #: Coarse audio class where no meter is offered ("low", "good", "clipping").
    audio_activity: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the state as plain JSON-friendly data."""
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


#: Fields that change at the metering rate; everything else is "state".
METER_FIELDS = frozenset(
    {
        "rf_level_dbm",
        "rf_antenna_dbm",
        "antenna",
        "audio_level_dbfs",
        "audio_peak_dbfs",
        "rf_meter",
        "audio_meter",
        "audio_meter_left",
        "audio_meter_right",
        "link_quality_percent",
    }
)

#: Transmitter fields that must read unknown while the transmitter is off.
TRANSMITTER_FIELDS = (
    "tx_model",
    "tx_name",
    "tx_power",
    "tx_muted",
    "tx_offset_db",
    "battery_bars",
    "battery_percent",
    "battery_runtime_min",
    "battery_runtime_status",
    "battery_health_percent",
    "battery_cycles",
    "battery_temperature_c",
    "battery_type",
    "tx_power_lock",
)


@dataclass(slots=True)
class ReceiverInfo:
    """What identifies a receiver: found once when connecting."""

    family: Family
    model: str
    channel_count: int
    host: str
    port: int
    mac: str | None = None
    firmware: str | None = None
    rf_band: str | None = None
    serial: str | None = None
    manufacturer: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the info as plain JSON-friendly data."""
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


@dataclass(slots=True)
class ReceiverState:
    """Everything known about one receiver."""

    info: ReceiverInfo
    channels: dict[int, ChannelState] = field(default_factory=dict)
    device_id: str | None = None
    firmware: str | None = None
    meter_rate_ms: int | None = None
    encryption: str | None = None
    identifying: bool | None = None
    connected: bool = False

    def channel(self, number: int) -> ChannelState:
        """Return (creating if needed) the state of channel ``number``."""
        if (channel := self.channels.get(number)) is None:
            channel = self.channels[number] = ChannelState(number)
        return channel

    def as_dict(self) -> dict[str, Any]:
        """Return the state as plain JSON-friendly data."""
        return {
            "info": self.info.as_dict(),
            "device_id": self.device_id,
            "firmware": self.firmware,
            "meter_rate_ms": self.meter_rate_ms,
            "encryption": self.encryption,
            "identifying": self.identifying,
            "connected": self.connected,
            "channels": {n: c.as_dict() for n, c in sorted(self.channels.items())},
        }


@dataclass(frozen=True, slots=True)
class Update:
    """What one message changed.

    ``channel`` is ``None`` for receiver-wide changes; ``fields`` names the
    changed attributes; ``metered`` is true when every changed field is a
    meter (so consumers can throttle it).
    """

    channel: int | None
    fields: frozenset[str]

    @property
    def metered(self) -> bool:
        """Whether only high-rate meter fields changed."""
        return self.fields <= METER_FIELDS


def plain(value: Any) -> Any:
    """A value as plain JSON-friendly data (enums as values, tuples as lists)."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value
