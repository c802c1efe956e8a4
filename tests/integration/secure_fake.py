"""A test-only HTTPS device that asks for credentials, and a small client for it.

The device serves three JSON resources over HTTPS on 127.0.0.1 with a
self-signed certificate (``simulator.tls``): an identity that needs no
credentials, and a site name and a state that need HTTP Basic (or an API
key).  The client implements the library's ``Receiver`` protocol with the
rules the real HTTPS clients follow: Home Assistant's session from
``Access``, the pinned certificate on every request, 401/403 as
``AuthenticationError`` and a certificate mismatch as
``CertificateChangedError`` (reported to problem listeners while running).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import ssl
from typing import Any

import aiohttp
from aiohttp import web

from custom_components.micboard.devices import (
    AuthenticationError,
    CertificateChangedError,
    DeviceConnectionError,
    DeviceError,
    Family,
    ReceiverInfo,
    ReceiverState,
    Update,
)
from custom_components.micboard.devices.capabilities import Capability
from custom_components.micboard.devices.receiver import Access, ProbeResult
from custom_components.micboard.devices.tls import changed_error, fetch_fingerprint, pinned
from simulator.tls import Certificate, self_signed

PASSWORD_KEY = "test_secure"
API_KEY_KEY = "test_secure_key"


@dataclass
class FakeHttpsDevice:
    """An HTTPS device on 127.0.0.1 with Basic users (or an API key)."""

    serial: str = "SN-4711"
    model: str = "Fake EM 2"
    name: str = "Stage"
    username: str = "api"
    password: str = "Initial-Pass-1!"
    api_key: str | None = None
    #: Users the device knows but does not let control anything (403).
    forbidden: dict[str, str] = field(default_factory=lambda: {"initialSennheiser": "sennheiser"})
    certificate: Certificate = field(default_factory=lambda: self_signed("fake-device"))
    #: Paths of requests that carried valid credentials.
    authorized: list[str] = field(default_factory=list)
    #: Every request that reached a handler (valid credentials or not).
    requests: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the certificate presented now."""
        return self.certificate.fingerprint

    async def start(self, port: int | None = None) -> None:
        """Listen on 127.0.0.1 (on ``port``, else the last one, else any free one)."""
        app = web.Application()
        app.router.add_get("/api/device/identity", self._identity)
        app.router.add_get("/api/device/site", self._site)
        app.router.add_get("/api/device/state", self._state)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            "127.0.0.1",
            self.port if port is None else port,
            ssl_context=self._context(),
            reuse_address=True,
        )
        await site.start()
        server = site._server  # the bound port of a port-0 site
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def _context(self) -> ssl.SSLContext:
        context = self.certificate.server_context()
        # No TLS 1.3 session tickets after the handshake: a client that only
        # reads the certificate and hangs up must not leave the server's
        # handshake failing with a connection reset.
        context.num_tickets = 0
        return context

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def rotate_certificate(self) -> None:
        """Present a new self-signed certificate from now on (same port)."""
        await self.stop()
        self.certificate = self_signed("fake-device")
        await self.start()

    def _check(self, request: web.Request) -> None:
        self.requests += 1
        if self.api_key is not None:
            if request.headers.get("x-api-key") != self.api_key:
                raise web.HTTPUnauthorized
            return
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            login, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            raise web.HTTPUnauthorized from None
        if scheme != "Basic":
            raise web.HTTPUnauthorized
        if self.forbidden.get(login) == password:
            raise web.HTTPForbidden
        if (login, password) != (self.username, self.password):
            raise web.HTTPUnauthorized
        self.authorized.append(request.path)

    async def _identity(self, request: web.Request) -> web.Response:
        return web.json_response({"product": self.model, "serial": self.serial})

    async def _site(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response({"deviceName": self.name})

    async def _state(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response({"state": "Normal", "warnings": []})


async def _get(host: str, port: int, path: str, access: Access, *, auth: bool) -> dict[str, Any]:
    """One pinned GET; library errors for everything that goes wrong."""
    assert access.session is not None, "clients use the session they are given"
    assert access.fingerprint is not None, "requests are always pinned"
    headers: dict[str, str] = {}
    if auth and access.username is None:
        headers["x-api-key"] = access.secret or ""
    elif auth:
        headers["Authorization"] = aiohttp.encode_basic_auth(
            access.username or "", access.secret or ""
        )
    try:
        async with (
            asyncio.timeout(3),
            access.session.get(
                f"https://{host}:{port}{path}",
                ssl=pinned(access.fingerprint),
                headers=headers,
            ) as response,
        ):
            if response.status in (401, 403):
                raise AuthenticationError(forbidden=response.status == 403)
            if response.status != 200:
                raise DeviceConnectionError(f"{path} answered {response.status}")
            body: dict[str, Any] = await response.json()
            return body
    except aiohttp.ServerFingerprintMismatch as err:
        raise changed_error(err) from err
    except (aiohttp.ClientError, TimeoutError) as err:
        raise DeviceConnectionError(f"{host}:{port}: {type(err).__name__}") from err


async def probe(host: str, port: int, wait: float, access: Access | None = None) -> ProbeResult:
    """Identify the device and check the credentials (certificate read first if not pinned)."""
    assert access is not None
    if access.fingerprint is None:
        access = Access(
            access.session, access.username, access.secret, await fetch_fingerprint(host, port)
        )
    identity = await _get(host, port, "/api/device/identity", access, auth=False)
    site = await _get(host, port, "/api/device/site", access, auth=True)
    return ProbeResult(
        PASSWORD_KEY if access.username is not None else API_KEY_KEY,
        host,
        port,
        model=identity["product"],
        serial=identity["serial"],
        name=site["deviceName"],
        fingerprint=access.fingerprint,
    )


class FakeSecureReceiver:
    """A one-channel client of :class:`FakeHttpsDevice` (polls its state)."""

    #: Every client created, newest last (tests inspect what they were given).
    created: list[FakeSecureReceiver] = []

    def __init__(self, host: str, port: int, access: Access | None) -> None:
        """An unconnected client."""
        assert access is not None, "the integration passes session and credentials"
        self.access = access
        self._host = host
        self._port = port
        self._info = ReceiverInfo(
            Family.EW_DX, "unknown", 1, host, port, serial=None, manufacturer="Fake"
        )
        self._state = ReceiverState(self._info)
        self._connected = False
        self._task: asyncio.Task[None] | None = None
        self._connection: list[Callable[[bool], None]] = []
        self._problem: list[Callable[[DeviceError | None], None]] = []
        FakeSecureReceiver.created.append(self)

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def info(self) -> ReceiverInfo:
        return self._info

    @property
    def state(self) -> ReceiverState:
        return self._state

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset()

    @property
    def meter_rate_ms(self) -> int:
        return 0

    async def connect(self) -> ReceiverInfo:
        identity = await _get(
            self._host, self._port, "/api/device/identity", self.access, auth=False
        )
        site = await _get(self._host, self._port, "/api/device/site", self.access, auth=True)
        self._info.model = identity["product"]
        self._info.serial = identity["serial"]
        self._state.device_id = site["deviceName"]
        self._state.connected = self._connected = True
        self._task = asyncio.create_task(self._poll())
        return self._info

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            try:
                await _get(self._host, self._port, "/api/device/state", self.access, auth=True)
            except DeviceError as err:
                if self._connected:
                    self._state.connected = self._connected = False
                    for callback in list(self._connection):
                        callback(False)
                if isinstance(err, AuthenticationError | CertificateChangedError):
                    for problem in list(self._problem):
                        problem(err)
                continue
            if not self._connected:
                self._state.connected = self._connected = True
                for callback in list(self._connection):
                    callback(True)

    async def disconnect(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._state.connected = self._connected = False

    async def refresh(self) -> None:
        await _get(self._host, self._port, "/api/device/state", self.access, auth=True)

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        return lambda: None

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        self._connection.append(callback)
        return lambda: self._connection.remove(callback)

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        self._problem.append(callback)
        return lambda: self._problem.remove(callback)

    async def identify(self, channel: int | None = None) -> None:
        raise DeviceConnectionError("not offered by the fake")

    async def set_channel_name(self, channel: int, name: str) -> None:
        raise DeviceConnectionError("not offered by the fake")

    async def set_meter_rate(self, rate_ms: int) -> None:
        raise DeviceConnectionError("not offered by the fake")


def factory(
    host: str,
    port: int,
    *,
    meter_rate_ms: int = 0,
    mac: str | None = None,
    family: Family | None = None,
    access: Access | None = None,
) -> FakeSecureReceiver:
    """The registry factory of the fake manufacturers."""
    return FakeSecureReceiver(host, port, access)
