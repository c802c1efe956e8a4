"""probe(): certificate, version and identity; the registry entry."""

from __future__ import annotations

import socket

import pytest

from custom_components.micboard.devices import (
    Access,
    AuthenticationError,
    DeviceConnectionError,
    registry,
)
from custom_components.micboard.devices.registry import Credential
from custom_components.micboard.devices.sennheiser.ssc2 import SscV2Receiver, probe

from .conftest import DeviceFactory
from .helpers import LOCALHOST
from .terse import ewdx


async def test_probe_without_credentials(device: DeviceFactory) -> None:
    terse = await device()
    found = await probe(LOCALHOST, terse.port, 3.0)
    assert found is not None
    assert (found.manufacturer, found.host, found.port) == (
        "sennheiser_ssc2",
        LOCALHOST,
        terse.port,
    )
    assert (found.model, found.serial, found.name) == ("EWDX2CHS", "EWDX123", None)
    assert found.fingerprint == terse.certificate.fingerprint
    assert not any(p == "/api/ssc/state/subscriptions" for _, p in terse.requests)


async def test_probe_checks_the_password(device: DeviceFactory) -> None:
    terse = await device()
    found = await probe(LOCALHOST, terse.port, 3.0, access=Access(secret=terse.password))
    assert found is not None
    assert found.name == "STAGE-LEFT"
    with pytest.raises(AuthenticationError) as caught:
        await probe(LOCALHOST, terse.port, 3.0, access=Access(secret="Nope-Nope-1!"))
    assert not caught.value.forbidden
    with pytest.raises(AuthenticationError) as caught:
        await probe(
            LOCALHOST,
            terse.port,
            3.0,
            access=Access(username="initialSennheiser", secret=terse.password),
        )
    assert caught.value.forbidden


async def test_probe_of_another_https_server(device: DeviceFactory) -> None:
    resources = {k: v for k, v in ewdx().items() if k != "/api/ssc/version"}
    terse = await device(resources)
    assert await probe(LOCALHOST, terse.port, 3.0) is None
    terse.resources["/api/ssc/version"] = {"hello": "world"}
    assert await probe(LOCALHOST, terse.port, 3.0) is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


async def test_probe_where_nothing_listens() -> None:
    port = _closed_port()
    with pytest.raises(DeviceConnectionError):
        await probe(LOCALHOST, port, 1.0)
    assert await registry.get("sennheiser_ssc2").detect(LOCALHOST, port, 1.0) is None


async def test_probe_that_hangs(device: DeviceFactory) -> None:
    terse = await device()
    terse.hang()
    with pytest.raises(DeviceConnectionError):
        await probe(LOCALHOST, terse.port, 0.5)
    terse.release()


async def test_registry_entry(device: DeviceFactory) -> None:
    entry = registry.get("sennheiser_ssc2")
    assert (entry.name, entry.default_port) == ("Sennheiser (SSCv2)", 443)
    assert entry.credential is Credential.PASSWORD
    assert (entry.username, entry.tls, entry.auto_detect, entry.is_hub) == (
        "api",
        True,
        False,
        False,
    )
    assert entry.service_types == ("_ssc-https._tcp.local.",)
    assert registry.for_service_type("_ssc-https._tcp.local") is entry
    assert entry not in [m for m in registry.manufacturers() if m.auto_detect]
    terse = await device()
    access = Access(secret=terse.password, fingerprint=terse.certificate.fingerprint)
    receiver = registry.create("sennheiser_ssc2", LOCALHOST, terse.port, access=access)
    assert isinstance(receiver, SscV2Receiver)
    assert receiver.port == terse.port
    try:
        info = await receiver.connect()
        assert info.model == "EWDX2CHS"
    finally:
        await receiver.disconnect()
    found = await entry.detect(LOCALHOST, terse.port, 3.0)
    assert found is not None
    assert found.fingerprint == terse.certificate.fingerprint
