"""Micboard: wireless microphones and in-ear monitors in Home Assistant."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PORT, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType

from . import websocket
from .alerts import AlertEngine, AlertSettings
from .assignments import DATA_MANAGER, AssignmentManager, async_get_manager
from .const import (
    CONF_FAMILY,
    CONF_METER_RATE,
    CONF_METERING,
    DEFAULT_METER_RATE_MS,
    DEFAULT_PORT,
    DOMAIN,
    SIGNAL_RECEIVERS_CHANGED,
)
from .coordinator import MicboardConfigEntry, MicboardCoordinator
from .devices import Family
from .devices.shure import ShureReceiver
from .discovery import async_start_listener
from .frontend import async_register_card
from .services import async_setup_services

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Once per run: assignments, actions, discovery, websocket API, card, summary."""
    manager = AssignmentManager(hass)
    await manager.async_load()
    hass.data[DATA_MANAGER] = manager
    async_setup_services(hass)
    await async_start_listener(hass)
    websocket.async_register(hass)
    await async_register_card(hass)
    hass.async_create_task(
        async_load_platform(hass, Platform.SENSOR, DOMAIN, {"summary": True}, config),
        eager_start=True,
    )
    return True


def create_receiver(entry: MicboardConfigEntry) -> ShureReceiver:
    """Build the library client for an entry."""
    family = entry.data.get(CONF_FAMILY)
    rate = (
        int(entry.options.get(CONF_METER_RATE, DEFAULT_METER_RATE_MS))
        if entry.options.get(CONF_METERING, False)
        else 0
    )
    return ShureReceiver(
        entry.data[CONF_HOST],
        entry.data.get(CONF_PORT, DEFAULT_PORT),
        family=next((f for f in Family if f.value == family), None),
        mac=entry.data.get(CONF_MAC),
        meter_rate_ms=rate,
    )


async def async_setup_entry(hass: HomeAssistant, entry: MicboardConfigEntry) -> bool:
    """Connect to the receiver and create its entities."""
    coordinator = MicboardCoordinator(hass, entry, create_receiver(entry))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    coordinator.async_register_devices()
    engine = AlertEngine(
        hass, coordinator, async_get_manager(hass), AlertSettings.from_options(dict(entry.options))
    )

    async def stop(_event: Event) -> None:
        await coordinator.async_shutdown()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(engine.async_start())
    coordinator.active_alerts = engine.active
    async_dispatcher_send(hass, SIGNAL_RECEIVERS_CHANGED)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MicboardConfigEntry) -> bool:
    """Disconnect and remove the entities."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_shutdown()
        async_dispatcher_send(hass, SIGNAL_RECEIVERS_CHANGED)
    return unloaded
