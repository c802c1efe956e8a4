"""Base entities: one for the receiver, one for each of its channels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .assignments import Assignment, AssignmentManager, async_get_manager
from .const import DOMAIN, SIGNAL_ASSIGNMENTS_CHANGED
from .coordinator import MicboardCoordinator
from .devices import ChannelState
from .hub import MicboardHub


@callback
def async_add_receiver_entities(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[MicboardCoordinator], Iterable[Entity]],
) -> None:
    """Add ``build(coordinator)`` for the entry's receiver, or for every device behind its server.

    For a server, devices it lists later get their entities when they appear.
    """
    runtime = entry.runtime_data
    if isinstance(runtime, MicboardCoordinator):
        async_add_entities(build(runtime))
        return
    if not isinstance(runtime, MicboardHub):
        return
    server = runtime

    @callback
    def add(coordinator: MicboardCoordinator) -> None:
        entities = list(build(coordinator))
        server.async_track(coordinator, entities)
        async_add_entities(entities)

    for coordinator in list(server.coordinators.values()):
        add(coordinator)
    entry.async_on_unload(async_dispatcher_connect(hass, server.added_signal, add))


class MicboardEntity(CoordinatorEntity[MicboardCoordinator]):
    """An entity of the receiver device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: MicboardCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the receiver device."""
        super().__init__(coordinator)
        self.entity_description = description
        key = coordinator.device_key
        self._attr_unique_id = f"{key}-{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, key)})

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state for receiver-wide changes, not for a channel's."""
        if self.coordinator.changed_channels is None:
            super()._handle_coordinator_update()


class MicboardChannelEntity(CoordinatorEntity[MicboardCoordinator]):
    """An entity of one channel's device (a child of the receiver)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: MicboardCoordinator, description: EntityDescription, channel: int
    ) -> None:
        """Attach the entity to the channel's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.channel_number = channel
        key = coordinator.device_key
        self._attr_unique_id = f"{key}-{channel}-{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.channel_key(channel))}
        )

    @property
    def channel(self) -> ChannelState:
        """The channel's current state."""
        return self.coordinator.data.channel(self.channel_number)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this channel (or everything) changed."""
        changed = self.coordinator.changed_channels
        if changed is None or self.channel_number in changed:
            super()._handle_coordinator_update()


class MicboardAssignmentEntity(MicboardChannelEntity):
    """A channel entity backed by the channel's assignment."""

    @property
    def manager(self) -> AssignmentManager:
        """The integration's assignments."""
        return async_get_manager(self.hass)

    @property
    def assignment(self) -> Assignment | None:
        """What is stored for this channel."""
        return self.manager.get(self.coordinator.device_key, self.channel_number)

    @property
    def available(self) -> bool:
        """Editable while the receiver is online and the assignments file is readable."""
        return super().available and self.manager.writable

    async def async_added_to_hass(self) -> None:
        """Follow assignment changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_ASSIGNMENTS_CHANGED, self.async_write_ha_state
            )
        )
