"""Fixtures: simulated SSCv2 devices and a pinned aiohttp client speaking to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import json
from typing import Any

import aiohttp
import pytest

from custom_components.micboard.devices.tls import pinned
from simulator.sennheiser_v2 import SUBSCRIPTIONS, Ssc2Device, create_ssc2_device


def basic(user: str, password: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


class Api:
    """Plain aiohttp requests to one device, pinned to its certificate."""

    def __init__(self, device: Ssc2Device, session: aiohttp.ClientSession) -> None:
        self.device = device
        self.session = session
        self.user = "api"
        self.password = device.password or ""

    def headers(self, auth: bool = True) -> dict[str, str]:
        return basic(self.user, self.password) if auth else {}

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        """(status, decoded JSON body or text or None, response)."""
        async with self.session.request(
            method,
            self.device.url + path,
            json=body if data is None and body is not None else None,
            data=data,
            headers={**self.headers(auth), **(headers or {})},
            ssl=pinned(self.device.fingerprint),
        ) as response:
            text = await response.text()
        value: Any = None
        if text:
            try:
                value = json.loads(text)
            except ValueError:
                value = text
        return response.status, value, response

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, value, _ = await self.request("GET", path, **kwargs)
        return status, value

    async def put(self, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
        status, value, _ = await self.request("PUT", path, body, **kwargs)
        return status, value

    async def stream(self, user: str | None = None, password: str | None = None) -> Stream:
        """Open a subscription stream and read its ``open`` event."""
        response = await self.session.get(
            self.device.url + SUBSCRIPTIONS,
            headers={
                "Accept": "text/event-stream",
                **basic(user or self.user, password or self.password),
            },
            ssl=pinned(self.device.fingerprint),
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        )
        stream = Stream(response)
        if response.status == 200:
            event, data = await stream.next()
            assert event == "open", (event, data)
            stream.uuid = data["sessionUUID"]
            stream.location = data["path"]
        return stream


class Stream:
    """An SSE response read event by event."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.uuid = ""
        self.location = ""
        self.raw: list[bytes] = []

    @property
    def status(self) -> int:
        return self.response.status

    async def next_raw(self, timeout: float = 3.0) -> bytes:
        """The next event block (up to and including the blank line)."""
        block = await asyncio.wait_for(self.response.content.readuntil(b"\n\n"), timeout)
        if not block.endswith(b"\n\n"):
            raise EOFError("stream ended")
        self.raw.append(block)
        return block

    async def next(self, timeout: float = 3.0) -> tuple[str, Any]:
        """(event name, decoded data) of the next event; the name is ``message`` when absent."""
        block = await self.next_raw(timeout)
        event, data = "message", ""
        for line in block.decode().splitlines():
            if line.startswith("event:"):
                event = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data += line[len("data:") :]
        return event, json.loads(data)

    async def data(self, timeout: float = 3.0) -> dict[str, Any]:
        """The next notification's path-keyed object."""
        event, data = await self.next(timeout)
        assert event == "message", (event, data)
        assert isinstance(data, dict)
        return data

    async def silent(self, seconds: float) -> bool:
        """True when nothing arrives for ``seconds``."""
        try:
            await self.next_raw(seconds)
        except TimeoutError:
            return True
        return False

    async def ended(self, timeout: float = 3.0) -> bool:
        """True when the server ends or cuts the stream within ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    chunk = await self.response.content.read(65536)
                    if not chunk:
                        return True
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.response.close()


type DeviceFactory = Callable[..., Awaitable[Ssc2Device]]


@pytest.fixture
async def ssc2() -> AsyncIterator[DeviceFactory]:
    """``await ssc2("EWDX-EM2-SECURE", **options)`` → started device, stopped afterwards."""
    started: list[Ssc2Device] = []

    async def make(model: str = "EWDX-EM2-SECURE", **options: Any) -> Ssc2Device:
        device = create_ssc2_device(model, "127.0.0.1", **options)
        await device.start()
        started.append(device)
        return device

    yield make
    for device in started:
        await device.stop()


@pytest.fixture
async def client() -> AsyncIterator[Callable[[Ssc2Device], Api]]:
    """``client(device)`` → :class:`Api` over one shared aiohttp session."""
    async with aiohttp.ClientSession() as session:
        yield lambda device: Api(device, session)


@pytest.fixture
async def api(ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]) -> Api:
    """An API client for a started EW-DX EM 2 in secure mode."""
    return client(await ssc2("EWDX-EM2-SECURE"))
