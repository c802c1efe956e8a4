"""Config flow for devices that need credentials and a pinned certificate (HTTPS)."""

from __future__ import annotations

import dataclasses
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from custom_components.micboard.const import (
    CONF_DEVICE_KEY,
    CONF_FINGERPRINT,
    CONF_MANUFACTURER,
    CONF_SERIAL,
    DOMAIN,
    VENUE_UNIQUE_ID,
)
from custom_components.micboard.devices import registry

from .helpers import free_port
from .secure_fake import API_KEY_KEY, PASSWORD_KEY, FakeSecureReceiver
from .secure_fixtures import (  # noqa: F401 - fixtures
    HUB_KEY,
    NO_PROBE_KEY,
    StartDevice,
    add_with_password,
    device_side_handshake_noise_fixture,
    https_device_fixture,
    secure_manufacturers_fixture,
    start_user_flow,
)


def _schema_keys(result: dict[str, Any]) -> list[str]:
    return [str(key) for key in result["data_schema"].schema]


async def test_user_flow_shows_certificate_then_checks_password(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    result = await start_user_flow(hass, device)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "certificate"
    assert result["description_placeholders"]["fingerprint"] == device.fingerprint
    assert device.requests == 0  # nothing but the certificate was read

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "credentials"
    assert _schema_keys(result) == [CONF_USERNAME, CONF_PASSWORD]
    username = next(k for k in result["data_schema"].schema if str(k) == CONF_USERNAME)
    assert username.description == {"suggested_value": "api"}
    password = result["data_schema"].schema[CONF_PASSWORD]
    assert password.config["type"] == "password"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Stage"
    entry = result["result"]
    assert entry.unique_id == device.serial
    data = result["data"]
    assert data[CONF_MANUFACTURER] == PASSWORD_KEY
    assert data[CONF_FINGERPRINT] == device.fingerprint
    assert data[CONF_PASSWORD] == device.password
    assert data[CONF_USERNAME] == "api"
    assert data[CONF_SERIAL] == data[CONF_DEVICE_KEY] == device.serial
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # The client got Home Assistant's shared session, the credentials and the pin.
    access = FakeSecureReceiver.created[-1].access
    assert access.session is async_get_clientsession(hass)
    assert access.fingerprint == device.fingerprint
    assert (access.username, access.secret) == ("api", device.password)
    assert device.password not in repr(access)


async def test_wrong_password_then_right_one(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    result = await start_user_flow(hass, device)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: "wrong-password"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": "invalid_auth"}
    assert hass.config_entries.async_entries(DOMAIN) == []

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_forbidden_user(hass: HomeAssistant, https_device: StartDevice) -> None:
    device = await https_device()
    result = await start_user_flow(hass, device)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "initialSennheiser", CONF_PASSWORD: "sennheiser"}
    )
    assert result["errors"] == {"base": "forbidden_user"}
    # The user name entered stays in the form.
    username = next(k for k in result["data_schema"].schema if str(k) == CONF_USERNAME)
    assert username.description == {"suggested_value": "initialSennheiser"}


async def test_unreachable_device(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: free_port(), CONF_MANUFACTURER: PASSWORD_KEY},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "cannot_connect"}


async def test_device_gone_after_certificate_step(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    result = await start_user_flow(hass, device)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await device.stop()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_certificate_replaced_after_it_was_shown(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    """The password goes only to the certificate the user saw."""
    device = await https_device()
    result = await start_user_flow(hass, device)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await device.rotate_certificate()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["errors"] == {"base": "certificate_changed"}
    assert device.authorized == []


async def test_duplicate_aborts(hass: HomeAssistant, https_device: StartDevice) -> None:
    device = await https_device()
    await add_with_password(hass, device)
    # Same address and port: refused before anything else.
    result = await start_user_flow(hass, device)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    # Same device (serial) at another address: the entry follows it.
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await hass.config_entries.async_unload(entry.entry_id)
    await device.stop()
    await device.start(port=free_port())
    result = await start_user_flow(hass, device)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == device.port
    assert [e.unique_id for e in hass.config_entries.async_entries(DOMAIN)] == [
        device.serial,
        VENUE_UNIQUE_ID,
    ]


async def test_api_key_device(hass: HomeAssistant, https_device: StartDevice) -> None:
    device = await https_device(api_key="key-0123456789abcdef")
    result = await start_user_flow(hass, device, API_KEY_KEY)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "credentials"
    assert _schema_keys(result) == [CONF_API_KEY]
    assert result["data_schema"].schema[CONF_API_KEY].config["type"] == "password"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "key-0123456789abcdef"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_KEY] == "key-0123456789abcdef"
    assert CONF_PASSWORD not in result["data"]
    assert CONF_USERNAME not in result["data"]
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert FakeSecureReceiver.created[-1].access.secret == "key-0123456789abcdef"


async def test_server_without_serial_is_known_by_its_certificate(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device(api_key="server-key")

    async def add() -> dict[str, Any]:
        result = await start_user_flow(hass, device, HUB_KEY)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        return await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_KEY: "server-key"}
        )

    with patch("custom_components.micboard.async_setup_entry", return_value=True):
        result = await add()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["result"].unique_id == device.fingerprint
        assert result["data"][CONF_DEVICE_KEY] == device.fingerprint
        hass.config_entries.async_update_entry(
            result["result"], data={**result["data"], CONF_PORT: 1}
        )
        result = await add()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_manufacturer_without_probe_is_checked_by_connecting(
    hass: HomeAssistant, https_device: StartDevice
) -> None:
    device = await https_device()
    result = await start_user_flow(hass, device, NO_PROBE_KEY)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: "nope"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "api", CONF_PASSWORD: device.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == device.serial
    assert result["data"][CONF_FINGERPRINT] == device.fingerprint
    # The test connection was closed again.
    assert all(not client.connected for client in FakeSecureReceiver.created[:2])


async def test_secured_manufacturers_are_never_auto_detected(hass: HomeAssistant) -> None:
    async def must_not_probe(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("auto-detection tried a manufacturer that needs credentials")

    registry.register(dataclasses.replace(registry.get(PASSWORD_KEY), probe=must_not_probe))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    options = result["data_schema"].schema[CONF_MANUFACTURER].config["options"]
    assert PASSWORD_KEY in options
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: free_port()}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
