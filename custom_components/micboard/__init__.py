"""Micboard: wireless microphones and in-ear monitors in Home Assistant."""

from __future__ import annotations

from typing import Any, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PORT, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType

from . import websocket
from .alerts import AlertEngine, AlertSettings
from .assignments import DATA_MANAGER, AssignmentManager, async_get_manager
from .const import (
    CONF_DEVICE_KEY,
    CONF_FAMILY,
    CONF_MANUFACTURER,
    CONF_METER_RATE,
    CONF_METERING,
    DEFAULT_MANUFACTURER,
    DEFAULT_METER_RATE_MS,
    DEFAULT_PORT,
    DOMAIN,
    SIGNAL_RECEIVERS_CHANGED,
)
from .coordinator import (
    MicboardConfigEntry,
    MicboardCoordinator,
    is_venue_entry,
    vanished_issue,
    wrong_device_issue,
)
from .devices import Family, Receiver, registry
from .discovery import async_start_listener
from .frontend import async_register_card
from .hub import MicboardHub
from .pacing import async_setup_turn
from .secure import access_for, certificate_issue_id
from .services import async_setup_services
from .venue import (
    VenueSummary,
    async_ensure_venue,
    async_register_venue_device,
    async_remove_venue_if_unused,
    is_venue_device,
)

VENUE_PLATFORMS = [Platform.SENSOR]
PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Once per run: assignments, actions, discovery, websocket API, card."""
    manager = AssignmentManager(hass)
    await manager.async_load()
    hass.data[DATA_MANAGER] = manager
    async_setup_services(hass)
    await async_start_listener(hass)
    websocket.async_register(hass)
    await async_register_card(hass)
    return True


def create_receiver(hass: HomeAssistant, entry: MicboardConfigEntry) -> Receiver:
    """Build the library client for an entry, through the manufacturer registry.

    HTTPS devices get Home Assistant's shared session, their credentials and
    the pinned certificate (see :func:`.secure.access_for`).
    """
    family = entry.data.get(CONF_FAMILY)
    rate = (
        int(entry.options.get(CONF_METER_RATE, DEFAULT_METER_RATE_MS))
        if entry.options.get(CONF_METERING, False)
        else 0
    )
    return registry.create(
        entry.data.get(CONF_MANUFACTURER, DEFAULT_MANUFACTURER),
        entry.data[CONF_HOST],
        entry.data.get(CONF_PORT, DEFAULT_PORT),
        family=next((f for f in Family if f.value == family), None),
        mac=entry.data.get(CONF_MAC),
        meter_rate_ms=rate,
        access=access_for(hass, entry.data),
    )


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Bring older receiver entries up to date.

    1.1 -> 1.2: a fixed device key (their unique id then).
    1.2 -> 1.3: the manufacturer is named (every earlier entry is Shure).
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        data = dict(entry.data)
        if not is_venue_entry(entry):
            data.setdefault(CONF_DEVICE_KEY, entry.unique_id or entry.entry_id)
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
    if entry.minor_version < 3:
        data = dict(entry.data)
        if not is_venue_entry(entry):
            data.setdefault(CONF_MANUFACTURER, DEFAULT_MANUFACTURER)
        hass.config_entries.async_update_entry(entry, data=data, minor_version=3)
    return True


def is_server_entry(entry: ConfigEntry[Any]) -> bool:
    """Whether ``entry`` is a server fronting many devices."""
    try:
        return registry.get(entry.data.get(CONF_MANUFACTURER, DEFAULT_MANUFACTURER)).is_hub
    except KeyError:
        return False


def create_server(hass: HomeAssistant, entry: ConfigEntry[Any]) -> MicboardHub:
    """The runtime of a server entry, its client built through the registry."""
    hub = registry.create_hub(
        entry.data[CONF_MANUFACTURER],
        entry.data[CONF_HOST],
        entry.data.get(CONF_PORT),
        access=access_for(hass, entry.data),
    )
    return MicboardHub(hass, entry, hub)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Connect to the receiver and create its entities (or set up the venue or a server)."""
    if is_venue_entry(entry):
        return await _async_setup_venue(hass, entry)
    if is_server_entry(entry):
        return await _async_setup_server(hass, entry)
    return await _async_setup_receiver(hass, cast("MicboardConfigEntry", entry))


async def _async_setup_server(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    if not entry.data.get(CONF_DEVICE_KEY):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_DEVICE_KEY: entry.unique_id or entry.entry_id}
        )
    server = create_server(hass, entry)
    try:
        await server.async_setup()
    except Exception:
        await server.async_shutdown()
        raise
    entry.runtime_data = server

    async def stop(_event: Event) -> None:
        await server.async_shutdown()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_dispatcher_send(hass, SIGNAL_RECEIVERS_CHANGED)
    async_ensure_venue(hass)
    return True


async def _async_setup_venue(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    summary = VenueSummary(hass)
    entry.runtime_data = summary
    async_register_venue_device(hass, entry)
    entry.async_on_unload(summary.async_start())
    await hass.config_entries.async_forward_entry_setups(entry, VENUE_PLATFORMS)
    return True


async def _async_setup_receiver(hass: HomeAssistant, entry: MicboardConfigEntry) -> bool:
    if not entry.data.get(CONF_DEVICE_KEY):
        # Fix the identity now: it must not follow later unique id changes.
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_DEVICE_KEY: entry.unique_id or entry.entry_id}
        )
    coordinator = MicboardCoordinator(hass, entry, create_receiver(hass, entry))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    async with async_setup_turn(hass):
        # Connected concurrently with every other receiver; devices and
        # entities are created in turn (see pacing.py).
        await _async_create_devices_and_entities(hass, entry, coordinator)
    # The right receiver answers: whatever was reported about the address is over.
    ir.async_delete_issue(hass, DOMAIN, wrong_device_issue(entry.entry_id))
    async_dispatcher_send(hass, SIGNAL_RECEIVERS_CHANGED)
    async_ensure_venue(hass)
    return True


async def _async_create_devices_and_entities(
    hass: HomeAssistant, entry: MicboardConfigEntry, coordinator: MicboardCoordinator
) -> None:
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


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Disconnect and remove the entities."""
    if is_venue_entry(entry):
        return await hass.config_entries.async_unload_platforms(entry, VENUE_PLATFORMS)
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await cast(
            "ConfigEntry[MicboardCoordinator | MicboardHub]", entry
        ).runtime_data.async_shutdown()
        async_dispatcher_send(hass, SIGNAL_RECEIVERS_CHANGED)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """A receiver entry was deleted: drop its issues; the last one takes the venue along."""
    if is_venue_entry(entry):
        return
    for issue_id in (
        wrong_device_issue(entry.entry_id),
        vanished_issue(entry.entry_id),
        certificate_issue_id(entry.entry_id),
    ):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    await async_remove_venue_if_unused(hass)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConfigEntry[Any], device: dr.DeviceEntry
) -> bool:
    """Let users delete stale devices; refuse the live receiver, its channels and the venue."""
    if is_venue_entry(entry) or is_venue_device(device):
        return False
    coordinator = getattr(entry, "runtime_data", None)
    if entry.state is not ConfigEntryState.LOADED or not isinstance(
        coordinator, MicboardCoordinator | MicboardHub
    ):
        # Not set up: no receiver backs any of its devices right now.
        return True
    if device.id in coordinator.live_device_ids():
        return False
    if isinstance(coordinator, MicboardHub):
        coordinator.async_forget(device.id)
    return True
