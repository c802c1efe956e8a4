"""Apply SSCv2 resources (path → JSON, as read or as notified) in human units.

Resource paths are ``/api/...``; ids in paths are 0-based, channel numbers
in the model 1-based.  Values of the wrong type or out of range become
unknown (``None``); unknown paths and ids beyond the device are ignored.
Nothing here raises on device input.

EW-DX: a channel is a receiver channel and its transmitter (``{tx}`` =
``{ch}``).  Spectera: a channel is one mobile device (SEK bodypack, SKM
handheld) from ``/api/mts/paired/all``, in the order fixed at connect.
"""

from __future__ import annotations

import re
from typing import Any

from ...models import METER_FIELDS, TRANSMITTER_FIELDS, ChannelState, Family, ReceiverState
from ..ssc1.apply import Changes
from ..ssc1.codec import clean_text, flag, integer, real, words

#: Widths of device text (EW-DX: device name 18, channel name 8).
DEVICE_NAME_WIDTH = 18
CHANNEL_NAME_WIDTH = 8
TX_NAME_WIDTH = 18
MOBILE_NAME_WIDTH = 32
WORD_WIDTH = 32
#: Mobile devices kept from one list at most.
MAX_MOBILES = 64

MOBILES_PATH = "/api/mts/paired/all"
TRANSMITTERS_PATH = "/api/transmitters"

_INTERFERENCE = frozenset({"rfpeak"})
_LOW_SIGNAL = frozenset({"lowsignal", "nolink"})
_ENCRYPTION = frozenset({"aes256error"})
_ANTENNA = {1: "A", 2: "B"}
#: Spectera mobile-device states in which the transmitter is on the air.
_ON_AIR = frozenset({"connected", "syncing", "updating"})
_RESOURCE = re.compile(r"/api/(channel|rf/channels|transmitters)/(\d{1,2})(?:/(\w{1,40}))?")
_TX_ID = re.compile(r"(?:tx)?(\d{1,2})", re.IGNORECASE)


def normalize(path: object) -> str | None:
    """A notification key as an ``/api/...`` path (``None`` if it is no path)."""
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 256:
        return None
    path = path.rstrip("/")
    return path if path.startswith("/api/") else f"/api{path}"


def mobile_list(value: Any) -> dict[str, dict[str, Any]] | None:
    """``/api/mts/paired/all`` as ``{uid: object}`` (from a list, or an object keyed by uid)."""
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items() if isinstance(v, dict)]
    elif isinstance(value, list):
        items = [(key, v) for v in value if isinstance(v, dict) and (key := mobile_key(v))]
    else:
        return None
    return {key[:64]: obj for key, obj in items[:MAX_MOBILES]}


def mobile_key(obj: dict[str, Any]) -> str | None:
    """The id of one mobile device object."""
    for name in ("mtUid", "uid", "id", "serial"):
        value = obj.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if (text := clean_text(value, 64)) is not None:
            return text
    return None


