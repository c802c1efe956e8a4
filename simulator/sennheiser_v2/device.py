"""A simulated Sennheiser SSCv2 device: HTTPS REST with Basic auth and SSE subscriptions.

One aiohttp server per device on its own port, presenting its own
self-signed certificate (``simulator.tls``).  Subscriptions follow the notes'
§3.3: ``GET /api/ssc/state/subscriptions`` opens an event stream whose first
event names the session; resources are added, removed or replaced with PUTs
on the session's path, and every change of a subscribed resource is pushed
as one ``data:`` line keyed by path — on change only, never periodically.
The controls (``set_transmitter`` …) match the other simulators', so the same
control API drives these devices.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections import deque
from collections.abc import Coroutine
import contextlib
from dataclasses import asdict, dataclass, field
import hmac
import json
from pathlib import Path
import random
import re
import ssl
import tempfile
from types import TracebackType
from typing import Any, Self
import uuid
import zlib

from aiohttp import web

from simulator.sennheiser_v2.models import Ssc2ModelSpec, resolve_ssc2_model
from simulator.sennheiser_v2.resources import (
    MT_TYPES,
    TX_TYPES,
    Access,
    ApiError,
    Route,
    build_resources,
)
from simulator.sennheiser_v2.state import Ssc2Channel
from simulator.tls import Certificate, self_signed

__all__ = [
    "DEFAULT_API_PASSWORD",
    "DEFAULT_CONTROL_PASSWORD",
    "INITIAL_PASSWORD",
    "SUBSCRIPTIONS",
    "Ssc2Device",
    "create_ssc2_device",
    "meets_password_policy",
]

SUBSCRIPTIONS = "/api/ssc/state/subscriptions"
#: Default password of the third-party user ``api`` (meets Control Cockpit's policy).
DEFAULT_API_PASSWORD = "Micboard-Api1!"  # noqa: S105
#: Default password of ``controlSennheiser`` (Sennheiser's own software).
DEFAULT_CONTROL_PASSWORD = "Micboard-Ctrl1!"  # noqa: S105
#: ``initialSennheiser`` logs in with the common default and is refused (403) nearly everywhere.
INITIAL_PASSWORD = "sennheiser"  # noqa: S105
USERS = ("api", "controlSennheiser")
REALM = 'Basic realm="SSCv2"'
LIVE_INTERVAL = 0.5
LIVE_DRAIN_STEPS = 60
#: Events a session's stream may have queued before the device gives up on the reader.
QUEUE_LIMIT = 1024
MAX_BODY = 64 * 1024
_ABSENT = "\x00absent"
_POLICY = tuple(re.compile(p) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"))


def meets_password_policy(password: str) -> bool:
    """Control Cockpit's third-party password policy: 10–64 characters, a–z, A–Z, 0–9, symbol."""
    return 10 <= len(password) <= 64 and all(p.search(password) for p in _POLICY)


@dataclass(eq=False)
class Session:
    """One subscription session: its user, resource paths and what it was last sent."""

    uuid: str
    user: str
    paths: list[str] = field(default_factory=list)
    #: Last state sent per pushed key (a JSON text, or the absent marker).
    last: dict[str, str] = field(default_factory=dict)
    #: The open stream's queue; None once the stream is gone.
    queue: asyncio.Queue[bytes | None] | None = None
    detached_at: float | None = None

    @property
    def location(self) -> str:
        """The session's path."""
        return f"{SUBSCRIPTIONS}/{self.uuid}"


