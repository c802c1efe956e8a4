"""Diagnostics: the entry and everything the receiver reported."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_MAC
from homeassistant.core import HomeAssistant

from .assignments import async_get_manager
from .coordinator import MicboardConfigEntry

TO_REDACT = {CONF_HOST, CONF_MAC, "mac", "host", "unique_id", "performer", "contact"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MicboardConfigEntry
) -> dict[str, Any]:
    """Return redacted diagnostics for a receiver."""
    coordinator = entry.runtime_data
    receiver = coordinator.receiver
    manager = async_get_manager(hass)
    return {
        "entry": async_redact_data(
            {
                "data": dict(entry.data),
                "options": dict(entry.options),
                "unique_id": entry.unique_id,
            },
            TO_REDACT,
        ),
        "connected": receiver.connected,
        "meter_rate_ms": receiver.meter_rate_ms,
        "last_update_success": coordinator.last_update_success,
        "receiver": async_redact_data(receiver.state.as_dict(), TO_REDACT),
        "assignments": async_redact_data(
            {
                number: asdict(assignment)
                for number in range(1, receiver.info.channel_count + 1)
                if (assignment := manager.get(coordinator.device_key, number)) is not None
            },
            TO_REDACT,
        ),
        "assignments_writable": manager.writable,
    }
