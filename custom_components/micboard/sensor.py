"""Sensors: battery, runtime, RF and audio level, frequency, transmitter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfFrequency,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import CONF_AUDIO_LEVELS, DOMAIN
from .coordinator import MicboardCoordinator
from .devices import Capability, ChannelState, ReceiverState
from .entity import MicboardChannelEntity, MicboardEntity, async_add_receiver_entities
from .helpers import battery_level
from .runout import runs_out_at
from .venue import VENUE_DEVICE, VenueSummary

PARALLEL_UPDATES = 0

C = Capability


@dataclass(frozen=True, kw_only=True)
class MicboardSensorDescription(SensorEntityDescription):
    """A channel sensor and how to read it."""

    value_fn: Callable[[ChannelState], StateType | datetime]
    #: Created only for devices that declare this capability (``None``: every device).
    requires: Capability | None = None
    #: Not created for devices that declare this capability.
    unless: Capability | None = None
    #: Transmitter values read unknown while the transmitter is off.
    transmitter: bool = False
    #: Created only when the audio-level option is on.
    audio: bool = False
    #: A meter: only known while the receiver meters (else it would be stale).
    metered: bool = False
    #: Enabled by default on chargers (a pack's health matters there).
    charger_default: bool = False


#: States of the coarse audio class, as the devices report it.
AUDIO_ACTIVITY = ("low", "good", "clipping")


def audio_activity(value: str | None) -> str | None:
    """The audio class as one of :data:`AUDIO_ACTIVITY` (unknown otherwise)."""
    value = (value or "").strip().lower()
    return value if value in AUDIO_ACTIVITY else None


SENSORS: tuple[MicboardSensorDescription, ...] = (
    MicboardSensorDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=battery_level,
        requires=C.BATTERY_PERCENT,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="battery_runtime",
        translation_key="battery_runtime",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda channel: channel.battery_runtime_min,
        requires=C.BATTERY_RUNTIME,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="battery_runs_out",
        translation_key="battery_runs_out",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=runs_out_at,
        requires=C.BATTERY_PERCENT,
        unless=C.CHARGER_BAYS,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="battery_bars",
        translation_key="battery_bars",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda channel: channel.battery_bars,
        requires=C.BATTERY_BARS,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="battery_health",
        translation_key="battery_health",
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda channel: channel.battery_health_percent,
        requires=C.BATTERY_HEALTH,
        transmitter=True,
        charger_default=True,
    ),
    MicboardSensorDescription(
        key="battery_cycles",
        translation_key="battery_cycles",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda channel: channel.battery_cycles,
        requires=C.BATTERY_CYCLES,
        transmitter=True,
        charger_default=True,
    ),
    MicboardSensorDescription(
        key="battery_temperature",
        translation_key="battery_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda channel: channel.battery_temperature_c,
        requires=C.BATTERY_TEMPERATURE,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="battery_type",
        translation_key="battery_type",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda channel: channel.battery_type,
        requires=C.BATTERY_TYPE,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="rf_level",
        translation_key="rf_level",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda channel: channel.rf_level_dbm,
        requires=C.RF_LEVEL,
        metered=True,
    ),
    MicboardSensorDescription(
        key="audio_level",
        translation_key="audio_level",
        native_unit_of_measurement="dBFS",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda channel: channel.audio_level_dbfs,
        requires=C.AUDIO_LEVEL,
        audio=True,
        metered=True,
    ),
    MicboardSensorDescription(
        key="audio_activity",
        translation_key="audio_activity",
        device_class=SensorDeviceClass.ENUM,
        options=list(AUDIO_ACTIVITY),
        value_fn=lambda channel: audio_activity(channel.audio_activity),
        requires=C.AUDIO_ACTIVITY,
    ),
    MicboardSensorDescription(
        key="frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.MEGAHERTZ,
        suggested_display_precision=3,
        value_fn=lambda channel: channel.frequency_mhz,
        requires=C.FREQUENCY,
    ),
    MicboardSensorDescription(
        key="transmitter_model",
        translation_key="transmitter_model",
        value_fn=lambda channel: channel.tx_model,
        requires=C.TX_MODEL,
        unless=C.CHARGER_BAYS,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="transmitter_power",
        translation_key="transmitter_power",
        value_fn=lambda channel: channel.tx_power,
        requires=C.TX_POWER,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="gain",
        translation_key="gain",
        native_unit_of_measurement="dB",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda channel: channel.gain_db,
        requires=C.GAIN,
    ),
    MicboardSensorDescription(
        key="time_to_full",
        translation_key="time_to_full",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda channel: channel.time_to_full_min,
        requires=C.CHARGE_TIME,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="device_in_bay",
        translation_key="device_in_bay",
        value_fn=lambda channel: channel.tx_model,
        requires=C.CHARGER_BAYS,
        transmitter=True,
    ),
    MicboardSensorDescription(
        key="bay_state",
        translation_key="bay_state",
        value_fn=lambda channel: channel.bay_state,
        requires=C.BAY_STATE,
    ),
    MicboardSensorDescription(
        key="warnings",
        translation_key="warnings",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda channel: warnings_text(channel.warnings),
        requires=C.WARNINGS,
    ),
)


def warnings_text(warnings: tuple[str, ...]) -> str:
    """The device's active warnings as one state (``none`` when there are none)."""
    return ", ".join(warnings)[:255] if warnings else "none"


