"""Repair flow: channels a swapped receiver no longer has.

The user either removes the vanished channels' devices (with their
entities and performer assignments) or keeps them as they are, assignment
included, for a receiver that may come back.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .assignments import AssignmentsUnavailableError, async_get_manager, channel_key
from .const import CONF_DEVICE_KEY, DOMAIN, ISSUE_CHANNELS_VANISHED, LOGGER


def is_vanished_issue(issue_id: str) -> bool:
    """Whether ``issue_id`` is one of this module's issues."""
    return issue_id.startswith(f"{ISSUE_CHANNELS_VANISHED}_")


class VanishedChannelsFlow(RepairsFlow):
    """Remove or keep the devices of channels the receiver no longer has."""

    def __init__(self, data: dict[str, str | int | float | None] | None) -> None:
        """Remember the entry and its vanished channels."""
        data = data or {}
        self.entry_id = str(data.get("entry_id") or "")
        self.channels = [
            int(part) for part in str(data.get("channels") or "").split(",") if part.isdigit()
        ]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Offer the two choices."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["remove", "keep"],
            description_placeholders={"channels": ", ".join(map(str, self.channels))},
        )

    async def async_step_keep(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Keep the devices and their assignments."""
        return self.async_create_entry(data={})

    async def async_step_remove(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Remove the devices (their entities go with them) and their assignments."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        key = str(entry.data.get(CONF_DEVICE_KEY) or entry.unique_id or entry.entry_id)
        await async_remove_channels(self.hass, entry.entry_id, key, self.channels)
        return self.async_create_entry(data={})


async def async_remove_channels(
    hass: HomeAssistant, entry_id: str, device_key: str, channels: list[int]
) -> None:
    """Remove the channels' devices from the entry and forget their assignments."""
    registry = dr.async_get(hass)
    for number in channels:
        device = registry.async_get_device_by_identifier(
            (DOMAIN, f"{device_key}-{number}"), entry_id
        )
        if device is not None:
            registry.async_update_device(device.id, remove_config_entry_id=entry_id)
    manager = async_get_manager(hass)
    gone = {channel_key(device_key, number): None for number in channels}
    if any(manager.get(device_key, number) for number in channels):
        try:
            await manager.async_update(gone)
        except AssignmentsUnavailableError:
            LOGGER.warning("Assignments are read-only; the removed channels' entries stay")


def create_flow(
    issue_id: str, data: dict[str, str | int | float | None] | None
) -> VanishedChannelsFlow:
    """The flow for a vanished-channels issue."""
    return VanishedChannelsFlow(data)
