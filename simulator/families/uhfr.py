"""UHF-R (UR4S, UR4D) engine (notes §6): UDP datagrams ``* VERB x PARAM v *``."""

from __future__ import annotations

from simulator.families.base import Engine, Outcome, Ref, clamp, on_off
from simulator.state import SimChannel
from simulator.wire import Malformed, Unknown, num, parse_int

__all__ = ["UhfrEngine"]

RF_FLOOR = 100  # "smaller = stronger"; ~100 is weak / no carrier
METER_UNIT_MS = 30


def audio_bitmap(dbfs: float) -> int:
    """8-LED audio bitmap: lowest bits lit up to the level, bit 7 = peak."""
    if dbfs < -48:
        return 0
    lit = 8 if dbfs >= -1 else min(7, 1 + int((dbfs + 48) / 7))
    return (1 << lit) - 1


class UhfrEngine(Engine):
    """UHF-R: ``REPORT`` replies, no error message (unknown input is ignored)."""

    family = "uhfr"
    reply_verb = "REPORT"
    name_max = 8
    freq_width = 6
    group_param = "GROUP_CHAN"
    mute_param = "MUTE"

    def message(self, *parts: str) -> str:
        """``* A B C *``."""
        return "* " + " ".join(p for p in parts if p) + " *"

    def error(self) -> str | None:
        """UHF-R has no documented error reply: stay silent."""
        return None

    def define(self) -> None:
        """CHAN_NAME, GROUP_CHAN, FREQUENCY, TX_BAT, MUTE."""
        self.chan("CHAN_NAME", lambda c, _s: c.name.replace(" ", "_"), self.set_name)
        self.chan("GROUP_CHAN", lambda c, _s: self.group_value(c), self.set_group)
        self.chan("FREQUENCY", lambda c, _s: num(c.frequency_khz, 6), self.set_frequency)
        self.chan("TX_BAT", lambda c, _s: self.tx_bat(c))
        self.chan("MUTE", lambda c, _s: on_off(c.muted), self.mute_setter("MUTE"))

    @staticmethod
    def tx_bat(ch: SimChannel) -> str:
        """Battery bars 1-5, ``U`` when unknown / no transmitter."""
        if ch.battery_bars == 255:
            return "U"
        return str(max(1, min(5, ch.battery_bars)))

    def set_name(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """Names travel with ``_`` for spaces."""
        text = " ".join(args).replace("_", " ").strip()
        if not args or len(text) > self.name_max or not text.isascii() or "*" in text:
            raise Malformed("bad name")
        ch.name = text
        return [Ref(ch.index, "CHAN_NAME")]

    def dispatch(self, text: str) -> Outcome:
        """Parse ``* GET x P *``, ``* SET x P v *`` and ``* METER x ALL sss|STOP *``."""
        if len(text) < 2 or not (text.startswith("*") and text.endswith("*")) or not text.isascii():
            raise Malformed("not framed")
        tokens = text[1:-1].split()
        if len(tokens) < 3 or not tokens[1].isdigit():
            raise Malformed("too short")
        verb, idx, name, args = tokens[0], int(tokens[1]), tokens[2], tokens[3:]
        if verb == "METER":
            return self.meter(idx, name, args)
        if verb not in ("GET", "SET"):
            raise Malformed("bad verb")
        if name not in self.channel_params:
            raise Unknown(name)
        return self.channel_command(verb, idx, self.channel_params[name], args)

    def meter(self, idx: int, name: str, args: list[str]) -> Outcome:
        """Start (interval in units of 30 ms) or stop metering; no reply."""
        if name != "ALL" or len(args) != 1:
            raise Malformed("bad METER")
        rate = 0 if args[0] == "STOP" else parse_int(args[0], 0, 999) * METER_UNIT_MS
        for ch in self.target_channels(idx):
            ch.meter_rate_ms = rate
        self.rx.meter_changed()
        return Outcome()

    def refresh(self, ch: SimChannel) -> None:
        """RF as -dBm magnitude per antenna; audio as an LED bitmap."""
        if self.live(ch):
            ch.rf_raw = [clamp(-d, 0, 120) for d in ch.rf_dbm]
            ch.antenna = "AX" if ch.rf_dbm[0] >= ch.rf_dbm[1] else "XB"
            ch.audio_raw = audio_bitmap(ch.audio_dbfs)
        else:
            ch.rf_raw = [RF_FLOOR, RF_FLOOR]
            ch.antenna = "XX"
            ch.audio_raw = 0

    def meter_lines(self, ch: SimChannel) -> list[str]:
        """``* SAMPLE x ALL nn aaa bbb d eee *``."""
        return [
            self.message(
                "SAMPLE",
                str(ch.index),
                "ALL",
                ch.antenna,
                num(ch.rf_raw[0], 3),
                num(ch.rf_raw[1], 3),
                self.tx_bat(ch),
                num(ch.audio_raw, 3),
            )
        ]

    def tx_refs(self, ch: SimChannel) -> list[Ref]:
        """Only the battery is reported."""
        return [Ref(ch.index, "TX_BAT")]

    def battery_refs(self, ch: SimChannel, changed: set[str]) -> list[Ref]:
        """Bars as TX_BAT."""
        return [Ref(ch.index, "TX_BAT")] if "bars" in changed else []
