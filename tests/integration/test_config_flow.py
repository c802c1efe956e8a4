"""Config flow: every branch, against simulated receivers."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest

from custom_components.micboard.const import (
    CONF_AUDIO_LEVELS,
    CONF_BATTERY_CRITICAL,
    CONF_BATTERY_LOW,
    CONF_FAMILY,
    CONF_METER_RATE,
    CONF_METERING,
    CONF_MODEL,
    CONF_RUNTIME_CRITICAL,
    CONF_RUNTIME_LOW,
    DOMAIN,
)

from .helpers import RawDevice, entry_for, free_port, wait_for

MAC = "00:0e:dd:12:34:56"


async def _user_flow(hass: HomeAssistant, port: int) -> dict:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: port}
    )


@pytest.mark.parametrize(
    ("model", "family", "channels"),
    [
        ("ULXD4Q", "ulxd", 4),
        ("QLXD4", "qlxd", 1),
        ("SLXD4D", "slxd", 2),
        ("AD4Q", "axient_digital", 4),
        ("UR4D", "uhfr", 2),
        ("P10T", "psm1000", 2),
    ],
)
async def test_user_adds_each_family(
    hass: HomeAssistant, simulated, model: str, family: str, channels: int
) -> None:
    receiver = await simulated(model)
    result = await _user_flow(hass, receiver.port)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_FAMILY] == family
    assert data[CONF_MODEL] == model
    assert data[CONF_PORT] == receiver.port
    entry = result["result"]
    assert entry.unique_id == f"127.0.0.1:{receiver.port}"
    assert data["device_key"] == entry.unique_id
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert len(entry.runtime_data.receiver.state.channels) == channels


async def test_user_uses_mac_from_arp_as_unique_id(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("ULXD4D")
    with patch("custom_components.micboard.devices.shure.client.mac_from_arp", return_value=MAC):
        result = await _user_flow(hass, receiver.port)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == MAC
    assert result["data"][CONF_MAC] == MAC


async def test_user_cannot_connect_then_recovers(hass: HomeAssistant, simulated) -> None:
    port = free_port()
    result = await _user_flow(hass, port)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    receiver = await simulated("QLXD4")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: receiver.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_slxd_without_controller_access(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("SLXD4D", controller_access=False)
    result = await _user_flow(hass, receiver.port)
    assert result["errors"] == {"base": "no_response"}

    receiver.controller_access = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: receiver.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_not_a_shure_device(hass: HomeAssistant) -> None:
    async with RawDevice(b"HTTP/1.1 400 Bad Request\r\n\r\n") as device:
        result = await _user_flow(hass, device.port)
    assert result["errors"] == {"base": "not_shure"}


async def test_user_unsupported_model(hass: HomeAssistant) -> None:
    async with RawDevice(b"< REP MODEL {MXWAPT8                         } >") as device:
        result = await _user_flow(hass, device.port)
    assert result["errors"] == {"base": "unsupported_model"}
    assert result["description_placeholders"] == {"model": "MXWAPT8"}


async def test_user_duplicate_aborts(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("ULXD4")
    entry_for(receiver).add_to_hass(hass)
    result = await _user_flow(hass, receiver.port)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_dhcp_discovers_new_receiver(
    hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = await simulated("AD4D")
    monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", receiver.port)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="ad4d", macaddress="000edd123456"),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"][CONF_MODEL] == "AD4D"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == MAC
    assert result["data"][CONF_MAC] == MAC
    assert result["data"]["device_key"] == MAC


async def test_dhcp_moved_receiver_updates_host(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("ULXD4Q")
    entry = entry_for(receiver, mac=MAC)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: "10.9.8.7"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="ulxd", macaddress="000edd123456"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"


async def test_dhcp_unreachable_or_invalid(hass: HomeAssistant, monkeypatch) -> None:
    monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", free_port())
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="x", macaddress="000edd000001"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="x", macaddress="zz"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_shure"


async def test_reconfigure_changes_address(hass: HomeAssistant, simulated) -> None:
    old = await simulated("QLXD4")
    new = await simulated("QLXD4")
    entry = entry_for(old)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: free_port()}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: new.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == new.port
    assert entry.unique_id == f"127.0.0.1:{new.port}"
    await hass.async_block_till_done()


async def test_reconfigure_refuses_another_receiver(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("ULXD4")
    entry = entry_for(receiver, mac=MAC)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    with patch(
        "custom_components.micboard.devices.shure.client.mac_from_arp",
        return_value="00:0e:dd:99:99:99",
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: receiver.port}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


async def test_reconfigure_same_receiver_by_mac(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("ULXD4")
    entry = entry_for(receiver, mac=MAC)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: receiver.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_options_flow_sets_metering(hass: HomeAssistant, simulated, setup_receiver) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    assert receiver.meter_rate_ms == 0

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_METERING: True, CONF_METER_RATE: 1500, CONF_AUDIO_LEVELS: False},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.receiver.meter_rate_ms == 1500
    await wait_for(hass, lambda: receiver.meter_rate_ms == 1500)

    # Unloading puts the receiver's metering back to off.
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    await wait_for(hass, lambda: receiver.meter_rate_ms == 0)


async def test_options_flow_checks_thresholds(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("QLXD4")
    entry = await setup_receiver(receiver)
    base = {CONF_METERING: False, CONF_METER_RATE: 1000, CONF_AUDIO_LEVELS: True}
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, CONF_BATTERY_LOW: 20, CONF_BATTERY_CRITICAL: 30}
    )
    assert result["errors"] == {CONF_BATTERY_CRITICAL: "critical_above_low"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **base,
            CONF_BATTERY_LOW: 20,
            CONF_BATTERY_CRITICAL: 10,
            CONF_RUNTIME_LOW: 30,
            CONF_RUNTIME_CRITICAL: 45,
        },
    )
    assert result["errors"] == {CONF_RUNTIME_CRITICAL: "critical_above_low"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **base,
            CONF_BATTERY_LOW: 25,
            CONF_BATTERY_CRITICAL: 10,
            CONF_RUNTIME_LOW: 60,
            CONF_RUNTIME_CRITICAL: 30,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_BATTERY_LOW] == 25
    await hass.async_block_till_done()