class Ssc2Device:
    """A fake SSCv2 EW-DX receiver or Spectera base station on one HTTPS port.

    Controls are synchronous, run on the event loop thread and push the
    changes to the open subscription streams.
    """

    def __init__(
        self,
        model: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str | None = None,
        mac: str = "00:1B:66:AA:CC:01",
        serial: str | None = None,
        seed: int = 0,
        password: str | None = DEFAULT_API_PASSWORD,
        control_password: str | None = DEFAULT_CONTROL_PASSWORD,
        channels: int | None = None,
        reply_delay: float = 0.0,
        live: bool = False,
        max_sessions: int = 4,
        session_linger: float = 60.0,
        push_on_add: bool = True,
        sse_data_space: bool = False,
        bare_content_location: bool = False,
    ) -> None:
        """Create a stopped device (``await start()`` binds it).

        ``channels`` sets the number of paired mobile devices of a Spectera
        base station (EW-DX receivers have the model's channel count).
        """
        self.spec: Ssc2ModelSpec = resolve_ssc2_model(model)
        self.host = host
        self.port = port
        self._name = name
        self.mac = mac
        self.seed = seed
        self.serial = serial or f"{zlib.crc32(f'{self.spec.model}:{seed}:{name}'.encode()):010d}"
        self.passwords: dict[str, str | None] = {
            "api": password,
            "controlSennheiser": control_password,
            "initialSennheiser": INITIAL_PASSWORD,
        }
        self.reply_delay = reply_delay
        #: Open sessions a user may hold; one more answers 429 (simulator choice:
        #: the notes only say the number is limited).
        self.max_sessions = max_sessions
        #: Seconds a session outlives its closed stream (counting against the limit)
        #: unless it is deleted.
        self.session_linger = session_linger
        #: Push the current value of resources when they are added to a session.
        self.push_on_add = push_on_add
        #: Write ``data: {…}`` (with a space) instead of the spec example's ``data:{…}``.
        self.sse_data_space = sse_data_space
        #: ``Content-Location`` holds the bare UUID (spec text) instead of the session path.
        self.bare_content_location = bare_content_location
        self.device_name = re.sub(r"[^A-Za-z0-9]", "", self.spec.product)[:18] or "SSCv2"
        self.location = ""
        self.position = ""
        self.identifying = False
        self.encryption = True
        self.transmission_mode = "Standard"
        count = channels if channels is not None and self.spec.kind == "spectera" else None
        self.channels = [
            self._initial_channel(n) for n in range(1, (count or self.spec.channels) + 1)
        ]
        self.resources = build_resources(self)
        self.certificate: Certificate = self_signed(self.device_name)
        self.sessions: dict[str, Session] = {}
        self.request_log: deque[tuple[str, str, str | None, int]] = deque(maxlen=2000)
        self._ssl: ssl.SSLContext | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._hung = False
        self._awake = asyncio.Event()
        self._awake.set()
        self._running = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._live_wanted = live
        self._live_task: asyncio.Task[None] | None = None
        self._live_rng = random.Random(seed)
        self._live_steps = 0

    def _initial_channel(self, n: int) -> Ssc2Channel:
        spec = self.spec
        low, _ = spec.band_khz
        c = Ssc2Channel(index=n, name=f"CH {n}", tx_name=f"TX{n}", tx_type=spec.default_tx)
        c.frequency_khz = low + 1000 * n
        c.preset_channel = n
        if spec.kind == "spectera":
            c.tx_type = (
                MT_TYPES[(n - 1) % 2]
                if spec.default_tx not in MT_TYPES
                else (spec.default_tx if n % 2 else "SEK")
            )
            c.name = f"{c.tx_type} {n}"
            c.mt_uid = 1000 + 7 * n
            c.serial = f"{zlib.crc32(f'{self.serial}:{n}'.encode()) % 10**9:09d}"
            c.rf_channel_id = (n - 1) % 2
            c.audiolink_id = n - 1
            c.tx_version = "1.4.1"
        return c

    # ------------------------------------------------------------------ properties
    @property
    def model(self) -> str:
        """Model handle (``EWDX-EM2-SECURE`` …)."""
        return self.spec.model

    @property
    def family(self) -> str:
        """``ssc2_ewdx`` or ``ssc2_spectera``."""
        return f"ssc2_{self.spec.kind}"

    @property
    def transport(self) -> str:
        """Always ``https``."""
        return "https"

    @property
    def name(self) -> str:
        """Handle used by the control API (default ``MODEL-port``)."""
        return self._name or f"{self.model}-{self.port}"

    @property
    def channel_count(self) -> int:
        """Receiver channels (EW-DX) or paired mobile devices (Spectera)."""
        return len(self.channels)

    @property
    def client_count(self) -> int:
        """Open HTTP connections."""
        if self._runner is None or self._runner.server is None:
            return 0
        return len(self._runner.server.connections)

    @property
    def meter_rate_ms(self) -> int:
        """Always 0: SSCv2 pushes meters on change, at no fixed rate."""
        return 0

    @property
    def hung(self) -> bool:
        """True while the device answers nothing."""
        return self._hung

    @property
    def live(self) -> bool:
        """True while live mode is on."""
        return self._live_wanted

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._running

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the certificate the device presents."""
        return self.certificate.fingerprint

    @property
    def username(self) -> str:
        """The third-party user."""
        return "api"

    @property
    def password(self) -> str | None:
        """The third-party user's password (None: third-party access off)."""
        return self.passwords["api"]

    @property
    def url(self) -> str:
        """Base URL."""
        return f"https://{self.host}:{self.port}"

    def channel(self, n: int) -> Ssc2Channel:
        """Channel (or mobile device) ``n``, 1-based."""
        if not 1 <= n <= len(self.channels):
            raise ValueError(f"{self.model} has channels 1..{len(self.channels)}")
        return self.channels[n - 1]

    # ------------------------------------------------------------------ device resources
    def version(self) -> dict[str, Any]:
        """``/api/ssc/version``."""
        out = {"protocol": "2.3", "schema": self.spec.schema}
        if self.spec.kind == "spectera":
            out["schemaDetailed"] = f"{self.spec.schema}.0"
        return out

    def identity(self) -> dict[str, Any]:
        """``/api/device/identity``."""
        return {
            "product": self.spec.product,
            "hardwareRevision": "1.0",
            "serial": self.serial,
            "vendor": "Sennheiser",
        }

    def site(self) -> dict[str, Any]:
        """``/api/device/site``."""
        return {
            "deviceName": self.device_name,
            "location": self.location,
            "position": self.position,
        }

    def state(self) -> dict[str, Any]:
        """``/api/device/state``."""
        return {"state": "Identifying" if self.identifying else "Normal", "warnings": []}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Bind the port (``port`` becomes the real port) and serve."""
        if self._running:
            return
        self._ssl = self.certificate.server_context()
        app = web.Application(middlewares=[self._middleware], client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        try:
            await self._open_site()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self._running = True
        self.spawn(self._clock())
        if self._live_wanted:
            self.start_live()

    async def stop(self) -> None:
        """Close every connection and the listener, cancel every task."""
        self._running = False
        self._awake.set()
        await self._go_down()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._live_task = None

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

    async def _open_site(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self._ssl)
        await site.start()
        self._site = site
        self.port = int(self._runner.addresses[-1][1])

    async def _go_down(self) -> None:
        """Vanish: listener closed, connections cut, sessions forgotten."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self.sessions.clear()
        self.drop_connections()

    async def reboot(self, downtime: float = 1.0) -> None:
        """Go away for ``downtime`` seconds (sessions are lost), come back on the same port."""
        if not self._running:
            raise RuntimeError("device is not running")
        await self._go_down()
        self.set_hung(False)
        await asyncio.sleep(downtime)
        if self._running and self._site is None:
            await self._open_site()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start a task that stop() cancels."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _clock(self) -> None:
        """Forget sessions whose stream has been gone longer than ``session_linger``."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0.25)
            now = loop.time()
            for key, session in list(self.sessions.items()):
                gone = session.detached_at
                if session.queue is None and gone is not None and now - gone >= self.session_linger:
                    del self.sessions[key]

    # ------------------------------------------------------------------ HTTP
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.reply_delay > 0:
            await asyncio.sleep(self.reply_delay)
        await self._awake.wait()
        response: web.StreamResponse = await handler(request)
        self.request_log.append(
            (request.method, request.path, self._login(request), response.status)
        )
        return response

    def _login(self, request: web.Request) -> str | None:
        """The authenticated user, or None."""
        credentials = _basic_credentials(request.headers.get("Authorization", ""))
        if credentials is None:
            return None
        login, password = credentials
        expected = self.passwords.get(login)
        if expected is None or not hmac.compare_digest(password.encode(), expected.encode()):
            return None
        return login

    def _authorize(self, request: web.Request, access: Access) -> str | None:
        """The user for a request needing ``access``; raises 401 / 403."""
        if access is Access.OPEN:
            return self._login(request)
        user = self._login(request)
        if user is None:
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": REALM})
        if user == "initialSennheiser" and access is not Access.SITE:
            raise web.HTTPForbidden()
        return user

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == SUBSCRIPTIONS:
            self._authorize(request, Access.USER)
            if request.method != "GET":
                raise web.HTTPMethodNotAllowed(request.method, ["GET"])
            return await self._open_stream(request)
        if path.startswith(SUBSCRIPTIONS + "/"):
            return await self._session_request(request, path[len(SUBSCRIPTIONS) + 1 :])
        try:
            route, match = self.resources.resolve(path)
        except ApiError as err:
            self._authorize(request, Access.USER)
            return web.Response(status=err.status)
        try:
            if request.method == "GET" and route.get is not None:
                self._authorize(request, route.get_access)
                value = route.get(match)
                return web.Response(
                    text=_dumps(value), content_type=route.content_type.split(";")[0]
                )
            if request.method == "PUT" and route.put is not None:
                self._authorize(request, route.put_access)
                body = await _json_body(request)
                route.put(match, body)
                self._notify()
                return web.Response(status=200)
        except ApiError as err:
            return web.Response(status=err.status)
        allowed = [m for m, f in (("GET", route.get), ("PUT", route.put)) if f is not None]
        raise web.HTTPMethodNotAllowed(request.method, allowed)

    # ------------------------------------------------------------------ subscriptions
    def _event(self, data: Any, event: str | None = None) -> bytes:
        sep = "data: " if self.sse_data_space else "data:"
        head = f"event:{event}\n" if event else ""
        return f"{head}{sep}{_dumps(data)}\n\n".encode()

    async def _open_stream(self, request: web.Request) -> web.StreamResponse:
        user = self._login(request)
        assert user is not None
        held = sum(1 for s in self.sessions.values() if s.user == user)
        if held >= self.max_sessions:
            # 429 is the simulator's choice: the notes only say sessions are limited.
            return web.Response(status=429)
        session = Session(uuid=str(uuid.uuid4()), user=user)
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_LIMIT)
        session.queue = queue
        self.sessions[session.uuid] = session
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "Content-Location": session.uuid
                if self.bare_content_location
                else session.location,
            }
        )
        try:
            await response.prepare(request)
            await response.write(
                self._event({"path": session.location, "sessionUUID": session.uuid}, "open")
            )
            while True:
                item = await queue.get()
                if item is None:
                    break
                await response.write(item)
        except ConnectionError:
            pass
        finally:
            if session.queue is queue:
                session.queue = None
                session.detached_at = asyncio.get_running_loop().time()
        return response

    async def _session_request(self, request: web.Request, rest: str) -> web.StreamResponse:
        user = self._authorize(request, Access.USER)
        key, _, action = rest.partition("/")
        session = self.sessions.get(key)
        if action not in {"", "add", "remove"}:
            return web.Response(status=404)
        methods = ["GET", "PUT", "DELETE"] if action == "" else ["PUT"]
        if request.method not in methods:
            raise web.HTTPMethodNotAllowed(request.method, methods)
        if session is None or session.user != user:
            return web.Response(status=422)
        if request.method == "GET":
            return web.Response(text=_dumps(session.paths), content_type="application/json")
        if request.method == "DELETE":
            self.end_session(session.uuid)
            return web.Response(status=200)
        try:
            body = await _json_body(request)
        except ApiError as err:
            return web.Response(status=err.status)
        if not isinstance(body, list) or not all(isinstance(p, str) for p in body):
            return web.Response(status=400)
        paths = list(dict.fromkeys(body))
        for path in paths:
            if not self._subscribable(path):
                # The whole request is refused (simulator choice: nothing is half-applied).
                return web.json_response({"path": path, "error": 404}, status=400)
        if action == "add":
            self._subscribe(session, [p for p in paths if p not in session.paths])
        elif action == "remove":
            self._unsubscribe(session, paths)
        else:
            self._unsubscribe(session, [p for p in session.paths if p not in paths])
            self._subscribe(session, [p for p in paths if p not in session.paths])
        return web.Response(status=200)

    def _subscribable(self, path: str) -> bool:
        try:
            route, _ = self.resources.resolve(path)
        except ApiError:
            return False
        return route.get is not None and route.subscribable

    def _subscribe(self, session: Session, paths: list[str]) -> None:
        session.paths.extend(paths)
        cache: dict[str, dict[str, tuple[str, Any]]] = {}
        changes = self._diff(session, paths, cache)
        if self.push_on_add and changes:
            self._push(session, changes)

    def _unsubscribe(self, session: Session, paths: list[str]) -> None:
        session.paths = [p for p in session.paths if p not in paths]
        cache: dict[str, dict[str, tuple[str, Any]]] = {}
        keep = {key for p in session.paths for key in self._expand(p, cache)}
        session.last = {k: v for k, v in session.last.items() if k in keep}

    def end_session(self, key: str) -> None:
        """End a session: its stream gets ``event:close`` and ends."""
        session = self.sessions.pop(key, None)
        if session is None or session.queue is None:
            return
        queue = session.queue
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(
                self._event({"path": session.location, "sessionUUID": session.uuid}, "close")
            )
        _finish(queue)

    def _expand(
        self, path: str, cache: dict[str, dict[str, tuple[str, Any]]]
    ) -> dict[str, tuple[str, Any]]:
        """Keys a subscription to ``path`` covers, each with (state token, value to push)."""
        if path in cache:
            return cache[path]
        out: dict[str, tuple[str, Any]] = {}
        try:
            route, match = self.resources.resolve(path)
            out = _expand_route(route, match, path)
        except ApiError:
            out = {path: (_ABSENT, None)}
        cache[path] = out
        return out

    def _diff(
        self, session: Session, paths: list[str], cache: dict[str, dict[str, tuple[str, Any]]]
    ) -> dict[str, Any]:
        """What changed for ``session`` among ``paths``; records the new state."""
        changes: dict[str, Any] = {}
        for path in paths:
            for key, (token, value) in self._expand(path, cache).items():
                if session.last.get(key) == token:
                    continue
                session.last[key] = token
                if token != _ABSENT:
                    changes[key] = value
        return changes

    def _push(self, session: Session, changes: dict[str, Any]) -> None:
        queue = session.queue
        if queue is None or self._hung:
            return
        try:
            queue.put_nowait(self._event(changes))
        except asyncio.QueueFull:
            # A reader this far behind is cut off, as a device with bounded buffers would.
            _finish(queue)

    def _notify(self) -> None:
        """Push every change of a subscribed resource to the open streams."""
        if self._hung or not self._running:
            return
        cache: dict[str, dict[str, tuple[str, Any]]] = {}
        for session in list(self.sessions.values()):
            if session.queue is None:
                continue
            changes = self._diff(session, session.paths, cache)
            # Collection members that are gone are forgotten, so their return is news.
            current = {key for path in session.paths for key in self._expand(path, cache)}
            session.last = {k: v for k, v in session.last.items() if k in current}
            if changes:
                self._push(session, changes)

    # ------------------------------------------------------------------ controls
    def set_transmitter(self, ch: int, on: bool, model: str | None = None) -> None:
        """Transmitter linked / switched off (Spectera: mobile device connected / off)."""
        channel = self.channel(ch)
        if on and model:
            channel.tx_type = self._tx_type(model)
        channel.tx_on = on
        self._notify()

    def _tx_type(self, model: str) -> str:
        text = re.sub(r"[-\s]", "_", model.strip().upper())
        if self.spec.kind == "spectera":
            if text in MT_TYPES:
                return text
            raise ValueError(f"mobile device type must be one of {', '.join(MT_TYPES)}")
        for candidate in (text, f"EW_DX_{text}"):
            if candidate in TX_TYPES:
                return candidate
        raise ValueError(f"transmitter type must be one of {', '.join(TX_TYPES)}")

    def set_battery(
        self,
        ch: int,
        *,
        bars: int | None = None,
        minutes: int | None = None,
        percent: int | None = None,
    ) -> None:
        """Set battery values exactly as given (SSCv2 reports no bars: ``bars`` is ignored)."""
        channel = self.channel(ch)
        if minutes is not None:
            channel.battery_minutes = minutes
        if percent is not None:
            channel.battery_percent = percent
        self._notify()

    def drain_battery(self, ch: int, minutes: int) -> None:
        """Lower runtime and percent consistently."""
        channel = self.channel(ch)
        channel.battery_minutes = max(0, channel.battery_minutes - minutes)
        channel.battery_percent = max(0, min(100, round(channel.battery_minutes / 6)))
        self._notify()

    def set_rf(self, ch: int, dbm: float, antenna: int | None = None) -> None:
        """RF level in dBm (and the active antenna, 1 or 2, when given)."""
        channel = self.channel(ch)
        if antenna is not None:
            if antenna not in (1, 2):
                raise ValueError("antenna must be 1 or 2")
            channel.antenna = antenna
        channel.rf_dbm = max(-107.0, min(0.0, float(dbm)))
        self._notify()

    def set_audio(self, ch: int, dbfs: float) -> None:
        """Audio level in dBFS (Spectera reports none: stored only)."""
        self.channel(ch).audio_dbfs = max(-138.5, min(0.0, float(dbfs)))
        self._notify()

    def set_quality(self, ch: int, percent: int) -> None:
        """RF signal quality (RSQI / mic LQI) in %."""
        self.channel(ch).quality_percent = max(0, min(100, percent))
        self._notify()

    def rf_dropout(self, ch: int, active: bool) -> None:
        """Carrier lost / back (the transmitter stays linked)."""
        self.channel(ch).dropout = active
        self._notify()

    def set_interference(self, ch: int, active: bool) -> None:
        """``RfPeak`` warning (Spectera: interference severity High) on / off."""
        self.channel(ch).interference = active
        self._notify()

    def set_warnings(
        self, ch: int, warnings: list[str], tx_warnings: list[str] | None = None
    ) -> None:
        """Extra channel (and transmitter) warnings, exactly as given."""
        channel = self.channel(ch)
        channel.extra_warnings = list(warnings)
        if tx_warnings is not None:
            channel.tx_extra_warnings = list(tx_warnings)
        self._notify()

    def set_mute(self, ch: int, muted: bool) -> None:
        """Receiver channel mute (Spectera reports none: stored only)."""
        self.channel(ch).muted = muted
        self._notify()

    def set_tx_mute(self, ch: int, muted: bool) -> None:
        """Transmitter mute switch."""
        self.channel(ch).tx_muted = muted
        self._notify()

    def rename(self, ch: int, name: str) -> None:
        """Front-panel channel rename (Spectera: mobile device name)."""
        self.channel(ch).name = name
        self._notify()

    def set_device_id(self, name: str) -> None:
        """Front-panel device name change."""
        self.device_name = name
        self._notify()

    def drop_connections(self) -> None:
        """Cut every open connection abruptly; sessions stay until they linger out."""
        if self._runner is None or self._runner.server is None:
            return
        for handler in self._runner.server.connections:
            transport = handler.transport
            if transport is not None:
                transport.abort()

    def set_hung(self, hung: bool) -> None:
        """Hung: requests wait unanswered and nothing is pushed; unhung, pending changes follow."""
        self._hung = hung
        if hung:
            self._awake.clear()
        else:
            self._awake.set()
            self._notify()

    def emit_raw(self, data: bytes) -> None:
        """Write raw bytes into every open subscription stream."""
        if self._hung:
            return
        for session in self.sessions.values():
            if session.queue is not None:
                with contextlib.suppress(asyncio.QueueFull):
                    session.queue.put_nowait(data)

    def regenerate_certificate(self) -> str:
        """Present a new self-signed certificate from now on; open connections are cut."""
        self.certificate = self_signed(self.device_name)
        if self._ssl is not None:
            _load_certificate(self._ssl, self.certificate)
        self.drop_connections()
        return self.certificate.fingerprint

    def set_password(self, password: str | None, user: str = "api") -> None:
        """Change (None: delete) a user's password; that user's sessions end."""
        if user not in USERS:
            raise ValueError(f"user must be one of {', '.join(USERS)}")
        if password is not None and not meets_password_policy(password):
            raise ValueError(
                "password must have 10-64 characters with lower and upper case letters, "
                "a digit and a symbol"
            )
        self.passwords[user] = password
        for key in [k for k, s in self.sessions.items() if s.user == user]:
            self.end_session(key)

    # ------------------------------------------------------------------ live mode
    def start_live(self, seed: int | None = None) -> None:
        """Animate meters and drain batteries slowly (deterministic per seed)."""
        self.stop_live()
        self._live_rng = random.Random(self.seed if seed is None else seed)
        self._live_wanted = True
        if self._running:
            self._live_task = self.spawn(self._live_loop())

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
        """Advance live mode by ``steps`` ticks; changed meters are pushed."""
        rng = self._live_rng
        for _ in range(steps):
            self._live_steps += 1
            for c in self.channels:
                if not c.tx_on:
                    continue
                c.rf_dbm = max(-90.0, min(-40.0, c.rf_dbm + rng.uniform(-2.0, 2.0)))
                c.audio_dbfs = max(-45.0, min(-3.0, c.audio_dbfs + rng.uniform(-4.0, 4.0)))
                c.quality_percent = max(40, min(100, c.quality_percent + rng.randint(-3, 3)))
                if self._live_steps % LIVE_DRAIN_STEPS == 0:
                    c.battery_minutes = max(0, c.battery_minutes - 1)
                    c.battery_percent = max(0, min(100, round(c.battery_minutes / 6)))
            self._notify()

    # ------------------------------------------------------------------ summary
    def snapshot(self) -> dict[str, Any]:
        """JSON-friendly summary (the keys of the other simulators' plus access details)."""
        return {
            "name": self.name,
            "model": self.model,
            "family": self.family,
            "transport": self.transport,
            "host": self.host,
            "port": self.port,
            "mac": self.mac,
            "channels": self.channel_count,
            "device_id": self.device_name,
            "serial": self.serial,
            "product": self.spec.product,
            "clients": self.client_count,
            "meter_rate_ms": self.meter_rate_ms,
            "subscriptions": len(self.sessions),
            "hung": self._hung,
            "live": self.live,
            "reply_delay": self.reply_delay,
            "username": self.username,
            "password": self.password,
            "fingerprint": self.fingerprint,
        }

    def channel_state(self) -> list[dict[str, Any]]:
        """Channels as JSON-friendly dicts."""
        return [asdict(c) for c in self.channels]

    def __repr__(self) -> str:
        """Debug representation (no password)."""
        return f"<Ssc2Device {self.model} {self.host}:{self.port}>"


def create_ssc2_device(
    model: str, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> Ssc2Device:
    """Create a (stopped) simulated SSCv2 device of ``model``."""
    return Ssc2Device(model, host=host, port=port, **options)


# ---------------------------------------------------------------------- helpers
def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


async def _json_body(request: web.Request) -> Any:
    """The request's JSON body; 400 when it is missing or malformed."""
    try:
        text = await request.text()
        return json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise ApiError(400) from err


def _expand_route(route: Route, match: Any, path: str) -> dict[str, tuple[str, Any]]:
    if route.elements is not None:
        elements = route.elements()
        out = {key: (_dumps(value), value) for key, value in elements.items()}
        # The collection itself counts as changed only when its members change.
        out[path] = (_dumps(sorted(elements)), route.get(match) if route.get else None)
        return out
    assert route.get is not None
    try:
        value = route.get(match)
    except ApiError:
        return {path: (_ABSENT, None)}
    return {path: (_dumps(value), value)}


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic ``Authorization`` header."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, sep, password = text.partition(":")
    return (login, password) if sep else None


def _finish(queue: asyncio.Queue[bytes | None]) -> None:
    """Make a stream's writer stop after what it has queued (or at once when full)."""
    try:
        queue.put_nowait(None)
    except asyncio.QueueFull:
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                queue.get_nowait()
        queue.put_nowait(None)


def _load_certificate(context: ssl.SSLContext, certificate: Certificate) -> None:
    """Present ``certificate`` on new handshakes of an existing server context."""
    with tempfile.TemporaryDirectory() as folder:
        cert_file = Path(folder, "cert.pem")
        key_file = Path(folder, "key.pem")
        cert_file.write_bytes(certificate.cert_pem)
        key_file.write_bytes(certificate.key_pem)
        context.load_cert_chain(cert_file, key_file)
