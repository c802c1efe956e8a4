"""Diagnostics: the entry and everything the receiver reported."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_MAC
from homeassistant.core import HomeAssistant

from .assignments import async_get_manager
from .const import CONF_DEVICE_KEY
from .coordinator import MicboardConfigEntry, MicboardCoordinator
from .secure import SECRET_KEYS
from .venue import VenueSummary

TO_REDACT = {
    CONF_HOST,
    CONF_MAC,
    CONF_DEVICE_KEY,
    "mac",
    "serial",
    "host",
    "unique_id",
    "performer",
    "contact",
    # Passwords and API keys of HTTPS devices (the certificate fingerprint is public).
    *SECRET_KEYS,
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> dict[str, Any]:
    """Return redacted diagnostics for a receiver (or the venue's counts)."""
    runtime = getattr(entry, "runtime_data", None)
    if isinstance(runtime, VenueSummary):
        return {
            "entry": {"title": entry.title, "unique_id": entry.unique_id},
            "receivers": runtime.receivers,
            "counts": dict(runtime.totals),
        }
    if not isinstance(runtime, MicboardCoordinator):
        return {"entry": {"title": entry.title, "state": entry.state.value}}
    return _receiver_diagnostics(hass, cast("MicboardConfigEntry", entry))


def _receiver_diagnostics(hass: HomeAssistant, entry: MicboardConfigEntry) -> dict[str, Any]:
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
