"""Diagnostics: the entry and everything the receiver reported."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .assignments import async_get_manager
from .const import CONF_DEVICE_KEY
from .coordinator import MicboardConfigEntry, MicboardCoordinator
from .hub import MicboardHub
from .secure import SECRET_KEYS
from .venue import VenueSummary

TO_REDACT = {
    CONF_API_KEY,
    CONF_PASSWORD,
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
    if isinstance(runtime, MicboardHub):
        return _server_diagnostics(hass, entry, runtime)
    if not isinstance(runtime, MicboardCoordinator):
        return {"entry": {"title": entry.title, "state": entry.state.value}}
    return {
        "entry": _entry(entry),
        **_receiver_diagnostics(hass, cast("MicboardConfigEntry", entry).runtime_data),
    }


def _entry(entry: ConfigEntry[Any]) -> dict[str, Any]:
    return async_redact_data(
        {"data": dict(entry.data), "options": dict(entry.options), "unique_id": entry.unique_id},
        TO_REDACT,
    )


def _server_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry[Any], server: MicboardHub
) -> dict[str, Any]:
    """The server, then every device behind it (keys are serials: left out)."""
    return {
        "entry": _entry(entry),
        "connected": server.connected,
        "server": async_redact_data(server.hub.info.as_dict(), TO_REDACT),
        "devices": [
            {
                "linked": coordinator.linked_key is not None,
                **_receiver_diagnostics(hass, coordinator),
            }
            for coordinator in server.coordinators.values()
        ],
        "devices_gone": len(server.gone),
    }


def _receiver_diagnostics(hass: HomeAssistant, coordinator: MicboardCoordinator) -> dict[str, Any]:
    receiver = coordinator.receiver
    manager = async_get_manager(hass)
    return {
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
