"""Logbook lines for alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_ALERT

MESSAGES = {
    "battery_low": "battery is low",
    "battery_critical": "battery is critical",
    "transmitter_off": "transmitter was switched off",
    "rf_lost": "lost RF",
    "interference": "has interference",
    "receiver_offline": "went offline",
    "battery_low_cleared": "battery is no longer low",
    "battery_critical_cleared": "battery is no longer critical",
    "transmitter_off_cleared": "transmitter is back on",
    "rf_lost_cleared": "RF is back",
    "interference_cleared": "interference cleared",
    "receiver_offline_cleared": "is back online",
}


def describe(data: dict[str, Any]) -> dict[str, str]:
    """Name and message for an alert event."""
    kind = str(data.get("type"))
    name = data.get("performer") or data.get("channel_name") or data.get("receiver") or "Micboard"
    message = MESSAGES.get(kind, kind.replace("_", " "))
    value = data.get("value")
    if kind.startswith("battery") and isinstance(value, int | float):
        message = f"{message} ({value:.0f} %)"
    elif kind == "rf_lost" and isinstance(value, int | float):
        message = f"{message} ({value:.0f} dBm)"
    if data.get("performer") and data.get("channel_name"):
        message = f"{message} on {data['channel_name']}"
    return {LOGBOOK_ENTRY_NAME: str(name), LOGBOOK_ENTRY_MESSAGE: message}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe ``micboard_alert`` events."""

    @callback
    def describe_event(event: Event) -> dict[str, Any]:
        return describe(dict(event.data))

    async_describe_event(DOMAIN, EVENT_ALERT, describe_event)
