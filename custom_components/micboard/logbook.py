"""Logbook lines for alerts.

Anything on the event bus can fire ``micboard_alert``: the describer reads
its data as untrusted, so a value of the wrong type, a number too large to
format or text with control characters gives a plain line, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import math
from typing import Any
import unicodedata

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

#: Widest text taken from an event (performer names are at most 64).
MAX_TEXT = 64
#: Values outside this range are not percentages or dBm: left out.
_VALUE_RANGE = (-1000.0, 1000.0)
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _text(value: object) -> str | None:
    """Printable text of at most :data:`MAX_TEXT` characters, else ``None``."""
    if not isinstance(value, str):
        return None
    kept = "".join(
        char for char in value[: MAX_TEXT * 4] if unicodedata.category(char) not in _DROPPED
    )
    return kept.strip()[:MAX_TEXT].strip() or None


def _number(value: object) -> float | None:
    """A finite number within a sane range, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and not -(10**6) <= value <= 10**6:
        return None
    number = float(value)
    low, high = _VALUE_RANGE
    return number if math.isfinite(number) and low <= number <= high else None


def describe(data: Mapping[str, Any]) -> dict[str, str]:
    """Name and message for an alert event."""
    kind = _text(data.get("type")) or "alert"
    performer = _text(data.get("performer"))
    channel_name = _text(data.get("channel_name"))
    name = performer or channel_name or _text(data.get("receiver")) or "Micboard"
    message = MESSAGES.get(kind, kind.replace("_", " "))
    value = _number(data.get("value"))
    if kind.startswith("battery") and value is not None:
        message = f"{message} ({value:.0f} %)"
    elif kind == "rf_lost" and value is not None:
        message = f"{message} ({value:.0f} dBm)"
    if performer and channel_name:
        message = f"{message} on {channel_name}"
    return {LOGBOOK_ENTRY_NAME: name, LOGBOOK_ENTRY_MESSAGE: message}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe ``micboard_alert`` events."""

    @callback
    def describe_event(event: Event) -> dict[str, Any]:
        data = event.data
        return describe(data if isinstance(data, Mapping) else {})

    async_describe_event(DOMAIN, EVENT_ALERT, describe_event)
