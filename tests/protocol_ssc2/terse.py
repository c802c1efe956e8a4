"""A deliberately terse SSCv2 device written from the protocol notes alone (not the simulator).

HTTPS with its own self-signed certificate on 127.0.0.1, HTTP Basic (user
``api``), 0-based ids, ``422`` for an absent transmitter.  Its event stream
uses ``data:`` without a space, CR LF line ends and a bare-UUID
``Content-Location`` (``content_location`` picks ``"path"`` or ``"none"``
instead); it pushes only what changed and only what a session added.
``hang`` makes every request (and the streams) go quiet until released.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
import json
import re
from typing import Any
import uuid

from aiohttp import web

from simulator.tls import Certificate, self_signed

OPEN = ("/api/ssc/version", "/api/device/identity", "/api/device/identification")
SESSIONS = "/api/ssc/state/subscriptions"


@dataclass
class Session:
    id: str
    paths: set[str] = field(default_factory=set)
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)


def ewdx(channels: int = 2, product: str = "EWDX2CHS") -> dict[str, Any]:
    res: dict[str, Any] = {
        "/api/ssc/version": {"protocol": "2.3", "schema": "1.7"},
        "/api/device/identity": {"product": product, "serial": "EWDX123", "vendor": "Sennheiser"},
        "/api/device/site": {"deviceName": "STAGE-LEFT", "location": "", "position": ""},
        "/api/device/state": {"state": "Normal", "warnings": []},
        "/api/device/identification": {"visual": False},
        "/api/firmware/update/state": {"deviceVersion": "4.0.1", "state": "Idle"},
        "/api/rf": {"code": "Q1-9", "ranges": []},
    }
    for ch in range(channels):
        res |= {
            f"/api/channel/{ch}": {"name": f"CH{ch + 1}", "mute": False, "gain": 12, "mates": []},
            f"/api/channel/{ch}/warnings": [],
            f"/api/channel/{ch}/signalStrengthIndicator": {"value": -60 - ch},
            f"/api/channel/{ch}/signalQualityIndicator": {"value": 90 - ch},
            f"/api/channel/{ch}/diversityIndicator": {"value": 1},
            f"/api/channel/{ch}/level": {"value": -30.5},
            f"/api/channel/{ch}/identify": {"visual": False},
            f"/api/rf/channels/{ch}": {"frequency": 650425 + ch * 1000},
            f"/api/transmitters/{ch}": {"type": "EW_DX_SKM", "name": f"TX{ch + 1}", "mute": False},
            f"/api/transmitters/{ch}/battery": {"type": "Battery", "lifetime": 300, "gauge": 80},
            f"/api/transmitters/{ch}/warnings": [],
        }
    return res


def spectera(mobiles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "/api/ssc/version": {"protocol": "2.3", "schema": "18.1", "schemaDetailed": "18.1.0"},
        "/api/device/identity": {"product": "Spectera Base Station", "serial": "SBS1"},
        "/api/device/site": {"deviceName": "SPECTERA", "location": ""},
        "/api/device/state": {"state": "Normal", "warnings": []},
        "/api/device/identification": {"visual": False},
        "/api/mts/paired/all": mobiles,
    }


class TerseSsc2:
    def __init__(
        self,
        resources: dict[str, Any],
        *,
        password: str = "Terse-Pass-1!",
        absent: set[int] | None = None,
        content_location: str = "bare",
    ) -> None:
        self.resources = resources
        self.password = password
        self.absent = absent if absent is not None else set()
        self.content_location = content_location
        self.certificate: Certificate = self_signed("terse-ssc2")
        self.sessions: dict[str, Session] = {}
        self.deleted: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[tuple[str, Any]] = []
        self.auth_headers: list[str] = []
        self.released = asyncio.Event()
        self.released.set()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # --- control ---------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, handle_signals=False)
        await self._runner.setup()
        await self._listen(port)

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(
            self._runner, "127.0.0.1", port, ssl_context=self.certificate.server_context()
        )
        await self._site.start()
        server = self._site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def new_certificate(self) -> None:
        """Restart on the same port with another certificate (open connections are dropped)."""
        assert self._runner is not None
        self.end_streams()
        await self._runner.cleanup()
        self.certificate = self_signed("terse-ssc2-new")
        await self.start(self.port)

    async def stop(self) -> None:
        self.released.set()
        self.end_streams()
        if self._runner is not None:
            await self._runner.cleanup()

    def hang(self) -> None:
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    def end_streams(self) -> None:
        for session in self.sessions.values():
            session.queue.put_nowait(None)

    def raw(self, data: bytes) -> None:
        """Write bytes as they are to every open stream."""
        for session in self.sessions.values():
            session.queue.put_nowait(data)

    def push(self, changes: dict[str, Any]) -> None:
        """Change resources and notify the sessions that added them."""
        self.resources.update(changes)
        for session in self.sessions.values():
            mine = {path: value for path, value in changes.items() if path in session.paths}
            if mine:
                session.queue.put_nowait(b"data:" + json.dumps(mine).encode() + b"\r\n\r\n")

    def set_transmitter(self, ch: int, present: bool) -> None:
        if present:
            self.absent.discard(ch)
        else:
            self.absent.add(ch)
        self.push({"/api/transmitters": self._transmitters()})

    def count(self, method: str, path: str) -> int:
        return sum(1 for item in self.requests if item == (method, path))

    # --- HTTP ------------------------------------------------------------

    def _transmitters(self) -> list[dict[str, Any]]:
        out = []
        for path, value in self.resources.items():
            m = re.fullmatch(r"/api/transmitters/(\d+)", path)
            if m and int(m[1]) not in self.absent:
                out.append({"id": int(m[1]), "transmitter": value})
        return out

    def _authorized(self, request: web.Request) -> int | None:
        header = request.headers.get("Authorization", "")
        self.auth_headers.append(header)
        expected = base64.b64encode(f"api:{self.password}".encode()).decode()
        if header == f"Basic {expected}":
            return None
        initial = base64.b64encode(f"initialSennheiser:{self.password}".encode()).decode()
        return 403 if header == f"Basic {initial}" else 401

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/")
        self.requests.append((request.method, path))
        await self.released.wait()
        if path not in OPEN and (status := self._authorized(request)) is not None:
            return web.Response(status=status)
        if path == SESSIONS and request.method == "GET":
            return await self._stream(request)
        if path.startswith(SESSIONS + "/"):
            return await self._session(request, path[len(SESSIONS) + 1 :])
        m = re.fullmatch(r"/api/transmitters/(\d+)(/\w+)?", path)
        if m and int(m[1]) in self.absent:
            return web.Response(status=422)
        if path == "/api/transmitters" and request.method == "GET":
            return web.json_response(self._transmitters())
        if path not in self.resources:
            return web.Response(status=404)
        if request.method == "GET":
            return web.json_response(self.resources[path])
        if request.method == "PUT":
            body = await request.json()
            self.bodies.append((path, body))
            current = self.resources[path]
            self.push({path: {**current, **body} if isinstance(current, dict) else body})
            return web.json_response(self.resources[path])
        return web.Response(status=405)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        session = Session(str(uuid.uuid4()))
        self.sessions[session.id] = session
        headers = {"Content-Type": "text/event-stream"}
        if self.content_location == "bare":
            headers["Content-Location"] = session.id
        elif self.content_location == "path":
            headers["Content-Location"] = f"{SESSIONS}/{session.id}"
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        opened = {"path": f"{SESSIONS}/{session.id}", "sessionUUID": session.id}
        await response.write(b"event:open\r\ndata:" + json.dumps(opened).encode() + b"\r\n\r\n")
        try:
            while (chunk := await session.queue.get()) is not None:
                await self.released.wait()
                await response.write(chunk)
        except ConnectionError, asyncio.CancelledError:
            pass
        # The session outlives its stream until it is deleted (as sessions on devices do).
        return response

    async def _session(self, request: web.Request, rest: str) -> web.StreamResponse:
        sid, _, action = rest.partition("/")
        session = self.sessions.get(sid)
        if session is None:
            return web.Response(status=422)
        if request.method == "DELETE" and not action:
            self.deleted.append(sid)
            del self.sessions[sid]
            session.queue.put_nowait(None)
            return web.Response(status=200)
        if request.method == "GET" and not action:
            return web.json_response(sorted(session.paths))
        paths = await request.json()
        self.bodies.append((f"{SESSIONS}/{action}", paths))
        if action == "add":
            for path in paths:
                if path not in self.resources and path != "/api/transmitters":
                    return web.json_response({"path": path, "error": 404}, status=400)
            session.paths.update(paths)
        elif action == "remove":
            session.paths.difference_update(paths)
        else:
            return web.Response(status=404)
        return web.Response(status=200)
