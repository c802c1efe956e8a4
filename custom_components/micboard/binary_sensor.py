"""Binary sensors: transmitter on, battery low, mute, interference, link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import MicboardCoordinator
from .devices import Capability, ChannelState
from .entity import MicboardChannelEntity, MicboardEntity, async_add_receiver_entities
from .helpers import battery_low
from .hub import MicboardHub

PARALLEL_UPDATES = 0

C = Capability


@dataclass(frozen=True, kw_only=True)
class MicboardBinarySensorDescription(BinarySensorEntityDescription):
    """A channel binary sensor and how to read it."""

    #: Reads the channel; the second argument is the entry's low-battery threshold.
    is_on_fn: Callable[[ChannelState, int], bool | None]
    #: Created only for devices that declare this capability (``None``: every device).
    requires: Capability | None = None
    #: Not created for devices that declare this capability.
    unless: Capability | None = None
    transmitter: bool = False


BINARY_SENSORS: tuple[MicboardBinarySensorDescription, ...] = (
    MicboardBinarySensorDescription(
        key="transmitter",
        translation_key="transmitter",
        device_class=BinarySensorDeviceClass.POWER,
        is_on_fn=lambda channel, _low: channel.tx_on,
        requires=C.TX_PRESENCE,
        unless=C.CHARGER_BAYS,
    ),
    MicboardBinarySensorDescription(
        key="battery_low",
        translation_key="battery_low",
        device_class=BinarySensorDeviceClass.BATTERY,
        is_on_fn=battery_low,
        requires=C.BATTERY_PERCENT,
        unless=C.CHARGER_BAYS,
        transmitter=True,
    ),
    MicboardBinarySensorDescription(
        key="muted",
        translation_key="muted",
        is_on_fn=lambda channel, _low: channel.muted,
        requires=C.MUTE_STATE,
    ),
    MicboardBinarySensorDescription(
        key="transmitter_muted",
        translation_key="transmitter_muted",
        is_on_fn=lambda channel, _low: channel.tx_muted,
        requires=C.TX_MUTE,
        transmitter=True,
    ),
    MicboardBinarySensorDescription(
        key="interference",
        translation_key="interference",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda channel, _low: channel.interference,
        requires=C.INTERFERENCE,
    ),
    MicboardBinarySensorDescription(
        key="encryption_warning",
        translation_key="encryption_warning",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda channel, _low: channel.encryption_warning,
        requires=C.ENCRYPTION_WARNING,
    ),
)

CONNECTIVITY = BinarySensorEntityDescription(
    key="connectivity",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the receiver's and every channel's binary sensors (and a server's link)."""
    if isinstance(server := entry.runtime_data, MicboardHub):
        async_add_entities([MicboardServerConnectivity(server)])
    await async_add_receiver_entities(hass, entry, async_add_entities, _binary_sensors)


def _binary_sensors(coordinator: MicboardCoordinator) -> list[BinarySensorEntity]:
    info = coordinator.receiver.info
    capabilities = coordinator.receiver.capabilities
    entities: list[BinarySensorEntity] = [MicboardConnectivity(coordinator, CONNECTIVITY)]
    entities.extend(
        MicboardChannelBinarySensor(coordinator, description, channel)
        for channel in range(1, info.channel_count + 1)
        for description in BINARY_SENSORS
        if (description.requires is None or description.requires in capabilities)
        and (description.unless is None or description.unless not in capabilities)
    )
    return entities


class MicboardChannelBinarySensor(MicboardChannelEntity, BinarySensorEntity):
    """A condition of one channel."""

    entity_description: MicboardBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The description's value, unknown for a transmitter that is off."""
        channel = self.channel
        if self.entity_description.transmitter and channel.tx_on is False:
            return None
        return self.entity_description.is_on_fn(channel, self.coordinator.battery_low_percent)


class MicboardConnectivity(MicboardEntity, BinarySensorEntity):
    """Whether the receiver's link is up; available even when it is not."""

    @property
    def available(self) -> bool:
        """Always available: it reports the link itself."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether the receiver is connected."""
        return self.coordinator.last_update_success and self.coordinator.receiver.connected


class MicboardServerConnectivity(BinarySensorEntity):
    """Whether the server that fronts the devices answers."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description = CONNECTIVITY

    def __init__(self, server: MicboardHub) -> None:
        """Attach the sensor to the server's device."""
        self.server = server
        self._attr_unique_id = f"{server.device_key}-{CONNECTIVITY.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, server.device_key)})

    @property
    def is_on(self) -> bool:
        """Whether the server is connected."""
        return self.server.connected

    async def async_added_to_hass(self) -> None:
        """Follow the server's link."""
        self.async_on_remove(self.server.async_add_listener(self.async_write_ha_state))
