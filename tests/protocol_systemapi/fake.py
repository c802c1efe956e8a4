"""A terse, test-only System API server written from the protocol notes.

HTTPS with a self-signed certificate on 127.0.0.1, ``x-api-key`` checked on
every request (RFC 7807 problem object on 401), the empty-body
``Content-Type`` refusal, a paginated inventory in three shapes, per-device
capability endpoints, and a WebSocket that sends ``{transportId}`` first and
then ``{envelope, body}`` events for registered subscriptions.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
import json
from typing import Any
from urllib.parse import parse_qs, quote, unquote
import uuid

from aiohttp import WSMsgType, web

from simulator.tls import Certificate, self_signed

KEY = "s3cret-shared-key-0123456789"


def channel_id(model: str, index: int, *, long_form: bool = False) -> str:
    """A base64-JSON channel id; chosen so that it contains ``/`` (must be URL-encoded)."""
    for pad in range(12):
        tag = "?" * pad + "~~~"
        if long_form:
            data = {"type": "AudioChannel", "model": model, "tag": tag, "index": index}
        else:
            data = {"t": "AudioChannel", "c": model, "v": 131_088, "s": tag, "i": index}
        encoded = base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
        if "/" in encoded or "+" in encoded:
            return encoded
    raise AssertionError("no id with a slash")


@dataclass
class Channel:
    id: str
    caps: list[str]
    name: Any = "CH"
    gain: Any = 0
    muted: Any = False
    level: Any = "LOW"


@dataclass
class Device:
    device_id: str
    serial: str | None
    model: str
    caps: list[str]
    state: str = "ONLINE"
    firmware: str = "1.2.3"
    address: str | None = None
    name: Any = "Device"
    muted: Any = False
    identifying: Any = False
    battery: Any = None
    health: Any = None
    channels: list[Channel] = field(default_factory=list)

    def node(self) -> dict[str, Any]:
        hardware: dict[str, Any] = {"deviceId": self.device_id}
        if self.serial is not None:
            hardware["serialNumber"] = self.serial
        node: dict[str, Any] = {
            "hardwareIdentity": hardware,
            "softwareIdentity": {"model": self.model, "firmwareVersion": self.firmware},
            "deviceState": self.state,
            "compatibility": "COMPATIBLE_LATEST",
            "capabilities": list(self.caps),
        }
        if self.address:
            node["communicationProtocol"] = {"name": "ESTA.DMP", "address": self.address}
        return node


def standard_devices() -> list[Device]:
    """An ADTQ (4 channels, listed out of order), an ANX4 without serial, a ULXD6 (battery)."""
    adtq_channels = [
        Channel(channel_id("ADTQ", i), ["activity", "gain", "name"], f"IEM {i + 1}", i - 2)
        for i in (2, 0, 3, 1)
    ]
    anx4_channels = [
        Channel(
            channel_id("ANX4", i, long_form=True),
            ["activity", "gain", "mute", "name"],
            f"ANX {i + 1}",
            10 + i,
            i == 1,
            "GOOD",
        )
        for i in (0, 1)
    ]
    return [
        Device(
            "dev-adtq",
            "ADTQ001",
            "ADTQ",
            ["identify", "name", "reboot", "audio-channels", "audio-channels-v2"],
            address="192.0.2.10",
            name="PSM Rack",
            channels=adtq_channels,
        ),
        Device(
            "dev-anx4",
            None,
            "ANX4",
            ["identify", "name", "audio-channels", "audio-mute"],
            name="Stage ANX",
            channels=anx4_channels,
        ),
        Device(
            "dev-ulxd6",
            "ULX6001",
            "ULXD6",
            ["identify", "name", "battery-level", "battery-health", "audio-mute"],
            name="Vocal 1",
            battery={
                "percentage": 87,
                "status": {
                    "currentState": "DISCHARGING",
                    "targetState": "EMPTY",
                    "timeToTargetState": "PT385M",
                },
            },
            health={"percentage": 96, "cycleCount": 42},
        ),
    ]


@dataclass
class Seen:
    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0


class FakeSystemApi:
    """The server; ``devices`` may be changed by tests at any time."""

    def __init__(self, devices: list[Device] | None = None) -> None:
        self.key = KEY
        self.cert: Certificate = self_signed("SystemAPI")
        self.devices: dict[str, Device] = {d.device_id: d for d in devices or standard_devices()}
        self.shape = "edges"
        self.page_size: int | None = None
        self.repeat_pages = False
        self.answer_pings = True
        self.seen: list[Seen] = []
        #: transport id -> (socket, subscribed resources)
        self.transports: dict[str, tuple[web.WebSocketResponse, set[tuple[str, ...]]]] = {}
        self.subscribed: dict[str, set[tuple[str, ...]]] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None

    # --- life cycle -------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=0.1, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, "127.0.0.1", self.port, ssl_context=self.cert.server_context()
        )
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def drop_sockets(self) -> None:
        for ws, _ in list(self.transports.values()):
            await ws.close()
        self.transports.clear()

    async def stop(self) -> None:
        await self.drop_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- events -----------------------------------------------------------

    async def push(
        self,
        device_id: str,
        event: str,
        body: Any,
        resource: tuple[str, ...],
        ch: str | None = None,
    ) -> int:
        """Send an event to every transport subscribed to ``resource``; how many got it."""
        envelope: dict[str, Any] = {"eventName": event, "deviceId": device_id}
        if ch is not None:
            envelope["audioChannelId"] = ch
        sent = 0
        for ws, resources in list(self.transports.values()):
            if resource in resources:
                await ws.send_json({"envelope": envelope, "body": body})
                sent += 1
        return sent

    async def send_raw(self, text: str) -> None:
        for ws, _ in list(self.transports.values()):
            await ws.send_str(text)

    async def set_state(self, device_id: str, state: str) -> int:
        device = self.devices[device_id]
        device.state = state
        return await self.push(device_id, "DEVICE_STATE_CHANGE", device.node(), ("devices",))

    # --- HTTP -------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen = Seen(request.method, request.raw_path, dict(request.headers), body)
        self.seen.append(seen)
        response = await self._answer(request, body)
        seen.status = response.status
        return response

    async def _answer(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.headers.get("x-api-key") != self.key:
            return problem(401, "Request Unauthorized.")
        if request.headers.get("Content-Type", "").startswith("application/json") and not body:
            return problem(
                400, "Body cannot be empty when content-type is set to 'application/json'"
            )
        raw = request.raw_path.split("?", 1)[0]
        parts = [unquote(p) for p in raw.strip("/").split("/")]
        if parts[:2] != ["api", "v1"]:
            return problem(404, "Not Found")
        parts = parts[2:]
        method = request.method
        if parts == ["subscriptions", "websocket", "create"]:
            return await self._websocket(request)
        if parts == ["devices"] and method == "GET":
            return self._inventory(request)
        if len(parts) >= 2 and parts[-2] == "subscription":
            return self._subscription(method, tuple(parts[:-2]), parts[-1])
        if len(parts) < 2 or parts[0] != "devices" or parts[1] not in self.devices:
            return problem(404, "Not Found")
        device = self.devices[parts[1]]
        data = json.loads(body) if body else None
        return await self._device(device, method, parts[2:], data)

    def _inventory(self, request: web.Request) -> web.Response:
        nodes = [d.node() for d in self.devices.values()]
        if self.shape == "array":
            return web.json_response(nodes)
        if self.shape == "items":
            return web.json_response({"items": nodes})
        query = parse_qs(request.rel_url.raw_query_string)
        start = int(base64.b64decode(query["after"][0])) if "after" in query else 0
        if self.repeat_pages:
            start = 0
        size = self.page_size or len(nodes)
        page = nodes[start : start + size]
        end = start + len(page)
        cursor = base64.b64encode(str(end).encode()).decode()
        return web.json_response(
            {
                "pageInfo": {
                    "hasNextPage": self.repeat_pages or end < len(nodes),
                    "hasPreviousPage": start > 0,
                    "startCursor": base64.b64encode(str(start).encode()).decode(),
                    "endCursor": cursor,
                },
                "edges": [{"cursor": cursor, "node": n} for n in page],
            }
        )

    def _subscription(self, method: str, resource: tuple[str, ...], tid: str) -> web.Response:
        if tid not in self.transports:
            return problem(404, "Transport not found")
        if method == "POST":
            self.transports[tid][1].add(resource)
            self.subscribed.setdefault(tid, set()).add(resource)
        elif method == "DELETE":
            self.transports[tid][1].discard(resource)
        else:
            return problem(405, "Method Not Allowed")
        return web.Response(status=204)

    async def _device(
        self, device: Device, method: str, rest: list[str], data: Any
    ) -> web.Response:
        did = device.device_id
        if not rest and method == "GET":
            return web.json_response(device.node())
        capability = rest[0] if rest else ""
        if capability not in device.caps:
            return problem(405, "Capability not supported")
        if rest == ["name"]:
            if method == "PATCH":
                device.name = data["name"]
                await self.push(did, "DEVICE_NAME", {"name": device.name}, ("devices", did, "name"))
                return web.Response(status=204)
            return web.json_response({"name": device.name})
        if rest == ["identify"]:
            return web.json_response({"identifying": device.identifying})
        if rest[0] == "identify" and rest[1:] in (["start"], ["stop"]) and method == "POST":
            device.identifying = rest[1] == "start"
            return web.Response(status=204)
        if rest == ["audio-mute"]:
            if method == "PATCH":
                device.muted = data["muted"]
                await self.push(
                    did,
                    "DEVICE_AUDIO_MUTE",
                    {"muted": device.muted},
                    ("devices", did, "audio-mute"),
                )
                return web.Response(status=204)
            return web.json_response({"muted": device.muted})
        if rest == ["battery-level"]:
            return web.json_response(device.battery)
        if rest == ["battery-health"]:
            return web.json_response(device.health)
        if rest == ["audio-channels"]:
            return web.json_response(
                [
                    {"id": c.id, "role": "SOURCE", "group": "GENERIC", "capabilities": c.caps}
                    for c in device.channels
                ]
            )
        if rest[0] == "audio-channels" and len(rest) == 3:
            return await self._channel(device, method, rest[1], rest[2], data)
        return problem(404, "Not Found")

    async def _channel(
        self, device: Device, method: str, ch: str, what: str, data: Any
    ) -> web.Response:
        channel = next((c for c in device.channels if c.id == ch), None)
        if channel is None:
            return problem(404, "Not Found")
        if what not in channel.caps:
            return problem(405, "Capability not supported")
        attribute, key = {
            "mute": ("muted", "muted"),
            "gain": ("gain", "gain"),
            "name": ("name", "name"),
            "activity": ("level", "audioLevel"),
        }[what]
        if method == "PATCH" and what != "activity":
            setattr(channel, attribute, data[key])
            await self.push(
                device.device_id,
                f"AUDIO_CHANNEL_{what.upper()}",
                {key: data[key]},
                ("devices", device.device_id, "audio-channels", ch, what),
                ch,
            )
            return web.Response(status=204)
        return web.json_response({key: getattr(channel, attribute)})

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=self.answer_pings)
        await ws.prepare(request)
        tid = str(uuid.uuid4())
        self.transports[tid] = (ws, set())
        await ws.send_json({"transportId": tid})
        try:
            async for message in ws:
                if message.type is WSMsgType.PING and not self.answer_pings:
                    continue
        finally:
            self.transports.pop(tid, None)
        return ws


def problem(status: int, title: str) -> web.Response:
    return web.json_response(
        {
            "type": "",
            "title": title,
            "status": status,
            "detail": "",
            "instance": "",
            "traceId": str(uuid.uuid4()),
        },
        status=status,
    )


def resource(device_id: str, *rest: str) -> tuple[str, ...]:
    return ("devices", device_id, *rest)


async def wait_for(condition: Any, timeout: float = 5.0) -> None:
    """Wait until ``condition()`` is true."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def encoded(channel: str) -> str:
    return quote(channel, safe="")
