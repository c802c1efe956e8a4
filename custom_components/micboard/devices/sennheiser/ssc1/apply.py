"""Apply SSC v1 leaves to a :class:`ReceiverState` in human units.

One function understands the key names of every supported family; values
of the wrong type or out of range become unknown (``None``), unknown
addresses and channels beyond the device's count are ignored.  Nothing here
raises on device input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...models import TRANSMITTER_FIELDS, ChannelState, ReceiverState, Update
from . import codec
from .codec import Path
from .dialects import Dialect

#: Also cleared when the transmitter goes away.
TX_FIELDS = (*TRANSMITTER_FIELDS, "battery_charging")

#: Widths of device text (EW-DX: device name 18, channel name 8).
DEVICE_NAME_WIDTH = 18
TX_NAME_WIDTH = 18
WORD_WIDTH = 32

_INTERFERENCE = frozenset({"rfpeak", "interference"})
_LOW_SIGNAL = frozenset({"lowsignal", "nolink", "lowrf", "rflow"})
_ENCRYPTION = frozenset({"aes256error", "encryptionerror", "aeserror"})
_MUTE_WORDS = {
    "muted": True,
    "mute": True,
    "on": True,
    "true": True,
    "unmuted": False,
    "off": False,
    "false": False,
    "none": False,
}
_ANTENNA = {1: "A", 2: "B"}


class Changes:
    """What one message changed, per channel (``None`` = device-wide)."""

    def __init__(self) -> None:
        """Start empty."""
        self.fields: dict[int | None, list[str]] = {}
        #: Channels whose transmitter just appeared (their values need reading).
        self.appeared: set[int] = set()

    def set(self, target: object, channel: int | None, name: str, value: object) -> None:
        """Set ``target.name`` and remember the change."""
        if getattr(target, name) != value:
            setattr(target, name, value)
            names = self.fields.setdefault(channel, [])
            if name not in names:
                names.append(name)

    def updates(self) -> list[Update]:
        """One update per changed channel, in order of first change."""
        return [Update(channel, frozenset(names)) for channel, names in self.fields.items()]


class Applier:
    """Applies leaves and error codes for one device."""

    def __init__(self, state: ReceiverState, dialect: Dialect) -> None:
        """Apply to ``state`` for a device of ``dialect``."""
        self.state = state
        self.dialect = dialect
        self._rx_warnings: dict[int, tuple[str, ...]] = {}
        self._tx_warnings: dict[int, tuple[str, ...]] = {}

    # --- entry points ----------------------------------------------------

    def message(self, message: dict[str, Any], changes: Changes) -> None:
        """Apply a whole message: presence first, then values, then error leaves."""
        pairs = codec.leaves(message)
        pairs.sort(key=lambda pair: 0 if _presence(pair[0]) else 1)
        for path, value in pairs:
            self.leaf(path, value, changes)
        for path, code in codec.errors(message):
            self.error(path, code, changes)

    def leaf(self, path: Path, value: Any, changes: Changes) -> None:
        """Apply one value (``null`` leaves carry nothing and are skipped)."""
        if value is None or not path:
            return
        head = path[0]
        if head == "device":
            self._device(path[1:], value, changes)
        elif head == "mates":
            self._mates(path[1:], value, changes)
        elif head == "m" and len(path) == 3:
            if (n := self._channel(path[1], "rx")) is not None:
                self._meter(n, path[2], value, changes)
        elif head == "mm":
            self._mm(value, changes)
        elif head == "bays" and len(path) == 2:
            self._bays(path[1], value, changes)
        elif (n := self._channel(head, "rx")) is not None:
            self._rx(n, path[1:], value, changes)

    def error(self, path: Path, code: int, changes: Changes) -> None:
        """Apply an error leaf: 424 on a transmitter address means it is absent."""
        if code != codec.TX_ABSENT or len(path) < 2 or path[0] != "mates":
            return
        if (n := self._channel(path[1], "tx")) is not None:
            self.set_present(n, False, changes)

    def set_present(self, n: int, present: bool, changes: Changes) -> None:
        """Transmitter of channel ``n`` appeared / went away."""
        channel = self.state.channel(n)
        if present:
            if channel.tx_on is not True:
                changes.appeared.add(n)
            changes.set(channel, n, "tx_on", True)
            return
        changes.set(channel, n, "tx_on", False)
        for name in TX_FIELDS:
            changes.set(channel, n, name, None)
        self._tx_warnings[n] = ()
        self._set_warnings(n, channel, changes)

    # --- helpers ---------------------------------------------------------

    def _channel(self, key: str, prefix: str) -> int | None:
        return codec.numbered(key, prefix, self.dialect.channels)

    def _device(self, rest: Path, value: Any, changes: Changes) -> None:
        state = self.state
        if rest == ("name",):
            changes.set(state, None, "device_id", codec.clean_text(value, DEVICE_NAME_WIDTH))
        elif rest == ("identity", "version"):
            changes.set(state, None, "firmware", codec.clean_text(value, WORD_WIDTH))
        elif rest == ("identification", "visual"):
            changes.set(state, None, "identifying", codec.flag(value))

    def _active(self, value: Any, changes: Changes) -> None:
        """``mates/active``: ``["mates/tx1", …]`` or ``["tx1", …]``."""
        names = codec.words(value, limit=32)
        if names is None:
            return
        present: set[int] = set()
        for name in names:
            tail = name.strip("/").rsplit("/", 1)[-1]
            if (n := self._channel(tail, "tx")) is not None:
                present.add(n)
        for n in range(1, self.dialect.channels + 1):
            self.set_present(n, n in present, changes)

    def _mates(self, rest: Path, value: Any, changes: Changes) -> None:
        if rest == ("active",):
            self._active(value, changes)
            return
        if len(rest) < 2 or (n := self._channel(rest[0], "tx")) is None:
            return
        channel = self.state.channel(n)
        key = rest[-1]
        handler = _TX_HANDLERS.get(rest[1:])
        if handler is None and key.startswith("bat_"):  # e.g. ``bat_state/bat_gauge``
            handler = _TX_HANDLERS.get((key,))
        if handler is None:
            return
        self.set_present(n, True, changes)
        if key == "warnings":
            if (words := codec.words(value, width=WORD_WIDTH)) is not None:
                self._tx_warnings[n] = words
                self._set_warnings(n, channel, changes)
            return
        name, converted = handler(value)
        changes.set(channel, n, name, converted)

    def _rx(self, n: int, rest: Path, value: Any, changes: Changes) -> None:
        channel = self.state.channel(n)
        match rest:
            case ("name",):
                changes.set(channel, n, "name", codec.clean_text(value, self.dialect.name_width))
            case ("mute",):
                changes.set(channel, n, "muted", codec.flag(value))
            case ("mute_state",) | ("mute_mode",):
                changes.set(channel, n, "muted", _mute(value))
            case ("frequency",):
                khz = codec.integer(value, 30_000, 3_000_000)
                changes.set(channel, n, "frequency_mhz", None if khz is None else khz / 1000)
            case ("gain",):
                changes.set(channel, n, "gain_db", codec.integer(value, -40, 80))
            case ("warnings",) | ("active_warnings",):
                if (words := codec.words(value, width=WORD_WIDTH)) is not None:
                    self._rx_warnings[n] = words
                    self._set_warnings(n, channel, changes)
            case ("mates",):
                if (names := codec.words(value)) is not None:
                    self.set_present(n, bool(names), changes)
            case ("skx", "battery"):
                self._skx_battery(n, channel, value, changes)
            case ("mm",):
                if isinstance(value, list):
                    self._mm_channel(n, value, changes)
            case _:
                return

    def _set_warnings(self, n: int, channel: ChannelState, changes: Changes) -> None:
        rx = self._rx_warnings.get(n, ())
        combined = (*rx, *self._tx_warnings.get(n, ()))
        changes.set(channel, n, "warnings", combined)
        keys = {word.lower().replace(" ", "").replace("_", "") for word in rx}
        changes.set(channel, n, "interference", bool(keys & _INTERFERENCE))
        changes.set(channel, n, "low_signal", bool(keys & _LOW_SIGNAL))
        changes.set(channel, n, "encryption_warning", bool(keys & _ENCRYPTION))

    def _meter(self, n: int, key: str, value: Any, changes: Changes) -> None:
        channel = self.state.channel(n)
        if key == "rssi":
            changes.set(channel, n, "rf_level_dbm", codec.real(value, -150, 20))
        elif key == "rsqi":
            changes.set(channel, n, "link_quality_percent", codec.integer(value, 0, 100))
        elif key == "divi":
            antenna = codec.integer(value, 0, 2)
            changes.set(channel, n, "antenna", None if antenna is None else _ANTENNA.get(antenna))
        elif key == "af":
            changes.set(channel, n, "audio_level_dbfs", codec.real(value, -150, 20))

    def _skx_battery(self, n: int, channel: ChannelState, value: Any, changes: Changes) -> None:
        """Digital 6000: ``["70%", "5:12"]``, ``[]`` while no transmitter is there."""
        if not isinstance(value, list):
            return
        if not value:
            self.set_present(n, False, changes)
            return
        self.set_present(n, True, changes)
        changes.set(channel, n, "battery_percent", _percent_text(value[0]))
        changes.set(
            channel, n, "battery_runtime_min", _hours_minutes(value[1] if len(value) > 1 else None)
        )

    def _mm(self, value: Any, changes: Changes) -> None:
        """Digital 6000 ``mm``: nine bytes per channel, flat or one list per channel."""
        if not isinstance(value, list) or not value:
            return
        rows = (
            value if all(isinstance(row, list) for row in value) else list(codec.chunks(value, 9))
        )
        for index, row in enumerate(rows[: self.dialect.channels]):
            self._mm_channel(index + 1, row, changes)

    def _mm_channel(self, n: int, row: list[Any], changes: Changes) -> None:
        if len(row) < 9:
            return
        raw = [codec.integer(v, 0, 255) for v in row[:9]]
        rf1, _, rf2, _, div1, div2, lqi, af, af_peak = raw
        channel = self.state.channel(n)
        antennas = (_rf_dbm(rf1), _rf_dbm(rf2))
        known = [dbm for dbm in antennas if dbm is not None]
        changes.set(channel, n, "rf_antenna_dbm", antennas)
        changes.set(channel, n, "rf_level_dbm", max(known) if known else None)
        antenna = "A" if div1 else "B" if div2 else None
        changes.set(channel, n, "antenna", antenna)
        changes.set(
            channel, n, "link_quality_percent", None if lqi is None else round(lqi * 100 / 255)
        )
        changes.set(channel, n, "audio_level_dbfs", _af_dbfs(af))
        changes.set(channel, n, "audio_peak_dbfs", _af_dbfs(af_peak))

    def _bays(self, key: str, value: Any, changes: Changes) -> None:
        """CHG 70N: one array per value, indexed by bay (bay 0 = channel 1)."""
        if not isinstance(value, list):
            return
        for index, item in enumerate(value[: self.dialect.channels]):
            n = index + 1
            bay = self.state.channel(n)
            match key:
                case _ if key in _PACK_FIELDS and bay.tx_on is False:
                    changes.set(bay, n, _PACK_FIELDS[key], None)
                case "bat_gauge":
                    changes.set(bay, n, "battery_percent", codec.integer(item, 0, 100))
                case "bat_health":
                    changes.set(bay, n, "battery_health_percent", codec.integer(item, 0, 100))
                case "bat_cycles":
                    changes.set(bay, n, "battery_cycles", codec.integer(item, 0, 1_000_000))
                case "bat_timetofull":
                    changes.set(bay, n, "time_to_full_min", codec.integer(item, 0, 100_000))
                case "device_type":
                    kind = codec.clean_text(item, 16)
                    empty = kind is None or kind.upper() == "NONE"
                    changes.set(bay, n, "tx_on", not empty)
                    changes.set(bay, n, "tx_model", None if empty else kind)
                    if empty:
                        for name in _PACK_FIELDS.values():
                            changes.set(bay, n, name, None)
                case "state":
                    changes.set(bay, n, "bay_state", codec.clean_text(item, 16))
                case "warnings":
                    words = codec.words(item, width=WORD_WIDTH)
                    changes.set(bay, n, "warnings", () if words is None else words)
                case _:
                    return


# --- converters --------------------------------------------------------------

#: Charger values that belong to the pack in a bay (unknown while the bay is empty).
_PACK_FIELDS = {
    "bat_gauge": "battery_percent",
    "bat_health": "battery_health_percent",
    "bat_cycles": "battery_cycles",
    "bat_timetofull": "time_to_full_min",
}


def _presence(path: Path) -> bool:
    """Addresses that say whether a transmitter (or pack) is there."""
    return (
        path in {("mates", "active"), ("bays", "device_type"), ("mm",)}
        or (len(path) == 2 and path[1] == "mates")
        or path[1:] == ("skx", "battery")
    )


type TxHandler = Callable[[Any], tuple[str, object]]


def _seconds_to_minutes(value: Any) -> int | None:
    seconds = codec.integer(value, 0, 100 * 3600)
    return None if seconds is None else seconds // 60


def _battery_type(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return {0: "Battery", 1: "Rechargeable"}.get(value)
    return codec.clean_text(value, 16)


_TX_HANDLERS: dict[Path, TxHandler] = {
    ("battery", "gauge"): lambda v: ("battery_percent", codec.integer(v, 0, 100)),
    ("battery", "lifetime"): lambda v: ("battery_runtime_min", codec.integer(v, 0, 6000)),
    ("battery", "type"): lambda v: ("battery_type", codec.clean_text(v, 16)),
    ("bat_gauge",): lambda v: ("battery_percent", codec.integer(v, 0, 100)),
    ("bat_lifetime",): lambda v: ("battery_runtime_min", _seconds_to_minutes(v)),
    ("bat_type",): lambda v: ("battery_type", _battery_type(v)),
    ("bat_bars",): lambda v: ("battery_bars", codec.integer(v, 0, 10)),
    ("bat_health",): lambda v: ("battery_health_percent", codec.integer(v, 0, 100)),
    ("bat_cycles",): lambda v: ("battery_cycles", codec.integer(v, 0, 1_000_000)),
    ("bat_charging",): lambda v: ("battery_charging", codec.flag(v)),
    ("mute",): lambda v: ("tx_muted", codec.flag(v)),
    ("name",): lambda v: ("tx_name", codec.clean_text(v, TX_NAME_WIDTH)),
    ("type",): lambda v: ("tx_model", codec.clean_text(v, 24)),
    ("warnings",): lambda v: ("warnings", None),
}


def _mute(value: Any) -> bool | None:
    if (as_flag := codec.flag(value)) is not None:
        return as_flag
    text = codec.clean_text(value, 16)
    return None if text is None else _MUTE_WORDS.get(text.lower().replace(" ", ""))


def _percent_text(value: Any) -> int | None:
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if text.isascii() and text.isdigit() and len(text) <= 3:
            number = int(text)
            return number if number <= 100 else None
        return None
    return codec.integer(value, 0, 100)


def _hours_minutes(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not (hours.isascii() and hours.isdigit() and minutes.isascii()):
        return None
    if not minutes.isdigit() or len(hours) > 3 or len(minutes) != 2 or int(minutes) > 59:
        return None
    return int(hours) * 60 + int(minutes)


def _rf_dbm(value: int | None) -> float | None:
    return None if value is None else (value - 255) / 2


def _af_dbfs(value: int | None) -> float | None:
    return None if value is None else (value + 1) / 2 - 128
