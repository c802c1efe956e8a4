"""A venue: one simulated receiver of every family.

``Venue.default()`` keeps each family's factory channel names (``CH 1`` …);
``Venue.demo()`` is the named venue the demo and its tests run: every
receiver and every channel carries its front-panel name from the start, so
Home Assistant registers meaningful, unique devices the first time it sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from simulator.receiver import SimReceiver, create_receiver

__all__ = ["DEMO_PERFORMERS", "DEMO_VENUE", "VENUE_MODELS", "Venue", "VenueReceiver"]


@dataclass(frozen=True, slots=True)
class VenueReceiver:
    """One receiver of the named demo venue, as set on its front panel."""

    model: str
    device_id: str  # the receiver's name (DEVICE_ID / DEVICE_NAME, at most 8 characters)
    channels: tuple[str, ...]  # channel names (CHAN_NAME, at most 8 characters), in order


#: The demo venue: receiver names and channel names, all unique, none longer
#: than the 8 characters every family accepts.
DEMO_VENUE = (
    VenueReceiver("ULXD4Q", "Stage L", ("Pastor", "Lead Vox", "BV 1", "BV 2")),
    VenueReceiver("QLXD4", "Lectern", ("Podium",)),
    VenueReceiver("SLXD4D", "Foyer", ("Host", "Guest")),
    VenueReceiver("AD4Q", "Stage R", ("Acoustic", "Keys", "Sax", "HH 4")),
    # UHF-R reports no device name on the wire: Home Assistant names this one
    # by model and address; the simulator keeps the name for its own listings.
    VenueReceiver("UR4D", "Loft", ("Choir L", "Choir R")),
    VenueReceiver("P10T", "IEM Rack", ("IEM Band", "IEM Vox")),
)
#: Performers the demo assigns, by channel name.
DEMO_PERFORMERS = {"Pastor": "Pastor Dave", "Lead Vox": "Maria", "Keys": "Tom", "Host": "Sam"}

VENUE_MODELS = tuple(receiver.model for receiver in DEMO_VENUE)


class Venue:
    """A group of receivers started and stopped together."""

    def __init__(self, receivers: Iterable[SimReceiver]) -> None:
        """Wrap existing receivers."""
        self.receivers = list(receivers)

    @classmethod
    def default(cls, host: str = "127.0.0.1", base_port: int = 0, **options: Any) -> Venue:
        """ULXD4Q, QLXD4, SLXD4D, AD4Q, UR4D and P10T on consecutive ports (0 = ephemeral)."""
        return cls(
            create_receiver(
                model,
                host=host,
                port=base_port + i if base_port else 0,
                mac=f"00:0E:DD:AA:BB:{i + 1:02X}",
                seed=i,
                **options,
            )
            for i, model in enumerate(VENUE_MODELS)
        )

    @classmethod
    def demo(cls, host: str = "127.0.0.1", base_port: int = 0, **options: Any) -> Venue:
        """The default venue with the demo's receiver and channel names set."""
        venue = cls.default(host=host, base_port=base_port, **options)
        for rx, named in zip(venue.receivers, DEMO_VENUE, strict=True):
            if rx.model != named.model or len(named.channels) != rx.channel_count:
                raise ValueError(f"the demo venue does not match the {rx.model} receiver")
            rx.engine.device_id(named.device_id)
            for number, name in enumerate(named.channels, start=1):
                rx.engine.rename(rx.channel(number), name)
        return venue

    def get(self, key: str) -> SimReceiver:
        """Receiver by name, model or index."""
        for rx in self.receivers:
            if key in (rx.name, rx.model):
                return rx
        if key.isdigit() and int(key) < len(self.receivers):
            return self.receivers[int(key)]
        raise KeyError(key)

    async def start(self) -> None:
        """Start every receiver (stops the started ones again on failure)."""
        started: list[SimReceiver] = []
        try:
            for rx in self.receivers:
                await rx.start()
                started.append(rx)
        except BaseException:
            for rx in started:
                await rx.stop()
            raise

    async def stop(self) -> None:
        """Stop every receiver."""
        for rx in self.receivers:
            await rx.stop()

    async def __aenter__(self) -> Self:
        """Start."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()
