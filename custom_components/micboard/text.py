"""Performer of each channel, as an editable text entity."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.components.text import TextEntity, TextEntityDescription
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .assignments import (
    MAX_PERFORMER_LENGTH,
    Assignment,
    channel_key,
    has_forbidden_characters,
    new_assignment,
)
from .const import DOMAIN
from .coordinator import MicboardCoordinator
from .entity import MicboardAssignmentEntity, async_add_receiver_entities

PARALLEL_UPDATES = 0

PERFORMER = TextEntityDescription(
    key="performer",
    translation_key="performer",
    native_min=0,
    native_max=MAX_PERFORMER_LENGTH,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One performer entity per channel."""
    await async_add_receiver_entities(hass, entry, async_add_entities, _performers)


def _performers(coordinator: MicboardCoordinator) -> list[MicboardPerformer]:
    if not coordinator.carries_performers or coordinator.linked_key is not None:
        # A charger's bays hold packs, not performers; a device that is also
        # added directly has its performers from that entry.
        return []
    return [
        MicboardPerformer(coordinator, PERFORMER, channel)
        for channel in range(1, coordinator.receiver.info.channel_count + 1)
    ]


class MicboardPerformer(MicboardAssignmentEntity, TextEntity):
    """Who is on this channel; clear it to unassign."""

    @property
    def native_value(self) -> str:
        """The performer's name, empty when nobody is assigned."""
        assignment = self.assignment
        return assignment.performer or "" if assignment else ""

    async def async_set_value(self, value: str) -> None:
        """Assign (or with an empty value, unassign) the channel."""
        performer = value.strip()
        if has_forbidden_characters(performer):
            # The same rule as the assign_performer action: nothing invisible is stored.
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="performer_invisible_characters"
            )
        previous = self.assignment
        key = channel_key(self.coordinator.device_key, self.channel_number)
        change: Assignment | None
        if performer:
            change = new_assignment(
                performer,
                previous.contact if previous else None,
                previous.alerts if previous else True,
            )
        elif previous is not None and not previous.alerts:
            change = replace(previous, performer=None, contact=None, assigned_at="")
        else:
            change = None
        await self.manager.async_update({key: change})
