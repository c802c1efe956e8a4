"""The simulated receiver: state, network endpoints, metering, faults and test controls."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
import contextlib
import random
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from simulator.families import ENGINES, Engine, Ref
from simulator.models import MODELS, ModelSpec
from simulator.state import DeviceState, SimChannel
from simulator.tcp import TcpClient
from simulator.udp import UdpEndpoint
from simulator.wire import Frame

__all__ = ["Link", "SimReceiver", "create_receiver"]

type UnknownReply = Literal["error", "silent"]
type Segmenting = Literal["none", "split", "merge", "random"]

UNKNOWN_REPLIES = ("error", "silent")
SEGMENTING_MODES = ("none", "split", "merge", "random")
LIVE_INTERVAL = 0.5  # seconds per live-mode step
LIVE_DRAIN_STEPS = 60  # one minute of battery runtime every 30 s in live mode


class Link(Protocol):
    """A client as seen by the receiver (TCP connection or UDP peer)."""

    def submit(self, text: str) -> None:
        """Queue a command for execution."""

    def send(self, text: str) -> None:
        """Send one message."""

    def send_bytes(self, data: bytes) -> None:
        """Send raw bytes."""

    def close(self) -> None:
        """Drop the client."""


def resolve_model(model: str) -> ModelSpec:
    """Look a model up case-insensitively."""
    for name, spec in MODELS.items():
        if name.upper() == model.strip().upper():
            return spec
    raise ValueError(f"unknown model {model!r}; known: {', '.join(MODELS)}")


class SimReceiver:
    """A fake Shure receiver speaking its family's ASCII protocol on one port.

    Controls (``set_transmitter`` …) are synchronous, must run on the event loop thread and
    send the unsolicited reports a real receiver would send to every client.
    """

    def __init__(
        self,
        model: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str | None = None,
        mac: str = "00:0E:DD:AA:BB:01",
        seed: int = 0,
        controller_access: bool = True,
        unknown_reply: UnknownReply = "error",
        segmenting: Segmenting = "none",
        reply_delay: float = 0.0,
        answers_model: bool = False,
        hang_on_dead_client: bool = False,
        get_all_0_refused: bool | None = None,
        flash_duration: float = 10.0,
        split_pause: float = 0.005,
        live: bool = False,
        device_id: str | None = None,
        dcid: str | None = None,
        slp_fctn: str | None = None,
    ) -> None:
        """Create a stopped receiver (``await start()`` binds it)."""
        self.spec = resolve_model(model)
        self.host = host
        self.port = port
        self._name = name
        self.mac = mac
        self.seed = seed
        self.controller_access = controller_access
        self.unknown_reply = unknown_reply
        self.segmenting = segmenting
        self.reply_delay = reply_delay
        self.answers_model = answers_model
        self.hang_on_dead_client = hang_on_dead_client
        self.get_all_0_refused = self.spec.plus if get_all_0_refused is None else get_all_0_refused
        self.flash_duration = flash_duration
        self.split_pause = split_pause
        self.dcid = dcid
        self.slp_fctn = slp_fctn
        self.rng = random.Random(seed)
        self.received: list[str] = []
        self.device = DeviceState(
            device_id=(device_id if device_id is not None else self.spec.model)[:31],
            model_string=self.spec.wire_model,
            fw_version=self.spec.fw_version,
            rf_band=self.spec.rf_band,
        )
        self.channels: list[SimChannel] = [
            SimChannel(index=n) for n in range(1, self.spec.channels + 1)
        ]
        self.engine: Engine = ENGINES[self.spec.family](self)
        self.engine.init_device(self.device)
        for ch in self.channels:
            self.engine.init_channel(ch)
        self._hung = False
        self._running = False
        self._server: asyncio.Server | None = None
        self._udp: UdpEndpoint | None = None
        self._tcp_clients: list[TcpClient] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._meter_wakeup: asyncio.Event | None = None
        self._flash_tasks: dict[int, asyncio.Task[None]] = {}
        self._live_task: asyncio.Task[None] | None = None
        self._live_rng: random.Random | None = None
        self._live_step_count = 0
        self._live_wanted = live

    # ------------------------------------------------------------------ properties
    @property
    def model(self) -> str:
        """Model name (``ULXD4Q`` …)."""
        return self.spec.model

    @property
    def family(self) -> str:
        """Family name (``ulxd``, ``qlxd``, ``slxd``, ``axient_digital``, ``uhfr``, ``psm1000``)."""
        return self.spec.family

    @property
    def transport(self) -> str:
        """``tcp`` or ``udp``."""
        return self.spec.transport

    @property
    def name(self) -> str:
        """Handle used by the control API (default ``MODEL-port``)."""
        return self._name or f"{self.model}-{self.port}"

    @property
    def channel_count(self) -> int:
        """Number of channels."""
        return self.spec.channels

    @property
    def unknown_reply(self) -> UnknownReply:
        """What unknown names / wrong indexes get: ``error`` or ``silent``."""
        return self._unknown_reply

    @unknown_reply.setter
    def unknown_reply(self, value: UnknownReply) -> None:
        if value not in UNKNOWN_REPLIES:
            raise ValueError(f"unknown_reply must be one of {UNKNOWN_REPLIES}")
        self._unknown_reply = value

    @property
    def segmenting(self) -> Segmenting:
        """How outgoing bytes are cut into TCP writes."""
        return self._segmenting

    @segmenting.setter
    def segmenting(self, value: Segmenting) -> None:
        if value not in SEGMENTING_MODES:
            raise ValueError(f"segmenting must be one of {SEGMENTING_MODES}")
        self._segmenting = value

    @property
    def meter_rate_ms(self) -> int:
        """Device-wide metering interval (the highest channel rate; 0 = off)."""
        return max(ch.meter_rate_ms for ch in self.channels)

    @meter_rate_ms.setter
    def meter_rate_ms(self, value: int) -> None:
        for ch in self.channels:
            ch.meter_rate_ms = value
        self.meter_changed()

    @property
    def client_count(self) -> int:
        """Connected TCP clients, or UDP peers seen in the last 30 s."""
        return len(self.links())

    @property
    def running(self) -> bool:
        """True between start() and stop() (also while rebooting)."""
        return self._running

    @property
    def hung(self) -> bool:
        """True while the receiver answers nothing."""
        return self._hung

    @property
    def live(self) -> bool:
        """True while live mode is on (animates meters whenever the receiver runs)."""
        return self._live_wanted

    def channel(self, n: int) -> SimChannel:
        """Channel ``n`` (1-based)."""
        if not 1 <= n <= len(self.channels):
            raise ValueError(f"{self.model} has channels 1..{len(self.channels)}")
        return self.channels[n - 1]

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Bind the port (``port`` becomes the real port) and start metering."""
        if self._running:
            return
        await self._bind()
        self._running = True
        self._meter_wakeup = asyncio.Event()
        self.spawn(self._meter_loop())
        if self._live_wanted:
            self._start_live_task()

    async def stop(self) -> None:
        """Close every socket and cancel every task."""
        self._running = False
        await self._unbind()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._flash_tasks.clear()
        self._live_task = None
        self._meter_wakeup = None

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
        if self.spec.transport == "udp":
            transport, endpoint = await loop.create_datagram_endpoint(
                lambda: UdpEndpoint(self), local_addr=(self.host, self.port)
            )
            self._udp = endpoint
            self.port = transport.get_extra_info("sockname")[1]
        else:
            self._server = await loop.create_server(
                lambda: TcpClient(self), self.host, self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def _unbind(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        server, self._server = self._server, None
        if server is not None:
            server.close()
            for client in list(self._tcp_clients):
                client.close()
            await server.wait_closed()
        # let connection_lost callbacks run
        await asyncio.sleep(0)

    async def reboot(self, downtime: float = 1.0) -> None:
        """Go away (listener and clients), come back on the same port; METER_RATE back to 0."""
        if not self._running:
            raise RuntimeError("receiver is not running")
        await self._unbind()
        for ch in self.channels:
            ch.meter_rate_ms = 0
            ch.flash = False
        self.device.flash = False
        for task in self._flash_tasks.values():
            task.cancel()
        self._flash_tasks.clear()
        self._hung = False
        self.meter_changed()
        await asyncio.sleep(downtime)
        if self._running and self._server is None and self._udp is None:
            await self._bind()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start a task that stop() cancels."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ links
    def links(self) -> list[Link]:
        """Every client that gets unsolicited output."""
        if self._udp is not None:
            return list(self._udp.live_peers())
        return list(self._tcp_clients)

    def attach(self, client: TcpClient) -> None:
        """A TCP client connected."""
        self._tcp_clients.append(client)

    def detach(self, client: TcpClient, *, by_peer: bool) -> None:
        """A TCP client went away."""
        if client in self._tcp_clients:
            self._tcp_clients.remove(client)
        if by_peer and self.hang_on_dead_client and self.meter_rate_ms > 0:
            self._hung = True  # QLX-D fault: metering into a vanished client locks it up

    def received_frame(self, link: Link, frame: Frame) -> None:
        """Record an incoming message and queue it unless ignored or hung."""
        self.received.append(frame.text)
        if frame.accepted and not self._hung:
            link.submit(frame.text)

    def execute(self, link: Link, text: str) -> None:
        """Run one command and send the answers."""
        if self._hung:
            return
        outcome = self.engine.handle(text)
        for msg in outcome.direct:
            link.send(msg)
        for msg in outcome.broadcast:
            self.broadcast(msg)

    def broadcast(self, msg: str) -> None:
        """Send a message to every client (nothing while hung)."""
        if self._hung:
            return
        for link in self.links():
            link.send(msg)

    def report(self, refs: Sequence[Ref]) -> None:
        """Broadcast the reports of changed values."""
        for msg in self.engine.reps(refs):
            self.broadcast(msg)

    # ------------------------------------------------------------------ engine hooks
    def meter_changed(self) -> None:
        """A METER_RATE changed: re-plan the SAMPLE schedule."""
        if self._meter_wakeup is not None:
            self._meter_wakeup.set()

    def flash_changed(self, index: int) -> None:
        """FLASH was set on the device (0) or a channel; ON turns itself off later."""
        old = self._flash_tasks.pop(index, None)
        if old is not None:
            old.cancel()
        on = self.device.flash if index == 0 else self.channel(index).flash
        if on and self._running:
            self._flash_tasks[index] = self.spawn(self._flash_off(index))

    async def _flash_off(self, index: int) -> None:
        await asyncio.sleep(self.flash_duration)
        self._flash_tasks.pop(index, None)
        if index == 0:
            self.device.flash = False
        else:
            self.channel(index).flash = False
        self.report([Ref(index, "FLASH")])

    async def _meter_loop(self) -> None:
        loop = asyncio.get_running_loop()
        wakeup = self._meter_wakeup
        assert wakeup is not None
        due: dict[int, float] = {}
        rates: dict[int, int] = {}
        while True:
            now = loop.time()
            for ch in self.channels:
                rate = ch.meter_rate_ms
                if rate <= 0:
                    due.pop(ch.index, None)
                elif rates.get(ch.index) != rate or ch.index not in due:
                    due[ch.index] = now + rate / 1000
                rates[ch.index] = rate
            wakeup.clear()
            timeout = None if not due else min(due.values()) - now
            if timeout is None or timeout > 0:
                try:
                    async with asyncio.timeout(timeout):
                        await wakeup.wait()
                    continue
                except TimeoutError:
                    pass
            now = loop.time()
            for index in sorted(due):
                ch = self.channel(index)
                if due[index] <= now + 0.0005 and ch.meter_rate_ms > 0:
                    for line in self.engine.meter_lines(ch):
                        self.broadcast(line)
                    nxt = due[index] + ch.meter_rate_ms / 1000
                    due[index] = nxt if nxt > now else now + ch.meter_rate_ms / 1000

    # ------------------------------------------------------------------ live mode
    def start_live(self, seed: int | None = None) -> None:
        """Animate meters (random walk) and drain batteries slowly; deterministic per seed."""
        self.stop_live()
        self._live_rng = random.Random(self.seed if seed is None else seed)
        self._live_step_count = 0
        self._live_wanted = True
        if self._running:
            self._start_live_task()

    def stop_live(self) -> None:
        """Stop live mode."""
        self._live_wanted = False
        if self._live_task is not None:
            self._live_task.cancel()
            self._live_task = None

    def _start_live_task(self) -> None:
        if self._live_rng is None:
            self._live_rng = random.Random(self.seed)
        if self._live_task is None:
            self._live_task = self.spawn(self._live_loop())

    async def _live_loop(self) -> None:
        while True:
            await asyncio.sleep(LIVE_INTERVAL)
            self.step_live()

    def step_live(self, steps: int = 1) -> None:
        """Advance live mode by ``steps`` ticks synchronously (what the live task does)."""
        if self._live_rng is None:
            self._live_rng = random.Random(self.seed)
        rng = self._live_rng
        for _ in range(steps):
            self._live_step_count += 1
            for ch in self.channels:
                walk = [rng.uniform(-2.0, 2.0) for _ in ch.rf_dbm]
                audio_step = rng.uniform(-4.0, 4.0)
                if not self.engine.live(ch):
                    continue
                ch.rf_dbm = [
                    max(-88.0, min(-40.0, d + w)) for d, w in zip(ch.rf_dbm, walk, strict=True)
                ]
                ch.audio_dbfs = max(-45.0, min(-3.0, ch.audio_dbfs + audio_step))
                self.engine.refresh(ch)
                if self._live_step_count % LIVE_DRAIN_STEPS == 0 and ch.battery_bars != 255:
                    with contextlib.suppress(ValueError):
                        self.report(self.engine.drain(ch, 1))

    # ------------------------------------------------------------------ controls
    def set_transmitter(self, ch: int, on: bool, model: str | None = None) -> None:
        """Transmitter appears / disappears (P10T: on air / RF muted)."""
        self.report(self.engine.transmitter(self.channel(ch), on, model))

    def set_battery(
        self,
        ch: int,
        *,
        bars: int | None = None,
        minutes: int | None = None,
        percent: int | None = None,
    ) -> None:
        """Set battery values exactly as given."""
        self.report(self.engine.battery(self.channel(ch), bars, minutes, percent))

    def drain_battery(self, ch: int, minutes: int) -> None:
        """Lower runtime, percent and bars consistently."""
        self.report(self.engine.drain(self.channel(ch), minutes))

    def set_rf(self, ch: int, dbm: float, antenna: int | None = None) -> None:
        """Nominal RF level (metered: shows in SAMPLE and metered GETs only)."""
        self.engine.set_rf(self.channel(ch), dbm, antenna)

    def rf_dropout(self, ch: int, active: bool) -> None:
        """Carrier lost / back (transmitter stays registered)."""
        self.report(self.engine.dropout(self.channel(ch), active))

    def set_interference(self, ch: int, active: bool) -> None:
        """Interference detected / cleared."""
        self.report(self.engine.set_interference(self.channel(ch), active))

    def set_mute(self, ch: int, muted: bool) -> None:
        """AUDIO_MUTE / MUTE / RF_MUTE."""
        self.report(self.engine.mute(self.channel(ch), muted))

    def set_audio(self, ch: int, dbfs: float) -> None:
        """Nominal audio level (metered)."""
        self.engine.set_audio(self.channel(ch), dbfs)

    def rename(self, ch: int, name: str) -> None:
        """Front-panel channel rename."""
        self.report(self.engine.rename(self.channel(ch), name))

    def set_device_id(self, name: str) -> None:
        """Front-panel device ID change."""
        self.report(self.engine.device_id(name))

    def drop_connections(self) -> None:
        """Abruptly close every client socket (UDP: forget every peer)."""
        for link in self.links():
            link.close()

    def set_hung(self, hung: bool) -> None:
        """Hung: connections are accepted, nothing is answered or sent."""
        self._hung = hung

    def emit_raw(self, data: bytes) -> None:
        """Send raw bytes to every client."""
        if self._hung:
            return
        for link in self.links():
            link.send_bytes(data)

    def snapshot(self) -> dict[str, Any]:
        """JSON-friendly summary (used by the control API)."""
        return {
            "name": self.name,
            "model": self.model,
            "family": self.family,
            "transport": self.transport,
            "host": self.host,
            "port": self.port,
            "mac": self.mac,
            "channels": self.channel_count,
            "device_id": self.device.device_id,
            "clients": self.client_count,
            "meter_rate_ms": self.meter_rate_ms,
            "hung": self._hung,
            "live": self.live,
            "controller_access": self.controller_access,
            "unknown_reply": self.unknown_reply,
            "segmenting": self.segmenting,
            "reply_delay": self.reply_delay,
        }

    def __repr__(self) -> str:
        """Debug representation."""
        return f"<SimReceiver {self.model} {self.host}:{self.port}>"


def create_receiver(
    model: str,
    host: str = "127.0.0.1",
    port: int = 0,
    name: str | None = None,
    mac: str = "00:0E:DD:AA:BB:01",
    seed: int = 0,
    **options: Any,
) -> SimReceiver:
    """Create a (stopped) simulated receiver of ``model``."""
    return SimReceiver(model, host=host, port=port, name=name, mac=mac, seed=seed, **options)
