"""A simulated Shure System API server: HTTPS REST + WebSocket on 127.0.0.1.

Follows ``/work/shared/protocols/shure-system-api.md``: ``x-api-key`` on every
REST call (401 problem object otherwise), the paginated inventory (or a bare
array, or ``{items}``), per-device and per-channel endpoints gated by
capabilities, 204 on PATCH/POST, the empty-body ``Content-Type`` quirk, and
realtime events over a WebSocket whose ``transportId`` subscriptions are
registered with bodyless POSTs.  The controls (``set_state``, ``set_battery``
…) change what the devices report and push the matching events.
"""

from __future__ import annotations

import asyncio
import base64
from collections import deque
from collections.abc import Iterable
import contextlib
from dataclasses import dataclass, field
import json
import logging
from pathlib import Path
import random
import secrets
import ssl
import tempfile
import time
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote
import uuid

from aiohttp import WSMsgType, web

from simulator.systemapi.state import (
    AUDIO_LEVELS,
    DEVICE_STATES,
    NAME_LIMIT,
    ApiChannel,
    ApiDevice,
)
from simulator.tls import Certificate, self_signed

__all__ = ["INVENTORY_SHAPES", "Problem", "SystemApiServer", "Transport"]

_LOGGER = logging.getLogger(__name__)

INVENTORY_SHAPES = ("relay", "array", "items")
PROBLEM_CONTENT_TYPE = "application/problem+json"
WEBSOCKET_PATH = ("subscriptions", "websocket", "create")
LIVE_INTERVAL = 1.0
#: Live mode: every this many ticks a battery gains or loses a percent and a few minutes.
LIVE_BATTERY_TICKS = 30
EMPTY_BODY_TITLE = "Body cannot be empty when Content-Type is set to 'application/json'."

#: Per-device resources a transport can subscribe to: path -> (event, capability).
_DEVICE_EVENTS: dict[str, tuple[str, str]] = {
    "name": ("DEVICE_NAME", "name"),
    "identify": ("DEVICE_IDENTIFY", "identify"),
    "audio-mute": ("DEVICE_AUDIO_MUTE", "audio-mute"),
    "battery-level": ("DEVICE_BATTERY_LEVEL", "battery-level"),
    "battery-health": ("DEVICE_BATTERY_HEALTH", "battery-health"),
}
#: Per-channel resources: path -> event (the channel capability has the path's name).
_CHANNEL_EVENTS = {
    "mute": "AUDIO_CHANNEL_MUTE",
    "gain": "AUDIO_CHANNEL_GAIN",
    "name": "AUDIO_CHANNEL_NAME",
    "activity": "AUDIO_CHANNEL_ACTIVITY",
}
_DEVICE_RESOURCES = (*_DEVICE_EVENTS, "reboot", "uptime", "audio-channels")
STATE_EVENT = "DEVICE_STATE_CHANGE"
ACTIVITY_EVENT = "AUDIO_CHANNEL_ACTIVITY"

type SubscriptionKey = tuple[str, str | None, str | None]


class Problem(Exception):
    """An error answered as an RFC 7807 problem object."""

    def __init__(self, status: int, title: str, detail: str = "") -> None:
        """Status, title and optional detail."""
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail

    def response(self) -> web.Response:
        """The problem as an HTTP response."""
        body = {
            "type": "",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": "",
            "traceId": str(uuid.uuid4()),
        }
        return web.Response(
            status=self.status, text=json.dumps(body), content_type=PROBLEM_CONTENT_TYPE
        )


@dataclass(slots=True, eq=False)
class Transport:
    """One WebSocket and the subscriptions registered for its ``transportId``."""

    transport_id: str
    ws: web.WebSocketResponse
    connection: asyncio.Transport | None
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    subscriptions: set[SubscriptionKey] = field(default_factory=set)
    sent: int = 0


def _load_certificate(context: ssl.SSLContext, certificate: Certificate) -> None:
    """Make ``context`` present ``certificate`` to new connections."""
    with tempfile.TemporaryDirectory() as folder:
        cert_file = Path(folder, "cert.pem")
        key_file = Path(folder, "key.pem")
        cert_file.write_bytes(certificate.cert_pem)
        key_file.write_bytes(certificate.key_pem)
        context.load_cert_chain(cert_file, key_file)


