"""Secured devices once added: reauthentication, reconfigure, certificate repairs, secrets."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.micboard.const import CONF_FINGERPRINT, CONF_MANUFACTURER, DOMAIN
from custom_components.micboard.repairs import async_create_fix_flow
from custom_components.micboard.secure import certificate_issue_id

from .helpers import free_port, wait_for
from .secure_fake import API_KEY_KEY, FakeHttpsDevice, FakeSecureReceiver
from .secure_fixtures import (  # noqa: F401 - fixtures
    StartDevice,
    add_with_password,
    device_side_handshake_noise_fixture,
    https_device_fixture,
    secure_entry,
    secure_manufacturers_fixture,
)

NEW_PASSWORD = "Changed-Pass-2?"


async def _set_up(hass: HomeAssistant, device: FakeHttpsDevice, **data: Any) -> MockConfigEntry:
    entry = secure_entry(device, **data)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"].get("entry_id") == entry.entry_id
    ]


async def test_wrong_password_at_setup_starts_reauth(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device, **{CONF_PASSWORD: "outdated"})
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason == (
        "The device at 127.0.0.1 refused the stored credentials; "
        "enter the new ones (reauthentication)"
    )
    assert len(_reauth_flows(hass, entry)) == 1


async def test_forbidden_user_at_setup_starts_reauth(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(
        hass, device, **{CONF_USERNAME: "initialSennheiser", CONF_PASSWORD: "sennheiser"}
    )
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "does not let the stored user control it" in str(entry.reason)
    assert len(_reauth_flows(hass, entry)) == 1


async def test_changed_password_starts_reauth_by_itself(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device)
    assert entry.state is ConfigEntryState.LOADED
    assert FakeSecureReceiver.created[-1].access.secret == device.password

    device.password = NEW_PASSWORD  # changed in Control Cockpit
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR)
    flows = _reauth_flows(hass, entry)
    assert len(flows) == 1
    # Stopped: no more requests with the refused password.
    requests = device.requests
    await asyncio.sleep(0.5)
    await hass.async_block_till_done()
    assert device.requests == requests

    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "reauth_confirm"
    username = next(k for k in result["data_schema"].schema if str(k) == CONF_USERNAME)
    assert username.description == {"suggested_value": "api"}
    assert result["data_schema"].schema[CONF_PASSWORD].config["type"] == "password"

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: "still-wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.data[CONF_PASSWORD] != "still-wrong"

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: NEW_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_PASSWORD] == NEW_PASSWORD
    assert entry.state is ConfigEntryState.LOADED
    assert FakeSecureReceiver.created[-1].access.secret == NEW_PASSWORD


async def test_reauth_finds_another_device(hass: HomeAssistant, https_device: StartDevice) -> None:
    device = await https_device()
    entry = await _set_up(hass, device, **{CONF_PASSWORD: "outdated"})
    device.serial = "SN-OTHER"
    flow_id = _reauth_flows(hass, entry)[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data[CONF_PASSWORD] == "outdated"


async def test_reauth_device_unreachable(hass: HomeAssistant, https_device: StartDevice) -> None:
    device = await https_device()
    entry = await _set_up(hass, device, **{CONF_PASSWORD: "outdated"})
    await device.stop()
    flow_id = _reauth_flows(hass, entry)[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    return result


async def test_reconfigure_changes_address_and_password(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device)
    result = await _reconfigure(hass, entry)
    keys = [str(key) for key in result["data_schema"].schema]
    assert keys == [CONF_HOST, CONF_PORT, CONF_USERNAME, CONF_PASSWORD]
    # The stored password is never sent to the browser.
    assert device.password not in str(result)

    await hass.config_entries.async_unload(entry.entry_id)
    await device.stop()
    await device.start(port=free_port())  # same certificate, new port
    device.password = NEW_PASSWORD

    form = {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, CONF_USERNAME: "api"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_PASSWORD: NEW_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_PORT] == device.port
    assert entry.data[CONF_PASSWORD] == NEW_PASSWORD
    assert entry.data[CONF_FINGERPRINT] == device.fingerprint
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_blank_password_keeps_the_stored_one(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device)
    result = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, CONF_USERNAME: "api"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PASSWORD] == device.password


async def test_reconfigure_shows_a_different_certificate_first(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device)
    old = device.fingerprint
    other = await https_device(password=device.password)  # same serial, another certificate
    result = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port, CONF_USERNAME: "api"}
    )
    assert result["step_id"] == "reconfigure_certificate"
    assert result["description_placeholders"]["old"] == old
    assert result["description_placeholders"]["new"] == other.fingerprint
    assert other.requests == 0

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_FINGERPRINT] == other.fingerprint
    assert entry.data[CONF_PORT] == other.port
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_to_another_device_or_nowhere(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device)
    result = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: free_port(), CONF_USERNAME: "api"}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    stranger = await https_device(serial="SN-STRANGER", password=device.password)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: stranger.port, CONF_USERNAME: "api"},
    )
    assert result["step_id"] == "reconfigure_certificate"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data[CONF_FINGERPRINT] == device.fingerprint


async def test_reconfigure_certificate_step_then_wrong_password(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device)
    other = await https_device(password="other-password")
    result = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port, CONF_USERNAME: "api"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_auth"}


async def _fix(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, issue_id: str, choice: str
) -> dict[str, Any]:
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200, await response.text()
    flow = await response.json()
    assert flow["type"] == "menu"
    assert flow["menu_options"] == ["accept", "reject"]
    placeholders = flow["description_placeholders"]
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"next_step_id": choice}
    )
    assert response.status == 200, await response.text()
    return {"placeholders": placeholders, **(await response.json())}


async def test_certificate_change_while_running_raises_a_repair(
    hass: HomeAssistant,
    https_device: StartDevice,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    device = await https_device()
    entry = await _set_up(hass, device)
    old = device.fingerprint
    await device.rotate_certificate()
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR)
    issue_id = certificate_issue_id(entry.entry_id)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "name": entry.title,
        "host": "127.0.0.1",
        "old": old,
        "new": device.fingerprint,
    }
    # No retry storm: the entry stays stopped and the device hears nothing.
    requests = device.requests
    await asyncio.sleep(0.5)
    await hass.async_block_till_done()
    assert device.requests == requests
    assert entry.state is ConfigEntryState.SETUP_ERROR

    result = await _fix(hass, hass_client, issue_id, "reject")
    assert result["placeholders"] == {
        "name": entry.title,
        "host": "127.0.0.1",
        "old": old,
        "new": device.fingerprint,
    }
    assert result["type"] == "abort"
    assert result["reason"] == "rejected"
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.data[CONF_FINGERPRINT] == old

    result = await _fix(hass, hass_client, issue_id, "accept")
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert entry.data[CONF_FINGERPRINT] == device.fingerprint
    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_certificate_changed_before_setup(
    hass: HomeAssistant, https_device: StartDevice, issue_registry: ir.IssueRegistry
) -> None:
    device = await https_device()
    entry = await _set_up(hass, device, **{CONF_FINGERPRINT: "AA:" * 31 + "AA"})
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "presented a different certificate" in str(entry.reason)
    issue = issue_registry.async_get_issue(DOMAIN, certificate_issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["new"] == device.fingerprint
    assert device.authorized == []  # the password never went to the unknown certificate
    assert _reauth_flows(hass, entry) == []

    # Removing the entry takes the issue along.
    await hass.config_entries.async_remove(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, certificate_issue_id(entry.entry_id)) is None


async def test_certificate_fix_flow_for_a_removed_entry(hass: HomeAssistant) -> None:
    flow = await async_create_fix_flow(
        hass, certificate_issue_id("gone"), {"entry_id": "gone", "fingerprint": "AB"}
    )
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_removed"
    result = await flow.async_step_accept()
    assert result["reason"] == "entry_removed"


async def test_diagnostics_redact_the_secret(
    hass: HomeAssistant, https_device: StartDevice, hass_client: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    device = await https_device()
    entry = await _set_up(hass, device)
    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    stored = data["entry"]["data"]
    assert stored[CONF_PASSWORD] == "**REDACTED**"
    assert stored[CONF_USERNAME] == "api"
    assert stored[CONF_FINGERPRINT] == device.fingerprint
    assert device.password not in str(data)


async def test_secrets_appear_nowhere(
    hass: HomeAssistant,
    https_device: StartDevice,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Add, set up, lose the password, reauthenticate, download diagnostics: no secret shows."""
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "diagnostics", {})
    device = await https_device()
    first = device.password
    titles: list[str] = []
    result = await add_with_password(hass, device)
    entry = result["result"]
    titles.append(result["title"])
    # A wrong attempt on the way.
    device.password = NEW_PASSWORD
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR)
    flow_id = _reauth_flows(hass, entry)[0]["flow_id"]
    shown = [
        await hass.config_entries.flow.async_configure(
            flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: first}
        )
    ]
    shown.append(
        await hass.config_entries.flow.async_configure(
            flow_id, {CONF_USERNAME: "api", CONF_PASSWORD: NEW_PASSWORD}
        )
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    await device.rotate_certificate()
    await wait_for(hass, lambda: entry.state is ConfigEntryState.SETUP_ERROR)
    issue = issue_registry.async_get_issue(DOMAIN, certificate_issue_id(entry.entry_id))
    assert issue is not None

    everything = "\n".join(
        [
            caplog.text,
            str(diagnostics),
            str(shown),
            str(issue.translation_placeholders),
            str(entry.reason),
            entry.title,
            *titles,
        ]
    )
    assert "DEBUG" in caplog.text  # the log really was captured at debug level
    for secret in (first, NEW_PASSWORD):
        assert secret not in everything


async def test_reauth_with_an_api_key(hass: HomeAssistant, https_device: StartDevice) -> None:
    device = await https_device(api_key="new-key-1234")
    template = secure_entry(device, **{CONF_MANUFACTURER: API_KEY_KEY, CONF_API_KEY: "old-key"})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=template.title,
        unique_id=template.unique_id,
        minor_version=3,
        data={
            key: value
            for key, value in template.data.items()
            if key not in (CONF_USERNAME, CONF_PASSWORD)
        },
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flow_id = _reauth_flows(hass, entry)[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert [str(key) for key in result["data_schema"].schema] == [CONF_API_KEY]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: "nope"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: "new-key-1234"})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_API_KEY] == "new-key-1234"
    assert entry.state is ConfigEntryState.LOADED
