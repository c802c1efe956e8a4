"""Shared machinery of the family engines: parameter tables, dispatch, formatting, controls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import math
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from simulator.state import BATTERY_OFF, Battery, DeviceState, SimChannel
from simulator.wire import Malformed, Unknown, num, parse_int, parse_text, tokenize, unbrace

if TYPE_CHECKING:
    from simulator.models import ModelSpec
    from simulator.receiver import SimReceiver

__all__ = [
    "ChannelParam",
    "DeviceParam",
    "Engine",
    "Outcome",
    "Ref",
    "Unsupported",
]

GROUPS = 6
CHANNELS_PER_GROUP = 12
SPECIAL_MINUTES = 65533  # 65533..65535 are status codes, not runtimes


class Unsupported(ValueError):
    """The family has no such control (e.g. mute on SLX-D)."""


class Ref(NamedTuple):
    """A reportable value: channel (0 = device level), wire name and sub index (0 = none)."""

    channel: int
    name: str
    sub: int = 0


type DevGetter = Callable[[], str]
type DevSetter = Callable[[list[str]], list[Ref]]
type ChGetter = Callable[[SimChannel, int], str]
type ChSetter = Callable[[SimChannel, int, list[str]], list[Ref]]
type SubsFn = Callable[[SimChannel], Sequence[int]]


@dataclass(frozen=True, slots=True)
class DeviceParam:
    """A device-level property (no channel index on the wire)."""

    name: str
    get: DevGetter
    set: DevSetter | None = None
    dump: bool = True
    gettable: bool = True


@dataclass(frozen=True, slots=True)
class ChannelParam:
    """A channel property, optionally with a second index (antenna / slot) after the name."""

    name: str
    get: ChGetter
    set: ChSetter | None = None
    subs: SubsFn | None = None
    dump: bool = True
    gettable: bool = True


@dataclass(slots=True)
class Outcome:
    """Messages caused by one command: to the sender only, and to every client."""

    direct: list[str] = field(default_factory=list)
    broadcast: list[str] = field(default_factory=list)


def on_off(flag: bool) -> str:
    """Wire ON/OFF."""
    return "ON" if flag else "OFF"


def clamp(value: float, lo: int, hi: int) -> int:
    """Round and clamp to an integer range."""
    return max(lo, min(hi, round(value)))


class Engine:
    """Base class of a family's protocol engine (one per simulated receiver)."""

    family: ClassVar[str] = ""
    reply_verb: ClassVar[str] = "REP"
    eol: ClassVar[str] = ""
    require_crlf: ClassVar[bool] = False
    text_width: ClassVar[int] = 31  # CHAN_NAME width on the wire
    name_max: ClassVar[int] = 8  # longest name a SET accepts
    device_id_width: ClassVar[int] = 8
    freq_width: ClassVar[int] = 6
    group_param: ClassVar[str] = "GROUP_CHAN"
    meter_rate_max: ClassVar[int] = 65535
    tx_off_model: ClassVar[str] = "UNKN"
    tx_off_props: ClassVar[dict[str, str]] = {}
    mute_param: str | None = None
    interference_param: str | None = None
    device_id_param: ClassVar[str] = "DEVICE_ID"

    def __init__(self, rx: SimReceiver) -> None:
        """Build the parameter tables for one receiver."""
        self.rx = rx
        self.spec: ModelSpec = rx.spec
        self.device_params: dict[str, DeviceParam] = {}
        self.channel_params: dict[str, ChannelParam] = {}
        self.define()

    # ------------------------------------------------------------------ tables
    def define(self) -> None:
        """Register the family's parameters (subclasses)."""
        raise AssertionError("subclass must define parameters")

    def dev(
        self,
        name: str,
        get: DevGetter,
        set_: DevSetter | None = None,
        *,
        dump: bool = True,
        gettable: bool = True,
    ) -> None:
        """Register a device-level parameter (``gettable=False``: SET and REP only)."""
        self.device_params[name] = DeviceParam(name, get, set_, dump and gettable, gettable)

    def chan(
        self,
        name: str,
        get: ChGetter,
        set_: ChSetter | None = None,
        *,
        subs: SubsFn | None = None,
        dump: bool = True,
        gettable: bool = True,
    ) -> None:
        """Register a channel parameter (``gettable=False``: SET and REP only)."""
        self.channel_params[name] = ChannelParam(name, get, set_, subs, dump and gettable, gettable)

    def prop(self, name: str) -> ChGetter:
        """Getter for a plain stored channel property (``ch.props[name]``)."""

        def get(ch: SimChannel, _sub: int) -> str:
            return ch.props[name]

        return get

    # ------------------------------------------------------------------ setup
    def init_device(self, dev: DeviceState) -> None:
        """Fill family-specific device properties."""

    def init_channel(self, ch: SimChannel) -> None:
        """Fill a channel with plausible defaults (transmitter on, battery partly used)."""
        n = ch.index
        ch.name = self.default_name(n)
        ch.gain_raw = 18 + (n % 3) * 3
        g, c = 1, n
        ch.group_chan = (g, c)
        ch.frequency_khz = self.group_frequency(g, c)
        models = self.spec.tx_models
        ch.paired_model = models[(n - 1) % len(models)] if models else ""
        ch.tx_on = True
        ch.tx_model = ch.paired_model
        ch.load_battery(self.default_battery(ch))
        ch.rf_dbm = [-52.0 - 2 * n, -58.0 - n]
        ch.audio_dbfs = -22.0 - 2 * n
        ch.props.update(self.tx_on_props(ch))
        self.refresh(ch)

    def default_name(self, n: int) -> str:
        """Default channel name."""
        return f"CH {n}"

    def default_battery(self, ch: SimChannel) -> Battery:
        """A healthy Li-ion battery, a bit more used on higher channels."""
        cap = ch.battery_capacity_minutes
        minutes = max(30, cap - 60 * ch.index)
        pct = round(100 * minutes / cap)
        return Battery(
            bars=self.bars_for(pct, minutes),
            minutes=minutes,
            percent=pct,
            health=96,
            cycles=37 + ch.index,
            temp_c_raw=64,
            kind="LION",
        )

    def tx_on_props(self, ch: SimChannel) -> dict[str, str]:
        """Transmitter properties while a transmitter is linked (subclasses)."""
        return {}

    @staticmethod
    def bars_for(percent: int, minutes: int) -> int:
        """Battery bars (0-5) for a charge percentage."""
        if minutes <= 0 or percent <= 0:
            return 0
        return max(1, min(5, math.ceil(percent / 20)))

    # ------------------------------------------------------------------ encodings
    def refresh(self, ch: SimChannel) -> None:
        """Recompute the encoded meter values from the nominal levels (subclasses)."""

    def live(self, ch: SimChannel) -> bool:
        """True when a carrier is received on the channel."""
        return ch.tx_on and not ch.rf_dropout

    def group_frequency(self, group: int, chan: int) -> int:
        """Frequency (kHz) of a group/channel preset in this simulator's synthetic table."""
        lo = self.spec.band_khz[0]
        return lo + 500 + (group - 1) * 3000 + (chan - 1) * 1400

    def group_value(self, ch: SimChannel) -> str:
        """``gg,cc`` or ``--,--``."""
        if ch.group_chan is None:
            return "--,--"
        g, c = ch.group_chan
        return f"{g:02d},{c:02d}"

    # ------------------------------------------------------------------ formatting
    def message(self, *parts: str) -> str:
        """Frame a message: ``< A B C >`` (plus CRLF on PSM1000)."""
        return "< " + " ".join(p for p in parts if p) + " >" + self.eol

    def error(self) -> str | None:
        """Error reply, or None when the family has no error message."""
        return self.message(self.reply_verb, "ERR")

    def value(self, ref: Ref) -> str:
        """Current wire value of a parameter (may raise Unknown)."""
        if ref.channel == 0:
            return self.device_params[ref.name].get()
        return self.channel_params[ref.name].get(self.rx.channel(ref.channel), ref.sub)

    def rep(self, ref: Ref) -> str:
        """Format a report of one value."""
        value = self.value(ref)
        idx = str(ref.channel) if ref.channel else ""
        sub = str(ref.sub) if ref.sub else ""
        return self.message(self.reply_verb, idx, ref.name, sub, value)

    def reps(self, refs: Sequence[Ref]) -> list[str]:
        """Format several reports."""
        return [self.rep(r) for r in refs]

    def meter_lines(self, ch: SimChannel) -> list[str]:
        """Periodic metering output for one channel (subclasses)."""
        return []

    # ------------------------------------------------------------------ dispatch
    def accepts_commands(self) -> bool:
        """False while the receiver ignores every command (SLX-D controller access off)."""
        return True

    def handle(self, text: str) -> Outcome:
        """Answer one framed message."""
        if not self.accepts_commands():
            return Outcome()
        try:
            return self.dispatch(text)
        except Unknown:
            err = self.error()
            if self.rx.unknown_reply == "error" and err is not None:
                return Outcome([err])
            return Outcome()
        except Malformed:
            err = self.error()
            return Outcome([err] if err is not None else [])

    def normalize(self, tokens: list[str]) -> list[str]:
        """Hook to rewrite tokens before dispatch."""
        return tokens

    def dispatch(self, text: str) -> Outcome:
        """Parse and execute a bracket-framed command."""
        if not (text.startswith("<") and text.endswith(">") and text.isascii()):
            raise Malformed("not framed")
        tokens = self.normalize(tokenize(text[1:-1]))
        if len(tokens) < 2:
            raise Malformed("too short")
        verb, rest = tokens[0], tokens[1:]
        if verb not in ("GET", "SET"):
            raise Malformed("bad verb")
        idx: int | None = None
        if rest[0].isascii() and rest[0].isdigit():
            idx = int(rest[0])
            rest = rest[1:]
        if not rest:
            raise Malformed("missing name")
        name, args = rest[0], rest[1:]
        if name == "ALL" and verb == "GET":
            return self.get_all(idx, args)
        # FLASH exists at both levels: the index decides
        if name in self.channel_params and (idx is not None or name not in self.device_params):
            return self.channel_command(verb, idx, self.channel_params[name], args)
        if name in self.device_params:
            return self.device_command(verb, idx, self.device_params[name], args)
        raise Unknown(name)

    def device_command(
        self, verb: str, idx: int | None, p: DeviceParam, args: list[str]
    ) -> Outcome:
        """GET/SET of a device-level property."""
        if idx is not None:
            raise Unknown("device property with index")
        if verb == "GET":
            if not p.gettable:
                raise Unknown(p.name)
            if args:
                raise Malformed("GET takes no value")
            return Outcome([self.rep(Ref(0, p.name))])
        if p.set is None:
            raise Unknown(f"{p.name} is read-only")
        return Outcome(broadcast=self.reps(p.set(args)))

    def target_channels(self, idx: int | None) -> list[SimChannel]:
        """Channels addressed by an index (0 = all); wrong index raises Unknown."""
        if idx is None or idx > self.spec.channels:
            raise Unknown("wrong index")
        if idx == 0:
            return list(self.rx.channels)
        return [self.rx.channel(idx)]

    @staticmethod
    def parse_sub(token: str, subs: Sequence[int]) -> int:
        """Parse the second index (antenna / slot)."""
        if not (token.isascii() and token.isdigit()):
            raise Malformed("bad sub index")
        sub = int(token)
        if sub not in subs:
            raise Unknown("wrong sub index")
        return sub

    def channel_command(
        self, verb: str, idx: int | None, p: ChannelParam, args: list[str]
    ) -> Outcome:
        """GET/SET of a channel property for one or all channels."""
        channels = self.target_channels(idx)
        refs: list[Ref] = []
        if verb == "GET":
            if not p.gettable:
                raise Unknown(p.name)
            for ch in channels:
                if p.subs is not None:
                    subs = p.subs(ch)
                    if args:
                        if len(args) > 1:
                            raise Malformed("extra tokens")
                        subs = [self.parse_sub(args[0], subs)]
                    refs += [Ref(ch.index, p.name, s) for s in subs]
                else:
                    if args:
                        raise Malformed("GET takes no value")
                    refs.append(Ref(ch.index, p.name))
            return Outcome(self.reps(refs))
        if p.set is None:
            raise Unknown(f"{p.name} is read-only")
        for ch in channels:
            sub, values = 0, args
            if p.subs is not None:
                if not args:
                    raise Malformed("missing sub index")
                sub, values = self.parse_sub(args[0], p.subs(ch)), args[1:]
            refs += p.set(ch, sub, values)
        return Outcome(broadcast=self.reps(refs))

    def dump_device(self) -> list[str]:
        """Every readable device property."""
        lines: list[str] = []
        for p in self.device_params.values():
            if p.dump:
                try:
                    lines.append(self.rep(Ref(0, p.name)))
                except Unknown:
                    continue
        return lines

    def dump_channel(self, ch: SimChannel) -> list[str]:
        """Every readable property of one channel, metered values and METER_RATE included."""
        lines: list[str] = []
        for p in self.channel_params.values():
            if not p.dump:
                continue
            for sub in p.subs(ch) if p.subs is not None else [0]:
                try:
                    lines.append(self.rep(Ref(ch.index, p.name, sub)))
                except Unknown:
                    continue
        return lines

    def get_all(self, idx: int | None, args: list[str]) -> Outcome:
        """``GET x ALL``: device properties, then the channel(s)."""
        if args or idx is None:
            raise Malformed("GET ALL needs a channel index and nothing else")
        if idx == 0 and self.rx.get_all_0_refused:
            raise Malformed("GET 0 ALL refused")
        channels = self.target_channels(idx)
        lines = self.dump_device()
        for ch in channels:
            lines += self.dump_channel(ch)
        return Outcome(lines)

    # ------------------------------------------------------------------ common setters
    def set_name(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET CHAN_NAME."""
        ch.name = parse_text(args, self.name_max)
        return [Ref(ch.index, "CHAN_NAME")]

    def set_device_id(self, args: list[str]) -> list[Ref]:
        """SET DEVICE_ID."""
        self.rx.device.device_id = parse_text(args, self.device_id_width)
        return [Ref(0, self.device_id_param)]

    def set_gain(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET AUDIO_GAIN nnn | INC n | DEC n (clamped to 0..60)."""
        if len(args) == 1:
            ch.gain_raw = parse_int(args[0], 0, 60)
        elif len(args) == 2 and args[0] in ("INC", "DEC"):
            step = parse_int(args[1], 0, 60)
            delta = step if args[0] == "INC" else -step
            ch.gain_raw = max(0, min(60, ch.gain_raw + delta))
        else:
            raise Malformed("bad AUDIO_GAIN")
        return [Ref(ch.index, "AUDIO_GAIN")]

    def mute_setter(self, name: str) -> ChSetter:
        """SET <mute> ON|OFF|TOGGLE."""

        def set_(ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
            if len(args) != 1 or args[0] not in ("ON", "OFF", "TOGGLE"):
                raise Malformed("bad mute value")
            ch.muted = (not ch.muted) if args[0] == "TOGGLE" else args[0] == "ON"
            return [Ref(ch.index, name)]

        return set_

    def set_frequency(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET FREQUENCY (kHz, 6 or 7 digits); the group/channel becomes ``--,--``."""
        if len(args) != 1:
            raise Malformed("bad FREQUENCY")
        lo, hi = self.spec.band_khz
        khz = parse_int(args[0], lo, hi)
        if khz % 25:
            raise Malformed("frequency not on the 25 kHz raster")
        ch.frequency_khz = khz
        ch.group_chan = None
        return [Ref(ch.index, "FREQUENCY"), Ref(ch.index, self.group_param)]

    def set_group(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET GROUP_CHAN[NEL] g,c; the frequency follows."""
        if len(args) != 1:
            raise Malformed("bad group/channel")
        parts = unbrace(args[0]).split(",")
        if len(parts) != 2:
            raise Malformed("bad group/channel")
        g = parse_int(parts[0], 1, GROUPS)
        c = parse_int(parts[1], 1, CHANNELS_PER_GROUP)
        ch.group_chan = (g, c)
        ch.frequency_khz = self.group_frequency(g, c)
        return [Ref(ch.index, self.group_param), Ref(ch.index, "FREQUENCY")]

    def set_meter_rate(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET METER_RATE: 0 = off, else 100..max ms."""
        if len(args) != 1:
            raise Malformed("bad METER_RATE")
        rate = parse_int(args[0], 0, self.meter_rate_max)
        if 0 < rate < 100:
            raise Malformed("METER_RATE below 100 ms")
        ch.meter_rate_ms = rate
        self.rx.meter_changed()
        return [Ref(ch.index, "METER_RATE")]

    def meter_rate_value(self, ch: SimChannel, _sub: int) -> str:
        """METER_RATE, 5 digits."""
        return num(ch.meter_rate_ms, 5)

    def set_device_flash(self, args: list[str]) -> list[Ref]:
        """SET FLASH ON|OFF (device); ON turns itself off later."""
        if len(args) != 1 or args[0] not in ("ON", "OFF"):
            raise Malformed("bad FLASH")
        self.rx.device.flash = args[0] == "ON"
        self.rx.flash_changed(0)
        return [Ref(0, "FLASH")]

    def set_channel_flash(self, ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
        """SET x FLASH ON|OFF (channel)."""
        if len(args) != 1 or args[0] not in ("ON", "OFF"):
            raise Malformed("bad FLASH")
        ch.flash = args[0] == "ON"
        self.rx.flash_changed(ch.index)
        return [Ref(ch.index, "FLASH")]

    def enum_setter(self, name: str, allowed: Sequence[str]) -> ChSetter:
        """SET of a stored channel enum property."""

        def set_(ch: SimChannel, _sub: int, args: list[str]) -> list[Ref]:
            if len(args) != 1 or args[0] not in allowed:
                raise Malformed(f"bad {name}")
            ch.props[name] = args[0]
            return [Ref(ch.index, name)]

        return set_

    def dev_enum_setter(self, name: str, allowed: Sequence[str]) -> DevSetter:
        """SET of a stored device enum property."""

        def set_(args: list[str]) -> list[Ref]:
            if len(args) != 1 or args[0] not in allowed:
                raise Malformed(f"bad {name}")
            self.rx.device.props[name] = args[0]
            return [Ref(0, name)]

        return set_

    def dev_prop(self, name: str) -> DevGetter:
        """Getter for a stored device property."""

        def get() -> str:
            return self.rx.device.props[name]

        return get

    # ------------------------------------------------------------------ controls
    def tx_refs(self, ch: SimChannel) -> list[Ref]:
        """Reports sent when a transmitter appears or disappears (subclasses)."""
        return []

    def battery_refs(self, ch: SimChannel, changed: set[str]) -> list[Ref]:
        """Reports for changed battery fields ("bars", "percent", "minutes") (subclasses)."""
        raise Unsupported(f"{self.spec.model} reports no battery")

    def dropout_refs(self, ch: SimChannel) -> list[Ref]:
        """Non-metered reports caused by an RF dropout."""
        return []

    def transmitter(self, ch: SimChannel, on: bool, model: str | None) -> list[Ref]:
        """Link or unlink the channel's transmitter."""
        if model is not None:
            if model not in self.spec.tx_models:
                raise ValueError(f"{model!r} is not a transmitter for {self.spec.model}")
            ch.paired_model = model
        before = (ch.tx_on, ch.tx_model)
        if on:
            if not ch.tx_on:
                ch.tx_on = True
                ch.load_battery(ch.saved_battery or self.default_battery(ch))
                ch.saved_battery = None
                ch.props.update(ch.saved_props)
                ch.saved_props = {}
            ch.tx_model = ch.paired_model
            ch.props.update(self.tx_on_props(ch))
        elif ch.tx_on:
            ch.tx_on = False
            ch.saved_battery = ch.battery()
            ch.load_battery(BATTERY_OFF)
            ch.saved_props = {k: ch.props[k] for k in self.tx_off_props if k in ch.props}
            ch.props.update(self.tx_off_props)
            ch.tx_model = self.tx_off_model
        self.refresh(ch)
        if (ch.tx_on, ch.tx_model) == before:
            return []
        return self.tx_refs(ch)

    def battery(
        self, ch: SimChannel, bars: int | None, minutes: int | None, percent: int | None
    ) -> list[Ref]:
        """Set battery values as given (no derivation)."""
        if bars is not None and not (0 <= bars <= 5 or bars == 255):
            raise ValueError("bars must be 0..5 or 255")
        if minutes is not None and not 0 <= minutes <= 65535:
            raise ValueError("minutes must be 0..65535")
        if percent is not None and not (0 <= percent <= 100 or percent == 255):
            raise ValueError("percent must be 0..100 or 255")
        self.battery_refs(ch, set())  # raises Unsupported when there is no battery
        if not ch.tx_on:
            bat = ch.saved_battery or self.default_battery(ch)
            bat.bars = bat.bars if bars is None else bars
            bat.minutes = bat.minutes if minutes is None else minutes
            bat.percent = bat.percent if percent is None else percent
            ch.saved_battery = bat
            return []
        changed: set[str] = set()
        if bars is not None and bars != ch.battery_bars:
            ch.battery_bars = bars
            changed.add("bars")
        if minutes is not None and minutes != ch.battery_minutes:
            ch.battery_minutes = minutes
            changed.add("minutes")
        if percent is not None and percent != ch.battery_percent:
            ch.battery_percent = percent
            changed.add("percent")
        return self.battery_refs(ch, changed)

    def drain(self, ch: SimChannel, minutes: int) -> list[Ref]:
        """Lower the runtime and derive percent and bars from it."""
        if minutes < 0:
            raise ValueError("minutes must be >= 0")
        self.battery_refs(ch, set())
        if not ch.tx_on:
            return []
        cap = ch.battery_capacity_minutes
        if ch.battery_minutes < SPECIAL_MINUTES:
            current = ch.battery_minutes
        elif ch.battery_percent <= 100:
            current = round(ch.battery_percent * cap / 100)
        else:
            current = cap
        left = max(0, current - minutes)
        pct = min(100, round(100 * left / cap))
        return self.battery(ch, self.bars_for(pct, left), left, pct)

    def rename(self, ch: SimChannel, name: str) -> list[Ref]:
        """Front-panel rename."""
        ch.name = parse_text([name] if name else ["{}"], self.name_max)
        return [Ref(ch.index, "CHAN_NAME")]

    def device_id(self, name: str) -> list[Ref]:
        """Front-panel device ID change."""
        self.rx.device.device_id = parse_text([name] if name else ["{}"], self.device_id_width)
        return [Ref(0, self.device_id_param)]

    def mute(self, ch: SimChannel, muted: bool) -> list[Ref]:
        """Receiver output mute."""
        if self.mute_param is None:
            raise Unsupported(f"{self.spec.model} has no mute")
        if ch.muted == muted:
            return []
        ch.muted = muted
        return [Ref(ch.index, self.mute_param)]

    def set_interference(self, ch: SimChannel, active: bool) -> list[Ref]:
        """Interference detection state."""
        if self.interference_param is None:
            raise Unsupported(f"{self.spec.model} reports no interference")
        if ch.interference == active:
            return []
        ch.interference = active
        self.refresh(ch)
        return [Ref(ch.index, self.interference_param)]

    def dropout(self, ch: SimChannel, active: bool) -> list[Ref]:
        """Carrier loss while the transmitter stays registered."""
        if not self.spec.tx_models:
            raise Unsupported(f"{self.spec.model} has no RF receiver")
        if ch.rf_dropout == active:
            return []
        ch.rf_dropout = active
        self.refresh(ch)
        return self.dropout_refs(ch)

    def set_rf(self, ch: SimChannel, dbm: float, antenna: int | None) -> None:
        """Nominal RF level in dBm (metered only)."""
        if not ch.rf_dbm:
            raise Unsupported(f"{self.spec.model} has no RF meter")
        if antenna is None:
            ch.rf_dbm = [float(dbm)] * len(ch.rf_dbm)
        elif 1 <= antenna <= len(ch.rf_dbm):
            ch.rf_dbm[antenna - 1] = float(dbm)
        else:
            raise ValueError(f"antenna must be 1..{len(ch.rf_dbm)}")
        self.refresh(ch)

    def set_audio(self, ch: SimChannel, dbfs: float) -> None:
        """Nominal audio level in dBFS (metered only)."""
        ch.audio_dbfs = float(dbfs)
        self.refresh(ch)
