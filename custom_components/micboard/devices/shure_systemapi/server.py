"""Client of a Shure System API server (the :class:`~..receiver.Hub` protocol).

Connecting reads the device inventory (every page), opens the WebSocket,
waits for its ``transportId``, reads each online device's values and then
registers a subscription for everything each device is capable of.  Events
arrive as ``{envelope, body}`` frames.  Subscriptions die with the socket,
so after a link loss (socket closed, or nothing received, not even a pong,
for one and a half ping intervals) every device reads unavailable and the
client reconnects with back-off, registering everything again with the new
``transportId``.  The
inventory is re-read every minute (capabilities are not pushed) and soon
after any ``DEVICE_STATE_CHANGE``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
import contextlib
from dataclasses import dataclass, replace
import json
import logging
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import aiohttp

from ..exceptions import (
    AuthenticationError,
    CertificateChangedError,
    DeviceConnectionError,
    DeviceError,
    ProtocolError,
)
from ..models import Family, ReceiverInfo
from ..receiver import Access
from ..tls import changed_error
from . import parse
from .device import MANUFACTURER, SystemApiDevice
from .parse import Node
from .rest import ApiError, RestClient, api_path, bare_host, gather_all

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 10000
MODEL = "System API"
WEBSOCKET_PATH = "/api/v1/subscriptions/websocket/create"
INVENTORY_PATH = "/api/v1/devices"
#: Largest WebSocket frame accepted.
MAX_FRAME = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Timing:
    """Timeouts and intervals, in seconds."""

    request_timeout: float = 10.0
    #: WebSocket ping interval; nothing received for 1.5 of it means link loss.
    heartbeat: float = 6.0
    #: Wait at most this long for the ``transportId`` after opening the socket.
    transport_timeout: float = 10.0
    #: The inventory is read again this often (capabilities are not pushed).
    inventory_interval: float = 60.0
    #: Delay before re-reading the inventory after a ``DEVICE_STATE_CHANGE``.
    inventory_debounce: float = 1.0
    #: How long identify flashes before it is stopped.
    identify_seconds: float = 5.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0


DEFAULT_TIMING = Timing()


@dataclass(slots=True)
class Stats:
    """Counters, for diagnostics and tests."""

    connects: int = 0
    inventory_reads: int = 0
    subscriptions_sent: int = 0
    frames_ignored: int = 0


class SystemApiServer:
    """A System API server and every Shure device behind it."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        access: Access | None,
        timing: Timing | None = None,
    ) -> None:
        """Describe the server; nothing is sent until :meth:`connect`.

        ``access`` must pin the server's certificate (``fingerprint``) and
        carry the API key as ``secret``.
        """
        if access is None or not access.fingerprint:
            raise ValueError("a System API server needs access with a pinned fingerprint")
        self.host = bare_host(host)
        self.port = port
        self.timing = timing or DEFAULT_TIMING
        self.stats = Stats()
        self.rest = RestClient(
            self.host, port, access, access.fingerprint, self.timing.request_timeout
        )
        self._info = ReceiverInfo(
            family=Family.SHURE_SYSTEM_API,
            model=MODEL,
            channel_count=0,
            host=self.host,
            port=port,
            manufacturer=MANUFACTURER,
        )
        self._devices: dict[str, SystemApiDevice] = {}
        self._keys: dict[str, str] = {}
        self._connected = False
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._transport_id: str | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._inventory_wanted = asyncio.Event()
        self._inventory_listeners: list[Callable[[], None]] = []
        self._connection_listeners: list[Callable[[bool], None]] = []
        self._problem_listeners: list[Callable[[DeviceError | None], None]] = []
        self._problem: str | None = None
        self._warned = False

    def __repr__(self) -> str:
        """The server's address (never the key)."""
        return f"SystemApiServer({self.host}:{self.port})"

    # --- Hub protocol ------------------------------------------------------

    @property
    def info(self) -> ReceiverInfo:
        """The server's own identity (no channels)."""
        return self._info

    @property
    def connected(self) -> bool:
        """Whether the server's WebSocket is up."""
        return self._connected

    @property
    def receivers(self) -> Mapping[str, SystemApiDevice]:
        """Devices behind the server, keyed by serial (else device id)."""
        return MappingProxyType(self._devices)

    @property
    def transport_id(self) -> str | None:
        """The current WebSocket's transport id."""
        return self._transport_id

    async def connect(self) -> ReceiverInfo:
        """Read the inventory and every device, open the socket, subscribe.

        Raises :class:`AuthenticationError` (key refused),
        :class:`CertificateChangedError`, :class:`ProtocolError` (not a System
        API server) and :class:`DeviceConnectionError`.
        """
        if self._supervisor is not None:
            return self._info
        try:
            await self._establish()
        except BaseException:
            await self._close_socket()
            await self.rest.close()
            raise
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"micboard system api {self.host}:{self.port}"
        )
        return self._info

    async def disconnect(self) -> None:
        """Close the socket and stop reconnecting."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for device in self._devices.values():
            await device.disconnect()
        await self._close_socket()
        await self.rest.close()
        self._set_connected(False)

    def subscribe_inventory(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` when devices are added or removed."""
        return _add(self._inventory_listeners, callback)

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(connected)`` when the server link goes down or comes back."""
        return _add(self._connection_listeners, callback)

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Call ``callback(error)`` on a refused key or changed certificate, ``None`` once fixed."""
        return _add(self._problem_listeners, callback)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run a background job that ends with :meth:`disconnect`."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._job_done)

    def _job_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            if isinstance(err, DeviceError):
                _LOGGER.debug("%s: %s", self, err)
            else:
                _LOGGER.error("%s: background job failed", self, exc_info=err)

    # --- connection --------------------------------------------------------

    async def _establish(self) -> None:
        nodes = await self.read_inventory()
        ws = await self._open_socket()
        self._ws = ws
        self._transport_id = await self._await_transport(ws)
        added, removed = self._merge_inventory(nodes)
        online = [d for d in self._devices.values() if d.node.online]
        await gather_all(*(device.read_state() for device in online))
        paths = [api_path("devices", "subscription", self._transport_id)]
        for device in online:
            paths.extend(device.subscription_paths(self._transport_id))
        await self._register(paths)
        self.stats.connects += 1
        self._set_connected(True)
        if added or removed:
            self._notify_inventory()

    async def _open_socket(self) -> aiohttp.ClientWebSocketResponse:
        try:
            async with asyncio.timeout(self.timing.request_timeout):
                return await self.rest.session.ws_connect(
                    self.rest.url(WEBSOCKET_PATH),
                    ssl=self.rest.ssl,
                    headers=self.rest.headers(),
                    autoping=False,
                    max_msg_size=MAX_FRAME,
                )
        except aiohttp.ServerFingerprintMismatch as err:
            raise changed_error(err) from None
        except aiohttp.WSServerHandshakeError as err:
            if err.status in (401, 403):
                raise AuthenticationError(
                    f"WebSocket refused (HTTP {err.status})", forbidden=err.status == 403
                ) from None
            raise DeviceConnectionError(f"{self}: WebSocket refused (HTTP {err.status})") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise DeviceConnectionError(
                f"{self}: WebSocket failed ({type(err).__name__})"
            ) from None

    async def _await_transport(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        try:
            async with asyncio.timeout(self.timing.transport_timeout):
                while True:
                    message = await ws.receive()
                    if message.type is aiohttp.WSMsgType.TEXT:
                        found = parse.text(parse.field(_json(message.data), "transportId"), 128)
                        if found is not None:
                            return found
                    elif message.type is aiohttp.WSMsgType.PING:
                        await ws.pong(message.data)
                    elif message.type in _CLOSED:
                        raise DeviceConnectionError(f"{self}: WebSocket closed at once")
        except TimeoutError:
            raise DeviceConnectionError(f"{self}: no transportId on the WebSocket") from None

    async def _register(self, paths: list[str]) -> None:
        """POST every subscription; a refused one is skipped, a dead transport is fatal."""
        if not paths:
            return
        self.stats.subscriptions_sent += len(paths)
        errors = await self.rest.post_all(paths)
        for path, err in zip(paths, errors, strict=True):
            if err is None:
                continue
            if isinstance(err, ApiError) and err.status != 404:
                _LOGGER.debug("%s: subscription refused: %s", self, err)
                continue
            if isinstance(err, ApiError):
                # 404: the transport id is unknown, or the capability is gone.
                if path.startswith(api_path("devices", "subscription")):
                    raise DeviceConnectionError(f"{self}: the server forgot the transport")
                continue
            raise err

    async def _close_socket(self) -> None:
        ws, self._ws = self._ws, None
        self._transport_id = None
        if ws is not None:
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                async with asyncio.timeout(1):
                    await ws.close()

    async def _supervise(self) -> None:
        while True:
            await self._pump()
            await self._close_socket()
            self._set_connected(False)
            await self._reconnect()

    async def _pump(self) -> None:
        """Apply frames until the socket closes."""
        ws = self._ws
        if ws is None:
            return
        self._inventory_wanted.clear()
        loop = asyncio.get_running_loop()
        helpers = [
            loop.create_task(self._poll_inventory(ws)),
            loop.create_task(self._ping(ws)),
        ]
        # Pings go out every heartbeat; silence for 1.5 heartbeats is link loss.
        silence = self.timing.heartbeat * 1.5
        try:
            while True:
                try:
                    message = await ws.receive(timeout=silence)
                except TimeoutError:
                    _LOGGER.debug("%s: WebSocket silent for %.1f s", self, silence)
                    return
                if message.type is aiohttp.WSMsgType.TEXT:
                    self._on_frame(message.data)
                elif message.type is aiohttp.WSMsgType.PING:
                    await ws.pong(message.data)
                elif message.type in _CLOSED:
                    _LOGGER.debug("%s: WebSocket ended (%s)", self, message.type.name)
                    return
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        with contextlib.suppress(aiohttp.ClientError, OSError, RuntimeError):
            while not ws.closed:
                await asyncio.sleep(self.timing.heartbeat)
                await ws.ping()

    async def _reconnect(self) -> None:
        delay = self.timing.reconnect_min
        while True:
            await asyncio.sleep(delay)
            try:
                await self._establish()
            except (AuthenticationError, CertificateChangedError) as err:
                self._report_problem(err)
            except DeviceError as err:
                _LOGGER.debug("%s: reconnect failed: %s", self, err)
            except Exception:
                _LOGGER.exception("%s: reconnect failed", self)
            else:
                self._report_problem(None)
                return
            await self._close_socket()
            delay = min(delay * 2, self.timing.reconnect_max)

    async def _poll_inventory(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Re-read the inventory now and then; a failure ends the link."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timing.inventory_interval):
                    await self._inventory_wanted.wait()
                    await asyncio.sleep(self.timing.inventory_debounce)
            self._inventory_wanted.clear()
            try:
                await self.refresh_inventory()
            except (AuthenticationError, CertificateChangedError) as err:
                self._report_problem(err)
                await ws.close()
                return
            except DeviceError as err:
                _LOGGER.debug("%s: inventory read failed: %s", self, err)
                await ws.close()
                return

    # --- inventory -----------------------------------------------------------

    async def read_inventory(self) -> list[Node]:
        """Every device node, following pages (bounded, stops on a repeated page)."""
        self.stats.inventory_reads += 1
        nodes: dict[str, Node] = {}
        cursors: set[str] = set()
        pages: set[tuple[str, ...]] = set()
        path = INVENTORY_PATH
        for _ in range(parse.MAX_PAGES):
            payload = await self.rest.get(path)
            if not parse.is_inventory(payload):
                raise ProtocolError(f"{self}: {path} is not a device inventory")
            page = [n for n in map(parse.node, parse.items(payload, parse.MAX_DEVICES)) if n]
            signature = tuple(n.device_id for n in page)
            if not page or signature in pages:
                break
            pages.add(signature)
            for found in page:
                if len(nodes) < parse.MAX_DEVICES:
                    nodes.setdefault(found.device_id, found)
            cursor = parse.next_cursor(payload)
            if cursor is None or cursor in cursors or len(nodes) >= parse.MAX_DEVICES:
                break
            cursors.add(cursor)
            path = f"{INVENTORY_PATH}?after={quote(cursor, safe='')}"
        return list(nodes.values())

    async def refresh_inventory(self) -> None:
        """Read the inventory again; add, drop and re-read devices as needed."""
        nodes = await self.read_inventory()
        before = {d.device_id: (d.node.capabilities, d.node.online) for d in self._devices.values()}
        added, removed = self._merge_inventory(nodes)
        stale = [
            device
            for device in self._devices.values()
            if device.node.online
            and (
                device.device_id in added
                or not device.read
                or before.get(device.device_id, (None, False))[0] != device.node.capabilities
            )
        ]
        for device in stale:
            await self._bring_online(device)
        for device in self._devices.values():
            device.sync_connection()
        if added or removed:
            self._notify_inventory()

    def _merge_inventory(self, nodes: list[Node]) -> tuple[set[str], set[str]]:
        """Adopt the listed nodes; the device ids added and removed."""
        listed = {n.device_id for n in nodes}
        removed: set[str] = set()
        for device_id, key in list(self._keys.items()):
            if device_id not in listed:
                device = self._devices.pop(key)
                del self._keys[device_id]
                device.update_node(replace(device.node, device_state="OFFLINE"))
                device.sync_connection()
                removed.add(device_id)
        added: set[str] = set()
        for found in nodes:
            if (known := self._keys.get(found.device_id)) is not None:
                self._devices[known].update_node(found)
                continue
            serial = found.serial
            key = serial if serial and serial not in self._devices else found.device_id
            if key in self._devices:
                continue
            self._devices[key] = SystemApiDevice(self, found)
            self._keys[found.device_id] = key
            added.add(found.device_id)
        return added, removed

    async def _bring_online(self, device: SystemApiDevice) -> None:
        """Read a device that appeared (or came back) and subscribe to it."""
        await device.read_state()
        if (transport := self._transport_id) is not None:
            await self._register(device.subscription_paths(transport))
        device.sync_connection()

    def device(self, device_id: str) -> SystemApiDevice | None:
        """The device with this server id."""
        key = self._keys.get(device_id)
        return None if key is None else self._devices.get(key)

    # --- events ----------------------------------------------------------------

    def _on_frame(self, data: str) -> None:
        try:
            self._apply_frame(data)
        except Exception:
            self.stats.frames_ignored += 1
            if not self._warned:
                self._warned = True
                _LOGGER.exception("%s: ignoring a frame", self)

    def _apply_frame(self, data: str) -> None:
        frame = _json(data) if len(data) <= MAX_FRAME else None
        envelope = parse.field(frame, "envelope")
        event = parse.text(parse.field(envelope, "eventName"))
        device_id = parse.text(parse.field(envelope, "deviceId"), 128)
        if event is None:
            self.stats.frames_ignored += 1
            return
        body = parse.field(frame, "body")
        if event == "DEVICE_STATE_CHANGE":
            self._on_state_change(device_id, body)
            return
        device = self.device(device_id) if device_id is not None else None
        if device is None:
            self.stats.frames_ignored += 1
            return
        channel_id = parse.field(envelope, "audioChannelId")
        if channel_id is not None and not isinstance(channel_id, str):
            self.stats.frames_ignored += 1
            return
        device.apply_event(event, body, channel_id)

    def _on_state_change(self, device_id: str | None, body: Any) -> None:
        found = parse.node(body)
        device_id = device_id or (found.device_id if found else None)
        device = self.device(device_id) if device_id else None
        self._inventory_wanted.set()
        if device is None or found is None or found.device_state is None:
            return
        was_online = device.node.online
        device.update_node(replace(device.node, device_state=found.device_state))
        device.sync_connection()
        if device.node.online and not was_online and self._connected:
            self.spawn(self._bring_online(device))

    # --- listeners ---------------------------------------------------------------

    def _set_connected(self, connected: bool) -> None:
        changed = connected != self._connected
        self._connected = connected
        if changed:
            for listener in tuple(self._connection_listeners):
                try:
                    listener(connected)
                except Exception:
                    _LOGGER.exception("Error in a connection listener")
        for device in self._devices.values():
            device.sync_connection()

    def _notify_inventory(self) -> None:
        for listener in tuple(self._inventory_listeners):
            try:
                listener()
            except Exception:
                _LOGGER.exception("Error in an inventory listener")

    def _report_problem(self, err: DeviceError | None) -> None:
        key = None if err is None else f"{type(err).__name__}: {err}"
        if key == self._problem:
            return
        self._problem = key
        for listener in tuple(self._problem_listeners):
            try:
                listener(err)
            except Exception:
                _LOGGER.exception("Error in a problem listener")
        for device in self._devices.values():
            device.report_problem(err)


_CLOSED = frozenset(
    {
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSING,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }
)


def _json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _add[T](listeners: list[T], callback: T) -> Callable[[], None]:
    listeners.append(callback)

    def remove() -> None:
        if callback in listeners:
            listeners.remove(callback)

    return remove
