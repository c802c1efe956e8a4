"""Benchmark baseline: a plain polling integration over the same receivers.

Loaded only by the venue benchmark (``scripts/bench``), from the YAML of its
own Home Assistant configuration (``micboard_bench_poll:``).  It does nothing
until the bench calls ``micboard_bench_poll.start`` with the receivers'
addresses; then, the way a typical polling integration works, one
``DataUpdateCoordinator`` per receiver asks the receiver (through Micboard's
device library) for its whole state every ``interval`` seconds, and one
battery sensor per channel shows what the last poll read
(``sensor.poll_<port>_<channel>_battery``).  The coordinators start spread
over one interval, as entries set up one after the other would be.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import discovery
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.typing import ConfigType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from custom_components.micboard.devices import DeviceError, Receiver, registry
from custom_components.micboard.helpers import battery_level

DOMAIN = "micboard_bench_poll"
LOGGER = logging.getLogger(__name__)
DEFAULT_INTERVAL = 5.0
CONNECTS_AT_ONCE = 16


class PollCoordinator(DataUpdateCoordinator[dict[int, int | None]]):
    """Polls one receiver: battery level per channel."""

    def __init__(self, hass: HomeAssistant, receiver: Receiver, interval: float) -> None:
        """Poll ``receiver`` (connected already) every ``interval`` seconds."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=None,
            name=f"{DOMAIN} {receiver.host}:{receiver.port}",
            update_interval=timedelta(seconds=interval),
        )
        self.receiver = receiver

    async def _async_update_data(self) -> dict[int, int | None]:
        try:
            await self.receiver.refresh()
        except DeviceError as err:
            raise UpdateFailed(str(err)) from err
        state = self.receiver.state
        return {
            number: battery_level(state.channel(number))
            for number in range(1, self.receiver.info.channel_count + 1)
        }


async def _connect(hass: HomeAssistant, target: dict[str, Any], interval: float) -> PollCoordinator:
    receiver = registry.create("shure", str(target["host"]), int(target["port"]))
    await receiver.connect()
    return PollCoordinator(hass, receiver, interval)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the ``start`` action; nothing polls before it is called."""
    coordinators: list[PollCoordinator] = hass.data.setdefault(DOMAIN, [])

    async def start(call: ServiceCall) -> None:
        interval = float(call.data.get("interval", DEFAULT_INTERVAL))
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

        async def connect(target: dict[str, Any]) -> PollCoordinator:
            async with gate:
                return await _connect(hass, target, interval)

        started = await asyncio.gather(*(connect(target) for target in call.data["targets"]))
        coordinators.extend(started)
        for index, coordinator in enumerate(started):
            # Spread the first polls over one interval.
            delay = interval * index / len(started)
            async_call_later(hass, delay, _starter(hass, coordinator, config))

    async def stop(_event: Event) -> None:
        for coordinator in coordinators:
            await coordinator.receiver.disconnect()

    hass.services.async_register(DOMAIN, "start", start)
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    return True


def _starter(hass: HomeAssistant, coordinator: PollCoordinator, config: ConfigType) -> Any:
    @callback
    def begin(_now: object) -> None:
        hass.async_create_task(_begin(hass, coordinator, config), f"{DOMAIN} first poll")

    return begin


async def _begin(hass: HomeAssistant, coordinator: PollCoordinator, config: ConfigType) -> None:
    await coordinator.async_refresh()
    await discovery.async_load_platform(
        hass, "sensor", DOMAIN, {"coordinator": coordinator}, config
    )
