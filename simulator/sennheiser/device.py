"""A simulated Sennheiser device speaking SSC v1 (JSON datagrams over UDP).

Reads (``null`` leaves), writes, ``osc/xid`` echo, error trees with
``[code, {"desc": …}]`` leaves, and subscriptions with lifetime, ``min`` /
``max`` / ``count`` / ``cancel`` that end with a ``310`` error when they run
out.  The controls (``set_transmitter`` …) match the Shure simulator's, so the
same control API can drive both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
import contextlib
from dataclasses import asdict, dataclass
import json
import random
from types import TracebackType
from typing import Any, Self
import zlib

from simulator.sennheiser.models import SscModelSpec, resolve_ssc_model
from simulator.sennheiser.state import SscChannel
from simulator.sennheiser.tree import DESCRIPTIONS, SscError, Tree

__all__ = ["SscDevice", "create_ssc_device"]

type Path = tuple[str, ...]
type Address = tuple[str, int]

DEFAULT_LIFETIME = 10.0
PEER_TIMEOUT = 30.0
MAX_SUBSCRIPTIONS = 1024
MAX_PEERS = 64
MAX_DATAGRAM = 65_000
LIVE_INTERVAL = 0.5
LIVE_DRAIN_STEPS = 60


@dataclass(slots=True)
class Subscription:
    """One address subscribed by one peer."""

    lifetime: float
    expires: float
    min_ms: int = 0
    max_ms: int = 0
    count: int | None = None
    last_sent: float = 0.0
    pending: bool = False
    last_value: str = ""


class SscEndpoint(asyncio.DatagramProtocol):
    """The device's UDP socket."""

    def __init__(self, device: SscDevice) -> None:
        """Serve ``device``."""
        self.device = device
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport."""
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        """Hand the datagram to the device."""
        self.device.datagram(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (peer gone) are ignored like a real device would."""

    def sendto(self, data: bytes, addr: Address) -> None:
        """Send one datagram."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, addr)

    def close(self) -> None:
        """Close the socket."""
        if self.transport is not None:
            self.transport.close()


class SscStream(asyncio.Protocol):
    """One TCP connection to the device: JSON objects back to back, CR/LF between them ignored."""

    def __init__(self, device: SscDevice) -> None:
        """Serve ``device``."""
        self.device = device
        self.transport: asyncio.Transport | None = None
        self.addr: Address = ("", 0)
        self._buffer = ""
        self._decoder = json.JSONDecoder()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the peer."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.addr = (str(peer[0]), int(peer[1]))
        self.device.streams[self.addr] = self

    def data_received(self, data: bytes) -> None:
        """Hand every complete object to the device."""
        self._buffer += data.decode("utf-8", "replace")
        while True:
            self._buffer = self._buffer.lstrip("\r\n\t ")
            if not self._buffer:
                return
            try:
                message, end = self._decoder.raw_decode(self._buffer)
            except ValueError:
                if len(self._buffer) > MAX_DATAGRAM:
                    self.close()
                return
            self._buffer = self._buffer[end:]
            self.device.datagram(json.dumps(message).encode(), self.addr)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the peer."""
        self.transport = None
        self.device.streams.pop(self.addr, None)

    def write(self, data: bytes) -> None:
        """Send one object (no separator: the strictest reading of the framing)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        """Close the connection."""
        if self.transport is not None:
            self.transport.close()


class SscDevice:
    """A fake SSC v1 receiver or charger on one UDP port.

    Controls are synchronous, run on the event loop thread and notify
    subscribers the way the device would.
    """

    def __init__(
        self,
        model: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str | None = None,
        mac: str = "00:1B:66:AA:BB:01",
        serial: str | None = None,
        seed: int = 0,
        max_lifetime: float = 60.0,
        reply_delay: float = 0.0,
        tick: float = 0.02,
        live: bool = False,
        tcp: bool = False,
    ) -> None:
        """Create a stopped device (``await start()`` binds it).

        ``tcp=True`` also serves SSC v1 over TCP on the same port number.
        """
        self.spec: SscModelSpec = resolve_ssc_model(model)
        self.host = host
        self.port = port
        self._name = name
        self.mac = mac
        self.serial = serial or f"{zlib.crc32(f'{self.spec.model}:{seed}:{name}'.encode()):010d}"
        self.seed = seed
        self.max_lifetime = max_lifetime
        self.reply_delay = reply_delay
        self.tick = tick
        self.device_name = self.spec.product.replace(" ", "-")[:18]
        self.location = ""
        self.identifying = False
        self.received: list[dict[str, Any]] = []
        self.subscribe_requests = 0
        self.expired_sent = 0
        self.channels = [self._initial_channel(n) for n in range(1, self.spec.channels + 1)]
        self.tree = Tree(self)
        self.subscriptions: dict[tuple[Address, Path], Subscription] = {}
        self._peers: dict[Address, float] = {}
        self._endpoint: SscEndpoint | None = None
        self.tcp = tcp
        self.streams: dict[Address, SscStream] = {}
        self._server: asyncio.Server | None = None
        self._hung = False
        self._running = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._live_wanted = live
        self._live_task: asyncio.Task[None] | None = None
        self._live_rng = random.Random(seed)
        self._live_steps = 0

    def _initial_channel(self, n: int) -> SscChannel:
        spec = self.spec
        low, _ = spec.band_khz
        ch = SscChannel(index=n, tx_type=spec.default_tx)
        ch.frequency_khz = low + 1000 * n if low else 0
        ch.name = f"CH {n}"
        ch.tx_name = f"TX{n}"
        if spec.tree == "charger":
            ch.name = f"BAY {n}"
            ch.battery_type = "BA70"
        return ch

    # ------------------------------------------------------------------ properties
    @property
    def model(self) -> str:
        """Model handle (``EWDX-EM4`` …)."""
        return self.spec.model

    @property
    def family(self) -> str:
        """Tree kind (``ewdx``, ``d6000``, ``speechline``, ``charger``)."""
        return f"ssc1_{self.spec.tree}"

    @property
    def transport(self) -> str:
        """Always ``udp``."""
        return "udp"

    @property
    def name(self) -> str:
        """Handle used by the control API (default ``MODEL-port``)."""
        return self._name or f"{self.model}-{self.port}"

    @property
    def channel_count(self) -> int:
        """Number of channels (bays on a charger)."""
        return self.spec.channels

    @property
    def client_count(self) -> int:
        """Peers seen in the last 30 s."""
        return len(self.live_peers())

    @property
    def meter_rate_ms(self) -> int:
        """Fastest metering subscription any peer holds (0 = none)."""
        rates = [
            sub.min_ms or sub.max_ms
            for (_, path), sub in self.subscriptions.items()
            if path[0] in {"m", "mm"}
        ]
        return min(rates, default=0)

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

    def channel(self, n: int) -> SscChannel:
        """Channel (or bay) ``n``, 1-based."""
        if not 1 <= n <= len(self.channels):
            raise ValueError(f"{self.model} has channels 1..{len(self.channels)}")
        return self.channels[n - 1]

    def live_peers(self) -> list[Address]:
        """Peers that sent something in the last ``PEER_TIMEOUT`` seconds."""
        now = asyncio.get_running_loop().time()
        return [addr for addr, seen in self._peers.items() if now - seen <= PEER_TIMEOUT]

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Bind the port (``port`` becomes the real port) and start the clock."""
        if self._running:
            return
        await self._bind()
        self._running = True
        self.spawn(self._clock())
        if self._live_wanted:
            self.start_live()

    async def stop(self) -> None:
        """Close the socket and cancel every task."""
        self._running = False
        self._unbind()
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

    async def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        transport, endpoint = await loop.create_datagram_endpoint(
            lambda: SscEndpoint(self), local_addr=(self.host, self.port)
        )
        self._endpoint = endpoint
        self.port = int(transport.get_extra_info("sockname")[1])
        if self.tcp:
            try:
                self._server = await loop.create_server(
                    lambda: SscStream(self), self.host, self.port
                )
            except OSError:
                self._unbind()
                raise

    def _unbind(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        if self._server is not None:
            self._server.close()
            self._server = None
        for stream in list(self.streams.values()):
            stream.close()
        self.streams.clear()
        self.subscriptions.clear()
        self._peers.clear()

    async def reboot(self, downtime: float = 1.0) -> None:
        """Go away for ``downtime`` seconds (subscriptions are lost), come back on the same port."""
        if not self._running:
            raise RuntimeError("device is not running")
        self._unbind()
        self._hung = False
        await asyncio.sleep(downtime)
        if self._running and self._endpoint is None:
            await self._bind()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start a task that stop() cancels."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ protocol
    def datagram(self, data: bytes, addr: Address) -> None:
        """One request from ``addr``."""
        if self._hung:
            return
        self._peers[addr] = asyncio.get_running_loop().time()
        while len(self._peers) > MAX_PEERS:
            forgotten = min(self._peers, key=self._peers.__getitem__)
            del self._peers[forgotten]
            for key in [k for k in self.subscriptions if k[0] == forgotten]:
                del self.subscriptions[key]
        try:
            message = json.loads(data.decode("utf-8"))
        except ValueError, RecursionError:
            self._send(addr, {"osc": {"error": [_error_leaf(400)]}})
            return
        if not isinstance(message, dict):
            self._send(addr, {"osc": {"error": [_error_leaf(400)]}})
            return
        self.received.append(message)
        if self.reply_delay > 0:
            self.spawn(self._delayed(message, addr))
        else:
            self._handle(message, addr)

    async def _delayed(self, message: dict[str, Any], addr: Address) -> None:
        await asyncio.sleep(self.reply_delay)
        if not self._hung:
            self._handle(message, addr)

    def _handle(self, message: dict[str, Any], addr: Address) -> None:
        osc = message.get("osc") if isinstance(message.get("osc"), dict) else {}
        assert isinstance(osc, dict)
        reply: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        reply_osc: dict[str, Any] = {}
        if "xid" in osc:
            reply_osc["xid"] = osc["xid"]
        state = osc.get("state")
        followups: list[Path] = []
        if isinstance(state, dict) and "subscribe" in state:
            ack, followups = self._subscribe(state["subscribe"], addr, errors)
            reply_osc["state"] = {"subscribe": ack}
        if "ping" in osc:
            reply_osc["ping"] = osc["ping"]
        changed: list[Path] = []
        for path, value in _leaves({k: v for k, v in message.items() if k != "osc"}):
            try:
                if value is None:
                    _put(reply, path, self.tree.read(path))
                else:
                    _put(reply, path, self.tree.write(path, value))
                    changed.append(path)
            except SscError as err:
                _put(errors, path, _error_leaf(err.code))
        if errors:
            reply_osc["error"] = [errors]
        if reply_osc:
            reply["osc"] = reply_osc
        self._send(addr, reply)
        if followups:
            self._notify_peer(addr, followups, initial=True)
        if changed:
            self.changed(changed)

    def _subscribe(
        self, entries: Any, addr: Address, errors: dict[str, Any]
    ) -> tuple[list[Any], list[Path]]:
        """Register subscriptions; returns the acknowledgement and the paths to notify."""
        now = asyncio.get_running_loop().time()
        ack: list[Any] = []
        initial: list[Path] = []
        self.subscribe_requests += 1
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                continue
            params = entry.get("#") if isinstance(entry.get("#"), dict) else {}
            assert isinstance(params, dict)
            lifetime = _number(params.get("lifetime"), DEFAULT_LIFETIME)
            lifetime = max(0.05, min(lifetime, self.max_lifetime))
            granted: dict[str, Any] = {**params, "lifetime": lifetime}
            addresses = {k: v for k, v in entry.items() if k != "#"}
            echoed: dict[str, Any] = {"#": granted}
            for path, _ in _leaves(addresses):
                leaves = self.tree.expand(path)
                if not leaves:
                    _put(errors, path, _error_leaf(404))
                    continue
                _put(echoed, path, None)
                for leaf in leaves:
                    key = (addr, leaf)
                    if params.get("cancel") is True:
                        self.subscriptions.pop(key, None)
                        continue
                    if (
                        key not in self.subscriptions
                        and len(self.subscriptions) >= MAX_SUBSCRIPTIONS
                    ):
                        _put(errors, leaf, _error_leaf(413))
                        continue
                    count = params.get("count")
                    self.subscriptions[key] = Subscription(
                        lifetime=lifetime,
                        expires=now + lifetime,
                        min_ms=int(_number(params.get("min"), 0)),
                        max_ms=int(_number(params.get("max"), 0)),
                        count=count if isinstance(count, int) and count > 0 else None,
                    )
                    initial.append(leaf)
            ack.append(echoed)
        return ack, initial

    def changed(self, paths: Iterable[Path]) -> None:
        """Values at ``paths`` changed: notify every subscriber (rate limits apply)."""
        if self._hung:
            return
        wanted = set(paths)
        by_peer: dict[Address, list[Path]] = {}
        for (addr, path), _ in self.subscriptions.items():
            if path in wanted:
                by_peer.setdefault(addr, []).append(path)
        for addr, subscribed in by_peer.items():
            self._notify_peer(addr, subscribed)

    def _notify_peer(self, addr: Address, paths: list[Path], *, initial: bool = False) -> None:
        now = asyncio.get_running_loop().time()
        due: list[Path] = []
        for path in paths:
            sub = self.subscriptions.get((addr, path))
            if sub is None:
                continue
            if not initial and sub.max_ms and now - sub.last_sent < sub.max_ms / 1000:
                sub.pending = True
                continue
            due.append(path)
        self._deliver(addr, due, now)

    def _deliver(self, addr: Address, paths: list[Path], now: float) -> None:
        if not paths or self._hung:
            return
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        ended: list[Path] = []
        for path in paths:
            sub = self.subscriptions[addr, path]
            sub.last_sent = now
            sub.pending = False
            try:
                _put(values, path, self.tree.read(path))
            except SscError as err:
                _put(errors, path, _error_leaf(err.code))
            if sub.count is not None:
                sub.count -= 1
                if sub.count <= 0:
                    ended.append(path)
        if errors:
            values["osc"] = {"error": [errors]}
        self._send(addr, values)
        if ended:
            self._end(addr, ended)

    def _end(self, addr: Address, paths: list[Path]) -> None:
        """Drop subscriptions and tell the peer with a 310 error tree."""
        tree: dict[str, Any] = {}
        for path in paths:
            self.subscriptions.pop((addr, path), None)
            _put(tree, path, [310])
        self.expired_sent += 1
        self._send(addr, {"osc": {"error": [tree]}})

    async def _clock(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.tick)
            if self._hung:
                continue
            now = loop.time()
            expired: dict[Address, list[Path]] = {}
            periodic: dict[Address, list[Path]] = {}
            for (addr, path), sub in list(self.subscriptions.items()):
                if now >= sub.expires:
                    expired.setdefault(addr, []).append(path)
                elif (sub.pending and now - sub.last_sent >= sub.max_ms / 1000) or (
                    sub.min_ms and now - sub.last_sent >= sub.min_ms / 1000
                ):
                    periodic.setdefault(addr, []).append(path)
            for addr, paths in expired.items():
                self._end(addr, paths)
            for addr, paths in periodic.items():
                self._deliver(addr, paths, now)

    def _send(self, addr: Address, message: dict[str, Any]) -> None:
        if self._endpoint is None or self._hung or not message:
            return
        data = json.dumps(message, separators=(",", ":")).encode()
        if (stream := self.streams.get(addr)) is not None:
            stream.write(data)
        elif len(data) <= MAX_DATAGRAM:
            self._endpoint.sendto(data, addr)

    # ------------------------------------------------------------------ writers (tree setters)
    def write_device_name(self, value: Any) -> str:
        """``device/name`` (1–18 characters)."""
        if not isinstance(value, str) or not 1 <= len(value) <= 18:
            raise SscError(400)
        self.device_name = value
        return value

    def write_location(self, value: Any) -> str:
        """``device/location`` (≤ 255 characters)."""
        if not isinstance(value, str) or len(value) > 255:
            raise SscError(400)
        self.location = value
        return value

    def write_identify(self, value: Any) -> bool:
        """``device/identification/visual``."""
        if not isinstance(value, bool):
            raise SscError(400)
        self.identifying = value
        return value

    def channel_writer(
        self, ch: SscChannel, attribute: str, check: Callable[[Any], Any]
    ) -> Callable[[Any], Any]:
        """A setter storing ``check(value)`` in ``ch.attribute``."""

        def write(value: Any) -> Any:
            accepted = check(value)
            setattr(ch, attribute, accepted)
            return accepted

        return write

    def frequency_writer(self, ch: SscChannel) -> Callable[[Any], Any]:
        """``rxN/frequency``: kHz within the band, 25 kHz raster."""

        def write(value: Any) -> int:
            low, high = self.spec.band_khz
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not low <= value <= high
                or value % 25
            ):
                raise SscError(400)
            ch.frequency_khz = int(value)
            return ch.frequency_khz

        return write

    def gain_writer(self, ch: SscChannel) -> Callable[[Any], Any]:
        """``rxN/gain``: −3…42 dB in steps of 3."""

        def write(value: Any) -> int:
            if isinstance(value, bool) or not isinstance(value, int) or not -3 <= value <= 42:
                raise SscError(400)
            if value % 3:
                raise SscError(400)
            ch.gain_db = int(value)
            return ch.gain_db

        return write

    # ------------------------------------------------------------------ controls
    def _channel_paths(self, ch: SscChannel) -> list[Path]:
        n = ch.index
        return [
            p
            for p in self.tree.leaves
            if (p[0] in {f"rx{n}", "mm", "bays"})
            or p[:2] in {("mates", f"tx{n}"), ("m", f"rx{n}")}
            or p == ("mates", "active")
        ]

    def _report(self, ch: SscChannel) -> None:
        self.changed(self._channel_paths(ch))

    def set_transmitter(self, ch: int, on: bool, model: str | None = None) -> None:
        """Transmitter switched on / off (charger: pack inserted / removed)."""
        channel = self.channel(ch)
        channel.tx_on = on
        if on and model:
            channel.tx_type = model[:24]
        self._report(channel)

    def set_battery(
        self,
        ch: int,
        *,
        bars: int | None = None,
        minutes: int | None = None,
        percent: int | None = None,
    ) -> None:
        """Set battery values exactly as given."""
        channel = self.channel(ch)
        if bars is not None:
            channel.battery_bars = bars
        if minutes is not None:
            channel.battery_minutes = minutes
        if percent is not None:
            channel.battery_percent = percent
        self._report(channel)

    def drain_battery(self, ch: int, minutes: int) -> None:
        """Lower runtime, percent and bars consistently."""
        channel = self.channel(ch)
        channel.battery_minutes = max(0, channel.battery_minutes - minutes)
        channel.battery_percent = max(0, min(100, round(channel.battery_minutes / 6)))
        channel.battery_bars = min(5, (channel.battery_percent + 19) // 20)
        channel.tx_warnings = ["LowBattery"] if channel.battery_percent <= 10 else []
        self._report(channel)

    def set_rf(self, ch: int, dbm: float, antenna: int | None = None) -> None:
        """RF level in dBm (per antenna when given)."""
        channel = self.channel(ch)
        if antenna is None:
            channel.rf_antenna_dbm = [dbm, dbm - 3]
        else:
            if antenna not in (1, 2):
                raise ValueError("antenna must be 1 or 2")
            channel.rf_antenna_dbm[antenna - 1] = dbm
            channel.antenna = antenna
        channel.rf_dbm = max(channel.rf_antenna_dbm)
        self._report(channel)

    def set_audio(self, ch: int, dbfs: float) -> None:
        """Audio level in dBFS."""
        self.channel(ch).audio_dbfs = dbfs
        self._report(self.channel(ch))

    def set_quality(self, ch: int, percent: int) -> None:
        """RF signal quality (RSQI / LQI) in %."""
        self.channel(ch).quality_percent = max(0, min(100, percent))
        self._report(self.channel(ch))

    def rf_dropout(self, ch: int, active: bool) -> None:
        """Carrier lost / back (the transmitter stays linked)."""
        self.channel(ch).dropout = active
        self._report(self.channel(ch))

    def set_interference(self, ch: int, active: bool) -> None:
        """``RfPeak`` warning on / off."""
        self.channel(ch).interference = active
        self._report(self.channel(ch))

    def set_warnings(
        self, ch: int, warnings: list[str], tx_warnings: list[str] | None = None
    ) -> None:
        """Extra receiver (and transmitter / bay) warnings, exactly as given."""
        channel = self.channel(ch)
        channel.extra_warnings = list(warnings)
        if tx_warnings is not None:
            channel.tx_warnings = list(tx_warnings)
            channel.bay_warnings = list(tx_warnings)
        self._report(channel)

    def set_mute(self, ch: int, muted: bool) -> None:
        """Receiver output mute."""
        self.channel(ch).muted = muted
        self._report(self.channel(ch))

    def set_tx_mute(self, ch: int, muted: bool) -> None:
        """Transmitter mute switch."""
        self.channel(ch).tx_muted = muted
        self._report(self.channel(ch))

    def set_charging(
        self, ch: int, *, time_to_full_min: int | None = None, state: str | None = None
    ) -> None:
        """Charger bay: time to full and bay state."""
        channel = self.channel(ch)
        if time_to_full_min is not None:
            channel.time_to_full_min = time_to_full_min
        if state is not None:
            channel.bay_state = state
        self._report(channel)

    def rename(self, ch: int, name: str) -> None:
        """Front-panel channel rename."""
        self.channel(ch).name = name
        self._report(self.channel(ch))

    def set_device_id(self, name: str) -> None:
        """Front-panel device name change."""
        self.device_name = name
        self.changed([("device", "name")])

    def drop_connections(self) -> None:
        """Forget every peer and its subscriptions (as after a network change)."""
        self.subscriptions.clear()
        self._peers.clear()

    def expire_subscriptions(self) -> None:
        """End every subscription now (each peer gets its 310)."""
        by_peer: dict[Address, list[Path]] = {}
        for addr, path in self.subscriptions:
            by_peer.setdefault(addr, []).append(path)
        for addr, paths in by_peer.items():
            self._end(addr, paths)

    def set_hung(self, hung: bool) -> None:
        """Hung: nothing is answered or sent."""
        self._hung = hung

    def emit_raw(self, data: bytes) -> None:
        """Send raw bytes to every live peer."""
        if self._hung or self._endpoint is None:
            return
        for addr in self.live_peers():
            self._endpoint.sendto(data, addr)

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
        """Advance live mode by ``steps`` ticks."""
        rng = self._live_rng
        for _ in range(steps):
            self._live_steps += 1
            for ch in self.channels:
                if not ch.tx_on or self.spec.tree == "charger":
                    continue
                ch.rf_antenna_dbm = [
                    max(-90.0, min(-40.0, dbm + rng.uniform(-2.0, 2.0)))
                    for dbm in ch.rf_antenna_dbm
                ]
                ch.rf_dbm = max(ch.rf_antenna_dbm)
                ch.audio_dbfs = max(-45.0, min(-3.0, ch.audio_dbfs + rng.uniform(-4.0, 4.0)))
                ch.quality_percent = max(40, min(100, ch.quality_percent + rng.randint(-3, 3)))
                if self._live_steps % LIVE_DRAIN_STEPS == 0:
                    with contextlib.suppress(ValueError):
                        self.drain_battery(ch.index, 1)
                self.changed([p for p in self._channel_paths(ch) if p[0] in {"m", "mm"}])

    # ------------------------------------------------------------------ summary
    def snapshot(self) -> dict[str, Any]:
        """JSON-friendly summary (same keys as the Shure simulator's)."""
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
            "subscriptions": len(self.subscriptions),
            "hung": self._hung,
            "live": self.live,
            "reply_delay": self.reply_delay,
        }

    def channel_state(self) -> list[dict[str, Any]]:
        """Channels as JSON-friendly dicts."""
        return [asdict(ch) for ch in self.channels]

    def __repr__(self) -> str:
        """Debug representation."""
        return f"<SscDevice {self.model} {self.host}:{self.port}>"


def create_ssc_device(
    model: str, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> SscDevice:
    """Create a (stopped) simulated SSC v1 device of ``model``."""
    return SscDevice(model, host=host, port=port, **options)


# ---------------------------------------------------------------------- helpers
def _leaves(node: dict[str, Any], prefix: Path = ()) -> list[tuple[Path, Any]]:
    out: list[tuple[Path, Any]] = []
    if len(prefix) > 8:
        return out
    for key, value in node.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            out.extend(_leaves(value, path))
        else:
            out.append((path, value))
    return out[:1024]


def _put(tree: dict[str, Any], path: Path, value: Any) -> None:
    node = tree
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value


def _error_leaf(code: int) -> list[Any]:
    return [code, {"desc": DESCRIPTIONS.get(code, "error")}]


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return default
    return float(value)
