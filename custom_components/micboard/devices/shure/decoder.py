"""Apply parsed messages to a :class:`ReceiverState`.

One table per family maps wire parameter names to small handlers that set
model fields in human units and report which fields changed.  Unknown
parameters are ignored; nothing here raises on device input.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import TRANSMITTER_FIELDS, ChannelState, Family, ReceiverState, Update
from . import convert
from .framing import Message

type Changed = list[str]
type ChannelHandler = Callable[[ChannelState, tuple[str, ...], Changed], None]
type PresenceHandler = Callable[[tuple[str, ...]], bool | None]


def _set(channel: ChannelState, name: str, value: object, changed: Changed) -> None:
    if getattr(channel, name) != value:
        setattr(channel, name, value)
        changed.append(name)


def _first(args: tuple[str, ...]) -> str:
    return args[0] if args else ""


def _joined(args: tuple[str, ...]) -> str:
    return " ".join(args)


def _field(name: str, conv: Callable[[str], object], *, join: bool = False) -> ChannelHandler:
    pick = _joined if join else _first

    def handler(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
        _set(channel, name, conv(pick(args)), changed)

    return handler


def _runtime(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    minutes, status = convert.runtime(_first(args))
    _set(channel, "battery_runtime_min", minutes, changed)
    _set(channel, "battery_runtime_status", status, changed)


def _offset(offset: int) -> Callable[[str], int | None]:
    def conv(value: str) -> int | None:
        return convert.gauge(value, offset)

    return conv


def _temperature(value: str) -> int | None:
    return convert.gauge(value, 40)


def _gain(value: str) -> int | None:
    raw = convert.number(value)
    return None if raw is None or not 0 <= raw <= 60 else raw - 18


def _interference(value: str) -> bool | None:
    word = convert.word(value)
    if word is None:
        return None
    return word not in {"NONE", "OK", "OFF"}


def _error_flag(value: str) -> bool | None:
    word = convert.word(value)
    if word is None:
        return None
    return word in {"ERROR", "ON", "MISMATCH"}


def _lower_word(value: str) -> str | None:
    word = convert.word(value)
    return word.lower() if word else None


def _milliwatts(value: str) -> str | None:
    raw = convert.gauge(value)
    return None if raw is None else f"{raw} mW"


def _rf_rssi(offset: int) -> ChannelHandler:
    """``RSSI a vvv`` (per antenna) or ``RSSI vvv`` (SLX-D+: one value)."""

    def handler(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
        if len(args) >= 2:
            antenna = convert.number(args[0])
            raw = convert.number(args[1])
        else:
            antenna, raw = 1, convert.number(_first(args))
        if antenna is None or not 1 <= antenna <= 4:
            return
        level = None if raw is None else float(raw - offset)
        levels = list(channel.rf_antenna_dbm)
        levels.extend([None] * (antenna - len(levels)))
        levels[antenna - 1] = level
        _set(channel, "rf_antenna_dbm", tuple(levels), changed)
        _set_rf_summary(channel, changed, raw_best=_best_raw(levels, offset))

    return handler


def _best_raw(levels: list[float | None], offset: int) -> float | None:
    known = [level for level in levels if level is not None]
    return max(known) + offset if known else None


def _set_rf_summary(channel: ChannelState, changed: Changed, *, raw_best: float | None) -> None:
    known = [level for level in channel.rf_antenna_dbm if level is not None]
    _set(channel, "rf_level_dbm", max(known) if known else None, changed)
    meter = None if raw_best is None else convert.clamp_percent(100 * raw_best / 115)
    _set(channel, "rf_meter", meter, changed)


def _audio_120(name: str) -> ChannelHandler:
    def handler(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
        raw = convert.number(_first(args))
        _set(channel, name, None if raw is None else float(raw - 120), changed)
        if name == "audio_level_dbfs":
            meter = None if raw is None else convert.clamp_percent(raw - 20)
            _set(channel, "audio_meter", meter, changed)

    return handler


# --- ULX-D / QLX-D -------------------------------------------------------


def _ulx_rf(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    raw = convert.number(_first(args))
    level = None if raw is None else float(raw - 128)
    _set(channel, "rf_antenna_dbm", (level,), changed)
    _set(channel, "rf_level_dbm", level, changed)
    meter = None if raw is None else convert.clamp_percent(100 * raw / 115)
    _set(channel, "rf_meter", meter, changed)


def _ulx_audio(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    raw = convert.number(_first(args))
    _set(channel, "audio_level_dbfs", None if raw is None else float(raw - 50), changed)
    _set(channel, "audio_meter", None if raw is None else convert.clamp_percent(2 * raw), changed)


def _ulx_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    if len(args) < 3:
        return
    _set(channel, "antenna", convert.antennas(args[0]), changed)
    _ulx_rf(channel, args[1:2], changed)
    _ulx_audio(channel, args[2:3], changed)


ULX_CHANNEL: dict[str, ChannelHandler] = {
    "CHAN_NAME": _field("name", convert.text, join=True),
    "AUDIO_GAIN": _field("gain_db", _gain),
    "AUDIO_MUTE": _field("muted", convert.on_off),
    "FREQUENCY": _field("frequency_mhz", convert.frequency_mhz),
    "GROUP_CHAN": _field("group_channel", convert.group_channel, join=True),
    "RF_INT_DET": _field("interference", _interference),
    "ENCRYPTION_WARNING": _field("encryption_warning", convert.on_off),
    "TX_TYPE": _field("tx_model", convert.word),
    "TX_DEVICE_ID": _field("tx_name", convert.text, join=True),
    "TX_OFFSET": _field("tx_offset_db", convert.gauge),
    "TX_RF_PWR": _field("tx_power", _lower_word),
    "TX_MUTE_STATUS": _field("tx_muted", convert.on_off),
    "BATT_BARS": _field("battery_bars", convert.bars),
    "BATT_CHARGE": _field("battery_percent", convert.percent),
    "BATT_HEALTH": _field("battery_health_percent", convert.percent),
    "BATT_CYCLE": _field("battery_cycles", convert.count),
    "BATT_RUN_TIME": _runtime,
    "BATT_TEMP_C": _field("battery_temperature_c", _temperature),
    "BATT_TYPE": _field("battery_type", convert.word),
    "RF_ANTENNA": _field("antenna", convert.antennas),
    "RX_RF_LVL": _ulx_rf,
    "AUDIO_LVL": _ulx_audio,
}


# --- Axient Digital ------------------------------------------------------


def _ad_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # qual audBitmap audPeak audRms antStat {rfBitmap rssi} per antenna …
    if len(args) < 5:
        return
    _set(channel, "quality", convert.gauge(args[0]), changed)
    peak = convert.number(args[2])
    rms = convert.number(args[3])
    _set(channel, "audio_peak_dbfs", None if peak is None else float(peak - 120), changed)
    _set(channel, "audio_level_dbfs", None if rms is None else float(rms - 120), changed)
    _set(channel, "audio_meter", None if rms is None else convert.clamp_percent(rms - 20), changed)
    status = args[4]
    _set(channel, "antenna", convert.antennas(status), changed)
    count = len(status)
    raw_levels = [convert.number(args[6 + 2 * i]) for i in range(count) if 6 + 2 * i < len(args)]
    levels = tuple(None if raw is None else float(raw - 120) for raw in raw_levels)
    _set(channel, "rf_antenna_dbm", levels, changed)
    _set_rf_summary(channel, changed, raw_best=_best_raw(list(levels), 120))


AD_CHANNEL: dict[str, ChannelHandler] = {
    "CHAN_NAME": _field("name", convert.text, join=True),
    "AUDIO_GAIN": _field("gain_db", _gain),
    "AUDIO_MUTE": _field("muted", convert.on_off),
    "FREQUENCY": _field("frequency_mhz", convert.frequency_mhz),
    "GROUP_CHANNEL": _field("group_channel", convert.group_channel, join=True),
    "INTERFERENCE_STATUS": _field("interference", _interference),
    "ENCRYPTION_STATUS": _field("encryption_warning", _error_flag),
    "AUDIO_LEVEL_RMS": _audio_120("audio_level_dbfs"),
    "AUDIO_LEVEL_PEAK": _audio_120("audio_peak_dbfs"),
    "RSSI": _rf_rssi(120),
    "ANTENNA_STATUS": _field("antenna", convert.antennas),
    "CHAN_QUALITY": _field("quality", convert.gauge),
    "TX_MODEL": _field("tx_model", convert.word),
    "TX_DEVICE_ID": _field("tx_name", convert.text, join=True),
    "TX_OFFSET": _field("tx_offset_db", _offset(12)),
    "TX_POWER_LEVEL": _field("tx_power", _milliwatts),
    "TX_MUTE_MODE_STATUS": _field(
        "tx_muted", lambda v: None if (w := convert.word(v)) is None else w == "MUTE"
    ),
    "TX_BATT_BARS": _field("battery_bars", convert.bars),
    "TX_BATT_CHARGE_PERCENT": _field("battery_percent", convert.percent),
    "TX_BATT_HEALTH_PERCENT": _field("battery_health_percent", convert.percent),
    "TX_BATT_CYCLE_COUNT": _field("battery_cycles", convert.count),
    "TX_BATT_MINS": _runtime,
    "TX_BATT_TEMP_C": _field("battery_temperature_c", _temperature),
    "TX_BATT_TYPE": _field("battery_type", convert.word),
}


# --- SLX-D / SLX-D+ ------------------------------------------------------


_slx_peak = _audio_120("audio_peak_dbfs")
_slx_rms = _audio_120("audio_level_dbfs")
_slx_rssi = _rf_rssi(120)


def _slx_sample_rssi(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # The sample carries one RSSI for the channel, not one per antenna.
    raw = convert.number(_first(args))
    level = None if raw is None else float(raw - 120)
    _set(channel, "rf_antenna_dbm", (level,), changed)
    _set_rf_summary(channel, changed, raw_best=None if raw is None else float(raw))


def _slx_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # audPeak audRms rfRssi (all value − 120)
    if len(args) < 3:
        return
    _slx_peak(channel, args[0:1], changed)
    _slx_rms(channel, args[1:2], changed)
    _slx_sample_rssi(channel, args[2:3], changed)


def _slx_slot_model(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # SLX-D+: SLOT_TX_MODEL <slot> {model}; a blank slot says nothing about the others.
    if len(args) >= 2 and (model := convert.word(" ".join(args[1:]))) is not None:
        _set(channel, "tx_model", model, changed)


SLX_CHANNEL: dict[str, ChannelHandler] = {
    "SLOT_TX_MODEL": _slx_slot_model,
    "CHAN_NAME": _field("name", convert.text, join=True),
    "AUDIO_GAIN": _field("gain_db", _gain),
    "FREQUENCY": _field("frequency_mhz", convert.frequency_mhz),
    "GROUP_CHANNEL": _field("group_channel", convert.group_channel, join=True),
    "GROUP_CHAN": _field("group_channel", convert.group_channel, join=True),
    "AUDIO_LEVEL_PEAK": _slx_peak,
    "AUDIO_LEVEL_RMS": _slx_rms,
    "RSSI": _slx_rssi,
    "TX_MODEL": _field("tx_model", convert.word),
    "TX_BATT_BARS": _field("battery_bars", convert.bars),
    "TX_BATT_MINS": _runtime,
    "ANTENNA_STATUS": _field("antenna", convert.antennas),
    "INTERFERENCE_STATUS": _field("interference", _interference),
    "ENCRYPTION_STATUS": _field("encryption_warning", _error_flag),
}


# --- UHF-R ---------------------------------------------------------------


def _uhfr_name(value: str) -> str | None:
    # UHF-R may send "_" for spaces; names are shown with spaces.
    return convert.text(value.replace("_", " "))


def _uhfr_rf(raw: int | None) -> float | None:
    # Smaller is stronger; read as the magnitude of dBm (unconfirmed).
    return None if raw is None else float(-raw)


def _uhfr_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # nn aaa bbb d eee
    if len(args) < 5:
        return
    _set(channel, "antenna", convert.antennas(args[0]), changed)
    raw_a, raw_b = convert.number(args[1]), convert.number(args[2])
    levels = (_uhfr_rf(raw_a), _uhfr_rf(raw_b))
    _set(channel, "rf_antenna_dbm", levels, changed)
    known = [raw for raw in (raw_a, raw_b) if raw is not None]
    best = min(known) if known else None
    _set(channel, "rf_level_dbm", _uhfr_rf(best), changed)
    meter = None if best is None else convert.clamp_percent(100 * (100 - best) / 80)
    _set(channel, "rf_meter", meter, changed)
    _set(channel, "battery_bars", convert.bars(args[3]), changed)
    _set(channel, "audio_meter", convert.bitmap_level(args[4]), changed)


UHFR_CHANNEL: dict[str, ChannelHandler] = {
    "CHAN_NAME": _field("name", _uhfr_name, join=True),
    "GROUP_CHAN": _field("group_channel", convert.group_channel, join=True),
    "FREQUENCY": _field("frequency_mhz", convert.frequency_mhz),
    "TX_BAT": _field("battery_bars", convert.bars),
    "BATT_BARS": _field("battery_bars", convert.bars),
    "MUTE": _field("muted", convert.on_off),
}


# --- PSM1000 -------------------------------------------------------------


PSM_CHANNEL: dict[str, ChannelHandler] = {
    "CHAN_NAME": _field("name", convert.text, join=True),
    "GROUP_CHAN": _field("group_channel", convert.group_channel, join=True),
    "FREQUENCY": _field("frequency_mhz", convert.frequency_mhz),
    "RF_TX_LVL": _field(
        "tx_power", lambda v: None if (n := convert.number(v)) is None else f"{n} mW"
    ),
    "AUDIO_IN_LVL": _field("gain_db", convert.number),
}


CHANNEL_TABLES: dict[Family, dict[str, ChannelHandler]] = {
    Family.ULXD: ULX_CHANNEL,
    Family.QLXD: ULX_CHANNEL,
    Family.AXIENT_DIGITAL: AD_CHANNEL,
    Family.SLXD: SLX_CHANNEL,
    Family.UHFR: UHFR_CHANNEL,
    Family.PSM1000: PSM_CHANNEL,
}

SAMPLE_HANDLERS: dict[Family, ChannelHandler] = {
    Family.ULXD: _ulx_sample,
    Family.QLXD: _ulx_sample,
    Family.AXIENT_DIGITAL: _ad_sample,
    Family.SLXD: _slx_sample,
    Family.UHFR: _uhfr_sample,
}


# --- Transmitter presence -------------------------------------------------


def _model_present(args: tuple[str, ...]) -> bool | None:
    return convert.word(_first(args)) is not None


def _known_gauge(args: tuple[str, ...]) -> bool | None:
    return convert.number(_first(args)) not in {None, 255}


def _rf_unmuted(args: tuple[str, ...]) -> bool | None:
    muted = convert.on_off(_first(args))
    return None if muted is None else not muted


#: Per family, the parameters that say whether a transmitter is on.  The
#: transmitter counts as on when every indicator reported so far says so.
PRESENCE: dict[Family, dict[str, PresenceHandler]] = {
    Family.ULXD: {"TX_TYPE": _model_present, "BATT_BARS": _known_gauge},
    Family.QLXD: {"TX_TYPE": _model_present, "BATT_BARS": _known_gauge},
    Family.AXIENT_DIGITAL: {"TX_MODEL": _model_present, "TX_BATT_BARS": _known_gauge},
    Family.SLXD: {
        "TX_MODEL": _model_present,
        "TX_BATT_BARS": _known_gauge,
    },
    Family.UHFR: {"TX_BAT": lambda args: convert.bars(_first(args)) is not None},
    Family.PSM1000: {"RF_MUTE": _rf_unmuted},
}

SAMPLE_PRESENCE: dict[Family, Callable[[tuple[str, ...]], bool | None]] = {
    Family.UHFR: lambda args: None if len(args) < 4 else convert.bars(args[3]) is not None,
}


#: PSM1000 input meters: left and right; the channel shows the louder.
PSM_METERS = {"AUDIO_IN_LVL_L": 0, "AUDIO_IN_LVL_R": 1}

_TRANSMITTER = frozenset(TRANSMITTER_FIELDS)


class Decoder:
    """Turn messages into model changes for one receiver.

    Transmitter values are remembered as reported, but shown as unknown
    while the transmitter is off; they reappear (until newer reports
    replace them) when it comes back, as a short "unknown" report must not
    wipe values the receiver does not send again.
    """

    __slots__ = (
        "_channel_table",
        "_links",
        "_presence",
        "_presence_table",
        "_psm_levels",
        "_reported",
        "_sample",
        "_sample_presence",
        "state",
    )

    def __init__(self, state: ReceiverState) -> None:
        """Bind the decoder to the receiver state it updates."""
        family = state.info.family
        self.state = state
        self._channel_table = CHANNEL_TABLES[family]
        self._sample = SAMPLE_HANDLERS.get(family)
        self._sample_presence = SAMPLE_PRESENCE.get(family)
        self._presence_table = PRESENCE[family]
        self._presence: dict[int, dict[str, bool]] = {}
        self._links: dict[int, dict[str, bool]] = {}
        self._reported: dict[int, dict[str, object]] = {}
        self._psm_levels: dict[int, list[int | None]] = {}

    def apply(self, message: Message) -> Update | None:
        """Apply one message; return what changed, or ``None`` if nothing did."""
        index = message.index
        if index is None:
            return self._apply_device(message)
        if message.param == "METER_RATE":
            rate = convert.number(_first(message.args))
            if rate is None or rate == self.state.meter_rate_ms:
                return None
            self.state.meter_rate_ms = rate
            return Update(None, frozenset({"meter_rate_ms"}))
        if not 1 <= index <= self.state.info.channel_count:
            return None
        channel = self.state.channel(index)
        changed: Changed = []
        if message.verb == "SAMPLE":
            if self._sample is None:
                return None
            self._sample(channel, message.args, changed)
            if self._sample_presence is not None:
                self._update_presence(
                    channel, "SAMPLE", self._sample_presence(message.args), changed
                )
        else:
            param = message.param
            if (handler := self._channel_table.get(param)) is not None:
                if channel.tx_on is False:
                    self._apply_hidden(channel, handler, message.args, changed)
                else:
                    handler(channel, message.args, changed)
                    if touched := _TRANSMITTER.intersection(changed):
                        reported = self._reported.setdefault(index, {})
                        for name in touched:
                            reported[name] = getattr(channel, name)
            elif (side := PSM_METERS.get(param)) is not None:
                sides = self._psm_levels.setdefault(index, [None, None])
                sides[side] = convert.psm_meter(_first(message.args))
                known = [level for level in sides if level is not None]
                _set(channel, "audio_meter", max(known) if known else None, changed)
            if (presence := self._presence_table.get(param)) is not None:
                self._update_presence(channel, param, presence(message.args), changed)
            elif param == "LINK_STATUS" and len(message.args) >= 2:
                # SLX-D+: LINK_STATUS <slot> online|offline; on when any slot is.
                links = self._links.setdefault(index, {})
                links[message.args[0]] = message.args[1].upper() == "ONLINE"
                self._update_presence(channel, param, any(links.values()), changed)
        if not changed:
            return None
        return Update(index, frozenset(changed))

    def _apply_hidden(
        self,
        channel: ChannelState,
        handler: ChannelHandler,
        args: tuple[str, ...],
        changed: Changed,
    ) -> None:
        """Apply a report while the transmitter is off: remember, keep hidden."""
        reported = self._reported.setdefault(channel.number, {})
        for name in TRANSMITTER_FIELDS:
            setattr(channel, name, reported.get(name))
        handler(channel, args, changed)
        for name in TRANSMITTER_FIELDS:
            reported[name] = getattr(channel, name)
            setattr(channel, name, None)
        changed[:] = [name for name in changed if name not in _TRANSMITTER]

    def _update_presence(
        self, channel: ChannelState, indicator: str, value: bool | None, changed: Changed
    ) -> None:
        if value is None:
            return
        indicators = self._presence.setdefault(channel.number, {})
        indicators[indicator] = value
        tx_on = all(indicators.values())
        if channel.tx_on == tx_on:
            return
        channel.tx_on = tx_on
        changed.append("tx_on")
        reported = self._reported.get(channel.number, {})
        for name in TRANSMITTER_FIELDS:
            _set(channel, name, reported.get(name) if tx_on else None, changed)

    def _apply_device(self, message: Message) -> Update | None:
        param = message.param
        value = _joined(message.args)
        state = self.state
        if param in {"DEVICE_ID", "DEVICE_NAME"}:
            return self._device_field("device_id", convert.text(value))
        if param == "FW_VER":
            return self._device_field("firmware", convert.text(value))
        if param in {"ENCRYPTION", "ENCRYPTION_MODE"}:
            return self._device_field("encryption", _lower_word(value))
        if param == "FLASH":
            return self._device_field("identifying", convert.on_off(value))
        if param == "RF_BAND" and (band := convert.text(value)) != state.info.rf_band:
            state.info.rf_band = band
            return Update(None, frozenset({"rf_band"}))
        return None

    def _device_field(self, name: str, value: object) -> Update | None:
        if getattr(self.state, name) == value:
            return None
        setattr(self.state, name, value)
        return Update(None, frozenset({name}))
