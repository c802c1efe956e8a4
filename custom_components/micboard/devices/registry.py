"""Manufacturers by name: how to create a client and how to probe an address.

The Home Assistant side keeps the manufacturer key in its config entry and
asks this registry for a client; it never imports a vendor subpackage.
Adding a manufacturer is one :func:`register` call below.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .exceptions import DeviceError
from .models import Family
from .receiver import Access, Hub, ProbeResult, Receiver
from .sennheiser import ssc1, ssc2
from .shure import DEFAULT_PORT as SHURE_PORT, ShureReceiver


class Factory(Protocol):
    """Creates an unconnected client."""

    def __call__(
        self,
        host: str,
        port: int,
        *,
        meter_rate_ms: int = 0,
        mac: str | None = None,
        family: Family | None = None,
        access: Access | None = None,
    ) -> Receiver:
        """A client for the device at ``host:port``.

        ``mac`` and ``family`` are hints from an earlier connection (a client
        may ignore them); ``access`` carries session, credentials and the
        pinned certificate for manufacturers that need them.
        """


class HubFactory(Protocol):
    """Creates an unconnected client of a server that fronts many devices."""

    def __call__(self, host: str, port: int, *, access: Access | None = None) -> Hub:
        """A client for the server at ``host:port``."""


class Credential(StrEnum):
    """What secret a manufacturer's devices ask for."""

    #: HTTP Basic password (the user name is :attr:`Manufacturer.username`).
    PASSWORD = "password"  # noqa: S105 - the kind of secret, not a secret
    #: A shared API key sent with every request.
    API_KEY = "api_key"


#: ``probe(host, port, wait)``; manufacturers that need credentials also get ``access``.
type Probe = Callable[..., Awaitable[ProbeResult | None]]


@dataclass(frozen=True, slots=True)
class Manufacturer:
    """One protocol family of one manufacturer."""

    key: str
    name: str
    default_port: int
    factory: Factory
    #: Cheap "does this speak my protocol?" check; by default a full connect.
    probe: Probe | None = None
    #: DNS-SD service types the manufacturer's devices publish (``_ssc._udp.local.``).
    service_types: tuple[str, ...] = ()
    #: The secret its devices ask for (``None``: none).
    credential: Credential | None = None
    #: HTTP Basic user name offered by default (with :attr:`Credential.PASSWORD`).
    username: str | None = None
    #: Whether devices use HTTPS with a per-unit certificate that must be pinned.
    tls: bool = False
    #: Set for servers fronting many devices (then ``factory`` is unused).
    hub_factory: HubFactory | None = None
    #: Whether plain auto-detection (no credentials) may try this manufacturer.
    auto_detect: bool = True

    @property
    def is_hub(self) -> bool:
        """Whether an entry of this manufacturer is a server with many devices."""
        return self.hub_factory is not None

    async def detect(
        self, host: str, port: int | None = None, wait: float = 3.0
    ) -> ProbeResult | None:
        """What of this manufacturer answers at ``host:port`` (``None``: nothing)."""
        port = self.default_port if port is None else port
        if self.probe is not None:
            try:
                return await self.probe(host, port, wait)
            except DeviceError:
                return None
        return await _connect_probe(self, host, port, wait)


_REGISTRY: dict[str, Manufacturer] = {}


def register(manufacturer: Manufacturer) -> None:
    """Add (or replace) a manufacturer."""
    _REGISTRY[manufacturer.key] = manufacturer


def get(key: str) -> Manufacturer:
    """A registered manufacturer (``KeyError`` if unknown)."""
    return _REGISTRY[key]


def for_service_type(service_type: str) -> Manufacturer | None:
    """The manufacturer whose devices publish DNS-SD ``service_type``."""
    wanted = service_type.lower().rstrip(".") + "."
    return next((m for m in _REGISTRY.values() if wanted in m.service_types), None)


def manufacturers() -> list[Manufacturer]:
    """Every registered manufacturer, in registration order."""
    return list(_REGISTRY.values())


