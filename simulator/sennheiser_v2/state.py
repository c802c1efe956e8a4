"""State of a simulated SSCv2 device, in the units its resources use."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Ssc2Channel"]


@dataclass
class Ssc2Channel:
    """One EW-DX receiver channel with its transmitter, or one Spectera mobile device."""

    index: int  # 1-based, as the control API counts; the wire is 0-based
    name: str = ""
    muted: bool = False
    gain_db: int = 0
    output_level_db: int = 0
    identifying: bool = False
    frequency_khz: int = 0
    preset_channel: int | None = None  # factory preset in use, None after a manual frequency
    interference: bool = False
    dropout: bool = False
    extra_warnings: list[str] = field(default_factory=list)
    # Meters
    rf_dbm: float = -60.0
    antenna: int = 1
    quality_percent: int = 92
    audio_dbfs: float = -24.0
    # Transmitter (EW-DX) / mobile device (Spectera)
    tx_on: bool = True
    tx_type: str = "EW_DX_SKM"
    tx_name: str = ""
    tx_muted: bool = False
    tx_identifying: bool = False
    tx_version: str = "4.0.2"
    battery_percent: int = 80
    battery_minutes: int = 420
    battery_type: str = "Battery"
    tx_extra_warnings: list[str] = field(default_factory=list)
    # Spectera mobile device identity
    mt_uid: int = 0
    serial: str = ""
    rf_channel_id: int = 0
    audiolink_id: int = 0

    def rx_warnings(self) -> list[str]:
        """``/api/channel/{ch}/warnings``."""
        out: list[str] = []
        if self.dropout and self.tx_on:
            out += ["LowSignal", "NoLink"]
        if self.interference:
            out.append("RfPeak")
        return out + [w for w in self.extra_warnings if w not in out]

    def tx_warnings(self) -> list[str]:
        """``/api/transmitters/{tx}/warnings``: ``LowBattery`` at 10 % or less."""
        out = ["LowBattery"] if self.battery_percent <= 10 else []
        return out + [w for w in self.tx_extra_warnings if w not in out]

    def link_up(self) -> bool:
        """Whether audio arrives from the transmitter."""
        return self.tx_on and not self.dropout
