"""Base entities: one for the receiver, one for each of its channels.

Coordinator updates write an entity's state only when what it would show
changed: the rendered state, its extra attributes and availability are kept
from the last write, and an update that leaves them as they were writes
nothing (no ``state_changed``, no ``state_reported``, no recorder row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .assignments import Assignment, AssignmentManager, async_get_manager
from .const import SIGNAL_ASSIGNMENTS_CHANGED
from .coordinator import MicboardCoordinator
from .devices import ChannelState
from .hub import MicboardHub
from .pacing import async_add_by_channel


async def async_add_receiver_entities(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[MicboardCoordinator], Iterable[Entity]],
) -> None:
    """Add ``build(coordinator)`` for the entry's receiver, or for every device behind its server.

    A receiver's entities are added one channel per turn of the event loop
    (see :mod:`.pacing`).  For a server, devices it lists later get their
    entities when they appear.
    """
    runtime = entry.runtime_data
    if isinstance(runtime, MicboardCoordinator):
        await async_add_by_channel(async_add_entities, build(runtime))
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


#: Nothing known about the last write: the next update writes.
_UNWRITTEN: Final = object()


def _same_kind(rendered: tuple[Any, ...], written: object) -> bool:
    """Both available with a value, or both the same unknown or unavailable state."""
    if not isinstance(written, tuple) or len(written) != len(rendered):
        return False
    if not rendered[0]:
        return True
    return (rendered[1] is None) == (written[1] is None)


class _WritesOnChange(CoordinatorEntity[MicboardCoordinator]):
    """Writes its state on coordinator updates only when it would look different."""

    _attr_has_entity_name = True
    #: What the last coordinator-driven write showed (:data:`_UNWRITTEN`: unknown).
    _written: object = _UNWRITTEN
    #: Rendered by the update that asked for the write in progress.
    _rendering: tuple[Any, ...] | None = None
    #: Follows meter flushes (RF and audio level); others skip meter-only updates.
    metered: bool = False

    def rendered(self) -> tuple[Any, ...]:
        """What the entity shows now: availability, state and extra attributes."""
        if not self.available:
            return (False,)
        return (True, self.state, self.extra_state_attributes)

    @callback
    def _write_if_changed(self) -> None:
        if self.coordinator.meters_only and not self.metered:
            return
        rendered = self.rendered()
        if rendered == self._written:
            return
        if (
            self.metered
            and self.coordinator.changed_channels is not None
            and not self.coordinator.meters_only
            and _same_kind(rendered, self._written)
        ):
            # A meter moves on its own flushes only (at most one write per
            # METER_STATE_INTERVAL; one is pending since the sample that
            # moved it); other changes of the channel write it only when it
            # turns unknown or unavailable, or back.
            return
        self._rendering = rendered
        self.async_write_ha_state()

    @callback
    def _async_write_ha_state(self) -> None:
        # Every write (coordinator, registry change, assignment, first add)
        # remembers what it showed, so the next update can tell a change.
        written: object = self._rendering
        self._rendering = None
        if written is None:
            try:
                written = self.rendered()
            except Exception:  # the write below reports it
                written = _UNWRITTEN
        self._written = written
        super()._async_write_ha_state()


class MicboardEntity(_WritesOnChange):
    """An entity of the receiver device."""

    def __init__(self, coordinator: MicboardCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the receiver device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.device_key}-{description.key}"
        self._attr_device_info = coordinator.device_info(None)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state for receiver-wide changes, not for a channel's."""
        if self.coordinator.changed_channels is None:
            self._write_if_changed()


class MicboardChannelEntity(_WritesOnChange):
    """An entity of one channel's device (a child of the receiver)."""

    def __init__(
        self, coordinator: MicboardCoordinator, description: EntityDescription, channel: int
    ) -> None:
        """Attach the entity to the channel's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.channel_number = channel
        self._attr_unique_id = f"{coordinator.device_key}-{channel}-{description.key}"
        # One shared DeviceInfo per channel, not a copy per entity.
        self._attr_device_info = coordinator.device_info(channel)

    @property
    def channel(self) -> ChannelState:
        """The channel's current state."""
        return self.coordinator.data.channel(self.channel_number)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this channel (or everything) changed."""
        changed = self.coordinator.changed_channels
        if changed is None or self.channel_number in changed:
            self._write_if_changed()


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
