"""An in-test server fronting many devices (the ``Hub`` protocol), driven by the test.

It opens no socket: the test changes what the server lists and what each
device reports, and the fake tells its listeners the way a real client would.
A device behind it reports its link only when the test says so; a lost server
link is reported only by the server (the Home Assistant side must mark the
devices unavailable itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
import dataclasses
from typing import Any

from custom_components.micboard.devices import (
    Access,
    Capability,
    DeviceConnectionError,
    DeviceError,
    Family,
    ReceiverInfo,
    ReceiverState,
    Update,
    registry,
)
from custom_components.micboard.devices.registry import Credential, Manufacturer

C = Capability

#: What a wireless receiver behind the server reports: no RF, no frequency, no antennas.
RECEIVER_CAPABILITIES = frozenset({C.GAIN, C.MUTE_STATE, C.AUDIO_ACTIVITY, C.IDENTIFY, C.RENAME})
#: A battery-powered device behind the server (one "channel": the device itself).
BATTERY_CAPABILITIES = frozenset(
    {C.BATTERY_PERCENT, C.BATTERY_RUNTIME, C.BATTERY_HEALTH, C.BATTERY_CYCLES, C.IDENTIFY}
)

#: Manufacturer key the fake server is registered under.
KEY = "test_server"


class FakeMember:
    """One device behind the fake server."""

    def __init__(
        self,
        hub: FakeHub,
        key: str,
        model: str,
        channels: int,
        capabilities: frozenset[Capability],
        *,
        name: str | None = None,
        host: str = "192.0.2.50",
        serial: str | None = None,
        mac: str | None = None,
        online: bool = True,
    ) -> None:
        """A device listed under ``key``."""
        self.hub = hub
        self.key = key
        self.online = online
        self._capabilities = capabilities
        self._info = ReceiverInfo(
            family=Family.SHURE_SYSTEM_API,
            model=model,
            channel_count=channels,
            host=host,
            port=hub.port,
            serial=serial,
            mac=mac,
            firmware="1.2.3",
            manufacturer="Shure",
        )
        self._state = ReceiverState(info=self._info, device_id=name)
        for number in range(1, channels + 1):
            self._state.channel(number)
        self.identified: list[int | None] = []
        self.connects = 0
        self.disconnects = 0
        self._updates: list[Callable[[Update], None]] = []
        self._links: list[Callable[[bool], None]] = []
        self._problems: list[Callable[[DeviceError | None], None]] = []

    # --- Receiver protocol ------------------------------------------------

    @property
    def host(self) -> str:
        """Address of the device (as the server reports it)."""
        return self._info.host

    @property
    def port(self) -> int:
        """The server's port."""
        return self._info.port

    @property
    def info(self) -> ReceiverInfo:
        """Identity."""
        return self._info

    @property
    def state(self) -> ReceiverState:
        """Everything known."""
        return self._state

    @property
    def connected(self) -> bool:
        """Online at a server that answers."""
        return self.online and self.hub.connected

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the device reports."""
        return self._capabilities

    @property
    def meter_rate_ms(self) -> int:
        """No metering through a server."""
        return 0

    async def connect(self) -> ReceiverInfo:
        """Cheap: the server holds the connection."""
        self.connects += 1
        self._state.connected = self.connected
        return self._info

    async def disconnect(self) -> None:
        """Nothing to close."""
        self.disconnects += 1

    async def refresh(self) -> None:
        """Nothing to read again."""

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Changes."""
        return _add(self._updates, callback)

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Online / offline."""
        return _add(self._links, callback)

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Never used by the fake."""
        return _add(self._problems, callback)

    async def identify(self, channel: int | None = None) -> None:
        """Record the request."""
        if not self.connected:
            raise DeviceConnectionError("offline")
        self.identified.append(channel)

    async def set_channel_name(self, channel: int, name: str) -> None:
        """Rename a channel (and report it)."""
        self.set_channel(channel, name=name)

    async def set_meter_rate(self, rate_ms: int) -> None:
        """Not supported through a server."""

    # --- Test controls ------------------------------------------------------

    @property
    def listeners(self) -> int:
        """How many update listeners are subscribed."""
        return len(self._updates)

    def set_channel(self, number: int, **values: Any) -> None:
        """Change channel values and report them."""
        channel = self._state.channel(number)
        for name, value in values.items():
            setattr(channel, name, value)
        self._emit(Update(number, frozenset(values)))

    def set_device(self, **values: Any) -> None:
        """Change device-wide values and report them."""
        for name, value in values.items():
            setattr(self._state, name, value)
        self._emit(Update(None, frozenset(values)))

    def set_shape(self, channels: int, capabilities: frozenset[Capability] | None = None) -> None:
        """Channels and capabilities read anew (as when a device first comes online)."""
        self._info.channel_count = channels
        self._state.channels = {n: self._state.channel(n) for n in range(1, channels + 1)}
        if capabilities is not None:
            self._capabilities = capabilities

    def set_online(self, online: bool) -> None:
        """The server reports the device online or offline."""
        self.online = online
        self._state.connected = self.connected
        for callback in tuple(self._links):
            callback(self.connected)

    def _emit(self, update: Update) -> None:
        for callback in tuple(self._updates):
            callback(update)


