"""Identify buttons: flash the receiver's (or a channel's) front panel."""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import MicboardCoordinator
from .devices import Capability, DeviceError
from .entity import MicboardChannelEntity, MicboardEntity, async_add_receiver_entities

PARALLEL_UPDATES = 1

IDENTIFY = ButtonEntityDescription(
    key="identify",
    device_class=ButtonDeviceClass.IDENTIFY,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Identify buttons where the receiver can flash its panel."""
    await async_add_receiver_entities(hass, entry, async_add_entities, _buttons)


def _buttons(coordinator: MicboardCoordinator) -> list[ButtonEntity]:
    capabilities = coordinator.receiver.capabilities
    entities: list[ButtonEntity] = []
    if Capability.IDENTIFY in capabilities:
        entities.append(MicboardIdentifyReceiver(coordinator, IDENTIFY))
    if Capability.CHANNEL_IDENTIFY in capabilities:
        entities.extend(
            MicboardIdentifyChannel(coordinator, IDENTIFY, channel)
            for channel in range(1, coordinator.receiver.info.channel_count + 1)
        )
    return entities


async def _identify(coordinator: MicboardCoordinator, channel: int | None) -> None:
    try:
        await coordinator.receiver.identify(channel)
    except DeviceError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_failed",
            translation_placeholders={"receiver": coordinator.receiver_name(), "error": str(err)},
        ) from err


class MicboardIdentifyReceiver(MicboardEntity, ButtonEntity):
    """Flash the whole receiver."""

    async def async_press(self) -> None:
        """Send FLASH ON to the receiver."""
        await _identify(self.coordinator, None)


class MicboardIdentifyChannel(MicboardChannelEntity, ButtonEntity):
    """Flash one channel's strip of the front panel."""

    async def async_press(self) -> None:
        """Send FLASH ON to the channel."""
        await _identify(self.coordinator, self.channel_number)
