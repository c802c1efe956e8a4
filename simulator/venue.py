"""A venue: one simulated receiver of every family."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from simulator.receiver import SimReceiver, create_receiver

__all__ = ["VENUE_MODELS", "Venue"]

VENUE_MODELS = ("ULXD4Q", "QLXD4", "SLXD4D", "AD4Q", "UR4D", "P10T")


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
