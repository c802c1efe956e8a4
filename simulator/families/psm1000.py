"""PSM1000 (P10T) engine (notes §7): ``REPORT``, unbraced values, CRLF after every message."""

from __future__ import annotations

from simulator.families.base import Engine, Outcome, Ref, Unsupported, clamp
from simulator.state import BATTERY_OFF, SimChannel
from simulator.wire import Malformed, Unknown, num, parse_int

__all__ = ["Psm1000Engine"]

METER_FULL_SCALE = 2_500_000  # linear meter value at 0 dBFS (scale is undocumented)


class Psm1000Engine(Engine):
    """P10T: two IEM transmitters, no GET ALL and no SAMPLE; meters are pushed REPORTs."""

    family = "psm1000"
    reply_verb = "REPORT"
    eol = "\r\n"
    require_crlf = True
    name_max = 8
    device_id_width = 8
    freq_width = 6
    group_param = "GROUP_CHAN"
    mute_param = "RF_MUTE"
    device_id_param = "DEVICE_NAME"

    def default_name(self, n: int) -> str:
        """IEM mixes."""
        return f"IEM {n}"

    def init_channel(self, ch: SimChannel) -> None:
        """On air, 10 mW, stereo, line level input."""
        super().init_channel(ch)
        ch.rf_dbm = []
        ch.rf_raw = []
        ch.load_battery(BATTERY_OFF)
        ch.gain_raw = -10
        ch.props.update(RF_TX_LVL="10", AUDIO_TX_MODE="3", AUDIO_IN_LINE_LVL="1")
        self.refresh(ch)

    def normalize(self, tokens: list[str]) -> list[str]:
        """The manual prints ``CHAN NAME`` with a space in GET/SET rows: accept it."""
        for i in range(len(tokens) - 1):
            if tokens[i] == "CHAN" and tokens[i + 1] == "NAME":
                return [*tokens[:i], "CHAN_NAME", *tokens[i + 2 :]]
        return tokens

    def get_all(self, idx: int | None, args: list[str]) -> Outcome:
        """PSM1000 has no GET ALL."""
        raise Unknown("ALL")

    def define(self) -> None:
        """Parameter table."""
        dev = self.rx.device
        self.dev("DEVICE_NAME", lambda: dev.device_id[:8].ljust(8), self.set_device_id)
        self.chan("CHAN_NAME", lambda c, _s: c.name[:8].ljust(8), self.set_name)
        self.chan("AUDIO_IN_LVL", lambda c, _s: f"{c.gain_raw:04d}", self.set_input_level)
        self.chan("GROUP_CHAN", lambda c, _s: self.group_value(c), self.set_group)
        self.chan("FREQUENCY", lambda c, _s: num(c.frequency_khz, 6), self.set_frequency)
        self.chan(
            "RF_TX_LVL", self.prop("RF_TX_LVL"), self.enum_setter("RF_TX_LVL", ("10", "50", "100"))
        )
        self.chan("RF_MUTE", lambda c, _s: "1" if c.muted else "0", self.set_rf_mute)
        self.chan(
            "AUDIO_TX_MODE",
            self.prop("AUDIO_TX_MODE"),
            self.enum_setter("AUDIO_TX_MODE", ("1", "2", "3")),
        )
        self.chan(
            "AUDIO_IN_LINE_LVL",
            self.prop("AUDIO_IN_LINE_LVL"),
            self.enum_setter("AUDIO_IN_LINE_LVL", ("0", "1")),
        )
        self.chan("METER_RATE", self.meter_rate_value, self.set_meter_rate)
        self.chan("AUDIO_IN_LVL_L", lambda c, _s: num(c.audio_raw, 11), gettable=False)
        self.chan("AUDIO_IN_LVL_R", lambda c, _s: num(c.audio_right_raw, 11), gettable=False)

    def set_input_level(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET AUDIO_IN_LVL (dB, -67..0)."""
        if len(args) != 1:
            raise Malformed("bad AUDIO_IN_LVL")
        ch.gain_raw = parse_int(args[0], -67, 0, signed=True)
        return [Ref(ch.index, "AUDIO_IN_LVL")]

    def set_rf_mute(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET RF_MUTE 1|0 (1 = off air)."""
        if len(args) != 1 or args[0] not in ("0", "1"):
            raise Malformed("bad RF_MUTE")
        ch.muted = args[0] == "1"
        ch.tx_on = not ch.muted
        return [Ref(ch.index, "RF_MUTE")]

    def mute(self, ch: SimChannel, muted: bool) -> list[Ref]:
        """RF mute (off air)."""
        if ch.muted == muted:
            return []
        ch.muted = muted
        ch.tx_on = not muted
        return [Ref(ch.index, "RF_MUTE")]

    def transmitter(self, ch: SimChannel, on: bool, model: str | None) -> list[Ref]:
        """The P10T is the transmitter: on/off = on air / RF muted."""
        if model is not None:
            raise ValueError("the P10T has no transmitter models")
        return self.mute(ch, not on)

    def dropout(self, ch: SimChannel, active: bool) -> list[Ref]:
        """Not applicable."""
        raise Unsupported("the P10T is a transmitter")

    def refresh(self, ch: SimChannel) -> None:
        """Linear input meters (left, right slightly lower)."""
        lin = METER_FULL_SCALE * 10 ** (ch.audio_dbfs / 20)
        ch.audio_raw = clamp(lin, 0, 99_999_999_999)
        ch.audio_right_raw = clamp(lin * 0.89, 0, 99_999_999_999)

    def meter_lines(self, ch: SimChannel) -> list[str]:
        """Periodic ``< REPORT x AUDIO_IN_LVL_L v >`` and ``_R``."""
        return [
            self.rep(Ref(ch.index, "AUDIO_IN_LVL_L")),
            self.rep(Ref(ch.index, "AUDIO_IN_LVL_R")),
        ]
