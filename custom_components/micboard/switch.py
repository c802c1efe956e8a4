"""Alerts on/off for each channel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .assignments import Assignment, channel_key
from .coordinator import MicboardCoordinator
from .entity import MicboardAssignmentEntity, async_add_receiver_entities

PARALLEL_UPDATES = 0

ALERTS = SwitchEntityDescription(
    key="alerts", translation_key="alerts", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One alerts switch per channel."""
    await async_add_receiver_entities(hass, entry, async_add_entities, _switches)


def _switches(coordinator: MicboardCoordinator) -> list[MicboardAlertsSwitch]:
    if not coordinator.carries_performers or coordinator.linked_key is not None:
        # A charger's bays hold packs, not performers; a device that is also
        # added directly has its switches from that entry.
        return []
    return [
        MicboardAlertsSwitch(coordinator, ALERTS, channel)
        for channel in range(1, coordinator.receiver.info.channel_count + 1)
    ]


class MicboardAlertsSwitch(MicboardAssignmentEntity, SwitchEntity):
    """Whether this channel raises alerts (on by default)."""

    @property
    def is_on(self) -> bool:
        """Alerts are on unless switched off for this channel."""
        assignment = self.assignment
        return assignment.alerts if assignment else True

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch alerts on."""
        await self._set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch alerts off."""
        await self._set(False)

    async def _set(self, enabled: bool) -> None:
        previous = self.assignment or Assignment(None)
        key = channel_key(self.coordinator.device_key, self.channel_number)
        change = replace(previous, alerts=enabled)
        # Nothing worth keeping: no performer and the default alert setting.
        await self.manager.async_update({key: None if change == Assignment(None) else change})
