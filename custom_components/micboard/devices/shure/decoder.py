"""Apply parsed messages to a :class:`ReceiverState`.

One table per family maps wire parameter names to small handlers that set
model fields in human units and report which fields changed.  A line is
applied only when the receiver's family speaks its verb and defines its
parameter, and only for a channel (or slot, or antenna) that exists: the
dialect of another family, or an index the receiver does not have, changes
nothing.  Every value is checked against its field's range (out of range is
unknown) and device text is cleaned and cut to the family's documented
width.  Nothing here raises on device input, and no table grows with it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import TRANSMITTER_FIELDS, ChannelState, Family, ReceiverState, Update
from . import convert
from .framing import Message

type Changed = list[str]
type ChannelHandler = Callable[[ChannelState, tuple[str, ...], Changed], None]
type PresenceHandler = Callable[[tuple[str, ...]], bool | None]
type Converter = Callable[[str], object]

#: Received levels outside these bounds are not levels (dBm, dBFS).
RF_DBM_RANGE = (-130, 0)
AUDIO_DBFS_RANGE = (-130, 0)
#: Receiver gain in dB (wire 000–060, dB = value − 18).
GAIN_RANGE = (0, 60)
GAIN_OFFSET = 18
#: PSM1000 input level setting in dB (about −67…0 per the notes, with a margin).
PSM_INPUT_RANGE = (-70, 10)
#: Transmitter offset in dB: ULX-D reports 0…21 as is, Axient Digital value − 12.
TX_OFFSET_RANGE = (-12, 21)
#: Transmitter RF power in mW (Axient Digital 0–50, PSM1000 10/50/100).
TX_POWER_RANGE = (0, 100)
#: Battery temperature in °C (value − 40).
TEMPERATURE_RANGE = (-40, 125)
#: Link quality bars (Axient Digital, 000–005).
QUALITY_RANGE = (0, 5)
#: Metering interval in ms.
METER_RATE_RANGE = (0, 65535)
#: Diversity antennas a channel can have (Quadversity).
MAX_ANTENNAS = 4
#: UHF-R RF values: "smaller is stronger", read as −dBm.
UHFR_RF_RANGE = (0, 130)

#: Widths of device text per the protocol notes (characters after trimming).
NAME_WIDTH: dict[Family, int] = {
    Family.ULXD: 8,
    Family.QLXD: 8,
    Family.AXIENT_DIGITAL: 31,
    Family.SLXD: 31,
    Family.UHFR: 31,  # not documented: a tolerant cap
    Family.PSM1000: 8,
}
DEVICE_ID_WIDTH: dict[Family, int] = {
    Family.ULXD: 8,
    Family.QLXD: 8,
    Family.AXIENT_DIGITAL: 31,
    Family.SLXD: 8,
    Family.UHFR: 8,
    Family.PSM1000: 8,
}
FIRMWARE_WIDTH = 32
RF_BAND_WIDTH = 8

#: Frequencies each family can tune, in MHz (with a margin around the bands).
FREQUENCY_RANGE: dict[Family, tuple[float, float]] = {
    Family.ULXD: (170.0, 1900.0),
    Family.QLXD: (170.0, 1900.0),
    Family.AXIENT_DIGITAL: (170.0, 1900.0),
    Family.SLXD: (170.0, 1900.0),
    Family.UHFR: (400.0, 1000.0),
    Family.PSM1000: (400.0, 1000.0),
}

#: The verb each family reports with (``SAMPLE`` aside).
REPORT_VERB: dict[Family, str] = {
    Family.ULXD: "REP",
    Family.QLXD: "REP",
    Family.AXIENT_DIGITAL: "REP",
    Family.SLXD: "REP",
    Family.UHFR: "REPORT",
    Family.PSM1000: "REPORT",
}


def _set(channel: ChannelState, name: str, value: object, changed: Changed) -> None:
    if getattr(channel, name) != value:
        setattr(channel, name, value)
        changed.append(name)


def _first(args: tuple[str, ...]) -> str:
    return args[0] if args else ""


def _joined(args: tuple[str, ...]) -> str:
    return " ".join(args)


def _db(raw: int | None, offset: int, bounds: tuple[int, int]) -> float | None:
    """``raw − offset`` as a level, ``None`` outside ``bounds``."""
    if raw is None:
        return None
    level = raw - offset
    return float(level) if bounds[0] <= level <= bounds[1] else None


def _field(name: str, conv: Converter, *, join: bool = False) -> ChannelHandler:
    pick = _joined if join else _first

    def handler(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
        _set(channel, name, conv(pick(args)), changed)

    return handler


def _text(width: int) -> Callable[[str], str | None]:
    def conv(value: str) -> str | None:
        return convert.text(value, width)

    return conv


def _name(family: Family) -> ChannelHandler:
    return _field("name", _text(NAME_WIDTH[family]), join=True)


def _frequency(family: Family) -> ChannelHandler:
    low, high = FREQUENCY_RANGE[family]

    def conv(value: str) -> float | None:
        mhz = convert.frequency_mhz(value)
        return mhz if mhz is not None and low <= mhz <= high else None

    return _field("frequency_mhz", conv)


def _runtime(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    minutes, status = convert.runtime(_first(args))
    _set(channel, "battery_runtime_min", minutes, changed)
    _set(channel, "battery_runtime_status", status, changed)


def _offset(offset: int) -> Callable[[str], int | None]:
    def conv(value: str) -> int | None:
        return convert.ranged(convert.gauge(value, offset), *TX_OFFSET_RANGE)

    return conv


def _temperature(value: str) -> int | None:
    return convert.ranged(convert.gauge(value, 40), *TEMPERATURE_RANGE)


def _gain(value: str) -> int | None:
    raw = convert.ranged(convert.number(value), *GAIN_RANGE)
    return None if raw is None else raw - GAIN_OFFSET


def _psm_input(value: str) -> int | None:
    return convert.ranged(convert.number(value), *PSM_INPUT_RANGE)


def _quality(value: str) -> int | None:
    return convert.ranged(convert.number(value), *QUALITY_RANGE)


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


def _power_locked(value: str) -> bool | None:
    """Axient ``TX_LOCK``: ``ALL``/``POWER`` lock the power switch, ``MENU``/``NONE`` do not."""
    word = convert.word(value)
    if word in {"ALL", "POWER"}:
        return True
    if word in {"MENU", "NONE"}:
        return False
    return None


def _lower_word(value: str) -> str | None:
    word = convert.word(value)
    return word.lower() if word else None


def _milliwatts(value: str) -> str | None:
    raw = convert.ranged(convert.number(value), *TX_POWER_RANGE)
    return None if raw is None else f"{raw} mW"


def _rf_rssi(offset: int) -> ChannelHandler:
    """``RSSI a vvv`` (per antenna) or ``RSSI vvv`` (SLX-D+: one value)."""

    def handler(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
        if len(args) >= 2:
            antenna = convert.number(args[0])
            raw = convert.number(args[1])
        else:
            antenna, raw = 1, convert.number(_first(args))
        if antenna is None or not 1 <= antenna <= MAX_ANTENNAS:
            return
        level = _db(raw, offset, RF_DBM_RANGE)
        levels = list(channel.rf_antenna_dbm[:MAX_ANTENNAS])
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
        level = _db(raw, 120, AUDIO_DBFS_RANGE)
        _set(channel, name, level, changed)
        if name == "audio_level_dbfs":
            meter = None if level is None else convert.clamp_percent(level + 100)
            _set(channel, "audio_meter", meter, changed)

    return handler


# --- ULX-D / QLX-D -------------------------------------------------------


def _ulx_rf(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    raw = convert.number(_first(args))
    level = _db(raw, 128, RF_DBM_RANGE)
    _set(channel, "rf_antenna_dbm", (level,), changed)
    _set(channel, "rf_level_dbm", level, changed)
    meter = None if level is None else convert.clamp_percent(100 * (level + 128) / 115)
    _set(channel, "rf_meter", meter, changed)


def _ulx_audio(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    raw = convert.number(_first(args))
    level = _db(raw, 50, AUDIO_DBFS_RANGE)
    _set(channel, "audio_level_dbfs", level, changed)
    meter = None if level is None else convert.clamp_percent(2 * (level + 50))
    _set(channel, "audio_meter", meter, changed)


def _ulx_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # nn aaa eee: exactly three fields (another family's sample has more)
    if len(args) != 3:
        return
    _set(channel, "antenna", convert.antennas(args[0]), changed)
    _ulx_rf(channel, args[1:2], changed)
    _ulx_audio(channel, args[2:3], changed)


def _ulx_table(family: Family) -> dict[str, ChannelHandler]:
    return {
        "CHAN_NAME": _name(family),
        "AUDIO_GAIN": _field("gain_db", _gain),
        "AUDIO_MUTE": _field("muted", convert.on_off),
        "FREQUENCY": _frequency(family),
        "GROUP_CHAN": _field("group_channel", convert.group_channel, join=True),
        "RF_INT_DET": _field("interference", _interference),
        "ENCRYPTION_WARNING": _field("encryption_warning", convert.on_off),
        "TX_TYPE": _field("tx_model", convert.word),
        "TX_DEVICE_ID": _field("tx_name", _text(8), join=True),
        "TX_OFFSET": _field("tx_offset_db", _offset(0)),
        "TX_RF_PWR": _field("tx_power", _lower_word),
        "TX_MUTE_STATUS": _field("tx_muted", convert.on_off),
        "TX_PWR_LOCK": _field("tx_power_lock", convert.on_off),
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


ULX_CHANNEL = _ulx_table(Family.ULXD)
QLX_CHANNEL = _ulx_table(Family.QLXD)


# --- Axient Digital ------------------------------------------------------


def _ad_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # qual audBitmap audPeak audRms antStat {rfBitmap rssi} per antenna …
    if len(args) < 5:
        return
    _set(channel, "quality", _quality(args[0]), changed)
    peak = _db(convert.number(args[2]), 120, AUDIO_DBFS_RANGE)
    rms = _db(convert.number(args[3]), 120, AUDIO_DBFS_RANGE)
    _set(channel, "audio_peak_dbfs", peak, changed)
    _set(channel, "audio_level_dbfs", rms, changed)
    _set(channel, "audio_meter", None if rms is None else convert.clamp_percent(rms + 100), changed)
    status = args[4][:MAX_ANTENNAS]
    _set(channel, "antenna", convert.antennas(status), changed)
    levels = tuple(
        _db(convert.number(args[6 + 2 * i]), 120, RF_DBM_RANGE)
        for i in range(len(status))
        if 6 + 2 * i < len(args)
    )
    _set(channel, "rf_antenna_dbm", levels, changed)
    _set_rf_summary(channel, changed, raw_best=_best_raw(list(levels), 120))


def _tx_muted(value: str) -> bool | None:
    word = convert.word(value)
    return None if word is None else word == "MUTE"


AD_CHANNEL: dict[str, ChannelHandler] = {
    "CHAN_NAME": _name(Family.AXIENT_DIGITAL),
    "AUDIO_GAIN": _field("gain_db", _gain),
    "AUDIO_MUTE": _field("muted", convert.on_off),
    "FREQUENCY": _frequency(Family.AXIENT_DIGITAL),
    "GROUP_CHANNEL": _field("group_channel", convert.group_channel, join=True),
    "INTERFERENCE_STATUS": _field("interference", _interference),
    "ENCRYPTION_STATUS": _field("encryption_warning", _error_flag),
    "AUDIO_LEVEL_RMS": _audio_120("audio_level_dbfs"),
    "AUDIO_LEVEL_PEAK": _audio_120("audio_peak_dbfs"),
    "RSSI": _rf_rssi(120),
    "ANTENNA_STATUS": _field("antenna", convert.antennas),
    "CHAN_QUALITY": _field("quality", _quality),
    "TX_MODEL": _field("tx_model", convert.word),
    "TX_DEVICE_ID": _field("tx_name", _text(31), join=True),
    "TX_OFFSET": _field("tx_offset_db", _offset(12)),
    "TX_POWER_LEVEL": _field("tx_power", _milliwatts),
    "TX_MUTE_MODE_STATUS": _field("tx_muted", _tx_muted),
    "TX_LOCK": _field("tx_power_lock", _power_locked),
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
#: SLX-D+ transmitter slots per channel (``LINK_STATUS s``, ``SLOT_TX_MODEL s``).
SLX_SLOTS = 2


def _slx_sample_rssi(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # The sample carries one RSSI for the channel, not one per antenna.
    level = _db(convert.number(_first(args)), 120, RF_DBM_RANGE)
    _set(channel, "rf_antenna_dbm", (level,), changed)
    _set_rf_summary(channel, changed, raw_best=None if level is None else level + 120)


def _slx_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # audPeak audRms rfRssi (all value − 120), exactly three fields
    if len(args) != 3:
        return
    _slx_peak(channel, args[0:1], changed)
    _slx_rms(channel, args[1:2], changed)
    _slx_sample_rssi(channel, args[2:3], changed)


def _slx_slot_model(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # SLX-D+: SLOT_TX_MODEL <slot> {model}; a blank slot says nothing about the others.
    if len(args) < 2 or convert.ranged(convert.number(args[0]), 1, SLX_SLOTS) is None:
        return
    if (model := convert.word(" ".join(args[1:]))) is not None:
        _set(channel, "tx_model", model, changed)


SLX_CHANNEL: dict[str, ChannelHandler] = {
    "SLOT_TX_MODEL": _slx_slot_model,
    "CHAN_NAME": _name(Family.SLXD),
    "AUDIO_GAIN": _field("gain_db", _gain),
    "FREQUENCY": _frequency(Family.SLXD),
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
    return convert.text(value.replace("_", " "), NAME_WIDTH[Family.UHFR])


def _uhfr_raw(value: str) -> int | None:
    return convert.ranged(convert.number(value), *UHFR_RF_RANGE)


def _uhfr_rf(raw: int | None) -> float | None:
    # Smaller is stronger; read as the magnitude of dBm (unconfirmed).
    return None if raw is None else float(-raw)


def _uhfr_sample(channel: ChannelState, args: tuple[str, ...], changed: Changed) -> None:
    # nn aaa bbb d eee, exactly five fields
    if len(args) != 5:
        return
    _set(channel, "antenna", convert.antennas(args[0]), changed)
    raw_a, raw_b = _uhfr_raw(args[1]), _uhfr_raw(args[2])
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
    "FREQUENCY": _frequency(Family.UHFR),
    "TX_BAT": _field("battery_bars", convert.bars),
    "BATT_BARS": _field("battery_bars", convert.bars),
    "MUTE": _field("muted", convert.on_off),
}


# --- PSM1000 -------------------------------------------------------------


PSM_CHANNEL: dict[str, ChannelHandler] = {
    "CHAN_NAME": _name(Family.PSM1000),
    "GROUP_CHAN": _field("group_channel", convert.group_channel, join=True),
    "FREQUENCY": _frequency(Family.PSM1000),
    "RF_TX_LVL": _field("tx_power", _milliwatts),
    "AUDIO_IN_LVL": _field("gain_db", _psm_input),
}


CHANNEL_TABLES: dict[Family, dict[str, ChannelHandler]] = {
    Family.ULXD: ULX_CHANNEL,
    Family.QLXD: QLX_CHANNEL,
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

#: Families whose channels report ``METER_RATE`` (UHF-R meters without a reply).
METER_RATE_FAMILIES = frozenset(
    {Family.ULXD, Family.QLXD, Family.AXIENT_DIGITAL, Family.SLXD, Family.PSM1000}
)


# --- Device level ----------------------------------------------------------

#: Per family, the device-level parameters it has: wire name → (field, converter).
#: ``rf_band`` lives in :class:`ReceiverInfo`, the others in :class:`ReceiverState`.
DEVICE_TABLES: dict[Family, dict[str, tuple[str, Converter]]] = {
    Family.ULXD: {
        "DEVICE_ID": ("device_id", _text(DEVICE_ID_WIDTH[Family.ULXD])),
        "FW_VER": ("firmware", _text(FIRMWARE_WIDTH)),
        "ENCRYPTION": ("encryption", _lower_word),
        "FLASH": ("identifying", convert.on_off),
    },
    Family.QLXD: {
        "DEVICE_ID": ("device_id", _text(DEVICE_ID_WIDTH[Family.QLXD])),
        "FW_VER": ("firmware", _text(FIRMWARE_WIDTH)),
        "ENCRYPTION": ("encryption", _lower_word),
    },
    Family.AXIENT_DIGITAL: {
        "DEVICE_ID": ("device_id", _text(DEVICE_ID_WIDTH[Family.AXIENT_DIGITAL])),
        "FW_VER": ("firmware", _text(FIRMWARE_WIDTH)),
        "ENCRYPTION_MODE": ("encryption", _lower_word),
        "FLASH": ("identifying", convert.on_off),
        "RF_BAND": ("rf_band", _text(RF_BAND_WIDTH)),
    },
    Family.SLXD: {
        "DEVICE_ID": ("device_id", _text(DEVICE_ID_WIDTH[Family.SLXD])),
        "FW_VER": ("firmware", _text(FIRMWARE_WIDTH)),
        "ENCRYPTION_MODE": ("encryption", _lower_word),
        "FLASH": ("identifying", convert.on_off),
        "RF_BAND": ("rf_band", _text(RF_BAND_WIDTH)),
    },
    Family.UHFR: {},
    Family.PSM1000: {
        "DEVICE_NAME": ("device_id", _text(DEVICE_ID_WIDTH[Family.PSM1000])),
    },
}


# --- Transmitter presence -------------------------------------------------


def _model_present(args: tuple[str, ...]) -> bool | None:
    return convert.word(_first(args)) is not None


def _known_bars(args: tuple[str, ...]) -> bool | None:
    # 0–5: a transmitter reports; 255, U, UNKN or blank: none does; anything
    # else is garbled and says nothing either way.
    value = _first(args)
    if convert.bars(value) is not None:
        return True
    if convert.number(value) == 255 or value.strip().upper() in convert.UNKNOWN_WORDS:
        return False
    return None


def _rf_unmuted(args: tuple[str, ...]) -> bool | None:
    muted = convert.on_off(_first(args))
    return None if muted is None else not muted


#: Per family, the parameters that say whether a transmitter is on.  The
#: transmitter counts as on when every indicator reported so far says so.
PRESENCE: dict[Family, dict[str, PresenceHandler]] = {
    Family.ULXD: {"TX_TYPE": _model_present, "BATT_BARS": _known_bars},
    Family.QLXD: {"TX_TYPE": _model_present, "BATT_BARS": _known_bars},
    Family.AXIENT_DIGITAL: {"TX_MODEL": _model_present, "TX_BATT_BARS": _known_bars},
    Family.SLXD: {
        "TX_MODEL": _model_present,
        "TX_BATT_BARS": _known_bars,
    },
    Family.UHFR: {"TX_BAT": _known_bars},
    Family.PSM1000: {"RF_MUTE": _rf_unmuted},
}

SAMPLE_PRESENCE: dict[Family, Callable[[tuple[str, ...]], bool | None]] = {
    Family.UHFR: lambda args: None if len(args) < 4 else _known_bars(args[3:4]),
}

#: Families with SLX-D+ style ``LINK_STATUS <slot> online|offline`` and their slots.
LINK_SLOTS: dict[Family, int] = {Family.SLXD: SLX_SLOTS}

#: PSM1000 input meters: left and right; the channel shows the louder.
PSM_METERS = {"AUDIO_IN_LVL_L": 0, "AUDIO_IN_LVL_R": 1}
PSM_METER_FAMILIES = frozenset({Family.PSM1000})

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
        "_device_table",
        "_frequency_range",
        "_link_slots",
        "_links",
        "_meter_rate",
        "_presence",
        "_presence_table",
        "_psm_levels",
        "_psm_meters",
        "_reported",
        "_sample",
        "_sample_presence",
        "_verb",
        "state",
    )

    def __init__(self, state: ReceiverState) -> None:
        """Bind the decoder to the receiver state it updates."""
        family = state.info.family
        self.state = state
        self._verb = REPORT_VERB[family]
        self._channel_table = CHANNEL_TABLES[family]
        self._device_table = DEVICE_TABLES[family]
        self._frequency_range = FREQUENCY_RANGE[family]
        self._sample = SAMPLE_HANDLERS.get(family)
        self._sample_presence = SAMPLE_PRESENCE.get(family)
        self._presence_table = PRESENCE[family]
        self._link_slots = LINK_SLOTS.get(family, 0)
        self._meter_rate = family in METER_RATE_FAMILIES
        self._psm_meters = family in PSM_METER_FAMILIES
        # Keyed by channel number (validated) and then by a fixed set of names
        # or validated slots: none of these grows with device input.
        self._presence: dict[int, dict[str, bool]] = {}
        self._links: dict[int, dict[int, bool]] = {}
        self._reported: dict[int, dict[str, object]] = {}
        self._psm_levels: dict[int, list[int | None]] = {}

    def apply(self, message: Message) -> Update | None:
        """Apply one message; return what changed, or ``None`` if nothing did."""
        verb = message.verb
        if verb == "SAMPLE":
            if self._sample is None:
                return None
        elif verb != self._verb:
            return None
        index = message.index
        if index is None:
            return None if verb == "SAMPLE" else self._apply_device(message)
        if not 1 <= index <= self.state.info.channel_count:
            return None
        if message.param == "METER_RATE":
            return self._apply_meter_rate(message) if verb != "SAMPLE" else None
        channel = self.state.channel(index)
        changed: Changed = []
        if verb == "SAMPLE":
            assert self._sample is not None
            self._sample(channel, message.args, changed)
            if self._sample_presence is not None:
                self._update_presence(
                    channel, "SAMPLE", self._sample_presence(message.args), changed
                )
        else:
            self._apply_channel(channel, message, changed)
        if not changed:
            return None
        return Update(index, frozenset(changed))

    def _apply_meter_rate(self, message: Message) -> Update | None:
        if not self._meter_rate:
            return None
        rate = convert.ranged(convert.number(_first(message.args)), *METER_RATE_RANGE)
        if rate is None or rate == self.state.meter_rate_ms:
            return None
        self.state.meter_rate_ms = rate
        return Update(None, frozenset({"meter_rate_ms"}))

    def _apply_channel(self, channel: ChannelState, message: Message, changed: Changed) -> None:
        param = message.param
        args = message.args
        if (handler := self._channel_table.get(param)) is not None:
            if channel.tx_on is False:
                self._apply_hidden(channel, handler, args, changed)
            else:
                handler(channel, args, changed)
                if touched := _TRANSMITTER.intersection(changed):
                    reported = self._reported.setdefault(channel.number, {})
                    for name in touched:
                        reported[name] = getattr(channel, name)
        elif self._psm_meters and (side := PSM_METERS.get(param)) is not None:
            sides = self._psm_levels.setdefault(channel.number, [None, None])
            sides[side] = convert.psm_meter(_first(args))
            _set(channel, ("audio_meter_left", "audio_meter_right")[side], sides[side], changed)
            known = [level for level in sides if level is not None]
            _set(channel, "audio_meter", max(known) if known else None, changed)
        if (presence := self._presence_table.get(param)) is not None:
            self._update_presence(channel, param, presence(args), changed)
        elif param == "LINK_STATUS" and self._link_slots and len(args) >= 2:
            # SLX-D+: LINK_STATUS <slot> online|offline; on when any slot is.
            slot = convert.ranged(convert.number(args[0]), 1, self._link_slots)
            status = args[1].upper()
            if slot is None or status not in {"ONLINE", "OFFLINE"}:
                return
            links = self._links.setdefault(channel.number, {})
            links[slot] = status == "ONLINE"
            self._update_presence(channel, param, any(links.values()), changed)

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
        if (entry := self._device_table.get(message.param)) is None:
            return None
        name, conv = entry
        value = conv(_joined(message.args))
        target: object = self.state.info if name == "rf_band" else self.state
        if getattr(target, name) == value:
            return None
        setattr(target, name, value)
        return Update(None, frozenset({name}))
