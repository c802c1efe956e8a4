"""Axient Digital (AD4D, AD4Q) engine (notes §4): 31-wide text, 7-digit kHz, 8 slots."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from simulator.families.base import ChGetter, ChSetter, Engine, Ref, clamp, on_off
from simulator.state import DeviceState, SimChannel
from simulator.wire import Malformed, Unknown, braced, num

__all__ = ["AxientEngine"]

SLOTS = tuple(range(1, 9))
ANTENNAS = (1, 2)
type BattFn = Callable[[SimChannel], str]
RSSI_FLOOR = (5, 6)
PEAK_FLOOR = 5
RMS_FLOOR = 20
AUDIO_LED_THRESHOLDS = (-50.0, -40.0, -30.0, -24.0, -18.0, -12.0, -6.0)


def rf_led_bitmap(raw: int) -> int:
    """RSSI LED bars as the bitmap 0, 1, 3, 7, 15, 31 (dBm = raw - 120)."""
    dbm = raw - 120
    bars = sum(dbm >= t for t in (-90, -85, -80, -75, -70))
    return (1 << bars) - 1


class AxientEngine(Engine):
    """Axient Digital."""

    family = "axient_digital"
    text_width = 31
    name_max = 8
    device_id_width = 31
    freq_width = 7
    group_param = "GROUP_CHANNEL"
    tx_off_model = "UNKNOWN"
    tx_off_props: ClassVar[dict[str, str]] = {
        "TX_DEVICE_ID": "",
        "TX_OFFSET": "255",
        "TX_INPUT_PAD": "255",
        "TX_POWER_LEVEL": "255",
        "TX_MUTE_MODE_STATUS": "UNKNOWN",
        "TX_LOCK": "UNKNOWN",
        "TX_TALK_SWITCH": "UNKNOWN",
        "TX_POLARITY": "UNKNOWN",
    }
    mute_param = "AUDIO_MUTE"
    interference_param = "INTERFERENCE_STATUS"

    def init_device(self, dev: DeviceState) -> None:
        """Axient device properties."""
        dev.props.update(
            ENCRYPTION_MODE="OFF", QUADVERSITY_MODE="OFF", TRANSMISSION_MODE="STANDARD"
        )

    def init_channel(self, ch: SimChannel) -> None:
        """Defaults plus ADX slot settings."""
        ch.battery_capacity_minutes = 480
        ch.props.update(SLOT_RF_OUTPUT="RF_ON", SLOT_RF_POWER_MODE="NORMAL")
        super().init_channel(ch)

    def tx_on_props(self, ch: SimChannel) -> dict[str, str]:
        """Linked transmitter properties."""
        return {
            "TX_DEVICE_ID": f"ADX-{ch.index}" if ch.tx_model.startswith("ADX") else "",
            "TX_OFFSET": "012",
            "TX_INPUT_PAD": "012",
            "TX_POWER_LEVEL": "010",
            "TX_MUTE_MODE_STATUS": "ON",
            "TX_LOCK": "NONE",
            "TX_TALK_SWITCH": "OFF",
            "TX_POLARITY": "POSITIVE",
        }

    def define(self) -> None:
        """Parameter table in GET ALL order."""
        dev = self.rx.device
        self.dev("DEVICE_ID", lambda: braced(dev.device_id, 31), self.set_device_id)
        self.dev("MODEL", lambda: braced(dev.model_string, 31))
        self.dev("FW_VER", lambda: braced(dev.fw_version, 24))
        self.dev("RF_BAND", lambda: braced(dev.rf_band, 8))
        self.dev("ENCRYPTION_MODE", self.dev_prop("ENCRYPTION_MODE"))
        self.dev("QUADVERSITY_MODE", self.dev_prop("QUADVERSITY_MODE"))
        self.dev("TRANSMISSION_MODE", self.dev_prop("TRANSMISSION_MODE"))
        self.dev("FLASH", lambda: on_off(dev.flash), self.set_device_flash)

        def ants(_c: SimChannel) -> tuple[int, ...]:
            return ANTENNAS

        self.chan("CHAN_NAME", lambda c, _s: braced(c.name, 31), self.set_name)
        self.chan("METER_RATE", self.meter_rate_value, self.set_meter_rate)
        self.chan("AUDIO_GAIN", lambda c, _s: num(c.gain_raw, 3), self.set_gain)
        self.chan("AUDIO_MUTE", lambda c, _s: on_off(c.muted), self.mute_setter("AUDIO_MUTE"))
        self.chan("FREQUENCY", lambda c, _s: num(c.frequency_khz, 7), self.set_frequency)
        self.chan("GROUP_CHANNEL", lambda c, _s: "{" + self.group_value(c) + "}", self.set_group)
        self.chan("FD_MODE", lambda c, _s: "OFF")
        self.chan("INTERFERENCE_STATUS", lambda c, _s: "DETECTED" if c.interference else "NONE")
        self.chan("ENCRYPTION_STATUS", lambda c, _s: "OK")
        self.chan("UNREGISTERED_TX_STATUS", lambda c, _s: "OK")
        self.chan("FLASH", lambda c, _s: on_off(c.flash), self.set_channel_flash)
        self.chan("AUDIO_LEVEL_RMS", lambda c, _s: num(c.audio_raw, 3))
        self.chan("AUDIO_LEVEL_PEAK", lambda c, _s: num(c.audio_peak_raw, 3))
        self.chan("AUDIO_LED_BITMAP", lambda c, _s: num(c.audio_bitmap, 3))
        self.chan("RSSI", lambda c, s: num(c.rf_raw[s - 1], 3), subs=ants)
        self.chan("RSSI_LED_BITMAP", lambda c, s: num(rf_led_bitmap(c.rf_raw[s - 1]), 2), subs=ants)
        self.chan("ANTENNA_STATUS", lambda c, _s: c.antenna)
        self.chan("CHAN_QUALITY", lambda c, _s: num(c.quality, 3))
        self.chan("TX_MODEL", lambda c, _s: c.tx_model)
        self.chan("TX_DEVICE_ID", lambda c, _s: braced(c.props["TX_DEVICE_ID"], 31))
        for name in (
            "TX_OFFSET",
            "TX_INPUT_PAD",
            "TX_POWER_LEVEL",
            "TX_MUTE_MODE_STATUS",
            "TX_LOCK",
            "TX_TALK_SWITCH",
            "TX_POLARITY",
        ):
            self.chan(name, self.prop(name))
        self.define_battery("TX_BATT", slot=False)
        self.define_slots()
        self.define_battery("SLOT_BATT", slot=True)

    def define_battery(self, prefix: str, *, slot: bool) -> None:
        """TX_BATT_* (channel) or SLOT_BATT_* (per slot; only slot 1 is occupied)."""
        subs = (lambda _c: SLOTS) if slot else None
        getters: list[tuple[str, BattFn, str]] = [
            ("BARS", lambda c: num(c.battery_bars, 3), "255"),
            ("CHARGE_PERCENT", lambda c: num(c.battery_percent, 3), "255"),
            ("HEALTH_PERCENT", lambda c: num(c.battery_health, 3), "255"),
            ("CYCLE_COUNT", lambda c: num(c.battery_cycles, 5), "65535"),
            ("MINS", lambda c: num(c.battery_minutes, 5), "65535"),
            ("TEMP_C", lambda c: num(c.battery_temp_c_raw, 3), "255"),
            ("TEMP_F", self.temp_f, "255"),
            ("TYPE", lambda c: c.battery_type, "UNKN"),
        ]
        for suffix, fn, empty in getters:
            self.chan(f"{prefix}_{suffix}", self.batt(fn, empty, slot=slot), subs=subs)

    def define_slots(self) -> None:
        """SLOT_* properties (slot index after the name); slot 1 holds the paired transmitter."""

        def slot_subs(_c: SimChannel) -> tuple[int, ...]:
            return SLOTS

        def status(c: SimChannel, s: int) -> str:
            if s != 1:
                return "EMPTY"
            return "LINKED.ACTIVE" if c.tx_on else "LINKED.INACTIVE"

        self.chan("SLOT_STATUS", status, subs=slot_subs)
        self.chan(
            "SLOT_TX_MODEL",
            lambda c, s: c.paired_model if s == 1 else "UNKNOWN",
            subs=slot_subs,
        )
        self.chan(
            "SLOT_TX_DEVICE_ID",
            lambda c, s: braced(c.props["TX_DEVICE_ID"] if s == 1 else "", 31),
            subs=slot_subs,
        )
        self.chan("SLOT_OFFSET", self.slot_prop("TX_OFFSET", "255"), subs=slot_subs)
        self.chan("SLOT_INPUT_PAD", self.slot_prop("TX_INPUT_PAD", "255"), subs=slot_subs)
        self.chan("SLOT_RF_POWER", self.slot_prop("TX_POWER_LEVEL", "255"), subs=slot_subs)
        self.chan("SLOT_POLARITY", self.slot_prop("TX_POLARITY", "UNKNOWN"), subs=slot_subs)
        self.chan(
            "SLOT_SHOWLINK_STATUS",
            lambda c, s: "005" if s == 1 and c.tx_on else "255",
            subs=slot_subs,
        )
        self.chan(
            "SLOT_RF_OUTPUT",
            self.adx_get("SLOT_RF_OUTPUT"),
            self.adx_set("SLOT_RF_OUTPUT", ("RF_ON", "RF_MUTE")),
            subs=slot_subs,
        )
        self.chan(
            "SLOT_RF_POWER_MODE",
            self.adx_get("SLOT_RF_POWER_MODE"),
            self.adx_set("SLOT_RF_POWER_MODE", ("LOW", "NORMAL", "HIGH")),
            subs=slot_subs,
        )

    @staticmethod
    def batt(fn: BattFn, empty: str, *, slot: bool) -> ChGetter:
        """Battery getter; slots other than 1 are empty."""

        def get(c: SimChannel, s: int) -> str:
            if slot and s != 1:
                return empty
            return str(fn(c))

        return get

    def temp_f(self, c: SimChannel) -> str:
        """Fahrenheit with the +40 offset."""
        if c.battery_temp_c_raw == 255:
            return "255"
        return num(round((c.battery_temp_c_raw - 40) * 9 / 5 + 32) + 40, 3)

    def slot_prop(self, name: str, empty: str) -> ChGetter:
        """Slot 1 mirrors the channel's transmitter property."""

        def get(c: SimChannel, s: int) -> str:
            return c.props[name] if s == 1 else empty

        return get

    def adx_get(self, name: str) -> ChGetter:
        """ADX-only slot settings."""

        def get(c: SimChannel, s: int) -> str:
            if s != 1 or not c.paired_model.startswith("ADX"):
                raise Unknown(name)
            return c.props[name]

        return get

    def adx_set(self, name: str, allowed: tuple[str, ...]) -> ChSetter:
        """SET of an ADX-only slot setting."""

        def set_(c: SimChannel, s: int, args: list[str]) -> list[Ref]:
            if s != 1 or not c.paired_model.startswith("ADX"):
                raise Unknown(name)
            if len(args) != 1 or args[0] not in allowed:
                raise Malformed(name)
            c.props[name] = args[0]
            return [Ref(c.index, name, s)]

        return set_

    def refresh(self, ch: SimChannel) -> None:
        """RSSI/audio: value + 120; quality 0-5 (255 without transmitter); antennas B/X."""
        if self.live(ch):
            ch.rf_raw = [clamp(d + 120, 0, 120) for d in ch.rf_dbm]
            ch.antenna = "".join("B" if d >= -95 else "X" for d in ch.rf_dbm)
            ch.audio_raw = clamp(ch.audio_dbfs + 120, 0, 120)
            ch.audio_peak_raw = min(120, ch.audio_raw + 3)
            lit = sum(ch.audio_dbfs >= t for t in AUDIO_LED_THRESHOLDS)
            ch.audio_bitmap = (1 << lit) - 1 | (128 if ch.audio_peak_raw >= 120 else 0)
            best = max(ch.rf_dbm)
            q = sum(best >= t for t in (-95, -90, -85, -80, -75))
            ch.quality = max(0, q - 2) if ch.interference else q
        else:
            ch.rf_raw = list(RSSI_FLOOR)
            ch.antenna = "XX"
            ch.audio_raw = RMS_FLOOR
            ch.audio_peak_raw = PEAK_FLOOR
            ch.audio_bitmap = 0
            ch.quality = 0 if ch.tx_on else 255

    def meter_lines(self, ch: SimChannel) -> list[str]:
        """``< SAMPLE x ALL qual bitmap peak rms ant rfbmA rssiA rfbmB rssiB >``."""
        fields = [
            num(ch.quality, 3),
            num(ch.audio_bitmap, 3),
            num(ch.audio_peak_raw, 3),
            num(ch.audio_raw, 3),
            ch.antenna,
        ]
        for raw in ch.rf_raw:
            fields += [num(rf_led_bitmap(raw), 2), num(raw, 3)]
        return [self.message("SAMPLE", str(ch.index), "ALL", *fields)]

    def tx_refs(self, ch: SimChannel) -> list[Ref]:
        """Transmitter, battery, quality, antenna and slot-1 reports."""
        n = ch.index
        names = [
            "TX_MODEL",
            "TX_DEVICE_ID",
            "TX_OFFSET",
            "TX_INPUT_PAD",
            "TX_POWER_LEVEL",
            "TX_MUTE_MODE_STATUS",
            "TX_LOCK",
            "TX_TALK_SWITCH",
            "TX_POLARITY",
            "TX_BATT_BARS",
            "TX_BATT_CHARGE_PERCENT",
            "TX_BATT_HEALTH_PERCENT",
            "TX_BATT_CYCLE_COUNT",
            "TX_BATT_MINS",
            "TX_BATT_TEMP_C",
            "TX_BATT_TEMP_F",
            "TX_BATT_TYPE",
            "CHAN_QUALITY",
            "ANTENNA_STATUS",
        ]
        refs = [Ref(n, name) for name in names]
        refs += [
            Ref(n, name, 1)
            for name in (
                "SLOT_STATUS",
                "SLOT_TX_MODEL",
                "SLOT_BATT_BARS",
                "SLOT_BATT_CHARGE_PERCENT",
                "SLOT_BATT_MINS",
            )
        ]
        return refs

    def battery_refs(self, ch: SimChannel, changed: set[str]) -> list[Ref]:
        """TX_BATT_* plus the slot-1 copies."""
        refs: list[Ref] = []
        for key, suffix in (("bars", "BARS"), ("percent", "CHARGE_PERCENT"), ("minutes", "MINS")):
            if key in changed:
                refs += [
                    Ref(ch.index, f"TX_BATT_{suffix}"),
                    Ref(ch.index, f"SLOT_BATT_{suffix}", 1),
                ]
        return refs

    def dropout_refs(self, ch: SimChannel) -> list[Ref]:
        """Antenna status and link quality."""
        return [Ref(ch.index, "ANTENNA_STATUS"), Ref(ch.index, "CHAN_QUALITY")]