class FakeHub:
    """The server."""

    def __init__(self, host: str, port: int) -> None:
        """An unconnected server at ``host:port``."""
        self._host = host
        self._port = port
        self._info = ReceiverInfo(
            family=Family.SHURE_SYSTEM_API,
            model="System API",
            channel_count=0,
            host=host,
            port=port,
            firmware="6.10",
            manufacturer="Shure",
        )
        self.members: dict[str, FakeMember] = {}
        self.link = False
        self.fail: DeviceError | None = None
        self.access: Access | None = None
        self.disconnected = False
        self._inventory: list[Callable[[], None]] = []
        self._links: list[Callable[[bool], None]] = []
        self._problems: list[Callable[[DeviceError | None], None]] = []

    @property
    def host(self) -> str:
        """Server address."""
        return self._host

    @property
    def port(self) -> int:
        """Server port."""
        return self._port

    @property
    def info(self) -> ReceiverInfo:
        """The server itself."""
        return self._info

    @property
    def connected(self) -> bool:
        """Whether the server answers."""
        return self.link

    @property
    def receivers(self) -> Mapping[str, FakeMember]:
        """Listed devices."""
        return dict(self.members)

    async def connect(self) -> ReceiverInfo:
        """Fail as told, else connect."""
        if self.fail is not None:
            raise self.fail
        self.link = True
        return self._info

    async def disconnect(self) -> None:
        """Close."""
        self.link = False
        self.disconnected = True

    def subscribe_inventory(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Listing changes."""
        return _add(self._inventory, callback)

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Server link changes."""
        return _add(self._links, callback)

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Lasting problems."""
        return _add(self._problems, callback)

    # --- Test controls ------------------------------------------------------

    def add(
        self,
        key: str,
        model: str = "AD4D",
        channels: int = 2,
        capabilities: frozenset[Capability] = RECEIVER_CAPABILITIES,
        *,
        notify: bool = True,
        **options: Any,
    ) -> FakeMember:
        """List a device (and tell the listeners)."""
        member = FakeMember(self, key, model, channels, capabilities, **options)
        self.members[key] = member
        if notify:
            self._notify_inventory()
        return member

    def remove(self, key: str) -> None:
        """Stop listing a device."""
        del self.members[key]
        self._notify_inventory()

    def set_link(self, up: bool) -> None:
        """The server link goes down or comes back."""
        self.link = up
        for member in self.members.values():
            member.state.connected = member.connected
        for callback in tuple(self._links):
            callback(up)

    def report_problem(self, err: DeviceError | None) -> None:
        """A lasting problem (or its end)."""
        for callback in tuple(self._problems):
            callback(err)

    def _notify_inventory(self) -> None:
        for callback in tuple(self._inventory):
            callback()


def _add(listeners: list[Any], callback: Any) -> Callable[[], None]:
    listeners.append(callback)

    def remove() -> None:
        if callback in listeners:
            listeners.remove(callback)

    return remove


@contextmanager
def registered(hub: FakeHub) -> Iterator[FakeHub]:
    """Register the fake as the manufacturer :data:`KEY` while the block runs."""

    def factory(host: str, port: int, *, access: Access | None = None) -> FakeHub:
        hub.access = access
        hub._host = host
        hub._info = dataclasses.replace(hub.info, host=host)
        return hub

    def no_receivers(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a server entry never creates a single receiver")

    registry.register(
        Manufacturer(
            KEY,
            "Test server",
            10000,
            no_receivers,
            credential=Credential.API_KEY,
            tls=True,
            hub_factory=factory,
            auto_detect=False,
        )
    )
    try:
        yield hub
    finally:
        registry._REGISTRY.pop(KEY, None)
