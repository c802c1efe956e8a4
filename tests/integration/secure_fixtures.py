"""Fixtures for secured (HTTPS, credentials) devices: test manufacturers and fake devices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.micboard.const import (
    CONF_DEVICE_KEY,
    CONF_FINGERPRINT,
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_SERIAL,
    DOMAIN,
)
from custom_components.micboard.devices import registry
from custom_components.micboard.devices.registry import Credential, Manufacturer

from . import secure_fake
from .secure_fake import API_KEY_KEY, PASSWORD_KEY, FakeHttpsDevice, FakeSecureReceiver

#: Keys of the test-only manufacturers.
HUB_KEY = "test_secure_hub"
NO_PROBE_KEY = "test_secure_noprobe"

type StartDevice = Callable[..., Awaitable[FakeHttpsDevice]]


@pytest.fixture(name="secure_manufacturers", autouse=True)
def secure_manufacturers_fixture() -> Iterator[None]:
    """Register the test manufacturers (HTTPS, password or API key); removed afterwards."""
    common: dict[str, Any] = {
        "default_port": 443,
        "factory": secure_fake.factory,
        "tls": True,
        "auto_detect": False,
    }
    manufacturers = [
        Manufacturer(
            PASSWORD_KEY,
            "Test secured (password)",
            probe=secure_fake.probe,
            credential=Credential.PASSWORD,
            username="api",
            **common,
        ),
        Manufacturer(
            API_KEY_KEY,
            "Test secured (API key)",
            probe=secure_fake.probe,
            credential=Credential.API_KEY,
            **common,
        ),
        Manufacturer(
            HUB_KEY,
            "Test secured server",
            probe=_serial_less_probe,
            credential=Credential.API_KEY,
            hub_factory=_no_hub,
            **common,
        ),
        Manufacturer(
            NO_PROBE_KEY,
            "Test secured (no probe)",
            credential=Credential.PASSWORD,
            username="api",
            **common,
        ),
    ]
    replaced = {m.key: registry._REGISTRY.get(m.key) for m in manufacturers}
    for manufacturer in manufacturers:
        registry.register(manufacturer)
    FakeSecureReceiver.created.clear()
    yield
    for key, previous in replaced.items():
        if previous is None:
            registry._REGISTRY.pop(key, None)
        else:
            registry.register(previous)


async def _serial_less_probe(host: str, port: int, wait: float, access: Any = None) -> Any:
    """A server that reports no serial number (it is known by its certificate)."""
    import dataclasses

    result = await secure_fake.probe(host, port, wait, access)
    return dataclasses.replace(result, serial=None)


def _no_hub(host: str, port: int, *, access: Any = None) -> Any:
    raise AssertionError("hub entries are not set up in these tests")


@pytest.fixture(name="device_side_handshake_noise", autouse=True)
def device_side_handshake_noise_fixture(hass: HomeAssistant) -> Iterator[None]:
    """Leave out the fake device's own complaints about handshakes its client ended.

    A client that only reads the certificate, or refuses it, hangs up
    during the TLS handshake; the device's server (in the test's own event
    loop, unlike a real device) reports that to the loop's exception
    handler, which would fail the test.  Anything else still does.
    """
    loop = hass.loop
    handler = loop.get_exception_handler()
    assert handler is not None

    def filtered(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # Only a server's accept path reports this message: the device's side.
        if context.get("message") == _SERVER_HANDSHAKE:
            return
        handler(loop, context)

    loop.set_exception_handler(filtered)
    yield
    loop.set_exception_handler(handler)


_SERVER_HANDSHAKE = "Error on transport creation for incoming connection"


@pytest.fixture(name="https_device")
async def https_device_fixture() -> AsyncIterator[StartDevice]:
    """Start fake HTTPS devices on 127.0.0.1; all are stopped afterwards."""
    started: list[FakeHttpsDevice] = []

    async def start(**options: Any) -> FakeHttpsDevice:
        device = FakeHttpsDevice(**options)
        await device.start()
        started.append(device)
        return device

    yield start
    for device in started:
        await device.stop()


async def start_user_flow(
    hass: HomeAssistant, device: FakeHttpsDevice, manufacturer: str = PASSWORD_KEY
) -> dict[str, Any]:
    """Start a user flow for ``device`` and submit its address and manufacturer."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: device.port, CONF_MANUFACTURER: manufacturer},
    )


async def add_with_password(
    hass: HomeAssistant, device: FakeHttpsDevice, password: str | None = None
) -> dict[str, Any]:
    """The whole user flow: address, certificate, credentials."""
    result = await start_user_flow(hass, device)
    assert result["step_id"] == "certificate", result
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "credentials", result
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_USERNAME: "api", CONF_PASSWORD: password or device.password},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result


def secure_entry(device: FakeHttpsDevice, **data: Any) -> MockConfigEntry:
    """A config entry as the config flow creates it for ``device``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=device.name,
        unique_id=device.serial,
        version=1,
        minor_version=3,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: device.port,
            CONF_MANUFACTURER: PASSWORD_KEY,
            CONF_MODEL: device.model,
            CONF_SERIAL: device.serial,
            CONF_DEVICE_KEY: device.serial,
            CONF_USERNAME: "api",
            CONF_PASSWORD: device.password,
            CONF_FINGERPRINT: device.fingerprint,
            **data,
        },
    )
