"""Device triggers: one per alert type (and its clearing)."""

from __future__ import annotations

from homeassistant.components.device_automation import (
    DEVICE_TRIGGER_BASE_SCHEMA,
    DeviceNotFound,
)
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_PLATFORM, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio

from .const import ALERT_TYPES, DOMAIN, EVENT_ALERT, VENUE_DEVICE_KEY
from .coordinator import all_coordinators

RECEIVER_TRIGGERS = ("receiver_offline", "receiver_offline_cleared")
#: Charger bays: an event when the pack in the bay is full (nothing clears it).
BAY_TRIGGERS = ("charged",)
CHANNEL_TRIGGERS = tuple(
    name
    for kind in ALERT_TYPES
    if kind != "receiver_offline" and kind not in BAY_TRIGGERS
    for name in (kind, f"{kind}_cleared")
)

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(CHANNEL_TRIGGERS + BAY_TRIGGERS + RECEIVER_TRIGGERS)}
)


def _triggers_of(hass: HomeAssistant, device: dr.DeviceEntry) -> tuple[str, ...]:
    """Which triggers a device offers, by what backs it now.

    A receiver (also one behind a server) offers the offline triggers, a
    channel the alert triggers, a charger bay ``charged``; a server's own
    device and the venue raise no alerts.  A device nothing backs right now
    is a channel when it hangs off another device.
    """
    if (DOMAIN, VENUE_DEVICE_KEY) in device.identifiers:
        return ()
    coordinators = all_coordinators(hass)
    for coordinator in coordinators:
        if device.id == coordinator.receiver_device_id:
            return RECEIVER_TRIGGERS
        if device.id in coordinator.channel_device_ids.values():
            return CHANNEL_TRIGGERS if coordinator.carries_performers else BAY_TRIGGERS
    if any(device.id == c.server_device_id for c in coordinators):
        return ()
    return CHANNEL_TRIGGERS if device.via_device_id is not None else RECEIVER_TRIGGERS


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """Alert triggers of a channel device, or the offline trigger of a receiver."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise DeviceNotFound(f"Device {device_id} is not valid")
    if not isinstance(device, dr.DeviceEntry):
        return []
    return [
        {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in _triggers_of(hass, device)
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the matching ``micboard_alert`` event."""
    device_id = config[CONF_DEVICE_ID]
    if config[CONF_TYPE] in RECEIVER_TRIGGERS:
        # Receiver alerts carry the receiver's device id; a channel listens to its parent.
        device = dr.async_get(hass).async_get(device_id)
        if (
            isinstance(device, dr.DeviceEntry)
            and device.via_device_id is not None
            and _triggers_of(hass, device) != RECEIVER_TRIGGERS
        ):
            device_id = device.via_device_id
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            event_trigger.CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_ALERT,
            event_trigger.CONF_EVENT_DATA: {
                CONF_DEVICE_ID: device_id,
                CONF_TYPE: config[CONF_TYPE],
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
