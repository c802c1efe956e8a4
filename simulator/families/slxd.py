"""SLX-D (SLXD4, SLXD4D) and SLX-D+ (SLXD4D+, SLXD4Q+) engine (notes §5)."""

from __future__ import annotations

from typing import ClassVar

from simulator.families.base import Engine, Ref, clamp, on_off
from simulator.state import DeviceState, SimChannel
from simulator.wire import braced, num

__all__ = ["SlxdEngine"]

ANTENNAS = (1, 2)
PLUS_SLOTS = (1, 2)
RSSI_FLOOR = 10
AUDIO_FLOOR = 20


class SlxdEngine(Engine):
    """SLX-D; the SLX-D+ variant (``spec.plus``) follows fw 2.0.38.9 as observed."""

    family = "slxd"
    text_width = 31
    name_max = 8
    device_id_width = 8
    freq_width = 7
    group_param = "GROUP_CHANNEL"
    tx_off_model = "UNKNOWN"
    tx_off_props: ClassVar[dict[str, str]] = {}

    @property
    def plus(self) -> bool:
        """SLX-D+ behaviour."""
        return self.spec.plus

    def accepts_commands(self) -> bool:
        """Every command is ignored while Controller Access is off."""
        return self.rx.controller_access

    def init_device(self, dev: DeviceState) -> None:
        """SLX-D device properties."""
        dev.props["LOCK_STATUS"] = "OFF"
        if self.plus:
            dev.props["ENCRYPTION_MODE"] = "OFF"

    def init_channel(self, ch: SimChannel) -> None:
        """Defaults; SLX-D batteries run about 8 hours."""
        ch.battery_capacity_minutes = 480
        ch.props["AUDIO_OUT_LVL_SWITCH"] = "MIC"
        super().init_channel(ch)

    def group_value(self, ch: SimChannel) -> str:
        """``{g,c}`` right-padded to 5 inside the braces, ``{--,--}`` when none."""
        if ch.group_chan is None:
            return braced("--,--", 5)
        g, c = ch.group_chan
        return braced(f"{g},{c}", 5)

    def define(self) -> None:
        """Parameter table in GET ALL order."""
        self.interference_param = "INTERFERENCE_STATUS" if self.plus else None
        dev = self.rx.device
        self.dev("MODEL", lambda: braced(dev.model_string, 32))
        self.dev("DEVICE_ID", lambda: braced(dev.device_id, 8), self.set_device_id)
        self.dev("RF_BAND", lambda: braced(dev.rf_band, 8))
        self.dev("LOCK_STATUS", self.dev_prop("LOCK_STATUS"))
        self.dev("FW_VER", lambda: braced(dev.fw_version, 24))
        if self.plus:
            self.dev("ENCRYPTION_MODE", self.dev_prop("ENCRYPTION_MODE"))
        self.dev("FLASH", lambda: on_off(dev.flash), self.set_device_flash, gettable=False)

        def ants(_c: SimChannel) -> tuple[int, ...]:
            return ANTENNAS

        def slots(_c: SimChannel) -> tuple[int, ...]:
            return PLUS_SLOTS

        self.chan("CHAN_NAME", lambda c, _s: braced(c.name, 31), self.set_name)
        self.chan("AUDIO_GAIN", lambda c, _s: num(c.gain_raw, 3), self.set_gain)
        self.chan("AUDIO_OUT_LVL_SWITCH", self.prop("AUDIO_OUT_LVL_SWITCH"))
        self.chan("GROUP_CHANNEL", lambda c, _s: self.group_value(c), self.set_group)
        self.chan("FREQUENCY", lambda c, _s: num(c.frequency_khz, 7), self.set_frequency)
        self.chan("METER_RATE", self.meter_rate_value, self.set_meter_rate)
        self.chan("AUDIO_LEVEL_PEAK", lambda c, _s: num(c.audio_peak_raw, 3))
        self.chan("AUDIO_LEVEL_RMS", lambda c, _s: num(c.audio_raw, 3))
        if self.plus:
            self.chan("RSSI", lambda c, _s: num(c.rf_raw[0], 3))
        else:
            self.chan("RSSI", lambda c, s: num(c.rf_raw[s - 1], 3), subs=ants)
        self.chan("TX_MODEL", lambda c, _s: c.tx_model)
        self.chan("TX_BATT_BARS", lambda c, _s: num(c.battery_bars, 3))
        self.chan("TX_BATT_MINS", lambda c, _s: num(c.battery_minutes, 5))
        self.chan("FLASH", lambda c, _s: on_off(c.flash), self.set_channel_flash, gettable=False)
        if self.plus:
            self.chan("ANTENNA_STATUS", lambda c, _s: c.antenna)
            self.chan("INTERFERENCE_STATUS", lambda c, _s: "DETECTED" if c.interference else "NONE")
            self.chan("ENCRYPTION_STATUS", lambda c, _s: "OK")
            self.chan(
                "LINK_STATUS",
                lambda c, s: "online" if s == 1 and c.tx_on else "offline",
                subs=slots,
            )
            self.chan(
                "SLOT_TX_MODEL",
                lambda c, s: braced(c.paired_model if s == 1 else "", 10),
                subs=slots,
            )

    def refresh(self, ch: SimChannel) -> None:
        """RSSI and audio: value + 120; SLX-D+ reports one RSSI."""
        if self.live(ch):
            raws = [clamp(d + 120, 0, 120) for d in ch.rf_dbm]
            ch.rf_raw = [max(raws)] if self.plus else raws
            ch.antenna = "".join("B" if d >= -95 else "X" for d in ch.rf_dbm)
            ch.audio_raw = clamp(ch.audio_dbfs + 120, 0, 120)
            ch.audio_peak_raw = min(120, ch.audio_raw + 3)
        else:
            ch.rf_raw = [RSSI_FLOOR] * (1 if self.plus else 2)
            ch.antenna = "XX"
            ch.audio_raw = AUDIO_FLOOR
            ch.audio_peak_raw = AUDIO_FLOOR

    def meter_lines(self, ch: SimChannel) -> list[str]:
        """``< SAMPLE x ALL audPeak audRms rfRssi >``."""
        return [
            self.message(
                "SAMPLE",
                str(ch.index),
                "ALL",
                num(ch.audio_peak_raw, 3),
                num(ch.audio_raw, 3),
                num(max(ch.rf_raw), 3),
            )
        ]

    def tx_refs(self, ch: SimChannel) -> list[Ref]:
        """TX_MODEL, battery; SLX-D+ also link, slot and antenna status."""
        n = ch.index
        refs = [Ref(n, "TX_MODEL"), Ref(n, "TX_BATT_BARS"), Ref(n, "TX_BATT_MINS")]
        if self.plus:
            refs += [Ref(n, "LINK_STATUS", 1), Ref(n, "SLOT_TX_MODEL", 1), Ref(n, "ANTENNA_STATUS")]
        return refs

    def battery_refs(self, ch: SimChannel, changed: set[str]) -> list[Ref]:
        """Bars and minutes (no percentage on SLX-D)."""
        order = (("bars", "TX_BATT_BARS"), ("minutes", "TX_BATT_MINS"))
        return [Ref(ch.index, name) for key, name in order if key in changed]

    def dropout_refs(self, ch: SimChannel) -> list[Ref]:
        """SLX-D+ reports the antenna status."""
        return [Ref(ch.index, "ANTENNA_STATUS")] if self.plus else []
