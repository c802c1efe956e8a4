"""API key, certificate pinning, the Content-Type quirk, probe and registry."""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
import pytest

from custom_components.micboard.devices import (
    Access,
    AuthenticationError,
    CertificateChangedError,
    DeviceConnectionError,
    Hub,
    ProbeResult,
    registry,
)
from custom_components.micboard.devices.registry import Credential
from custom_components.micboard.devices.shure_systemapi import SystemApiServer, probe
from simulator.tls import self_signed

from .conftest import ServerFactory
from .fake import KEY, FakeSystemApi


async def test_a_wrong_key_is_an_authentication_error(
    fake: FakeSystemApi, make_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-key-that-must-not-leak-42"
    with pytest.raises(AuthenticationError) as caught:
        await make_server(key=wrong)
    assert str(caught.value) == "Request Unauthorized."
    assert caught.value.forbidden is False
    assert fake.seen[0].headers["x-api-key"] == wrong
    assert wrong not in caplog.text


async def test_secrets_never_show(
    fake: FakeSystemApi, make_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = await make_server()
    await fake.send_raw("not json at all")
    await fake.stop()  # errors and reconnect attempts get logged
    await fake.start()
    texts = [repr(server), repr(server.rest), repr(server.receivers["ADTQ001"]), caplog.text]
    texts.append(repr(Access(secret=KEY, fingerprint=fake.cert.fingerprint)))
    try:
        await server.rest.get("/api/v1/nowhere")
    except Exception as err:
        texts.extend([str(err), repr(err)])
    assert len(texts) == 7
    assert not [t for t in texts if KEY in t]


async def test_content_type_only_with_a_body(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    ulx = server.receivers["ULX6001"]
    await ulx.identify()  # bodyless POSTs: start now, stop a moment later
    await server.receivers["ADTQ001"].set_channel_name(1, "Lead")
    posts = [s for s in fake.seen if s.method == "POST"]
    assert any(s.raw_path.endswith("/identify/start") for s in posts)
    assert all("Content-Type" not in s.headers for s in posts)
    patches = [s for s in fake.seen if s.method == "PATCH"]
    assert patches
    assert all(s.headers["Content-Type"] == "application/json" for s in patches)
    assert not [s for s in fake.seen if s.status == 400]
    assert all(s.headers.get("x-api-key") == KEY for s in fake.seen)


async def test_the_fake_refuses_json_content_type_without_body(fake: FakeSystemApi) -> None:
    # The quirk the client avoids is real in the fake (a test that could fail).
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"https://127.0.0.1:{fake.port}/api/v1/devices/dev-adtq/identify/start",
            headers={"x-api-key": KEY, "Content-Type": "application/json"},
            ssl=aiohttp.Fingerprint(bytes.fromhex(fake.cert.fingerprint.replace(":", ""))),
        ) as response:
            assert response.status == 400
            assert (await response.json())["title"].startswith("Body cannot be empty")


async def test_a_wrong_pin_is_refused_before_anything_is_sent(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    other = self_signed("other").fingerprint
    with pytest.raises(CertificateChangedError) as caught:
        await make_server(fingerprint=other)
    assert caught.value.expected == other
    assert caught.value.actual == fake.cert.fingerprint
    assert fake.seen == []


async def test_a_given_session_is_used_and_left_open(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    async with aiohttp.ClientSession() as session:
        access = Access(session=session, secret=KEY, fingerprint=fake.cert.fingerprint)
        server = await make_server(access=access)
        assert server.rest.session is session
        await server.disconnect()
        assert not session.closed


def test_a_fingerprint_is_required() -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        SystemApiServer("127.0.0.1", access=Access(secret=KEY))
    with pytest.raises(ValueError, match="fingerprint"):
        SystemApiServer("127.0.0.1", access=None)


async def test_nothing_listening_is_a_connection_error(make_server: ServerFactory) -> None:
    spare = FakeSystemApi()
    await spare.start()
    port = spare.port
    await spare.stop()
    server = SystemApiServer(
        "127.0.0.1", port, access=Access(secret=KEY, fingerprint=spare.cert.fingerprint)
    )
    with pytest.raises(DeviceConnectionError):
        await server.connect()
    assert not server.connected


async def test_probe_finds_the_server_and_its_certificate(fake: FakeSystemApi) -> None:
    found = await probe("127.0.0.1", fake.port, 3.0, access=Access(secret=KEY))
    assert found == ProbeResult(
        "shure_system_api",
        "127.0.0.1",
        fake.port,
        model="System API",
        name="System API 127.0.0.1",
        fingerprint=fake.cert.fingerprint,
    )
    with pytest.raises(AuthenticationError):
        await probe("127.0.0.1", fake.port, 3.0, access=Access(secret="nope"))
    with pytest.raises(AuthenticationError):
        await probe("127.0.0.1", fake.port, 3.0)


async def test_probe_says_none_for_another_https_server() -> None:
    certificate = self_signed("web")
    app = web.Application()

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>")

    app.router.add_get("/api/v1/devices", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=certificate.server_context())
    await site.start()
    port = runner.addresses[0][1]
    try:
        assert await probe("127.0.0.1", port, 3.0, access=Access(secret=KEY)) is None
        app_404 = await probe("127.0.0.1", port, 3.0)  # same server, no key
        assert app_404 is None
    finally:
        await runner.cleanup()


async def test_probe_of_nothing_raises_a_connection_error() -> None:
    spare = FakeSystemApi()
    await spare.start()
    port = spare.port
    await spare.stop()
    with pytest.raises(DeviceConnectionError):
        await probe("127.0.0.1", port, 1.0)


async def test_registry_entry(fake: FakeSystemApi) -> None:
    manufacturer = registry.get("shure_system_api")
    assert manufacturer.name == "Shure (System API)"
    assert manufacturer.default_port == 10000
    assert manufacturer.credential is Credential.API_KEY
    assert manufacturer.tls
    assert manufacturer.is_hub
    assert not manufacturer.auto_detect
    assert manufacturer.probe is probe
    with pytest.raises(TypeError):
        registry.create("shure_system_api", "127.0.0.1")
    hub = registry.create_hub(
        "shure_system_api",
        "127.0.0.1",
        fake.port,
        access=Access(secret=KEY, fingerprint=fake.cert.fingerprint),
    )
    assert isinstance(hub, Hub)
    assert isinstance(hub, SystemApiServer)
    assert (hub.host, hub.port) == ("127.0.0.1", fake.port)
    assert (
        registry.create_hub(
            "shure_system_api", "::1", access=Access(fingerprint=fake.cert.fingerprint)
        ).port
        == 10000
    )
    # Not auto-detected: plain detection never sends a key-less request to it.
    assert "shure_system_api" not in [
        r.manufacturer for r in await registry.detect("127.0.0.1", fake.port, 0.5)
    ]
