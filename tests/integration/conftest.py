"""Fixtures for tests through Home Assistant against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.micboard import const
from custom_components.micboard.devices.shure import client
from simulator import SimReceiver, create_receiver

from .helpers import FAST_TIMING, entry_for


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load the repository's integration."""


@pytest.fixture(autouse=True)
def fast_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds instead of tens of seconds for keep-alive and reconnect."""
    monkeypatch.setattr(client, "DEFAULT_TIMING", FAST_TIMING)


@pytest.fixture(autouse=True)
def loopback_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the announcement listener on loopback, joining no multicast group."""
    monkeypatch.setenv("MICBOARD_SLP_BIND", "127.0.0.1:0")
    monkeypatch.setenv("MICBOARD_SLP_MULTICAST", "0")


@pytest.fixture
def fast_meter_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write meter-driven states every 0.5 s instead of every 10 s."""
    from datetime import timedelta

    from custom_components.micboard import coordinator

    monkeypatch.setattr(coordinator, "METER_STATE_INTERVAL", timedelta(seconds=0.5))
    monkeypatch.setattr(const, "METER_STATE_INTERVAL", timedelta(seconds=0.5))


@pytest.fixture
async def simulated() -> AsyncIterator[Callable[..., Awaitable[SimReceiver]]]:
    """Start simulated receivers on 127.0.0.1; all are stopped afterwards."""
    started: list[SimReceiver] = []

    async def start(model: str, **options: Any) -> SimReceiver:
        receiver = create_receiver(model, host="127.0.0.1", port=0, **options)
        await receiver.start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        await receiver.stop()


@pytest.fixture
async def setup_receiver(
    hass: HomeAssistant,
) -> Callable[..., Awaitable[MockConfigEntry]]:
    """Add a config entry for a simulated receiver and set it up."""

    async def setup(receiver: SimReceiver, **options: Any) -> MockConfigEntry:
        entry = entry_for(receiver, options=options)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return entry

    return setup


@pytest.fixture
def entity_id(
    entity_registry: er.EntityRegistry,
) -> Callable[[MockConfigEntry, str, str, int | None], str]:
    """Find an entity id from its entry, platform, key and channel."""

    def find(entry: MockConfigEntry, platform: str, key: str, channel: int | None = 1) -> str:
        suffix = key if channel is None else f"{channel}-{key}"
        found = entity_registry.async_get_entity_id(
            platform, const.DOMAIN, f"{entry.unique_id}-{suffix}"
        )
        assert found is not None, f"no {platform} {suffix}"
        return found

    return find
