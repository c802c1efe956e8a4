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
from typing import Protocol

from .exceptions import DeviceError
from .receiver import ProbeResult, Receiver
from .sennheiser import ssc1


class Factory(Protocol):
    """Creates an unconnected client."""

    def __call__(self, host: str, port: int, *, meter_rate_ms: int = 0) -> Receiver:
        """A client for the device at ``host:port``."""


type Probe = Callable[[str, int, float], Awaitable[ProbeResult | None]]


@dataclass(frozen=True, slots=True)
class Manufacturer:
    """One protocol family of one manufacturer."""

    key: str
    name: str
    default_port: int
    factory: Factory
    #: Cheap "does this speak my protocol?" check; by default a full connect.
    probe: Probe | None = None

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


def manufacturers() -> list[Manufacturer]:
    """Every registered manufacturer, in registration order."""
    return list(_REGISTRY.values())


def create(key: str, host: str, port: int | None = None, *, meter_rate_ms: int = 0) -> Receiver:
    """An unconnected client of manufacturer ``key``."""
    manufacturer = get(key)
    port = manufacturer.default_port if port is None else port
    return manufacturer.factory(host, port, meter_rate_ms=meter_rate_ms)


async def detect(host: str, port: int | None = None, wait: float = 3.0) -> list[ProbeResult]:
    """Ask every manufacturer what answers at ``host`` (each on its own port unless given)."""
    found: list[ProbeResult] = []
    for manufacturer in manufacturers():
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


register(
    Manufacturer(
        ssc1.MANUFACTURER_KEY,
        "Sennheiser (SSC v1)",
        ssc1.DEFAULT_PORT,
        ssc1.SscReceiver,
        ssc1.probe,
    )
)
