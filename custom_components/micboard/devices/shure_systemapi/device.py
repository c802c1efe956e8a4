"""One Shure device behind a System API server, seen as a :class:`Receiver`.

The server holds the only connection: :meth:`SystemApiDevice.connect` and
:meth:`~SystemApiDevice.disconnect` cost nothing, and every read or command
goes through the server's REST client.  Values come from the capability
endpoints the device declares; what the API does not offer (RF level,
frequency, antennas, meters) is never declared and stays ``None``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import replace
import logging
from typing import TYPE_CHECKING, Any

from ..capabilities import Capability
from ..exceptions import DeviceConnectionError, DeviceError, UnsupportedDeviceError
from ..models import (
    BatteryRuntimeStatus,
    ChannelState,
    Family,
    ReceiverInfo,
    ReceiverState,
    Update,
)
from . import parse
from .parse import AudioChannel, Node
from .rest import ApiError, api_path, gather_all

if TYPE_CHECKING:
    from .server import SystemApiServer

_LOGGER = logging.getLogger(__name__)

MANUFACTURER = "Shure"
MAX_NAME_LENGTH = 31
AUDIO_CHANNELS = frozenset({"audio-channels", "audio-channels-v2"})
BATTERY_LEVEL = "battery-level"
BATTERY_HEALTH = "battery-health"
AUDIO_MUTE = "audio-mute"

#: Device capability -> subscription path segment (under the device).
DEVICE_SUBSCRIPTIONS = {
    "name": "name",
    "identify": "identify",
    AUDIO_MUTE: AUDIO_MUTE,
    BATTERY_LEVEL: BATTERY_LEVEL,
    BATTERY_HEALTH: BATTERY_HEALTH,
}
#: Channel capabilities subscribed (each has a same-named endpoint).
CHANNEL_SUBSCRIPTIONS = ("mute", "gain", "name", "activity")


class SystemApiDevice:
    """A device the server fronts (receiver, transmitter, charger …)."""

    def __init__(self, server: SystemApiServer, node: Node) -> None:
        """Describe the device from its inventory node; nothing is read yet."""
        self._server = server
        self.node = node
        self._channels: list[AudioChannel] = []
        self._numbers: dict[str, int] = {}
        self._state = ReceiverState(self._make_info())
        self._audio_muted: bool | None = None
        self._listeners: list[Callable[[Update], None]] = []
        self._connection_listeners: list[Callable[[bool], None]] = []
        self._problem_listeners: list[Callable[[DeviceError | None], None]] = []
        self._reported_connected = False
        self._identify_stop: asyncio.TimerHandle | None = None
        #: Whether the device's values have been read since it last came online.
        self.read = False

    def __repr__(self) -> str:
        """The device and the server it is reached through."""
        return f"SystemApiDevice({self.device_id} via {self._server.host}:{self._server.port})"

    # --- identity --------------------------------------------------------

    @property
    def device_id(self) -> str:
        """The server's id of the device (used in every path)."""
        return self.node.device_id

    @property
    def host(self) -> str:
        """The device's own address when the server reports it, else the server's."""
        return self.node.address or self._server.host

    @property
    def port(self) -> int:
        """The server's port (the device is only reached through it)."""
        return self._server.port

    @property
    def info(self) -> ReceiverInfo:
        """Identity from the inventory node."""
        return self._state.info

    @property
    def state(self) -> ReceiverState:
        """Everything known about the device."""
        return self._state

    @property
    def connected(self) -> bool:
        """Whether the server is connected and reports the device online."""
        return self._server.connected and self.node.online

    @property
    def meter_rate_ms(self) -> int:
        """Always 0: the API offers no meters."""
        return 0

    @property
    def audio_muted(self) -> bool | None:
        """Device-level audio mute (devices with the ``audio-mute`` capability)."""
        return self._audio_muted

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the device's capability strings (and its channels') offer."""
        device = self.node.capabilities
        channel_caps: set[str] = set()
        for channel in self._channels:
            channel_caps |= channel.capabilities
        found: set[Capability] = set()
        if "identify" in device:
            found.add(Capability.IDENTIFY)
        if "name" in channel_caps:
            found.add(Capability.RENAME)
        if "gain" in channel_caps:
            found.add(Capability.GAIN)
        if "activity" in channel_caps:
            found.add(Capability.AUDIO_ACTIVITY)
        if "mute" in channel_caps or AUDIO_MUTE in device:
            found.add(Capability.MUTE_STATE)
        if "mute" in channel_caps or (AUDIO_MUTE in device and self._single_channel):
            found.add(Capability.MUTE)
        if BATTERY_LEVEL in device:
            found |= {Capability.BATTERY_PERCENT, Capability.BATTERY_RUNTIME}
            found.add(Capability.CHARGE_TIME)
        if BATTERY_HEALTH in device:
            found |= {Capability.BATTERY_HEALTH, Capability.BATTERY_CYCLES}
        return frozenset(found)

    @property
    def _single_channel(self) -> bool:
        return len(self._state.channels) == 1

    @property
    def _has_battery(self) -> bool:
        return bool({BATTERY_LEVEL, BATTERY_HEALTH} & self.node.capabilities)

    def _make_info(self) -> ReceiverInfo:
        node = self.node
        return ReceiverInfo(
            family=Family.SHURE_SYSTEM_API,
            model=node.model or "Shure device",
            channel_count=0,
            host=self.host,
            port=self.port,
            firmware=node.firmware,
            serial=node.serial,
            manufacturer=MANUFACTURER,
        )

    def update_node(self, node: Node) -> bool:
        """Adopt a newer inventory node; whether capabilities changed."""
        changed = node.capabilities != self.node.capabilities
        if node.device_state is None:
            node = _with_state(node, self.node.device_state)
        old_online = self.node.online
        self.node = node
        info = self._state.info
        info.model = node.model or info.model
        info.firmware = node.firmware or info.firmware
        info.serial = node.serial or info.serial
        info.host = self.host
        self._state.firmware = info.firmware
        if old_online and not node.online:
            self.read = False
        return changed

    # --- Receiver protocol ------------------------------------------------

    async def connect(self) -> ReceiverInfo:
        """Nothing to do: the server holds the connection."""
        return self.info

    async def disconnect(self) -> None:
        """Stop a running identify; nothing to close (the server holds the link)."""
        if self._identify_stop is not None:
            self._identify_stop.cancel()
            self._identify_stop = None
            await self._post_identify_stop()

    async def refresh(self) -> None:
        """Read the device's values again."""
        self._require_connected()
        await self.read_state()

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Call ``callback`` for every change; returns an unsubscribe function."""
        return _add(self._listeners, callback)

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(connected)`` when the device goes offline or comes back."""
        return _add(self._connection_listeners, callback)

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Call ``callback(error)`` on a lasting server problem, ``None`` once fixed."""
        return _add(self._problem_listeners, callback)

    async def identify(self, channel: int | None = None) -> None:
        """Flash the device for a few seconds (the API has no per-channel identify)."""
        if channel is not None:
            raise UnsupportedDeviceError(f"{self.info.model} (channel identify)")
        self._require("identify")
        rest = self._server.rest
        await rest.request("POST", api_path("devices", self.device_id, "identify", "start"))
        if self._identify_stop is not None:
            self._identify_stop.cancel()
        self._identify_stop = asyncio.get_running_loop().call_later(
            self._server.timing.identify_seconds, self._stop_identify
        )

    def _stop_identify(self) -> None:
        self._identify_stop = None
        self._server.spawn(self._post_identify_stop())

    async def _post_identify_stop(self) -> None:
        with contextlib.suppress(DeviceError, TimeoutError):
            await self._server.rest.request(
                "POST", api_path("devices", self.device_id, "identify", "stop")
            )

    async def set_channel_name(self, channel: int, name: str) -> None:
        """Rename a channel (1–31 printable characters)."""
        audio = self._channel_with(channel, "name")
        name = name.strip()
        if not 1 <= len(name) <= MAX_NAME_LENGTH or not name.isprintable():
            raise ValueError(f"channel name must be 1-{MAX_NAME_LENGTH} printable characters")
        await self._patch_channel(audio, "name", {"name": name})
        self._set(channel, name=name)

    async def set_gain(self, channel: int, gain_db: int) -> None:
        """Set a channel's gain in dB (the device enforces its range)."""
        audio = self._channel_with(channel, "gain")
        await self._patch_channel(audio, "gain", {"gain": gain_db})
        self._set(channel, gain_db=gain_db)

    async def set_mute(self, channel: int, muted: bool) -> None:
        """Mute a channel (or, on a one-channel device, the device's audio)."""
        self._check_channel(channel)
        if Capability.MUTE not in self.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} (mute)")
        channel_id = self._numbers_reverse().get(channel)
        audio = next((c for c in self._channels if c.channel_id == channel_id), None)
        if audio is not None and "mute" in audio.capabilities:
            await self._patch_channel(audio, "mute", {"muted": muted})
            self._set(channel, muted=muted)
        else:
            await self.set_audio_mute(muted)

    async def set_audio_mute(self, muted: bool) -> None:
        """Mute the device's audio (devices with the ``audio-mute`` capability)."""
        self._require(AUDIO_MUTE)
        await self._server.rest.request(
            "PATCH", api_path("devices", self.device_id, AUDIO_MUTE), {"muted": muted}
        )
        self.apply_audio_mute(muted)

    async def set_name(self, name: str) -> None:
        """Rename the device (1–31 printable characters)."""
        self._require("name")
        name = name.strip()
        if not 1 <= len(name) <= MAX_NAME_LENGTH or not name.isprintable():
            raise ValueError(f"device name must be 1-{MAX_NAME_LENGTH} printable characters")
        await self._server.rest.request(
            "PATCH", api_path("devices", self.device_id, "name"), {"name": name}
        )
        self._set_device(device_id=name)

    async def set_meter_rate(self, rate_ms: int) -> None:
        """Only 0 (off) is possible: the API offers no meters."""
        if rate_ms != 0:
            raise UnsupportedDeviceError(f"{self.info.model} (metering)")

    # --- reading -----------------------------------------------------------

    def subscription_paths(self, transport_id: str) -> list[str]:
        """Every subscription this device's capabilities call for."""
        caps = self.node.capabilities
        paths = [
            api_path("devices", self.device_id, segment, "subscription", transport_id)
            for capability, segment in DEVICE_SUBSCRIPTIONS.items()
            if capability in caps
        ]
        for channel in self._channels:
            paths.extend(
                api_path(
                    "devices",
                    self.device_id,
                    "audio-channels",
                    channel.channel_id,
                    what,
                    "subscription",
                    transport_id,
                )
                for what in CHANNEL_SUBSCRIPTIONS
                if what in channel.capabilities
            )
        return paths

    async def read_state(self) -> None:
        """Read channels and every value the device's capabilities offer."""
        caps = self.node.capabilities
        if AUDIO_CHANNELS & caps:
            listed = await self._get_optional(api_path("devices", self.device_id, "audio-channels"))
            self._set_channels(parse.audio_channels(listed))
        else:
            self._set_channels([])
        reads: list[tuple[str, Callable[[Any], None]]] = []
        base = ("devices", self.device_id)
        if "name" in caps:
            reads.append((api_path(*base, "name"), self._on_device_name))
        if "identify" in caps:
            reads.append((api_path(*base, "identify"), self._on_identify))
        if AUDIO_MUTE in caps:
            reads.append((api_path(*base, AUDIO_MUTE), self._on_audio_mute))
        if BATTERY_LEVEL in caps:
            reads.append((api_path(*base, BATTERY_LEVEL), self.apply_battery))
        if BATTERY_HEALTH in caps:
            reads.append((api_path(*base, BATTERY_HEALTH), self.apply_battery_health))
        for channel in self._channels:
            number = self._numbers[channel.channel_id]
            for what in CHANNEL_SUBSCRIPTIONS:
                if what in channel.capabilities:
                    path = api_path(*base, "audio-channels", channel.channel_id, what)
                    reads.append((path, _bind(self.apply_channel, number, what)))
        results = await gather_all(*(self._get_optional(path) for path, _ in reads))
        for (_, apply), payload in zip(reads, results, strict=True):
            if payload is not None:
                apply(payload)
        self.read = True

    async def _get_optional(self, path: str) -> Any:
        """GET; ``None`` when the device refuses this one read (capability gone …)."""
        try:
            return await self._server.rest.get(path)
        except ApiError as err:
            _LOGGER.debug("%s: %s", self.device_id, err)
            return None

    def _set_channels(self, channels: list[AudioChannel]) -> None:
        state = self._state
        if not channels and self._has_battery:
            channels = []  # one battery channel with no id, numbered 1
            numbers: dict[str, int] = {}
            count = 1
        else:
            numbers = {c.channel_id: n for n, c in enumerate(channels, start=1)}
            count = len(channels)
        if [c.channel_id for c in channels] != [c.channel_id for c in self._channels] or (
            len(state.channels) != count
        ):
            state.channels = {
                n: state.channels.get(n) or ChannelState(n) for n in range(1, count + 1)
            }
        self._channels = channels
        self._numbers = numbers
        state.info.channel_count = count
        if self._audio_muted is not None:
            self.apply_audio_mute(self._audio_muted)

    # --- applying values (from reads and pushed events) -----------------------

    def channel_number(self, channel_id: str) -> int | None:
        """Our channel number of a channel id."""
        return self._numbers.get(channel_id)

    def apply_event(self, event: str, body: Any, channel_id: str | None) -> None:
        """Apply one pushed event (unknown events and shapes are ignored)."""
        if channel_id is not None:
            number = self.channel_number(channel_id)
            what = _CHANNEL_EVENTS.get(event)
            if number is not None and what is not None:
                self.apply_channel(number, what, body)
            return
        handler = {
            "DEVICE_NAME": self._on_device_name,
            "DEVICE_IDENTIFY": self._on_identify,
            "DEVICE_AUDIO_MUTE": self._on_audio_mute,
            "DEVICE_BATTERY_LEVEL": self.apply_battery,
            "DEVICE_BATTERY_HEALTH": self.apply_battery_health,
        }.get(event)
        if handler is not None:
            handler(body)

    def apply_channel(self, number: int, what: str, body: Any) -> None:
        """A channel's ``mute``, ``gain``, ``name`` or ``activity`` value."""
        if what == "mute":
            self._set(number, muted=parse.boolean(parse.field(body, "muted")))
        elif what == "gain":
            self._set(number, gain_db=parse.integer(parse.field(body, "gain"), -100, 100))
        elif what == "name":
            self._set(number, name=parse.text(parse.field(body, "name")))
        elif what == "activity":
            self._set(number, audio_activity=parse.activity(parse.field(body, "audioLevel")))

    def apply_battery(self, body: Any) -> None:
        """``battery-level`` onto every channel (the device has one battery)."""
        battery = parse.battery(body)
        for number in self._state.channels:
            self._set(
                number,
                battery_percent=battery.percent,
                battery_runtime_min=battery.runtime_min,
                battery_runtime_status=(
                    BatteryRuntimeStatus.CALCULATING if battery.calculating else None
                ),
                battery_charging=battery.charging,
                time_to_full_min=battery.time_to_full_min,
            )

    def apply_battery_health(self, body: Any) -> None:
        """``battery-health`` onto every channel."""
        percent = parse.integer(parse.field(body, "percentage"), 0, 100)
        cycles = parse.integer(parse.field(body, "cycleCount"), 0, 1_000_000)
        for number in self._state.channels:
            self._set(number, battery_health_percent=percent, battery_cycles=cycles)

    def apply_audio_mute(self, muted: bool | None) -> None:
        """Device-level mute; mirrored into channels that have no mute of their own."""
        changed = muted != self._audio_muted
        self._audio_muted = muted
        own = {self._numbers[c.channel_id] for c in self._channels if "mute" in c.capabilities}
        for number in self._state.channels:
            if number not in own:
                self._set(number, muted=muted)
        if changed:
            self._emit(Update(None, frozenset({"audio_muted"})))

    def _on_device_name(self, body: Any) -> None:
        self._set_device(device_id=parse.text(parse.field(body, "name")))

    def _on_identify(self, body: Any) -> None:
        self._set_device(identifying=parse.boolean(parse.field(body, "identifying")))

    def _on_audio_mute(self, body: Any) -> None:
        self.apply_audio_mute(parse.boolean(parse.field(body, "muted")))

    def _set(self, number: int, **values: Any) -> None:
        channel = self._state.channels.get(number)
        if channel is None:
            return
        changed = frozenset(k for k, v in values.items() if getattr(channel, k) != v)
        for key in changed:
            setattr(channel, key, values[key])
        if changed:
            self._emit(Update(number, changed))

    def _set_device(self, **values: Any) -> None:
        state = self._state
        changed = frozenset(k for k, v in values.items() if getattr(state, k) != v)
        for key in changed:
            setattr(state, key, values[key])
        if changed:
            self._emit(Update(None, changed))

    def _emit(self, update: Update) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(update)
            except Exception:
                _LOGGER.exception("Error in an update listener")

    # --- connection reporting ---------------------------------------------

    def sync_connection(self) -> None:
        """Tell connection listeners when :attr:`connected` changed."""
        now = self.connected
        self._state.connected = now
        if now == self._reported_connected:
            return
        self._reported_connected = now
        for listener in tuple(self._connection_listeners):
            try:
                listener(now)
            except Exception:
                _LOGGER.exception("Error in a connection listener")

    def report_problem(self, err: DeviceError | None) -> None:
        """Pass the server's lasting problem (or its end) on."""
        for listener in tuple(self._problem_listeners):
            try:
                listener(err)
            except Exception:
                _LOGGER.exception("Error in a problem listener")

    # --- helpers -------------------------------------------------------------

    def _numbers_reverse(self) -> dict[int, str]:
        return {n: channel_id for channel_id, n in self._numbers.items()}

    def _require(self, capability: str) -> None:
        if capability not in self.node.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} ({capability})")
        self._require_connected()

    def _require_connected(self) -> None:
        if not self.connected:
            raise DeviceConnectionError(f"{self.device_id} is not reachable")

    def _check_channel(self, channel: int) -> None:
        if channel not in self._state.channels:
            raise ValueError(f"channel {channel} does not exist on {self.info.model}")

    def _channel_with(self, channel: int, capability: str) -> AudioChannel:
        self._check_channel(channel)
        channel_id = self._numbers_reverse().get(channel)
        audio = next((c for c in self._channels if c.channel_id == channel_id), None)
        if audio is None or capability not in audio.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} (channel {capability})")
        self._require_connected()
        return audio

    async def _patch_channel(self, audio: AudioChannel, what: str, body: dict[str, Any]) -> None:
        path = api_path("devices", self.device_id, "audio-channels", audio.channel_id, what)
        await self._server.rest.request("PATCH", path, body)


_CHANNEL_EVENTS = {
    "AUDIO_CHANNEL_MUTE": "mute",
    "AUDIO_CHANNEL_GAIN": "gain",
    "AUDIO_CHANNEL_NAME": "name",
    "AUDIO_CHANNEL_ACTIVITY": "activity",
}


def _bind(apply: Callable[[int, str, Any], None], number: int, what: str) -> Callable[[Any], None]:
    def bound(body: Any) -> None:
        apply(number, what, body)

    return bound


def _with_state(node: Node, state: str | None) -> Node:
    return replace(node, device_state=state)


def _add[T](listeners: list[T], callback: T) -> Callable[[], None]:
    listeners.append(callback)

    def remove() -> None:
        if callback in listeners:
            listeners.remove(callback)

    return remove