def _cursor(device: ApiDevice) -> str:
    return base64.b64encode(f"cursor:{device.device_id}".encode()).decode("ascii")


def _problem_not_found(what: str) -> Problem:
    return Problem(404, "Resource not found.", what)


class SystemApiServer:
    """A fake System API server fronting several simulated Shure devices.

    Controls are synchronous, run on the event loop thread and push the
    events a subscriber would get.
    """

    def __init__(
        self,
        devices: Iterable[ApiDevice] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        name: str = "SYSTEM-API",
        shape: str = "relay",
        page_size: int = 0,
        activity_interval: float = 5.0,
        identify_seconds: float = 30.0,
        device_reboot_seconds: float = 2.0,
        websocket_requires_key: bool = False,
        live: bool = False,
        seed: int = 0,
    ) -> None:
        """Create a stopped server (``await start()`` binds it; port 0 = ephemeral).

        ``shape`` is the inventory shape (``relay`` pages, a bare ``array``
        or ``{items}``); ``page_size`` > 0 caps every ``relay`` page.
        ``live`` animates audio activity and batteries (deterministic per ``seed``).
        """
        self.devices: list[ApiDevice] = list(devices)
        self.host = host
        self.port = port
        self.api_key = api_key or str(uuid.uuid4())
        self.name = name
        self.shape = shape
        self.page_size = page_size
        self.activity_interval = activity_interval
        self.identify_seconds = identify_seconds
        self.device_reboot_seconds = device_reboot_seconds
        self.websocket_requires_key = websocket_requires_key
        self._check_options()
        self.certificate = self_signed(f"{name} {secrets.token_hex(4)}", host)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        _load_certificate(self._context, self.certificate)
        self.transports: dict[str, Transport] = {}
        #: ``(method, raw path)`` of the latest REST requests, oldest first.
        self.requests: deque[tuple[str, str]] = deque(maxlen=2000)
        self.hung = False
        self.rebooting = False
        self._unhung = asyncio.Event()
        self._unhung.set()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._identify_tasks: dict[str, asyncio.Task[None]] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._retick = asyncio.Event()
        self.seed = seed
        self._live_wanted = live
        self._live_task: asyncio.Task[None] | None = None
        self._live_rng = random.Random(seed)
        self._live_steps = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """``https://host:port``."""
        return f"https://{self.host}:{self.port}"

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the certificate presented now (``AB:CD:…``)."""
        return self.certificate.fingerprint

    @property
    def running(self) -> bool:
        """Whether the server accepts connections."""
        return self._site is not None

    async def start(self) -> None:
        """Bind and serve."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await self._open_site()
        self._ticker = asyncio.get_running_loop().create_task(self._activity_ticker())
        if self._live_wanted:
            self.start_live()

    async def _open_site(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self._context)
        await site.start()
        self._site = site
        self.port = int(self._runner.addresses[-1][1])

    async def _close_site(self) -> None:
        self._close_transports()
        self.drop_connections()
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    async def stop(self) -> None:
        """Close every connection and the listener."""
        self._unhung.set()
        self.stop_live()
        tasks = [*self._tasks, *self._identify_tasks.values()]
        if self._ticker is not None:
            tasks.append(self._ticker)
            self._ticker = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._runner is not None:
            await self._close_site()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ events
    def publish(
        self,
        event: str,
        device: ApiDevice,
        body: dict[str, Any],
        channel: ApiChannel | None = None,
    ) -> int:
        """Queue an event for every transport subscribed to it; returns how many."""
        if self.hung:
            return 0
        envelope: dict[str, Any] = {"eventName": event, "deviceId": device.device_id}
        if channel is not None:
            envelope["audioChannelId"] = channel.id
        key: SubscriptionKey = (
            (event, None, None)
            if event == STATE_EVENT
            else (event, device.device_id, channel.id if channel else None)
        )
        frame = json.dumps({"envelope": envelope, "body": body})
        count = 0
        for transport in self.transports.values():
            if key in transport.subscriptions:
                transport.queue.put_nowait(frame)
                count += 1
        return count

    def _state_changed(self, device: ApiDevice) -> None:
        self.publish(STATE_EVENT, device, device.node())

    async def _activity_ticker(self) -> None:
        """Re-send every subscribed channel's activity class every ``activity_interval``."""
        while True:
            self._retick.clear()
            try:
                async with asyncio.timeout(max(0.01, self.activity_interval)):
                    await self._retick.wait()
                continue  # the interval changed: a new period starts now
            except TimeoutError:
                pass
            for device in self.devices:
                if device.state != "ONLINE":
                    continue
                for ch in device.channels:
                    if "activity" in ch.capabilities:
                        self.publish(ACTIVITY_EVENT, device, {"audioLevel": ch.audio_level}, ch)

    # ------------------------------------------------------------------ HTTP
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await self._unhung.wait()
        raw = request.raw_path.split("?", 1)[0]
        segments = [unquote(part) for part in raw.split("/")[1:]]
        if segments and segments[-1] == "":
            segments.pop()
        try:
            if segments[:2] != ["api", "v1"]:
                raise _problem_not_found(raw)
            rest = segments[2:]
            if tuple(rest) == WEBSOCKET_PATH:
                return await self._websocket(request)
            if request.headers.get("x-api-key") != self.api_key:
                raise Problem(401, "Request Unauthorized.")
            self.requests.append((request.method, raw))
            body = await request.read()
            if (
                request.method not in ("GET", "HEAD")
                and "Content-Type" in request.headers
                and request.content_type == "application/json"
                and not body
            ):
                raise Problem(400, EMPTY_BODY_TITLE)
            result = self._route(request.method, rest, request, body)
        except Problem as problem:
            return problem.response()
        if result is None:
            return web.Response(status=204)
        return web.json_response(result)

    def _route(self, method: str, rest: list[str], request: web.Request, body: bytes) -> Any:
        if not rest or rest[0] != "devices":
            raise _problem_not_found("/".join(rest))
        if len(rest) == 1:
            _allow(method, "GET")
            return self._inventory(request)
        if len(rest) == 3 and rest[1] == "subscription":
            return self._subscribe(method, rest[2], (STATE_EVENT, None, None))
        device = self._device_by_id(rest[1])
        sub = rest[2:]
        if len(sub) >= 2 and sub[-2] == "subscription":
            key = self._subscription_key(device, sub[:-2])
            return self._subscribe(method, sub[-1], key)
        if not sub:
            _allow(method, "GET")
            return device.node()
        if sub == ["capabilities"]:
            _allow(method, "GET")
            return list(device.capabilities)
        return self._device_resource(method, device, sub, body)

    def _device_by_id(self, device_id: str) -> ApiDevice:
        for device in self.devices:
            if device.device_id == device_id:
                return device
        raise _problem_not_found(f"no device {device_id}")

    def _inventory(self, request: web.Request) -> Any:
        nodes = self.devices
        if self.shape == "array":
            return [device.node() for device in nodes]
        if self.shape == "items":
            return {"items": [device.node() for device in nodes]}
        start = 0
        after = request.query.get("after")
        if after:
            cursors = [_cursor(device) for device in nodes]
            if after not in cursors:
                raise Problem(400, "Invalid cursor.", f"unknown cursor {after!r}")
            start = cursors.index(after) + 1
        limit = len(nodes)
        if "first" in request.query:
            text = request.query["first"]
            if not text.isdigit():
                raise Problem(400, "Validation failed.", "'first' must be a non-negative integer")
            limit = int(text)
        if self.page_size > 0:
            limit = min(limit, self.page_size)
        page = nodes[start : start + limit]
        edges = [{"cursor": _cursor(device), "node": device.node()} for device in page]
        return {
            "pageInfo": {
                "hasNextPage": start + len(page) < len(nodes),
                "hasPreviousPage": start > 0,
                "startCursor": edges[0]["cursor"] if edges else None,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }

    def _subscription_key(self, device: ApiDevice, path: list[str]) -> SubscriptionKey:
        if len(path) == 1 and path[0] in _DEVICE_EVENTS:
            event, capability = _DEVICE_EVENTS[path[0]]
            _require(device, capability)
            return (event, device.device_id, None)
        if len(path) == 3 and path[0] == "audio-channels" and path[2] in _CHANNEL_EVENTS:
            _require(device, "audio-channels")
            ch = _channel(device, path[1])
            _require_channel(ch, path[2])
            return (_CHANNEL_EVENTS[path[2]], device.device_id, ch.id)
        raise _problem_not_found("no such subscription")

    def _subscribe(self, method: str, transport_id: str, key: SubscriptionKey) -> None:
        _allow(method, "POST", "DELETE")
        transport = self.transports.get(transport_id)
        if transport is None:
            raise _problem_not_found(f"no transport {transport_id}")
        if method == "POST":
            transport.subscriptions.add(key)
        else:
            transport.subscriptions.discard(key)

    def _device_resource(self, method: str, device: ApiDevice, sub: list[str], body: bytes) -> Any:
        head = sub[0]
        if head not in _DEVICE_RESOURCES:
            raise _problem_not_found("/".join(sub))
        _require(device, head)  # every device resource is named after its capability
        if device.state != "ONLINE":
            raise Problem(503, "Device is not online.", f"{device.device_id} is {device.state}")
        match sub:
            case ["name"]:
                _allow(method, "GET", "PATCH")
                if method == "GET":
                    return {"name": device.name}
                self.rename(device.device_id, _name_field(_json_object(body)))
                return None
            case ["identify"]:
                _allow(method, "GET")
                return {"identifying": device.identifying}
            case ["identify", ("start" | "stop") as action]:
                _allow(method, "POST")
                self.set_identify(device.device_id, action == "start")
                return None
            case ["audio-mute"]:
                _allow(method, "GET", "PATCH")
                if method == "GET":
                    return {"muted": device.muted}
                self.set_device_mute(device.device_id, _bool_field(_json_object(body), "muted"))
                return None
            case ["battery-level"] | ["battery-health"]:
                _allow(method, "GET")
                assert device.battery is not None
                if head == "battery-level":
                    return device.battery.level()
                return device.battery.health_body()
            case ["battery-level" | "battery-health", "description"]:
                _allow(method, "GET")
                return {"description": _battery_description(head)}
            case ["reboot"]:
                _allow(method, "POST")
                self._spawn(self.reboot_device(device.device_id, self.device_reboot_seconds))
                return None
            case ["uptime"]:
                _allow(method, "GET")
                return {"uptime": f"PT{device.uptime_seconds()}S"}
            case ["audio-channels"]:
                _allow(method, "GET")
                return [ch.listing() for ch in device.channels]
            case ["audio-channels", channel_key, *tail]:
                return self._channel_resource(
                    method, device, _channel(device, channel_key), tail, body
                )
        raise _problem_not_found("/".join(sub))

    def _channel_resource(
        self, method: str, device: ApiDevice, ch: ApiChannel, tail: list[str], body: bytes
    ) -> Any:
        if not tail:
            _allow(method, "GET")
            return ch.listing()
        if tail[0] not in _CHANNEL_EVENTS:
            raise _problem_not_found("/".join(tail))
        _require_channel(ch, tail[0])
        match tail:
            case ["mute"]:
                _allow(method, "GET", "PATCH")
                if method == "GET":
                    return {"muted": ch.muted}
                self.set_channel_mute(
                    device.device_id, ch.index + 1, _bool_field(_json_object(body), "muted")
                )
                return None
            case ["gain"]:
                _allow(method, "GET", "PATCH")
                if method == "GET":
                    return {"gain": ch.gain}
                value = _json_object(body).get("gain")
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise Problem(400, "Validation failed.", "'gain' must be a number")
                try:
                    self.set_channel_gain(device.device_id, ch.index + 1, value)
                except ValueError as err:
                    raise Problem(400, "Validation failed.", str(err)) from err
                return None
            case ["gain", "description"]:
                _allow(method, "GET")
                low, high, step = device.spec.gain_range
                return {"constraints": {"gain": {"range": {"min": low, "max": high, "step": step}}}}
            case ["name"]:
                _allow(method, "GET", "PATCH")
                if method == "GET":
                    return {"name": ch.name}
                self.rename_channel(device.device_id, ch.index + 1, _name_field(_json_object(body)))
                return None
            case ["activity"]:
                _allow(method, "GET")
                return {"audioLevel": ch.audio_level}
        raise _problem_not_found("/".join(tail))

    # ------------------------------------------------------------------ WebSocket
    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self.websocket_requires_key and request.headers.get("x-api-key") != self.api_key:
            raise Problem(401, "Request Unauthorized.")
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            raise Problem(400, "WebSocket upgrade expected.")
        await ws.prepare(request)
        transport = Transport(str(uuid.uuid4()), ws, request.transport)
        self.transports[transport.transport_id] = transport
        sender = asyncio.get_running_loop().create_task(self._send_events(transport))
        try:
            await ws.send_json({"transportId": transport.transport_id})
            async for message in ws:
                if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
                # Clients have nothing to say on this socket: anything sent is ignored.
        except ConnectionError:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            self.transports.pop(transport.transport_id, None)
        return ws

    async def _send_events(self, transport: Transport) -> None:
        try:
            while True:
                frame = await transport.queue.get()
                await transport.ws.send_str(frame)
                transport.sent += 1
        except ConnectionError:
            return

    def _close_transports(self) -> None:
        for transport in list(self.transports.values()):
            if transport.connection is not None:
                transport.connection.abort()
        self.transports.clear()

    # ------------------------------------------------------------------ controls
    def device(self, key: str | int) -> ApiDevice:
        """Device by id, name (case-insensitive), model or list index (``KeyError`` if none)."""
        text = str(key)
        for device in self.devices:
            if text in (device.device_id, device.serial) or text.lower() == device.name.lower():
                return device
        for device in self.devices:
            if text.upper() == device.model:
                return device
        if text.isdigit() and int(text) < len(self.devices):
            return self.devices[int(text)]
        raise KeyError(key)

    def add_device(self, device: ApiDevice) -> ApiDevice:
        """Put a device behind the server (``DEVICE_STATE_CHANGE``)."""
        if any(d.device_id == device.device_id for d in self.devices):
            raise ValueError(f"device {device.device_id} is already there")
        self.devices.append(device)
        self._state_changed(device)
        return device

    def remove_device(self, key: str | int) -> ApiDevice:
        """Take a device away: its last ``DEVICE_STATE_CHANGE`` shows it ``OFFLINE``."""
        device = self.device(key)
        self.devices.remove(device)
        self._cancel_identify(device)
        device.state = "OFFLINE"
        self._state_changed(device)
        return device

    def set_state(self, key: str | int, state: str) -> ApiDevice:
        """``ONLINE``, ``OFFLINE`` or ``DISCOVERED`` (an event when it changes)."""
        if state not in DEVICE_STATES:
            raise ValueError(f"state must be one of {', '.join(DEVICE_STATES)}")
        device = self.device(key)
        if device.state != state:
            if device.state != "ONLINE" and state == "ONLINE":
                device.booted = time.monotonic()
            device.state = state
            if state != "ONLINE":
                self._cancel_identify(device)
            self._state_changed(device)
        return device

    def set_online(self, key: str | int, online: bool) -> ApiDevice:
        """Shorthand for ``set_state`` ONLINE / OFFLINE."""
        return self.set_state(key, "ONLINE" if online else "OFFLINE")

    def rename(self, key: str | int, name: str) -> ApiDevice:
        """Device name (``DEVICE_NAME``)."""
        device = self.device(key)
        device.name = _valid_name(name)
        self.publish("DEVICE_NAME", device, {"name": device.name})
        return device

    def set_identify(self, key: str | int, on: bool) -> ApiDevice:
        """Identify on (stops by itself after ``identify_seconds``) or off."""
        device = self.device(key)
        self._cancel_identify(device)
        device.identifying = on
        if on:
            self._identify_tasks[device.device_id] = asyncio.get_running_loop().create_task(
                self._identify_timeout(device)
            )
        self.publish("DEVICE_IDENTIFY", device, {"identifying": on})
        return device

    async def _identify_timeout(self, device: ApiDevice) -> None:
        await asyncio.sleep(self.identify_seconds)
        self._identify_tasks.pop(device.device_id, None)
        device.identifying = False
        self.publish("DEVICE_IDENTIFY", device, {"identifying": False})

    def _cancel_identify(self, device: ApiDevice) -> None:
        task = self._identify_tasks.pop(device.device_id, None)
        if task is not None:
            task.cancel()
        device.identifying = False

    def set_device_mute(self, key: str | int, muted: bool) -> ApiDevice:
        """Device-level mute (``DEVICE_AUDIO_MUTE``)."""
        device = self.device(key)
        if "audio-mute" not in device.spec.capabilities:
            raise ValueError(f"{device.model} has no device mute")
        device.muted = muted
        self.publish("DEVICE_AUDIO_MUTE", device, {"muted": muted})
        return device

    def set_battery(
        self,
        key: str | int,
        *,
        percent: int | None = None,
        minutes: int | None = None,
        calculating: bool = False,
        charging: bool | None = None,
        health: int | None = None,
        cycles: int | None = None,
    ) -> ApiDevice:
        """Battery values; ``DEVICE_BATTERY_LEVEL`` / ``DEVICE_BATTERY_HEALTH`` for what changed."""
        device = self.device(key)
        battery = device.battery
        if battery is None:
            raise ValueError(f"{device.model} has no battery")
        for label, value, high in (
            ("percent", percent, 100),
            ("health", health, 100),
            ("minutes", minutes, 100_000),
            ("cycles", cycles, 100_000),
        ):
            if value is not None and not 0 <= value <= high:
                raise ValueError(f"{label!r} must lie in 0…{high}")
        level_before = battery.level()
        health_before = battery.health_body()
        if percent is not None:
            battery.percentage = percent
        if minutes is not None:
            battery.minutes = minutes
        if calculating:
            battery.minutes = None
        if charging is not None:
            battery.charging = charging
        if health is not None:
            battery.health = health
        if cycles is not None:
            battery.cycles = cycles
        if battery.level() != level_before:
            self.publish("DEVICE_BATTERY_LEVEL", device, battery.level())
        if battery.health_body() != health_before:
            self.publish("DEVICE_BATTERY_HEALTH", device, battery.health_body())
        return device

    def set_channel_mute(self, key: str | int, number: int | str, muted: bool) -> ApiChannel:
        """Channel mute (``AUDIO_CHANNEL_MUTE``)."""
        device = self.device(key)
        ch = _control_channel(device, number, "mute")
        ch.muted = muted
        self.publish("AUDIO_CHANNEL_MUTE", device, {"muted": muted}, ch)
        return ch

    def set_channel_gain(self, key: str | int, number: int | str, gain: float) -> ApiChannel:
        """Channel gain in dB, on the model's range and step (``AUDIO_CHANNEL_GAIN``)."""
        device = self.device(key)
        ch = _control_channel(device, number, "gain")
        low, high, step = device.spec.gain_range
        if not low <= gain <= high or (gain - low) % step:
            raise ValueError(f"gain must lie in {low}…{high} dB in steps of {step}")
        ch.gain = int(gain) if float(gain).is_integer() else gain
        self.publish("AUDIO_CHANNEL_GAIN", device, {"gain": ch.gain}, ch)
        return ch

    def rename_channel(self, key: str | int, number: int | str, name: str) -> ApiChannel:
        """Channel name (``AUDIO_CHANNEL_NAME``)."""
        device = self.device(key)
        ch = _control_channel(device, number, "name")
        ch.name = _valid_name(name)
        self.publish("AUDIO_CHANNEL_NAME", device, {"name": ch.name}, ch)
        return ch

    def set_activity(self, key: str | int, number: int | str, level: str) -> ApiChannel:
        """Audio activity ``LOW`` / ``GOOD`` / ``CLIPPING`` (pushed at once when it changes)."""
        if level not in AUDIO_LEVELS:
            raise ValueError(f"level must be one of {', '.join(AUDIO_LEVELS)}")
        device = self.device(key)
        ch = _control_channel(device, number, "activity")
        if ch.audio_level != level:
            ch.audio_level = level
            self.publish(ACTIVITY_EVENT, device, {"audioLevel": level}, ch)
        return ch

    async def reboot_device(self, key: str | int, seconds: float) -> None:
        """The device goes offline for ``seconds``, then comes back."""
        device = self.device(key)
        self.set_state(device.device_id, "OFFLINE")
        await asyncio.sleep(seconds)
        if device in self.devices:
            self.set_state(device.device_id, "ONLINE")

    def drop_connections(self) -> int:
        """Abruptly close every HTTP and WebSocket connection; returns how many."""
        count = 0
        if self._runner is not None and self._runner.server is not None:
            for handler in self._runner.server.connections:
                connection = handler.transport
                if connection is not None:
                    connection.abort()
                else:
                    handler.force_close()
                count += 1
        self._close_transports()
        return count

    def set_hung(self, hung: bool) -> None:
        """Hung: requests wait unanswered, nothing is pushed, until un-hung."""
        self.hung = hung
        if hung:
            self._unhung.clear()
        else:
            self._unhung.set()

    async def reboot(self, seconds: float) -> None:
        """The server goes away for ``seconds`` (connections refused), then listens again."""
        if self._runner is None or self.rebooting:
            return
        self.rebooting = True
        try:
            await self._close_site()
            await asyncio.sleep(seconds)
            if self._runner is not None:
                await self._open_site()
        finally:
            self.rebooting = False

    def set_api_key(self, key: str | None = None) -> str:
        """A new shared key (random when none given); the old one stops working."""
        self.api_key = key or str(uuid.uuid4())
        return self.api_key

    def regenerate_certificate(self) -> str:
        """Present a new self-signed certificate (as after a reinstall): connections drop."""
        self.certificate = self_signed(f"{self.name} {secrets.token_hex(4)}", self.host)
        _load_certificate(self._context, self.certificate)
        self.drop_connections()
        return self.certificate.fingerprint

    @property
    def live(self) -> bool:
        """Whether live mode is on."""
        return self._live_wanted

    def start_live(self, seed: int | None = None) -> None:
        """Animate audio activity; charge and drain batteries slowly (deterministic per seed)."""
        self.stop_live()
        self._live_rng = random.Random(self.seed if seed is None else seed)
        self._live_wanted = True
        if self._runner is not None:
            self._live_task = asyncio.get_running_loop().create_task(self._live_loop())

    def stop_live(self) -> None:
        """Stop live mode."""
        self._live_wanted = False
        if self._live_task is not None:
            self._live_task.cancel()
            self._live_task = None

    async def _live_loop(self) -> None:
        while True:
            await asyncio.sleep(LIVE_INTERVAL)
            self.step_live()

    def step_live(self, steps: int = 1) -> None:
        """Advance live mode by ``steps`` ticks (events as for the controls)."""
        rng = self._live_rng
        for _ in range(steps):
            self._live_steps += 1
            for device in self.devices:
                if device.state != "ONLINE":
                    continue
                for ch in device.channels:
                    if "activity" in ch.capabilities:
                        level = rng.choices(AUDIO_LEVELS, weights=(35, 60, 5))[0]
                        self.set_activity(device.device_id, ch.index + 1, level)
                battery = device.battery
                if battery is None or self._live_steps % LIVE_BATTERY_TICKS:
                    continue
                if battery.charging:
                    percent = min(100, battery.percentage + 1)
                    minutes = None if battery.minutes is None else max(0, battery.minutes - 2)
                else:
                    percent = max(0, battery.percentage - 1)
                    minutes = None if battery.minutes is None else max(0, battery.minutes - 5)
                self.set_battery(device.device_id, percent=percent, minutes=minutes)

    def set_options(self, **options: Any) -> None:
        """Change options (all or none: a bad value leaves every option as it was).

        ``shape``, ``page_size``, ``activity_interval``, ``identify_seconds``,
        ``device_reboot_seconds``, ``websocket_requires_key``.
        """
        saved = {key: getattr(self, key) for key in options if hasattr(self, key)}
        for key, value in options.items():
            if key not in _OPTIONS:
                raise ValueError(f"unknown option {key!r}")
            setattr(self, key, value)
        try:
            self._check_options()
        except ValueError:
            for key, value in saved.items():
                setattr(self, key, value)
            raise
        self._retick.set()

    def _check_options(self) -> None:
        if self.shape not in INVENTORY_SHAPES:
            raise ValueError(f"shape must be one of {', '.join(INVENTORY_SHAPES)}")
        if isinstance(self.page_size, bool) or not isinstance(self.page_size, int):
            raise ValueError("page_size must be an integer")
        if self.page_size < 0:
            raise ValueError("page_size must not be negative")
        for key in ("activity_interval", "identify_seconds", "device_reboot_seconds"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{key} must be a non-negative number")
        if not isinstance(self.websocket_requires_key, bool):
            raise ValueError("websocket_requires_key must be true or false")

    def snapshot(self) -> dict[str, Any]:
        """Server summary for the control API (includes the API key: it is a simulator)."""
        return {
            "name": self.name,
            "model": "SYSTEM-API",
            "host": self.host,
            "port": self.port,
            "url": self.url,
            "api_key": self.api_key,
            "fingerprint": self.fingerprint,
            "running": self.running,
            "hung": self.hung,
            "live": self.live,
            "shape": self.shape,
            "page_size": self.page_size,
            "activity_interval": self.activity_interval,
            "transports": {
                tid: sorted("/".join(part or "*" for part in key) for key in t.subscriptions)
                for tid, t in self.transports.items()
            },
            "devices": [device.snapshot() for device in self.devices],
        }


_OPTIONS = (
    "shape",
    "page_size",
    "activity_interval",
    "identify_seconds",
    "device_reboot_seconds",
    "websocket_requires_key",
)


def _allow(method: str, *methods: str) -> None:
    if method not in methods:
        raise Problem(405, "Method Not Allowed.", f"allowed: {', '.join(methods)}")


def _require(device: ApiDevice, capability: str) -> None:
    if not device.has(capability):
        raise Problem(405, "Capability not supported.", f"{device.model} has no {capability!r}")


def _require_channel(ch: ApiChannel, capability: str) -> None:
    if capability not in ch.capabilities:
        raise Problem(405, "Capability not supported.", f"channel has no {capability!r}")


def _channel(device: ApiDevice, channel_id: str) -> ApiChannel:
    for ch in device.channels:
        if ch.id == channel_id:
            return ch
    raise _problem_not_found(f"no audio channel {channel_id}")


def _control_channel(device: ApiDevice, number: int | str, capability: str) -> ApiChannel:
    try:
        ch = device.channel(number)
    except KeyError:
        raise ValueError(f"{device.model} has no channel {number}") from None
    if capability not in ch.capabilities:
        raise ValueError(f"{device.model} channels have no {capability!r}")
    return ch


def _json_object(body: bytes) -> dict[str, Any]:
    if not body:
        raise Problem(400, "Body cannot be empty.")
    try:
        value = json.loads(body)
    except ValueError as err:
        raise Problem(400, "Invalid JSON.", str(err)) from err
    if not isinstance(value, dict):
        raise Problem(400, "Validation failed.", "the body must be a JSON object")
    return value


def _bool_field(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise Problem(400, "Validation failed.", f"{key!r} must be true or false")
    return value


def _name_field(body: dict[str, Any]) -> str:
    value = body.get("name")
    if not isinstance(value, str):
        raise Problem(400, "Validation failed.", "'name' must be a string")
    try:
        return _valid_name(value)
    except ValueError as err:
        raise Problem(400, "Validation failed.", str(err)) from err


def _valid_name(name: str) -> str:
    if not name.strip() or len(name) > NAME_LIMIT or any(ord(c) < 32 for c in name):
        raise ValueError(f"a name has 1…{NAME_LIMIT} printable characters")
    return name


def _battery_description(head: str) -> str:
    if head == "battery-level":
        return "Charge in percent, charging state and the time to reach the target state."
    return "Battery health in percent of the original capacity, and charge cycles."
