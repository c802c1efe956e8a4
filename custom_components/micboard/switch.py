"""Alerts on/off for each channel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .assignments import Assignment, channel_key
from .coordinator import MicboardConfigEntry
from .entity import MicboardAssignmentEntity
from .pacing import async_add_by_channel

PARALLEL_UPDATES = 0

ALERTS = SwitchEntityDescription(
    key="alerts", translation_key="alerts", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MicboardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One alerts switch per channel."""
    coordinator = entry.runtime_data
    if not coordinator.carries_performers:
        return  # a charger's bays hold packs, not performers
    await async_add_by_channel(
        async_add_entities,
        (
            MicboardAlertsSwitch(coordinator, ALERTS, channel)
            for channel in range(1, coordinator.receiver.info.channel_count + 1)
        ),
    )


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