def mobile_order(mobiles: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """Mobile device ids in channel order: by serial, then id."""

    def key(uid: str) -> tuple[str, str]:
        return (clean_text(mobiles[uid].get("serial"), 64) or uid, uid)

    return tuple(sorted(mobiles, key=key))


class Applier:
    """Applies resources to one device's state."""

    def __init__(
        self,
        state: ReceiverState,
        family: Family,
        *,
        mobiles: tuple[str, ...] = (),
        meters: bool = False,
    ) -> None:
        """Apply to ``state``; ``mobiles`` are the Spectera channel ids in order."""
        self.state = state
        self.family = family
        self.channels = state.info.channel_count
        self.mobiles = {uid: n for n, uid in enumerate(mobiles, start=1)}
        #: Whether meter values are taken (only while metering is on).
        self.meters = meters
        self._rx_warnings: dict[int, tuple[str, ...]] = {}
        self._tx_warnings: dict[int, tuple[str, ...]] = {}
        #: Mobile devices listed that are not among the channels.
        self.strangers: set[str] = set()

    # --- entry points ----------------------------------------------------

    def resource(self, path: str, value: Any, changes: Changes) -> None:
        """Apply one resource as read or notified."""
        if value is None:
            return
        if path == "/api/device/site":
            if isinstance(value, dict) and "deviceName" in value:
                name = clean_text(value.get("deviceName"), DEVICE_NAME_WIDTH)
                changes.set(self.state, None, "device_id", name)
        elif path == "/api/device/state":
            if isinstance(value, dict) and "state" in value:
                state = clean_text(value.get("state"), WORD_WIDTH)
                identifying = None if state is None else state.lower() == "identifying"
                changes.set(self.state, None, "identifying", identifying)
        elif path == TRANSMITTERS_PATH:
            if self.family is Family.EW_DX:
                self._transmitters(value, changes)
        elif path == MOBILES_PATH or path.startswith(MOBILES_PATH + "/"):
            if self.family is Family.SPECTERA:
                self._mobiles(path, value, changes)
        elif self.family is Family.EW_DX and (match := _RESOURCE.fullmatch(path)):
            n = int(match[2]) + 1
            if 1 <= n <= self.channels:
                self._ewdx(match[1], n, match[3], value, changes)

    def absent(self, path: str, changes: Changes) -> None:
        """A ``422`` on ``/api/transmitters/{tx}*``: no transmitter on that channel."""
        match = _RESOURCE.fullmatch(path)
        if match and match[1] == "transmitters" and 1 <= (n := int(match[2]) + 1) <= self.channels:
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
        for name in TRANSMITTER_FIELDS:
            changes.set(channel, n, name, None)
        self._tx_warnings[n] = ()
        self._set_warnings(n, channel, changes)

    def clear_meters(self, changes: Changes) -> None:
        """Metering was switched off: meter values become unknown."""
        for n, channel in self.state.channels.items():
            for name in METER_FIELDS:
                default = () if name == "rf_antenna_dbm" else None
                changes.set(channel, n, name, default)

    # --- EW-DX -----------------------------------------------------------

    def _ewdx(self, kind: str, n: int, sub: str | None, value: Any, changes: Changes) -> None:
        channel = self.state.channel(n)
        match kind, sub:
            case "channel", None:
                if isinstance(value, dict):
                    self._channel(n, channel, value, changes)
            case "channel", "warnings":
                if (found := _word_list(value)) is not None:
                    self._rx_warnings[n] = found
                    self._set_warnings(n, channel, changes)
            case "channel", "signalStrengthIndicator" if self.meters:
                changes.set(channel, n, "rf_level_dbm", real(_value(value), -150, 20))
            case "channel", "signalQualityIndicator" if self.meters:
                changes.set(channel, n, "link_quality_percent", integer(_value(value), 0, 100))
            case "channel", "diversityIndicator" if self.meters:
                antenna = _ANTENNA.get(integer(_value(value), 0, 2) or 0)
                changes.set(channel, n, "antenna", antenna)
            case "channel", "level" if self.meters:
                changes.set(channel, n, "audio_level_dbfs", real(_value(value), -150, 20))
            case "rf/channels", None:
                if isinstance(value, dict) and "frequency" in value:
                    khz = integer(value.get("frequency"), 30_000, 3_000_000)
                    changes.set(channel, n, "frequency_mhz", None if khz is None else khz / 1000)
            case "transmitters", None:
                if isinstance(value, dict):
                    self._transmitter(n, channel, value, changes)
            case "transmitters", "battery":
                if isinstance(value, dict):
                    self.set_present(n, True, changes)
                    self._battery(n, channel, value, changes)
            case "transmitters", "warnings":
                if (found := _word_list(value)) is not None:
                    self.set_present(n, True, changes)
                    self._tx_warnings[n] = found
                    self._set_warnings(n, channel, changes)
            case _:
                return

    def _channel(
        self, n: int, channel: ChannelState, value: dict[str, Any], changes: Changes
    ) -> None:
        if "name" in value:
            changes.set(channel, n, "name", clean_text(value["name"], CHANNEL_NAME_WIDTH))
        if "mute" in value:
            changes.set(channel, n, "muted", flag(value["mute"]))
        if "gain" in value:
            changes.set(channel, n, "gain_db", integer(value["gain"], -40, 80))

    def _transmitter(
        self, n: int, channel: ChannelState, value: dict[str, Any], changes: Changes
    ) -> None:
        self.set_present(n, True, changes)
        if "type" in value:
            changes.set(channel, n, "tx_model", clean_text(value["type"], 24))
        if "name" in value:
            changes.set(channel, n, "tx_name", clean_text(value["name"], TX_NAME_WIDTH))
        if "mute" in value:
            changes.set(channel, n, "tx_muted", flag(value["mute"]))
        if isinstance(battery := value.get("battery"), dict):
            self._battery(n, channel, battery, changes)

    def _battery(
        self, n: int, channel: ChannelState, value: dict[str, Any], changes: Changes
    ) -> None:
        if "gauge" in value:
            changes.set(channel, n, "battery_percent", integer(value["gauge"], 0, 100))
        if "lifetime" in value:
            changes.set(channel, n, "battery_runtime_min", integer(value["lifetime"], 0, 6000))
        if "type" in value:
            kind = clean_text(value["type"], 16)
            changes.set(channel, n, "battery_type", None if kind == "NoBattery" else kind)

    def _transmitters(self, value: Any, changes: Changes) -> None:
        """``/api/transmitters``: ``[{id, transmitter: {...}}]`` for channels with a transmitter."""
        if not isinstance(value, list):
            return
        present: dict[int, Any] = {}
        for item in value[:16]:
            if not isinstance(item, dict) or (n := _tx_number(item.get("id"))) is None:
                continue
            if 1 <= n <= self.channels:
                present[n] = item.get("transmitter")
        for n in range(1, self.channels + 1):
            if n not in present:
                self.set_present(n, False, changes)
                continue
            self.set_present(n, True, changes)
            if isinstance(details := present[n], dict):
                self._transmitter(n, self.state.channel(n), details, changes)

    def _set_warnings(self, n: int, channel: ChannelState, changes: Changes) -> None:
        rx = self._rx_warnings.get(n, ())
        changes.set(channel, n, "warnings", (*rx, *self._tx_warnings.get(n, ())))
        if self.family is not Family.EW_DX:
            return
        keys = {word.lower().replace(" ", "").replace("_", "") for word in rx}
        changes.set(channel, n, "interference", bool(keys & _INTERFERENCE))
        changes.set(channel, n, "low_signal", bool(keys & _LOW_SIGNAL))
        changes.set(channel, n, "encryption_warning", bool(keys & _ENCRYPTION))

    # --- Spectera --------------------------------------------------------

    def _mobiles(self, path: str, value: Any, changes: Changes) -> None:
        if path == MOBILES_PATH:
            listed = mobile_list(value)
            if listed is None:
                return
            self.strangers = set(listed) - set(self.mobiles)
            for uid, number in self.mobiles.items():
                if uid in listed:
                    self._mobile(number, listed[uid], changes)
                else:
                    self.set_present(number, False, changes)
            return
        uid = path[len(MOBILES_PATH) + 1 :]
        n = self.mobiles.get(uid)
        if n is not None and isinstance(value, dict):
            self._mobile(n, value, changes)

    def _mobile(self, n: int, obj: dict[str, Any], changes: Changes) -> None:
        channel = self.state.channel(n)
        if "name" in obj:
            changes.set(channel, n, "name", clean_text(obj["name"], MOBILE_NAME_WIDTH))
        if "state" in obj:
            state = clean_text(obj["state"], WORD_WIDTH)
            on_air = None if state is None else state.lower() in _ON_AIR
            if on_air is None:
                changes.set(channel, n, "tx_on", None)
            else:
                self.set_present(n, on_air, changes)
        if channel.tx_on is False:
            for name in ("rf_level_dbm", "link_quality_percent"):
                changes.set(channel, n, name, None)
            return
        if "type" in obj:
            changes.set(channel, n, "tx_model", clean_text(obj["type"], 24))
        if "batteryFillLevel" in obj:
            changes.set(channel, n, "battery_percent", integer(obj["batteryFillLevel"], 0, 100))
        if "batteryRuntime" in obj:
            runtime = integer(obj["batteryRuntime"], 0, 6000)
            changes.set(channel, n, "battery_runtime_min", runtime)
        if "batteryLow" in obj:
            low = flag(obj["batteryLow"])
            self._tx_warnings[n] = ("LowBattery",) if low else ()
            self._set_warnings(n, channel, changes)
        if self.meters:
            if "rssi" in obj:
                changes.set(channel, n, "rf_level_dbm", real(obj["rssi"], -150, 20))
            if "micLqi" in obj:
                changes.set(channel, n, "link_quality_percent", integer(obj["micLqi"], 0, 100))


def _value(value: Any) -> Any:
    """A meter resource: ``{"value": x}`` (a bare number is tolerated)."""
    return value.get("value") if isinstance(value, dict) else value


def _word_list(value: Any) -> tuple[str, ...] | None:
    """A warnings resource: an array of words (or an object holding one)."""
    if isinstance(value, dict):
        value = value.get("warnings", value.get("value"))
    return words(value, width=WORD_WIDTH)


def _tx_number(value: Any) -> int | None:
    """Channel number of a transmitter id: ``0`` / ``"0"`` (0-based) or ``"TX1"`` (1-based)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value + 1 if 0 <= value < 100 else None
    if not isinstance(value, str) or not (match := _TX_ID.fullmatch(value.strip())):
        return None
    number = int(match[1])
    return number if value.strip()[:1].isalpha() else number + 1
