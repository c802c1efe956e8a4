"""Diagnostics: everything the receiver reported, addresses redacted."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)


async def test_diagnostics_redact_addresses(
    hass: HomeAssistant, hass_client, simulated, setup_receiver
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    receiver = await simulated("AD4D")
    receiver.rename(1, "Lead Vox")
    entry = await setup_receiver(receiver)
    await hass.services.async_call(
        "micboard",
        "assign_performer",
        {"device_id": entry.runtime_data.channel_device_ids[2], "performer": "Dave"},
        blocking=True,
    )
    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert data["connected"] is True
    assert data["entry"]["data"]["host"] == "**REDACTED**"
    assert data["entry"]["unique_id"] == "**REDACTED**"
    assert data["receiver"]["info"]["host"] == "**REDACTED**"
    assert data["receiver"]["info"]["model"] == "AD4D"
    assert data["receiver"]["channels"]["1"]["name"] == "Lead Vox"
    assert data["receiver"]["channels"]["2"]["tx_on"] is True
    assert "127.0.0.1" not in str(data)
    assert data["assignments"]["2"]["performer"] == "**REDACTED**"
    assert data["assignments"]["2"]["alerts"] is True
    assert data["assignments_writable"] is True
    assert "Dave" not in str(data)
