"""Sennheiser SSCv2 (secure third-party mode) through Home Assistant: real client, simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_address
import logging
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.micboard.const import CONF_FINGERPRINT, CONF_MANUFACTURER, DOMAIN
from custom_components.micboard.devices.sennheiser.ssc2 import client as ssc2_client
from custom_components.micboard.secure import certificate_issue_id
from simulator.sennheiser_v2 import DEFAULT_API_PASSWORD, Ssc2Device, create_ssc2_device
from simulator.sennheiser_v2.device import INITIAL_PASSWORD
from tests.protocol_ssc2.helpers import FAST as SSC2_FAST

from .helpers import wait_for
from .secure_fixtures import device_side_handshake_noise_fixture  # noqa: F401 - fixture

KEY = "sennheiser_ssc2"
NEW_PASSWORD = "Second-Pass-9#"
ZEROCONF_TYPE = "_ssc-https._tcp.local."

type Start = Callable[..., Awaitable[Ssc2Device]]


@pytest.fixture(autouse=True)
def fast_ssc2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heartbeats and reconnects in fractions of a second."""
    monkeypatch.setattr(ssc2_client, "DEFAULT_TIMING", SSC2_FAST)


@pytest.fixture
async def ssc2() -> AsyncIterator[Start]:
    """Start simulated SSCv2 devices on 127.0.0.1; all are stopped afterwards."""
    started: list[Ssc2Device] = []

    async def start(model: str = "EWDX-EM2-SECURE", **options: Any) -> Ssc2Device:
        device = create_ssc2_device(model, host="127.0.0.1", port=0, **options)
        await device.start()
        started.append(device)
        return device

    yield start
    for device in started:
        await device.stop()


async def _add(hass: HomeAssistant, device: Ssc2Device, password: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, CONF_MANUFACTURER: KEY}
    )
    assert result["step_id"] == "certificate", result
    assert result["description_placeholders"]["fingerprint"] == device.fingerprint
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "credentials"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: password}
    )


def _reauth_flow_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"].get("entry_id") == entry.entry_id
    ]
    assert len(flows) == 1, flows
    return str(flows[0]["flow_id"])


async def test_add_ewdx_in_secure_mode(hass: HomeAssistant, ssc2: Start) -> None:
    device = await ssc2(name="FOH")
    result = await _add(hass, device, "Not-The-Pass-1!")
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: DEFAULT_API_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == device.serial
    assert result["data"][CONF_FINGERPRINT] == device.fingerprint
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    receiver = entry.runtime_data.receiver
    assert receiver.info.serial == device.serial
    # Home Assistant's shared session, the pinned certificate.
    assert receiver._access.session is async_get_clientsession(hass)
    assert receiver._access.fingerprint == device.fingerprint

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, CONF_MANUFACTURER: KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_first_setup_user_is_refused_before_the_entry_exists(
    hass: HomeAssistant, ssc2: Start
) -> None:
    """``initialSennheiser`` may read the name but nothing else: the flow says so at once."""
    device = await ssc2()
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, CONF_MANUFACTURER: KEY}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "initialSennheiser", CONF_PASSWORD: INITIAL_PASSWORD}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "forbidden_user"}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_password_changed_on_the_device(hass: HomeAssistant, ssc2: Start) -> None:
    device = await ssc2()
    result = await _add(hass, device, DEFAULT_API_PASSWORD)
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    device.set_password(NEW_PASSWORD)
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR, timeout=10)
    flow_id = _reauth_flow_id(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: DEFAULT_API_PASSWORD}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: NEW_PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PASSWORD] == NEW_PASSWORD


async def test_reconfigure_address_and_password(hass: HomeAssistant, ssc2: Start) -> None:
    device = await ssc2()
    result = await _add(hass, device, DEFAULT_API_PASSWORD)
    entry = result["result"]
    await hass.async_block_till_done()
    # The unit moved to another address (here: another port, a new certificate
    # after a factory reset) and got a new password.
    await hass.config_entries.async_unload(entry.entry_id)
    moved = await ssc2(serial=device.serial, password=NEW_PASSWORD)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: "127.0.0.1",
            CONF_PORT: moved.port,
            CONF_USERNAME: "api",
            CONF_PASSWORD: NEW_PASSWORD,
        },
    )
    assert result["step_id"] == "reconfigure_certificate"
    assert result["description_placeholders"]["old"] == device.fingerprint
    assert result["description_placeholders"]["new"] == moved.fingerprint
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_PORT] == moved.port
    assert entry.data[CONF_PASSWORD] == NEW_PASSWORD
    assert entry.data[CONF_FINGERPRINT] == moved.fingerprint
    assert entry.state is ConfigEntryState.LOADED


async def test_new_certificate_is_a_repair(
    hass: HomeAssistant,
    ssc2: Start,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    device = await ssc2()
    result = await _add(hass, device, DEFAULT_API_PASSWORD)
    entry = result["result"]
    await hass.async_block_till_done()
    old = device.fingerprint
    new = device.regenerate_certificate()
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR, timeout=10)
    issue_id = certificate_issue_id(entry.entry_id)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert (issue.translation_placeholders["old"], issue.translation_placeholders["new"]) == (
        old,
        new,
    )

    client = await hass_client()
    for choice in ("reject", "accept"):
        response = await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        flow = await response.json()
        response = await client.post(
            f"/api/repairs/issues/fix/{flow['flow_id']}", json={"next_step_id": choice}
        )
        assert response.status == 200
        await hass.async_block_till_done()
        if choice == "reject":
            assert entry.state is ConfigEntryState.SETUP_ERROR
            assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert entry.data[CONF_FINGERPRINT] == new
    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


def _zeroconf(device: Ssc2Device) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="ewdx-em2.local.",
        name=f"Rack-C.{ZEROCONF_TYPE}",
        port=device.port,
        type=ZEROCONF_TYPE,
        properties={"txtvers": "1", "model": "EW-DX EM 2"},
    )


async def test_zeroconf_discovery(hass: HomeAssistant, ssc2: Start) -> None:
    device = await ssc2(name="RackC")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(device)
    )
    assert result["step_id"] == "discovery_credentials"
    assert result["description_placeholders"]["fingerprint"] == device.fingerprint
    assert result["description_placeholders"]["model"] == "EW-DX EM 2"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: "Wrong-Pass-1!"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: DEFAULT_API_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == device.serial
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(device)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_no_secret_in_logs_or_diagnostics(
    hass: HomeAssistant,
    ssc2: Start,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "diagnostics", {})
    device = await ssc2()
    result = await _add(hass, device, "Typo-In-Pass-3!")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: DEFAULT_API_PASSWORD}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    device.set_password(NEW_PASSWORD)
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR, timeout=10)
    result = await hass.config_entries.flow.async_configure(
        _reauth_flow_id(hass, entry), {CONF_USERNAME: "api", CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"][CONF_PASSWORD] == "**REDACTED**"
    text = caplog.text + str(diagnostics) + entry.title + str(result)
    assert "DEBUG" in caplog.text
    for secret in ("Typo-In-Pass-3!", DEFAULT_API_PASSWORD, NEW_PASSWORD):
        assert secret not in text