def create(
    key: str,
    host: str,
    port: int | None = None,
    *,
    meter_rate_ms: int = 0,
    mac: str | None = None,
    family: Family | None = None,
    access: Access | None = None,
) -> Receiver:
    """An unconnected client of manufacturer ``key`` (``KeyError`` if unknown)."""
    manufacturer = get(key)
    port = manufacturer.default_port if port is None else port
    return manufacturer.factory(
        host, port, meter_rate_ms=meter_rate_ms, mac=mac, family=family, access=access
    )


def create_hub(
    key: str, host: str, port: int | None = None, *, access: Access | None = None
) -> Hub:
    """An unconnected server client of hub manufacturer ``key``.

    ``KeyError`` if unknown, ``TypeError`` if the manufacturer is not a hub.
    """
    manufacturer = get(key)
    if manufacturer.hub_factory is None:
        raise TypeError(f"{key} devices are not reached through a server")
    port = manufacturer.default_port if port is None else port
    return manufacturer.hub_factory(host, port, access=access)


async def detect_first(host: str, port: int | None = None, wait: float = 3.0) -> ProbeResult | None:
    """The first manufacturer (in registration order) that answers at ``host``."""
    for manufacturer in manufacturers():
        if not manufacturer.auto_detect:
            continue
        if (result := await manufacturer.detect(host, port, wait)) is not None:
            return result
    return None


async def detect(host: str, port: int | None = None, wait: float = 3.0) -> list[ProbeResult]:
    """Ask every manufacturer what answers at ``host`` (each on its own port unless given)."""
    found: list[ProbeResult] = []
    for manufacturer in manufacturers():
        if not manufacturer.auto_detect:
            continue
        if (result := await manufacturer.detect(host, port, wait)) is not None:
            found.append(result)
    return found


async def _connect_probe(
    manufacturer: Manufacturer, host: str, port: int, wait: float
) -> ProbeResult | None:
    receiver = manufacturer.factory(host, port)
    try:
        async with asyncio.timeout(wait):
            info = await receiver.connect()
        return ProbeResult(
            manufacturer.key,
            host,
            port,
            model=info.model,
            serial=info.serial,
            name=receiver.state.device_id,
        )
    except (DeviceError, TimeoutError):
        return None
    finally:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()


def _shure(
    host: str,
    port: int,
    *,
    meter_rate_ms: int = 0,
    mac: str | None = None,
    family: Family | None = None,
    access: Access | None = None,
) -> Receiver:
    return ShureReceiver(host, port, family=family, mac=mac, meter_rate_ms=meter_rate_ms)


def _ssc1(
    host: str,
    port: int,
    *,
    meter_rate_ms: int = 0,
    mac: str | None = None,
    family: Family | None = None,
    access: Access | None = None,
) -> Receiver:
    return ssc1.SscReceiver(host, port, meter_rate_ms=meter_rate_ms)


def _ssc2(
    host: str,
    port: int,
    *,
    meter_rate_ms: int = 0,
    mac: str | None = None,
    family: Family | None = None,
    access: Access | None = None,
) -> Receiver:
    return ssc2.SscV2Receiver(host, port, access=access or Access(), meter_rate_ms=meter_rate_ms)


#: Key of the Shure command-string protocol (the default for older entries).
SHURE = "shure"

# Registration order is detection order: Shure ASCII on 2202, then SSC v1 on 45.
register(Manufacturer(SHURE, "Shure", SHURE_PORT, _shure))
register(
    Manufacturer(
        ssc1.MANUFACTURER_KEY,
        "Sennheiser (SSC v1)",
        ssc1.DEFAULT_PORT,
        _ssc1,
        ssc1.probe,
        service_types=("_ssc._udp.local.", "_ssc._tcp.local."),
    )
)
register(
    Manufacturer(
        ssc2.MANUFACTURER_KEY,
        "Sennheiser (SSCv2)",
        ssc2.DEFAULT_PORT,
        _ssc2,
        ssc2.probe,
        service_types=("_ssc-https._tcp.local.",),
        credential=Credential.PASSWORD,
        username=ssc2.DEFAULT_USERNAME,
        tls=True,
        auto_detect=False,
    )
)
