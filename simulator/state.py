"""Plain state containers holding the raw wire values of a simulated receiver."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BATTERY_OFF", "Battery", "DeviceState", "SimChannel"]

UNKNOWN_MINUTES = 65535


@dataclass(slots=True)
class Battery:
    """Transmitter battery as reported on the wire (255 / 65535 = unknown)."""

    bars: int = 255
    minutes: int = UNKNOWN_MINUTES
    percent: int = 255
    health: int = 255
    cycles: int = 65535
    temp_c_raw: int = 255  # degrees C + 40
    kind: str = "UNKN"


BATTERY_OFF = Battery()


@dataclass
class SimChannel:
    """One receiver channel; fields are raw wire values (what a GET would answer).

    ``rf_dbm`` / ``audio_dbfs`` are the nominal signal levels; ``rf_raw`` / ``audio_raw`` are the
    encoded meter values the family reports (at the floor while the transmitter is off or the
    RF drops out).
    """

    index: int
    name: str = ""
    tx_on: bool = True
    tx_model: str = "UNKN"
    paired_model: str = ""
    battery_bars: int = 255
    battery_minutes: int = UNKNOWN_MINUTES
    battery_percent: int = 255
    battery_health: int = 255
    battery_cycles: int = 65535
    battery_temp_c_raw: int = 255
    battery_type: str = "UNKN"
    battery_capacity_minutes: int = 600
    rf_dbm: list[float] = field(default_factory=lambda: [-60.0, -64.0])
    rf_raw: list[int] = field(default_factory=list)
    antenna: str = "XX"
    audio_dbfs: float = -24.0
    audio_raw: int = 0
    audio_peak_raw: int = 0
    audio_right_raw: int = 0
    audio_bitmap: int = 0
    quality: int = 255
    muted: bool = False
    interference: bool = False
    rf_dropout: bool = False
    frequency_khz: int = 0
    group_chan: tuple[int, int] | None = None
    gain_raw: int = 18
    meter_rate_ms: int = 0
    flash: bool = False
    props: dict[str, str] = field(default_factory=dict)
    saved_battery: Battery | None = None
    saved_props: dict[str, str] = field(default_factory=dict)

    def battery(self) -> Battery:
        """Snapshot of the wire battery fields."""
        return Battery(
            self.battery_bars,
            self.battery_minutes,
            self.battery_percent,
            self.battery_health,
            self.battery_cycles,
            self.battery_temp_c_raw,
            self.battery_type,
        )

    def load_battery(self, bat: Battery) -> None:
        """Overwrite the wire battery fields."""
        self.battery_bars = bat.bars
        self.battery_minutes = bat.minutes
        self.battery_percent = bat.percent
        self.battery_health = bat.health
        self.battery_cycles = bat.cycles
        self.battery_temp_c_raw = bat.temp_c_raw
        self.battery_type = bat.kind


@dataclass
class DeviceState:
    """Device-level wire state."""

    device_id: str
    model_string: str
    fw_version: str
    rf_band: str
    flash: bool = False
    props: dict[str, str] = field(default_factory=dict)