@dataclass(frozen=True, kw_only=True)
class MicboardReceiverSensorDescription(SensorEntityDescription):
    """A receiver-wide value and how to read it."""

    value_fn: Callable[[ReceiverState], StateType]
    requires: Capability | None = None


RECEIVER_SENSORS: tuple[MicboardReceiverSensorDescription, ...] = (
    MicboardReceiverSensorDescription(
        key="rf_band",
        translation_key="rf_band",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.info.rf_band,
        requires=C.RF_BAND,
    ),
    MicboardReceiverSensorDescription(
        key="encryption",
        translation_key="encryption",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.encryption,
        requires=C.ENCRYPTION,
    ),
    MicboardReceiverSensorDescription(
        key="meter_rate",
        translation_key="meter_rate",
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.meter_rate_ms,
        requires=C.METERING,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the receiver's sensors and those of every channel (or the venue's)."""
    if isinstance(summary := entry.runtime_data, VenueSummary):
        async_add_entities(
            MicboardSummarySensor(summary, description) for description in SUMMARY_SENSORS
        )
        return
    audio = bool(entry.options.get(CONF_AUDIO_LEVELS, True))

    def build(coordinator: MicboardCoordinator) -> list[SensorEntity]:
        info = coordinator.receiver.info
        capabilities = coordinator.receiver.capabilities
        entities: list[SensorEntity] = [
            MicboardReceiverSensor(coordinator, description)
            for description in RECEIVER_SENSORS
            if description.requires is None or description.requires in capabilities
        ]
        entities.extend(
            MicboardChannelSensor(coordinator, description, channel)
            for channel in range(1, info.channel_count + 1)
            for description in SENSORS
            if (description.requires is None or description.requires in capabilities)
            and (description.unless is None or description.unless not in capabilities)
            and (audio or not description.audio)
        )
        return entities

    await async_add_receiver_entities(hass, entry, async_add_entities, build)


class MicboardReceiverSensor(MicboardEntity, SensorEntity):
    """A receiver-wide value."""

    entity_description: MicboardReceiverSensorDescription

    @property
    def native_value(self) -> StateType:
        """The description's value."""
        return self.entity_description.value_fn(self.coordinator.data)


class MicboardChannelSensor(MicboardChannelEntity, SensorEntity):
    """A value of one channel."""

    entity_description: MicboardSensorDescription

    def __init__(
        self,
        coordinator: MicboardCoordinator,
        description: MicboardSensorDescription,
        channel: int,
    ) -> None:
        """Attach the sensor to its channel (or charger bay)."""
        super().__init__(coordinator, description, channel)
        self.metered = description.metered
        if description.charger_default and coordinator.is_charger:
            self._attr_entity_registry_enabled_default = True

    @property
    def native_value(self) -> StateType | datetime:
        """The description's value, unknown for a transmitter that is off."""
        channel = self.channel
        description = self.entity_description
        if description.transmitter and channel.tx_on is False:
            if description.key == "battery_runs_out":
                runs_out_at(channel)  # forget the pack that was in it
            return None
        if description.metered and not self.coordinator.meters_live:
            return None
        return description.value_fn(channel)


# --- Summary sensors across every receiver (on the venue device) -----------


@dataclass(frozen=True, kw_only=True)
class MicboardSummaryDescription(SensorEntityDescription):
    """A count over every receiver that is set up."""

    #: Entity id the sensor had before it had a device; kept for automations.
    object_id: str


SUMMARY_SENSORS: tuple[MicboardSummaryDescription, ...] = (
    MicboardSummaryDescription(
        key="transmitters_on",
        translation_key="transmitters_on",
        state_class=SensorStateClass.MEASUREMENT,
        object_id="micboard_transmitters_on",
    ),
    MicboardSummaryDescription(
        key="transmitters_low_battery",
        translation_key="transmitters_low_battery",
        state_class=SensorStateClass.MEASUREMENT,
        object_id="micboard_transmitters_with_low_battery",
    ),
    MicboardSummaryDescription(
        key="receivers_offline",
        translation_key="receivers_offline",
        state_class=SensorStateClass.MEASUREMENT,
        object_id="micboard_receivers_offline",
    ),
)


class MicboardSummarySensor(SensorEntity):
    """A count over every receiver, updated as they report."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_info = VENUE_DEVICE
    entity_description: MicboardSummaryDescription

    def __init__(self, summary: VenueSummary, description: MicboardSummaryDescription) -> None:
        """Create the sensor."""
        self.summary = summary
        self.entity_description = description
        self._attr_unique_id = f"{DOMAIN}_summary_{description.key}"
        self.entity_id = f"{SENSOR_DOMAIN}.{description.object_id}"

    @property
    def native_value(self) -> int:
        """The count."""
        return self.summary.totals[self.entity_description.key]

    async def async_added_to_hass(self) -> None:
        """Follow the venue's counts."""
        self.async_on_remove(self.summary.async_add_listener(self._changed))

    @callback
    def _changed(self, keys: frozenset[str]) -> None:
        if self.entity_description.key in keys:
            self.async_write_ha_state()
