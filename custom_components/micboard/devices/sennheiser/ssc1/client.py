"""Persistent client for one Sennheiser SSC v1 device (JSON over UDP 45).

Connecting reads ``device/identity`` (the serial is the device's identity,
``product`` its model), reads every address a monitor needs, then lives on
subscriptions that are renewed well before their lifetime runs out (and
again at once after a ``310``).  Silence longer than ``dead_after`` — no
answer to renewals or keep-alive reads — marks the link lost; the client
then reconnects by itself with capped exponential back-off until
:meth:`SscReceiver.disconnect`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import logging
import random
import re
from typing import Any, Literal

from ...capabilities import Capability
from ...exceptions import (
    AccessDisabledError,
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    ProtocolError,
    ReceiverChangedError,
    UnsupportedDeviceError,
    WrongProtocolError,
)
from ...models import Family, ReceiverInfo, ReceiverState, Update
from ...net import format_mac
from . import codec, dialects
from .apply import Applier, Changes
from .codec import Path
from .dialects import Dialect
from .transport import Link, bare_host, open_tcp, open_udp

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 45
MANUFACTURER = "Sennheiser"
MIN_METER_RATE_MS = 100
MAX_METER_RATE_MS = 65535
#: Requests awaiting an answer at most (older ones are given up).
MAX_PENDING = 64
#: Subscription requests remembered for matching refusals.
MAX_SUBSCRIBE_XIDS = 256
#: Read rounds for devices that answer only the first failing leaf of a request.
MAX_READ_ROUNDS = 8
MODEL_WIDTH = 32
_NAME_CHARS = re.compile(r"[A-Z0-9 \-_./+*!?#&()']+")

SERIAL_PATH: Path = ("device", "identity", "serial")
IDENTITY_PATHS: tuple[Path, ...] = (
    ("device", "identity", "product"),
    ("device", "identity", "serial"),
    ("device", "identity", "version"),
    ("device", "identity", "vendor"),
    ("device", "name"),
    ("device", "frequency_code"),
    ("device", "network", "ether", "macs"),
)


class NotAnSscDeviceError(WrongProtocolError):
    """Something answered on the port, but not with SSC v1 JSON objects."""


@dataclass(frozen=True, slots=True)
class Timing:
    """Timeouts and intervals, in seconds."""

    request_timeout: float = 1.5
    #: Datagrams get lost: a request is sent this often before giving up.
    request_attempts: int = 2
    #: Subscription lifetime asked for (the device may grant less).
    lifetime: float = 10.0
    #: Subscriptions are renewed this long after they were last sent.
    renew_after: float = 5.0
    #: The serial is read this often: a keep-alive that also notices another device.
    keepalive_interval: float = 4.0
    #: Silence after which the link counts as lost (detected within a tick).
    dead_after: float = 10.0
    #: Everything is read again this often, in case a notification was missed.
    full_refresh_interval: float = 600.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0


DEFAULT_TIMING = Timing()


@dataclass(slots=True)
class Group:
    """Addresses subscribed (or polled) together."""

    key: str
    paths: list[Path]
    metered: bool = False
    #: The device refused subscribing them: they are read instead.
    polled: bool = False
    due: float = 0.0
    #: Subscription requests sent for this group so far.
    sent: int = 0


@dataclass(slots=True)
class Stats:
    """Counters, for diagnostics and tests."""

    subscriptions_sent: int = 0
    renewals: int = 0
    resubscribed_after_310: int = 0
    polls: int = 0


@dataclass(slots=True)
class _Pending:
    values: dict[Path, Any]
    future: asyncio.Future[dict[str, Any]]

    def answered_by(self, message: dict[str, Any]) -> bool:
        """Whether a reply without ``xid`` answers this request.

        A read is answered by any of its addresses; a write only by its value
        echoed (or an error), not by a notification of the old value.
        """
        got = dict(codec.leaves(message))
        failed = codec.errors(message)
        for path, value in self.values.items():
            if _code_for(path, failed) is not None:
                return True
            if value is None and any(_related(path, other) for other in got):
                return True
            if value is not None and path in got and got[path] == value:
                return True
        return False


class SscReceiver:
    """A Sennheiser receiver or charger speaking SSC v1."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        meter_rate_ms: int = 0,
        timing: Timing | None = None,
        transport: Literal["udp", "tcp"] = "udp",
    ) -> None:
        """Describe the device; nothing is sent until :meth:`connect`.

        ``transport="tcp"`` speaks SSC v1 over a TCP connection (products that
        offer it); a closed connection then counts as link loss at once.
        """
        _check_meter_rate(meter_rate_ms)
        if transport not in ("udp", "tcp"):
            raise ValueError(f"unknown transport {transport!r}")
        self.transport: Literal["udp", "tcp"] = transport
        self.host = bare_host(host)
        self.port = port
        self.timing = timing or DEFAULT_TIMING
        self.stats = Stats()
        self._meter_rate_ms = meter_rate_ms
        self._link: Link | None = None
        self._state: ReceiverState | None = None
        self._dialect: Dialect | None = None
        self._applier: Applier | None = None
        self._groups: list[Group] = []
        self._pending: dict[int, _Pending] = {}
        self._subscribe_xids: dict[int, str] = {}
        self._xid = random.randrange(1, 1 << 20)
        #: Whether the device echoes ``xid`` (else replies are matched by address).
        self._echoes_xid = False
        #: A different serial answered at the address.
        self._other_device = False
        self._last_rx = 0.0
        self._renew_after = self.timing.renew_after
        self._supervisor: asyncio.Task[None] | None = None
        self._warned = False
        self._listeners: list[Callable[[Update], None]] = []
        self._connection_listeners: list[Callable[[bool], None]] = []
        self._problem_listeners: list[Callable[[DeviceError | None], None]] = []
        self._problem: str | None = None
        self._link_closed = asyncio.Event()

    # --- public API ------------------------------------------------------

    @property
    def state(self) -> ReceiverState:
        """Everything known about the device (after :meth:`connect`)."""
        if self._state is None:
            raise DeviceConnectionError("not connected yet")
        return self._state

    @property
    def info(self) -> ReceiverInfo:
        """Identity of the device (after :meth:`connect`)."""
        return self.state.info

    @property
    def connected(self) -> bool:
        """Whether the device answers."""
        return self._state is not None and self._state.connected

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this product family reports or can do."""
        return self._require_dialect().capabilities

    @property
    def meter_rate_ms(self) -> int:
        """Metering interval this client subscribes with (0 = off)."""
        return self._meter_rate_ms

    async def connect(self) -> ReceiverInfo:
        """Identify the device, read its state and subscribe to changes.

        Raises :class:`DeviceConnectionError`, :class:`DeviceNotRespondingError`
        (nothing answers: wrong address, or third-party access is not set to
        *Legacy*), :class:`NotAnSscDeviceError` or :class:`UnsupportedDeviceError`.
        """
        if self._supervisor is not None:
            return self.info
        try:
            info = await self._establish(None)
        except BaseException:
            self._close_link()
            raise
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"micboard ssc {self.host}:{self.port}"
        )
        return info

    async def disconnect(self) -> None:
        """Cancel this client's subscriptions, close, stop reconnecting."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._link is not None and self.connected:
            for group in self._groups:
                if not group.polled and group.paths:
                    self._send_subscribe(group, {"cancel": True})
            await asyncio.sleep(0)
        self._close_link()
        self._fail_pending()
        if self._state is not None and self._state.connected:
            self._state.connected = False
            self._notify_connection(False)

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Call ``callback`` for every change; returns an unsubscribe function."""
        return _add(self._listeners, callback)

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(connected)`` when the link goes down or comes back."""
        return _add(self._connection_listeners, callback)

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Call ``callback(error)`` when reconnecting finds another device, ``None`` once fixed."""
        return _add(self._problem_listeners, callback)

    async def refresh(self) -> None:
        """Read every address again."""
        self._require_link()
        await self._read_groups()

    async def identify(self, channel: int | None = None) -> None:
        """Flash the device (or one channel)."""
        dialect = self._require_dialect()
        if channel is not None:
            self._check_channel(channel)
        path = dialect.identify_path(channel)
        if path is None:
            raise UnsupportedDeviceError(f"{self.info.model} (identify)")
        await self._write({path: True})

    async def set_channel_name(self, channel: int, name: str) -> None:
        """Rename a channel (upper-case letters, digits, space and a few symbols)."""
        dialect = self._require_dialect()
        if Capability.RENAME not in dialect.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} (rename)")
        self._check_channel(channel)
        name = name.strip().upper()
        if not 1 <= len(name) <= dialect.name_width or not _NAME_CHARS.fullmatch(name):
            raise ValueError(
                f"channel name must be 1-{dialect.name_width} of A-Z 0-9 space -_./+*!?#&()'"
            )
        await self._write({(f"rx{channel}", "name"): name})

    async def set_mute(self, channel: int, muted: bool) -> None:
        """Mute or unmute a receiver channel's output (EW-DX)."""
        if self._require_dialect().family is not Family.EW_DX:
            raise UnsupportedDeviceError(f"{self.info.model} (mute)")
        self._check_channel(channel)
        await self._write({(f"rx{channel}", "mute"): muted})

    async def set_meter_rate(self, rate_ms: int) -> None:
        """Subscribe to meters every ``rate_ms`` milliseconds (0 = off)."""
        _check_meter_rate(rate_ms)
        self._require_link()
        if Capability.METERING not in self.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} (metering)")
        for group in self._groups:
            if group.metered and not group.polled:
                self._send_subscribe(group, {"cancel": True})
        self._meter_rate_ms = rate_ms
        self.state.meter_rate_ms = rate_ms
        self._groups = [g for g in self._groups if not g.metered] + self._meter_groups()
        now = asyncio.get_running_loop().time()
        for group in self._groups:
            if group.metered:
                self._renew(group, now)

    # --- connection ------------------------------------------------------

    async def _establish(self, known: ReceiverInfo | None) -> ReceiverInfo:
        self._close_link()
        self._warned = False
        self._other_device = False
        self._link_closed.clear()
        if self.transport == "tcp":
            self._link = await open_tcp(self.host, self.port, self._on_message, self._on_closed)
        else:
            self._link = await open_udp(self.host, self.port, self._on_message, self._on_refused)
        info, dialect, identity = await self._identify(known)
        if self._state is None:
            state = self._state = ReceiverState(info)
            for number in range(1, info.channel_count + 1):
                state.channel(number)
            self._dialect = dialect
            self._applier = Applier(state, dialect)
        else:
            state = self._state
            state.info.firmware = info.firmware or state.info.firmware
            state.info.mac = info.mac or state.info.mac
        state.meter_rate_ms = self._meter_rate_ms
        applier = self._require_applier()
        changes = Changes()
        for path, value in identity.items():
            applier.leaf(path, value, changes)
        state.firmware = info.firmware
        self._renew_after = self.timing.renew_after
        self._groups = self._state_groups() + self._meter_groups()
        await self._read_groups()
        now = asyncio.get_running_loop().time()
        for group in self._groups:
            self._renew(group, now)
        state.connected = True
        self._dispatch(changes)
        return state.info

    async def _identify(
        self, known: ReceiverInfo | None
    ) -> tuple[ReceiverInfo, Dialect, dict[Path, Any]]:
        values, errors = await self._read(IDENTITY_PATHS)
        link = self._require_link()
        if not values and not errors:
            if not link.received_bytes:
                raise AccessDisabledError(
                    f"{self.host}:{self.port} answered nothing (is third-party access on Legacy?)"
                )
            raise NotAnSscDeviceError(f"{self.host}:{self.port} does not speak SSC v1")
        product = codec.clean_text(values.get(IDENTITY_PATHS[0]), MODEL_WIDTH)
        dialect = dialects.lookup(product) if product else None
        if product is None or dialect is None:
            raise UnsupportedDeviceError(product or "unknown")
        macs = values.get(("device", "network", "ether", "macs"))
        mac = None
        if isinstance(macs, list) and macs and isinstance(macs[0], str):
            mac = format_mac(macs[0][:32])
        info = ReceiverInfo(
            family=dialect.family,
            model=product,
            channel_count=dialect.channels,
            host=self.host,
            port=self.port,
            mac=mac,
            firmware=codec.clean_text(values.get(IDENTITY_PATHS[2]), MODEL_WIDTH),
            rf_band=codec.clean_text(values.get(("device", "frequency_code")), 16),
            serial=codec.clean_text(values.get(IDENTITY_PATHS[1]), MODEL_WIDTH),
            manufacturer=MANUFACTURER,
        )
        if known is not None:
            if known.serial and info.serial:
                # The same serial with another family or channel count is not
                # the device this state was built for (a clone, a test bench
                # with default serials): its channels would be wrong.
                changed = known.serial != info.serial or (known.family, known.channel_count) != (
                    info.family,
                    info.channel_count,
                )
            else:
                changed = (known.model, known.channel_count) != (info.model, info.channel_count)
            if changed:
                self._close_link()
                raise ReceiverChangedError(known, info)
        identity: dict[Path, Any] = {p: values[p] for p in (("device", "name"),) if p in values}
        return info, dialect, identity

    def _state_groups(self) -> list[Group]:
        dialect = self._require_dialect()
        groups = [Group("device", list(dialect.device_paths()))]
        if bays := dialect.bay_paths():
            groups.append(Group("bays", list(bays)))
        for n in range(1, dialect.channels + 1):
            if paths := dialect.channel_paths(n):
                groups.append(Group(f"rx{n}", list(paths)))
            if paths := dialect.tx_paths(n):
                groups.append(Group(f"tx{n}", list(paths)))
        return groups

    def _meter_groups(self) -> list[Group]:
        dialect = self._require_dialect()
        if not self._meter_rate_ms:
            return []
        groups = [
            Group(f"m{n}", list(paths), metered=True)
            for n in range(1, dialect.channels + 1)
            if (paths := dialect.meter_paths(n))
        ]
        if paths := dialect.device_meter_paths():
            groups.append(Group("mm", list(paths), metered=True))
        return groups

    async def _read_groups(self) -> None:
        answered = 0
        groups = [g for g in self._groups if not g.metered and g.paths]
        for group in groups:
            values, errors = await self._read(group.paths)
            if values or errors:
                answered += 1
            missing = {p for p, code in errors.items() if code in codec.NOT_FOUND}
            if missing:
                group.paths = [p for p in group.paths if p not in missing]
        if groups and not answered:
            raise DeviceNotRespondingError(f"{self.host}:{self.port} stopped answering")

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._watch(loop)
            self._fail_pending()
            state = self.state
            if state.connected:
                state.connected = False
                _LOGGER.info("Lost %s at %s:%s", state.info.model, self.host, self.port)
                self._notify_connection(False)
            delay = self.timing.reconnect_min
            while True:
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                try:
                    await self._establish(state.info)
                except (ReceiverChangedError, NotAnSscDeviceError, UnsupportedDeviceError) as err:
                    self._close_link()
                    self._report_problem(err)
                except DeviceError as err:
                    _LOGGER.debug("Reconnect to %s:%s failed: %s", self.host, self.port, err)
                    self._close_link()
                else:
                    break
                delay = min(delay * 2, self.timing.reconnect_max)
            _LOGGER.info("Reconnected to %s at %s:%s", state.info.model, self.host, self.port)
            self._report_problem(None)
            self._notify_connection(True)

    async def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        timing = self.timing
        tick = min(0.5, timing.renew_after / 4, timing.keepalive_interval / 4)
        last_ping = last_refresh = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(tick):
                    await self._link_closed.wait()
            if self._link_closed.is_set():
                _LOGGER.debug("%s:%s closed the connection", self.host, self.port)
                return
            now = loop.time()
            idle = now - self._last_rx
            if idle >= timing.dead_after:
                _LOGGER.debug("%s:%s silent for %.1f s", self.host, self.port, idle)
                return
            link = self._link
            if link is not None and link.malformed and not self._warned:
                self._warned = True
                _LOGGER.warning("Ignoring malformed data from %s:%s", self.host, self.port)
            for group in self._groups:
                if now >= group.due:
                    self._renew(group, now)
            if now - last_refresh >= timing.full_refresh_interval:
                last_refresh = now
                for group in self._groups:
                    if not group.metered:
                        self._send_read(group.paths)
            if self._other_device:
                _LOGGER.info("%s:%s now answers with another serial", self.host, self.port)
                return
            if now - last_ping >= timing.keepalive_interval:
                # Also tells a device that replaced ours at the address (UDP has no connection).
                last_ping = now
                self._send_read([SERIAL_PATH])

    # --- subscriptions ---------------------------------------------------

    def _renew(self, group: Group, now: float) -> None:
        if not group.paths:
            group.due = float("inf")
            return
        interval = self._renew_after
        if group.metered and group.polled and self._meter_rate_ms:
            interval = min(interval, self._meter_rate_ms / 1000)
        group.due = now + interval
        if group.polled:
            self.stats.polls += 1
            self._send_read(group.paths)
            return
        if group.sent:
            self.stats.renewals += 1
        group.sent += 1
        params: dict[str, Any] = {"lifetime": _seconds(self.timing.lifetime)}
        if group.metered:
            params |= {"min": self._meter_rate_ms, "max": self._meter_rate_ms}
        self._send_subscribe(group, params)

    def _send_subscribe(self, group: Group, params: dict[str, Any]) -> None:
        link = self._link
        if link is None:
            return
        xid = self._next_xid()
        self._subscribe_xids[xid] = group.key
        while len(self._subscribe_xids) > MAX_SUBSCRIBE_XIDS:
            del self._subscribe_xids[next(iter(self._subscribe_xids))]
        entry = {"#": params, **codec.tree(group.paths)}
        self.stats.subscriptions_sent += 1
        link.send({"osc": {"xid": xid, "state": {"subscribe": [entry]}}})

    def _granted(self, message: dict[str, Any]) -> None:
        """Adopt a shorter lifetime the device granted in its acknowledgement."""
        state = codec.osc(message).get("state")
        entries = state.get("subscribe") if isinstance(state, dict) else None
        if not isinstance(entries, list):
            return
        for entry in entries[:16]:
            params = entry.get("#") if isinstance(entry, dict) else None
            if not isinstance(params, dict):
                continue
            granted = codec.real(params.get("lifetime"), 0.05, 86_400)
            if granted is not None and granted / 2 < self._renew_after:
                self._renew_after = granted / 2
                soon = asyncio.get_running_loop().time() + self._renew_after
                for group in self._groups:
                    group.due = min(group.due, soon)

    def _group_of(self, path: Path) -> Group | None:
        for group in self._groups:
            for known in group.paths:
                if _related(known, path):
                    return group
        return None

    # --- receiving -------------------------------------------------------

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            self._last_rx = asyncio.get_running_loop().time()
            self._resolve(message)
            if self._applier is not None:
                self._handle(message)
        except Exception:
            if not self._warned:
                self._warned = True
                _LOGGER.exception("Ignoring a message from %s:%s", self.host, self.port)

    def _on_refused(self) -> None:
        """Nothing listens at the address: requests in flight fail at once."""
        pending, self._pending = self._pending, {}
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(
                    DeviceNotRespondingError(
                        f"{self.host}:{self.port} refused: nothing listens there"
                        " (is third-party access on Legacy?)"
                    )
                )
                item.future.exception()

    def _on_closed(self) -> None:
        """The TCP connection ended: fail requests in flight, let the watcher notice."""
        self._link_closed.set()
        self._fail_pending()

    def _resolve(self, message: dict[str, Any]) -> None:
        xid = codec.xid(message)
        if xid is not None:
            if (pending := self._pending.pop(xid, None)) is not None:
                self._echoes_xid = True
                _settle(pending.future, message)
            elif xid in self._subscribe_xids:
                self._echoes_xid = True
            return
        if self._echoes_xid:
            return  # a notification
        for key, pending in list(self._pending.items()):
            if pending.answered_by(message):
                del self._pending[key]
                _settle(pending.future, message)
                return

    def _handle(self, message: dict[str, Any]) -> None:
        applier = self._require_applier()
        changes = Changes()
        applier.message(message, changes)
        if (serial := self.state.info.serial) is not None:
            device = message.get("device")
            identity = device.get("identity") if isinstance(device, dict) else None
            if isinstance(identity, dict) and "serial" in identity:
                self._other_device |= codec.clean_text(identity["serial"], MODEL_WIDTH) != serial
        xid = codec.xid(message)
        subscribed = self._subscribe_xids.get(xid) if xid is not None else None
        now = asyncio.get_running_loop().time()
        renew: dict[str, Group] = {}
        for path, code in codec.errors(message):
            if path[:3] == ("osc", "state", "subscribe") and code != codec.SUBSCRIPTION_ENDED:
                # The device refuses subscribing (this group, or all when it names none).
                for refused in self._groups:
                    if not refused.polled and subscribed in (None, refused.key):
                        refused.polled = True
                        renew[refused.key] = refused
                continue
            group = self._group_of(path)
            if group is None:
                continue
            if code == codec.SUBSCRIPTION_ENDED:
                renew[group.key] = group
            elif code in codec.NOT_FOUND:
                group.paths = [p for p in group.paths if not _related(p, path)]
            elif subscribed == group.key and code != codec.TX_ABSENT and not group.polled:
                _LOGGER.debug("%s refused subscribing %s (%s): polling", self.host, path, code)
                group.polled = True
                renew[group.key] = group
        for group in renew.values():
            if not group.polled:
                self.stats.resubscribed_after_310 += 1
            self._renew(group, now)
        if subscribed is not None:
            self._granted(message)
        dialect = self._require_dialect()
        for n in sorted(changes.appeared):
            if self.connected and (paths := dialect.tx_paths(n)):
                self._send_read(list(paths))
                if (group := self._group_of(paths[0])) is not None:
                    self._renew(group, now)
        self._dispatch(changes)

    def _dispatch(self, changes: Changes) -> None:
        for update in changes.updates():
            for listener in tuple(self._listeners):
                try:
                    listener(update)
                except Exception:
                    _LOGGER.exception("Error in an update listener")

    # --- requests --------------------------------------------------------

    def _next_xid(self) -> int:
        self._xid = self._xid % 2_000_000_000 + 1
        return self._xid

    def _send_read(self, paths: list[Path]) -> None:
        if (link := self._link) is not None and paths:
            link.send({**codec.tree(paths), "osc": {"xid": self._next_xid()}})

    async def _request(self, values: dict[Path, Any]) -> dict[str, Any] | None:
        """Send a request; return the reply (``None`` when nothing came back)."""
        loop = asyncio.get_running_loop()
        body = codec.tree(values)
        for path, value in values.items():
            node = body
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        for _ in range(max(1, self.timing.request_attempts)):
            link = self._require_link()
            xid = self._next_xid()
            future: asyncio.Future[dict[str, Any]] = loop.create_future()
            self._pending[xid] = _Pending(values, future)
            while len(self._pending) > MAX_PENDING:
                # the oldest request stops being matched; its caller times out
                del self._pending[next(iter(self._pending))]
            link.send({**body, "osc": {"xid": xid}})
            try:
                return await asyncio.wait_for(future, self.timing.request_timeout)
            except TimeoutError:
                pass
            finally:
                self._pending.pop(xid, None)
        return None

    async def _read(
        self, paths: tuple[Path, ...] | list[Path]
    ) -> tuple[dict[Path, Any], dict[Path, int]]:
        """Read leaves; re-ask those a terse device skipped after an error."""
        values: dict[Path, Any] = {}
        errors: dict[Path, int] = {}
        remaining = list(paths)
        for _ in range(MAX_READ_ROUNDS):
            if not remaining:
                break
            reply = await self._request(dict.fromkeys(remaining))
            if reply is None:
                break
            got = dict(codec.leaves(reply))
            failed = codec.errors(reply)
            for path in remaining:
                if path in got:
                    values[path] = got[path]
                elif (code := _code_for(path, failed)) is not None:
                    errors[path] = code
            left = [p for p in remaining if p not in values and p not in errors]
            if len(left) == len(remaining):
                break
            remaining = left
        return values, errors

    async def _write(self, values: dict[Path, Any]) -> None:
        reply = await self._request(values)
        if reply is None:
            raise DeviceNotRespondingError(f"no answer from {self.host}:{self.port}")
        failed = codec.errors(reply)
        for path in values:
            if (code := _code_for(path, failed)) is not None:
                raise ProtocolError(f"{'/'.join(path)} refused ({code})")

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(DeviceConnectionError("link lost"))
                item.future.exception()  # retrieved by the waiting caller, if any

    # --- helpers ---------------------------------------------------------

    def _require_link(self) -> Link:
        if self._link is None:
            raise DeviceConnectionError(f"{self.host}:{self.port} is not connected")
        return self._link

    def _require_dialect(self) -> Dialect:
        if self._dialect is None:
            raise DeviceConnectionError("not connected yet")
        return self._dialect

    def _require_applier(self) -> Applier:
        if self._applier is None:
            raise DeviceConnectionError("not connected yet")
        return self._applier

    def _check_channel(self, channel: int) -> None:
        if not 1 <= channel <= self.info.channel_count:
            raise ValueError(f"channel {channel} does not exist on {self.info.model}")

    def _close_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _notify_connection(self, connected: bool) -> None:
        for listener in tuple(self._connection_listeners):
            try:
                listener(connected)
            except Exception:
                _LOGGER.exception("Error in a connection listener")

    def _report_problem(self, err: DeviceError | None) -> None:
        key = None if err is None else f"{type(err).__name__}: {err}"
        if err is not None and key == self._problem:
            return
        self._problem = key
        for listener in tuple(self._problem_listeners):
            try:
                listener(err)
            except Exception:
                _LOGGER.exception("Error in a problem listener")


def _add[T](listeners: list[T], callback: T) -> Callable[[], None]:
    listeners.append(callback)

    def remove() -> None:
        if callback in listeners:
            listeners.remove(callback)

    return remove


def _settle(future: asyncio.Future[dict[str, Any]], message: dict[str, Any]) -> None:
    if not future.done():
        future.set_result(message)


def _related(a: Path, b: Path) -> bool:
    """One address lies within the other (or they are the same)."""
    size = min(len(a), len(b))
    return a[:size] == b[:size]


def _code_for(path: Path, failed: list[tuple[Path, int]]) -> int | None:
    for where, code in failed:
        if _related(where, path):
            return code
    return None


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _check_meter_rate(rate_ms: int) -> None:
    if rate_ms != 0 and not MIN_METER_RATE_MS <= rate_ms <= MAX_METER_RATE_MS:
        raise ValueError(
            f"meter rate must be 0 (off) or {MIN_METER_RATE_MS}-{MAX_METER_RATE_MS} ms"
        )
