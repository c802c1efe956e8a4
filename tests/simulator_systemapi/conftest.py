"""Fixtures: a simulated System API server and a plain aiohttp client pinned to its certificate."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import json
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from custom_components.micboard.devices.tls import pinned
from simulator.systemapi import SystemApiServer
from simulator.systemapi.fleet import default_devices


@pytest.fixture(autouse=True)
def _sockets_allowed(request: pytest.FixtureRequest) -> None:
    """Allow loopback sockets when pytest-socket / the HA plugin blocks them."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("socket_enabled")


def seg(text: str) -> str:
    """One path segment, URL-encoded (channel ids are base64)."""
    return quote(text, safe="")


class Api:
    """Requests to the server under ``/api/v1``, with the key and the pinned certificate."""

    def __init__(self, session: aiohttp.ClientSession, server: SystemApiServer) -> None:
        self.session = session
        self.server = server
        self.key: str | None = server.api_key

    def url(self, path: str) -> str:
        return f"{self.server.url}/api/v1/{path.lstrip('/')}"

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        if self.key is not None:
            sent.setdefault("x-api-key", self.key)
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method,
            self.url(path),
            data=data,
            headers=sent,
            params=params,
            ssl=pinned(self.server.fingerprint),
        ) as resp:
            raw = await resp.read()
            if resp.status == 204:
                assert raw == b""
                return 204, None
            if resp.status >= 400:
                assert resp.content_type == "application/problem+json"
            return resp.status, json.loads(raw) if raw else None

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kwargs)

    async def ok(self, path: str) -> Any:
        status, body = await self.get(path)
        assert status == 200, body
        return body

    async def websocket(self) -> tuple[aiohttp.ClientWebSocketResponse, str]:
        ws = await self.session.ws_connect(
            self.url("subscriptions/websocket/create"), ssl=pinned(self.server.fingerprint)
        )
        first = await ws.receive_json(timeout=5)
        assert set(first) == {"transportId"}
        return ws, first["transportId"]


@pytest.fixture
async def server() -> AsyncIterator[SystemApiServer]:
    """The default fleet behind a started server (fast timers)."""
    srv = SystemApiServer(
        default_devices(),
        api_key="test-key",
        activity_interval=60.0,
        identify_seconds=60.0,
        device_reboot_seconds=0.3,
    )
    async with srv:
        yield srv


@pytest.fixture
async def api(server: SystemApiServer) -> AsyncIterator[Api]:
    """A client of ``server``."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, server)


def device_id(server: SystemApiServer, model: str) -> str:
    """Id of the first device of ``model``."""
    return server.device(model).device_id
