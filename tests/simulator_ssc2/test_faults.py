"""Certificate changes, dropped connections, reboots, hangs and reply delays."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from custom_components.micboard.devices.tls import fetch_fingerprint, pinned

from .conftest import Api, basic


async def test_certificate_regeneration_changes_the_fingerprint(api: Api) -> None:
    device = api.device
    old = device.fingerprint
    assert await fetch_fingerprint("127.0.0.1", device.port) == old
    stream = await api.stream()
    new = device.regenerate_certificate()
    assert new != old
    assert device.fingerprint == new
    assert await fetch_fingerprint("127.0.0.1", device.port) == new
    assert await stream.ended()  # open connections are cut
    with pytest.raises(aiohttp.ServerFingerprintMismatch):
        await api.session.get(
            device.url + "/api/device/identity", ssl=pinned(old), headers=api.headers()
        )
    assert (await api.get("/api/device/identity"))[0] == 200  # pinned to the new one
    stream.close()


async def test_drop_cuts_streams_and_sessions_linger(api: Api) -> None:
    stream = await api.stream()
    await api.put(f"{stream.location}/add", ["/api/device/state"])
    await stream.data()
    api.device.drop_connections()
    assert await stream.ended()
    await asyncio.sleep(0.1)
    assert await api.get(stream.location) == (200, ["/api/device/state"])
    assert (await api.get("/api/channel/0"))[0] == 200  # the device itself is fine
    stream.close()


async def test_reboot_refuses_connections_then_returns_without_sessions(api: Api) -> None:
    device = api.device
    port, fingerprint = device.port, device.fingerprint
    stream = await api.stream()
    task = asyncio.get_running_loop().create_task(device.reboot(0.8))
    assert await stream.ended()
    await asyncio.sleep(0.2)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get("/api/device/identity")
    await task
    assert (device.port, device.fingerprint) == (port, fingerprint)
    assert (await api.get("/api/device/identity"))[0] == 200
    assert (await api.get(stream.location))[0] == 422  # sessions did not survive
    stream.close()


async def test_hang_leaves_requests_unanswered(api: Api) -> None:
    api.device.set_hung(True)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await api.get("/api/device/identity")
    api.device.set_hung(False)
    assert (await api.get("/api/device/identity"))[0] == 200


async def test_reply_delay(api: Api) -> None:
    api.device.reply_delay = 0.4
    started = time.monotonic()
    assert (await api.get("/api/ssc/version"))[0] == 200
    assert time.monotonic() - started >= 0.4


async def test_request_log_records_user_and_status(api: Api) -> None:
    await api.get("/api/channel/0")
    await api.request("GET", "/api/channel/0", auth=False, headers=basic("api", "Wrong-Password1"))
    assert list(api.device.request_log)[-2:] == [
        ("GET", "/api/channel/0", "api", 200),
        ("GET", "/api/channel/0", None, 401),
    ]
