"""Config flow and zeroconf discovery for Sennheiser SSC v1 devices (simulated on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_address
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.micboard.const import DOMAIN
from custom_components.micboard.devices.sennheiser.ssc1 import client as ssc_client
from simulator.sennheiser import SscDevice, create_ssc_device
from tests.protocol_ssc1.helpers import FAST as SSC_FAST

from .helpers import free_port

SERIAL = "1234567890"

type Start = Callable[..., Awaitable[SscDevice]]


@pytest.fixture(autouse=True)
def fast_ssc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short request timeouts, so silent devices fail fast."""
    monkeypatch.setattr(ssc_client, "DEFAULT_TIMING", SSC_FAST)


@pytest.fixture
async def ssc() -> AsyncIterator[Start]:
    """Start simulated SSC v1 devices on 127.0.0.1; all are stopped afterwards."""
    started: list[SscDevice] = []

    async def start(model: str = "EWDX-EM2", **options: Any) -> SscDevice:
        device = create_ssc_device(model, host="127.0.0.1", port=options.pop("port", 0), **options)
        await device.start()
        started.append(device)
        return device

    yield start
    for device in started:
        await device.stop()


async def _user(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(result["flow_id"], data)


def _zeroconf(port: int, *, name: str = "Stage-Rack", kind: str = "_ssc._udp.local.") -> Any:
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="ewdx-em2.local.",
        name=f"{name}.{kind}",
        port=port,
        type=kind,
        properties={"txtvers": "1", "model": "EW-DX EM 2"},
    )


async def test_user_auto_detects_sennheiser(hass: HomeAssistant, ssc: Start) -> None:
    device = await ssc(serial=SERIAL, name="FOH")
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: device.port})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == SERIAL
    data = result["data"]
    assert data["manufacturer"] == "sennheiser_ssc1"
    assert data["family"] == "ew_dx"
    assert data["serial"] == SERIAL
    assert data["device_key"] == SERIAL
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_chooses_sennheiser_and_duplicates_abort(
    hass: HomeAssistant, ssc: Start
) -> None:
    device = await ssc(serial=SERIAL)
    data = {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, "manufacturer": "sennheiser_ssc1"}
    result = await _user(hass, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    result = await _user(hass, data)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_user_silent_sennheiser_says_switch_to_legacy(
    hass: HomeAssistant, ssc: Start
) -> None:
    device = await ssc()
    device.set_hung(True)  # third-party access off: the device answers nothing
    data = {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, "manufacturer": "sennheiser_ssc1"}
    result = await _user(hass, data)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "access_disabled"}

    device.set_hung(False)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_shure_choice_does_not_speak_ssc(hass: HomeAssistant, ssc: Start) -> None:
    device = await ssc()
    result = await _user(
        hass, {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, "manufacturer": "shure"}
    )
    assert result["errors"] == {"base": "cannot_connect"}  # nothing on TCP at that port


async def test_user_nothing_answers_at_all(hass: HomeAssistant) -> None:
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: free_port()})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_zeroconf_offers_device_with_name_and_model(hass: HomeAssistant, ssc: Start) -> None:
    device = await ssc(serial=SERIAL, name="Stage-Rack")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(device.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    placeholders = result["description_placeholders"]
    assert placeholders["model"] == "EW-DX EM 2"
    assert placeholders["name"] == device.device_name
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"]["name"] == f"{device.device_name} (EW-DX EM 2)"

    # The same device over _ssc._tcp while the first offer is open: one offer only.
    again = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(device.port, kind="_ssc._tcp.local."),
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_in_progress"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == SERIAL
    assert result["data"]["manufacturer"] == "sennheiser_ssc1"
    assert result["data"][CONF_PORT] == device.port


async def test_zeroconf_known_device_that_moved_gets_its_address(
    hass: HomeAssistant, ssc: Start
) -> None:
    device = await ssc(serial=SERIAL)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERIAL,
        version=1,
        minor_version=3,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: free_port(),
            "manufacturer": "sennheiser_ssc1",
            "serial": SERIAL,
            "device_key": SERIAL,
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(device.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == device.port


async def test_zeroconf_silent_device_aborts(hass: HomeAssistant, ssc: Start) -> None:
    device = await ssc()
    device.set_hung(True)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(device.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "access_disabled"


async def test_zeroconf_unknown_service_type_aborts(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(free_port(), kind="_http._tcp.local."),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_protocol"


async def test_dhcp_moves_a_serial_keyed_device(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERIAL,
        version=1,
        minor_version=3,
        data={
            CONF_HOST: "10.0.0.9",
            CONF_PORT: 45,
            CONF_MAC: "00:1b:66:aa:bb:01",
            "manufacturer": "sennheiser_ssc1",
            "serial": SERIAL,
            "device_key": SERIAL,
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "dhcp"},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="ewdx", macaddress="001b66aabb01"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"


async def test_reconfigure_refuses_another_serial(hass: HomeAssistant, ssc: Start) -> None:
    first = await ssc(serial=SERIAL)
    other = await ssc(serial="5555555555")
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: first.port})
    entry = result["result"]
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


async def test_diagnostics_redact_the_serial(
    hass: HomeAssistant, hass_client: Any, ssc: Start
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    device = await ssc(serial=SERIAL)
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: device.port})
    await hass.async_block_till_done()
    data = await get_diagnostics_for_config_entry(hass, hass_client, result["result"])
    assert data["entry"]["data"]["serial"] == "**REDACTED**"
    assert data["receiver"]["info"]["serial"] == "**REDACTED**"
    assert data["receiver"]["info"]["manufacturer"] == "Sennheiser"
    assert SERIAL not in str(data)


def test_manifest_matches_ssc_services() -> None:
    import json
    from pathlib import Path

    import custom_components.micboard as package

    manifest = json.loads((Path(package.__file__).parent / "manifest.json").read_text())
    assert manifest["zeroconf"][:2] == ["_ssc._udp.local.", "_ssc._tcp.local."]
