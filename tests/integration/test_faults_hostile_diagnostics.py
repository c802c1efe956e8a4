"""Diagnostics are shared in public bug reports: identifying numbers are redacted.

A receiver's serial number identifies the unit as much as its MAC address
(and may be what its device key is made of), so it is redacted like the MAC.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)


async def test_serial_numbers_are_redacted(
    hass: HomeAssistant, hass_client: Any, simulated: Any, setup_receiver: Any
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    entry.runtime_data.receiver.state.info.serial = "SN-0042-7788"
    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert data["receiver"]["info"]["serial"] == "**REDACTED**"
    assert "SN-0042-7788" not in str(data)
    assert data["receiver"]["info"]["model"] == "ULXD4D"
