"""Battery sensors of the polling baseline: one per channel of a polled receiver."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from . import PollCoordinator


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the battery sensors of the receiver the discovery names."""
    if discovery_info is None:
        return
    coordinator: PollCoordinator = discovery_info["coordinator"]
    async_add_entities(
        PollBattery(coordinator, number)
        for number in range(1, coordinator.receiver.info.channel_count + 1)
    )


class PollBattery(CoordinatorEntity[PollCoordinator], SensorEntity):
    """A channel's battery level as of the last poll."""

    _attr_device_class = SensorDeviceClass.BATTERY
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, coordinator: PollCoordinator, channel: int) -> None:
        """Show ``channel`` of the coordinator's receiver."""
        super().__init__(coordinator)
        self.channel = channel
        port = coordinator.receiver.port
        self._attr_name = f"poll {port} {channel} battery"
        self.entity_id = f"sensor.poll_{port}_{channel}_battery"

    @property
    def native_value(self) -> int | None:
        """The level read by the last poll."""
        return (self.coordinator.data or {}).get(self.channel)
