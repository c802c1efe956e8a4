"""State of a simulated SSC v1 device, in the units its tree uses."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SscChannel"]


@dataclass
class SscChannel:
    """One receiver channel with its transmitter, or one charger bay."""

    index: int
    name: str = ""
    muted: bool = False
    frequency_khz: int = 0
    gain_db: int = 0
    identifying: bool = False
    interference: bool = False
    dropout: bool = False
    extra_warnings: list[str] = field(default_factory=list)
    # Meters
    rf_dbm: float = -60.0
    rf_antenna_dbm: list[float] = field(default_factory=lambda: [-60.0, -63.0])
    antenna: int = 1
    quality_percent: int = 92
    audio_dbfs: float = -24.0
    # Transmitter (or the pack in a charger bay)
    tx_on: bool = True
    tx_type: str = "SKM"
    tx_name: str = ""
    tx_muted: bool = False
    battery_percent: int = 80
    battery_minutes: int = 420
    battery_type: str = "Battery"
    battery_bars: int = 4
    battery_health: int = 96
    battery_cycles: int = 37
    battery_charging: bool = False
    tx_warnings: list[str] = field(default_factory=list)
    # Charger bay
    time_to_full_min: int = 45
    bay_state: str = "NORMAL"
    bay_warnings: list[str] = field(default_factory=list)

    def rx_warnings(self) -> list[str]:
        """``rxN/warnings`` as the receiver would list them."""
        out: list[str] = []
        if self.dropout and self.tx_on:
            out += ["LowSignal", "NoLink"]
        if self.interference:
            out.append("RfPeak")
        return out + [w for w in self.extra_warnings if w not in out]

    def link_up(self) -> bool:
        """Whether audio arrives from the transmitter."""
        return self.tx_on and not self.dropout
