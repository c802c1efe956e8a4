"""ULX-D (ULXD4/4D/4Q) and QLX-D (QLXD4) engine (notes §3)."""

from __future__ import annotations

from typing import ClassVar

from simulator.families.base import Engine, Ref, clamp, on_off
from simulator.state import DeviceState, SimChannel
from simulator.wire import Unknown, braced, num

__all__ = ["QlxdEngine", "UlxdEngine"]

RF_FLOOR = 30  # ~ -98 dBm with no carrier


class UlxdEngine(Engine):
    """ULX-D: 8-wide braced text, 6-digit kHz, ``SAMPLE x ALL nn aaa eee``."""

    family = "ulxd"
    text_width = 8
    name_max = 8
    device_id_width = 8
    freq_width = 6
    group_param = "GROUP_CHAN"
    meter_rate_max = 99999
    tx_off_model = "UNKN"
    tx_off_props: ClassVar[dict[str, str]] = {
        "TX_DEVICE_ID": "",
        "TX_OFFSET": "255",
        "TX_RF_PWR": "UNKN",
        "TX_MUTE_STATUS": "UNKN",
        "TX_PWR_LOCK": "UNKN",
        "TX_MENU_LOCK": "UNKN",
        "TX_MUTE_BUTTON_STATUS": "UNKN",
        "TX_POWER_SOURCE": "UNKN",
    }
    mute_param: str | None = "AUDIO_MUTE"
    interference_param: str | None = "RF_INT_DET"
    is_ulx: ClassVar[bool] = True

    def init_device(self, dev: DeviceState) -> None:
        """ULX-D device properties."""
        dev.props["ENCRYPTION"] = "OFF"
        if self.is_ulx and self.spec.channels > 1:
            dev.props["AUDIO_SUMMING_MODE"] = "OFF"
            dev.props["FREQUENCY_DIVERSITY_MODE"] = "OFF"
            dev.props["HIGH_DENSITY"] = "OFF"

    def tx_on_props(self, ch: SimChannel) -> dict[str, str]:
        """Linked transmitter properties; ULXD6/8 add a device ID and a mute button."""
        boundary = ch.tx_model in ("ULXD6", "ULXD8")
        return {
            "TX_DEVICE_ID": f"TX{ch.index}" if boundary else "",
            "TX_OFFSET": "000",
            "TX_RF_PWR": "NORMAL",
            "TX_MUTE_STATUS": "OFF",
            "TX_PWR_LOCK": "OFF",
            "TX_MENU_LOCK": "OFF",
            "TX_MUTE_BUTTON_STATUS": "RELEASED" if boundary else "UNKN",
            "TX_POWER_SOURCE": "BATTERY",
        }

    def model_value(self) -> str:
        """GET MODEL: disputed on ULX-D, so it answers only with ``answers_model``."""
        if not self.rx.answers_model:
            raise Unknown("MODEL")
        return braced(self.spec.wire_model, 32)

    def define(self) -> None:
        """Parameter table in GET ALL order."""
        dev = self.rx.device
        self.dev("DEVICE_ID", lambda: braced(dev.device_id, 8), self.set_device_id)
        self.dev("MODEL", self.model_value)
        self.dev("FW_VER", lambda: braced(dev.fw_version, 24))
        self.dev("ENCRYPTION", self.dev_prop("ENCRYPTION"))
        if self.is_ulx:
            self.dev("FLASH", lambda: on_off(dev.flash), self.set_device_flash)
            if self.spec.channels > 1:
                self.dev(
                    "AUDIO_SUMMING_MODE",
                    self.dev_prop("AUDIO_SUMMING_MODE"),
                    self.dev_enum_setter(
                        "AUDIO_SUMMING_MODE", ("OFF", "1+2", "3+4", "1+2/3+4", "1+2+3+4")
                    ),
                )
                self.dev("FREQUENCY_DIVERSITY_MODE", self.dev_prop("FREQUENCY_DIVERSITY_MODE"))
                self.dev(
                    "HIGH_DENSITY",
                    self.dev_prop("HIGH_DENSITY"),
                    self.dev_enum_setter("HIGH_DENSITY", ("ON", "OFF")),
                )

        self.chan("CHAN_NAME", lambda c, _s: braced(c.name, 8), self.set_name)
        self.chan("METER_RATE", self.meter_rate_value, self.set_meter_rate)
        self.chan("AUDIO_GAIN", lambda c, _s: num(c.gain_raw, 3), self.set_gain)
        if self.is_ulx:
            self.chan("AUDIO_MUTE", lambda c, _s: on_off(c.muted), self.mute_setter("AUDIO_MUTE"))
        self.chan("FREQUENCY", lambda c, _s: num(c.frequency_khz, 6), self.set_frequency)
        self.chan("GROUP_CHAN", lambda c, _s: self.group_value(c), self.set_group)
        if self.is_ulx:
            self.chan("RF_INT_DET", lambda c, _s: "CRITICAL" if c.interference else "NONE")
        self.chan("ENCRYPTION_WARNING", lambda c, _s: "OFF")
        self.chan("TX_TYPE", lambda c, _s: c.tx_model)
        self.chan("TX_DEVICE_ID", lambda c, _s: braced(c.props["TX_DEVICE_ID"], 8))
        for name in ("TX_OFFSET", "TX_RF_PWR", "TX_MUTE_STATUS", "TX_PWR_LOCK", "TX_MENU_LOCK"):
            self.chan(name, self.prop(name))
        if self.is_ulx:
            self.chan("TX_MUTE_BUTTON_STATUS", self.prop("TX_MUTE_BUTTON_STATUS"))
        self.chan("TX_POWER_SOURCE", self.prop("TX_POWER_SOURCE"))
        self.chan("BATT_BARS", lambda c, _s: num(c.battery_bars, 3))
        self.chan("BATT_CHARGE", lambda c, _s: num(c.battery_percent, 3))
        self.chan("BATT_HEALTH", lambda c, _s: num(c.battery_health, 3))
        self.chan("BATT_CYCLE", lambda c, _s: num(c.battery_cycles, 5))
        self.chan("BATT_RUN_TIME", lambda c, _s: num(c.battery_minutes, 5))
        # a real QLX-D dump shows these unpadded: "BATT_TEMP_C 64", "BATT_TEMP_F 116"
        self.chan("BATT_TEMP_C", lambda c, _s: str(c.battery_temp_c_raw))
        self.chan("BATT_TEMP_F", lambda c, _s: str(self.temp_f_raw(c)))
        self.chan("BATT_TYPE", lambda c, _s: c.battery_type)
        self.chan("RF_ANTENNA", lambda c, _s: c.antenna)
        self.chan("RX_RF_LVL", lambda c, _s: num(c.rf_raw[0], 3))
        self.chan("AUDIO_LVL", lambda c, _s: num(c.audio_raw, 3))

    @staticmethod
    def temp_f_raw(ch: SimChannel) -> int:
        """Fahrenheit with the same +40 offset (255 = unknown)."""
        if ch.battery_temp_c_raw == 255:
            return 255
        return round((ch.battery_temp_c_raw - 40) * 9 / 5 + 32) + 40

    def refresh(self, ch: SimChannel) -> None:
        """RF: dBm + 128 (0..115); audio: dBFS + 50 (0..50); antenna LED AX / XB / XX."""
        if self.live(ch):
            best = max(ch.rf_dbm)
            ch.rf_raw = [clamp(best + 128, 0, 115)]
            ch.antenna = "AX" if ch.rf_dbm[0] >= ch.rf_dbm[1] else "XB"
            ch.audio_raw = clamp(ch.audio_dbfs + 50, 0, 50)
        else:
            ch.rf_raw = [RF_FLOOR]
            ch.antenna = "XX"
            ch.audio_raw = 0

    def meter_lines(self, ch: SimChannel) -> list[str]:
        """``< SAMPLE x ALL nn aaa eee >``."""
        return [
            self.message(
                "SAMPLE",
                str(ch.index),
                "ALL",
                ch.antenna,
                num(ch.rf_raw[0], 3),
                num(ch.audio_raw, 3),
            )
        ]

    def tx_refs(self, ch: SimChannel) -> list[Ref]:
        """Everything transmitter-related changes on link / unlink."""
        names = [
            "TX_TYPE",
            "TX_DEVICE_ID",
            "TX_OFFSET",
            "TX_RF_PWR",
            "TX_MUTE_STATUS",
            "TX_PWR_LOCK",
            "TX_MENU_LOCK",
            "TX_MUTE_BUTTON_STATUS",
            "TX_POWER_SOURCE",
            "BATT_BARS",
            "BATT_CHARGE",
            "BATT_HEALTH",
            "BATT_CYCLE",
            "BATT_RUN_TIME",
            "BATT_TEMP_C",
            "BATT_TEMP_F",
            "BATT_TYPE",
        ]
        return [Ref(ch.index, n) for n in names if n in self.channel_params]

    def battery_refs(self, ch: SimChannel, changed: set[str]) -> list[Ref]:
        """BATT_BARS / BATT_CHARGE / BATT_RUN_TIME."""
        order = (("bars", "BATT_BARS"), ("percent", "BATT_CHARGE"), ("minutes", "BATT_RUN_TIME"))
        return [Ref(ch.index, name) for key, name in order if key in changed]


class QlxdEngine(UlxdEngine):
    """QLX-D: like ULX-D without AUDIO_MUTE, FLASH, RF_INT_DET and the multi-channel modes."""

    family = "qlxd"
    meter_rate_max = 99999
    mute_param = None
    interference_param = None
    is_ulx = False
