"""The interface every manufacturer's client implements.

The Home Assistant side talks to receivers through this protocol only; a
manufacturer is a subpackage whose client satisfies it, plus one line in
:mod:`.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .capabilities import Capability
from .exceptions import DeviceError
from .models import ReceiverInfo, ReceiverState, Update

if TYPE_CHECKING:
    import aiohttp


@runtime_checkable
class Receiver(Protocol):
    """One receiver (or charger) kept connected by its client.

    ``info`` and ``state`` are available after :meth:`connect`; values are in
    human units and ``None`` while unknown.  After a successful connect the
    client keeps the link alive by itself, reports link loss through the
    connection listeners and reconnects with back-off until
    :meth:`disconnect`.
    """

    @property
    def host(self) -> str:
        """Host name or IP address (IPv6 without brackets)."""

    @property
    def port(self) -> int:
        """Control port."""

    @property
    def info(self) -> ReceiverInfo:
        """Identity, found when connecting."""

    @property
    def state(self) -> ReceiverState:
        """Everything known about the device."""

    @property
    def connected(self) -> bool:
        """Whether the link is up and the device answers."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this device reports or can do."""

    @property
    def meter_rate_ms(self) -> int:
        """Metering interval this client asks for (0 = off)."""

    async def connect(self) -> ReceiverInfo:
        """Connect, identify the device and read its whole state."""

    async def disconnect(self) -> None:
        """Leave the device as found, close and stop reconnecting."""

    async def refresh(self) -> None:
        """Ask the device for its whole state again."""

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Call ``callback`` for every change; returns an unsubscribe function."""

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(connected)`` when the link goes down or comes back."""

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Call ``callback(error)`` on a lasting reconnect problem, ``None`` once fixed."""

    async def identify(self, channel: int | None = None) -> None:
        """Flash the device (or one channel)."""

    async def set_channel_name(self, channel: int, name: str) -> None:
        """Rename a channel."""

    async def set_meter_rate(self, rate_ms: int) -> None:
        """Meter every ``rate_ms`` milliseconds (0 = off)."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What answered at an address (found without keeping a connection)."""

    manufacturer: str
    host: str
    port: int
    model: str | None = None
    serial: str | None = None
    name: str | None = None
    #: SHA-256 fingerprint of the certificate that was presented (HTTPS devices).
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Access:
    """How to reach a device that needs HTTPS, credentials or both.

    ``session`` is the caller's shared HTTP session (clients never create
    their own when one is given).  ``secret`` is the password (HTTP Basic,
    with ``username``) or the API key, whichever the manufacturer uses.
    ``fingerprint`` pins the device's certificate (SHA-256, upper-case hex
    pairs joined by colons); ``None`` only while probing, before the user
    has seen and accepted it.  ``repr`` never shows the secret.
    """

    session: aiohttp.ClientSession | None = None
    username: str | None = None
    secret: str | None = field(default=None, repr=False)
    fingerprint: str | None = None


@runtime_checkable
class Hub(Protocol):
    """A server that fronts many devices (for example Shure's System API).

    Each device behind it is a :class:`Receiver` (its ``connect`` and
    ``disconnect`` are cheap: the hub holds the only connection).  The set
    of devices changes while connected; inventory listeners are told.
    """

    @property
    def host(self) -> str:
        """Host name or IP address of the server."""

    @property
    def port(self) -> int:
        """Server port."""

    @property
    def info(self) -> ReceiverInfo:
        """The server's own identity (``channel_count`` 0)."""

    @property
    def connected(self) -> bool:
        """Whether the server answers."""

    @property
    def receivers(self) -> Mapping[str, Receiver]:
        """Devices behind the server, keyed by a stable key (serial, else device id)."""

    async def connect(self) -> ReceiverInfo:
        """Connect, read the inventory and every device's state."""

    async def disconnect(self) -> None:
        """Close and stop reconnecting."""

    def subscribe_inventory(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` when devices are added to or removed from :attr:`receivers`."""

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(connected)`` when the server link goes down or comes back."""

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Call ``callback(error)`` on a lasting problem (bad key, changed certificate)."""
