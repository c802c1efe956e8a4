"""Persistent client for one Shure receiver.

One connection per receiver: identify the model, ask for everything once,
then live on the receiver's unsolicited ``REP`` (and ``SAMPLE``) messages.
A keep-alive notices a dead link, and the client reconnects by itself with
capped exponential back-off until :meth:`ShureReceiver.disconnect`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import logging
import random

from ..exceptions import (
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    NotAShureDeviceError,
    ProtocolError,
    UnsupportedDeviceError,
)
from ..models import Family, ReceiverInfo, ReceiverState, Update
from ..net import mac_from_arp
from . import catalog
from .decoder import Decoder
from .framing import Message
from .transport import Link, UdpLink, open_tcp, open_udp

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 2202
#: Slowest sensible metering; faster rates have hung receivers in the field.
MIN_METER_RATE_MS = 1000
MAX_METER_RATE_MS = 65535
MAX_NAME_LENGTH = 8
_FORBIDDEN_NAME_CHARS = frozenset("{}<>*")


class Capability(StrEnum):
    """Commands a family supports."""

    MUTE = "mute"
    IDENTIFY = "identify"
    CHANNEL_IDENTIFY = "channel_identify"


CAPABILITIES: dict[Family, frozenset[Capability]] = {
    Family.ULXD: frozenset({Capability.MUTE, Capability.IDENTIFY}),
    Family.QLXD: frozenset(),
    Family.AXIENT_DIGITAL: frozenset(
        {Capability.MUTE, Capability.IDENTIFY, Capability.CHANNEL_IDENTIFY}
    ),
    Family.SLXD: frozenset({Capability.IDENTIFY, Capability.CHANNEL_IDENTIFY}),
    Family.UHFR: frozenset(),
    Family.PSM1000: frozenset(),
}

#: What to ask each channel of families without ``GET x ALL``.
_POLLED_PARAMS: dict[Family, tuple[str, ...]] = {
    Family.PSM1000: (
        "CHAN_NAME",
        "CHAN NAME",  # the manual's GET spelling; REPORTs use the underscore
        "FREQUENCY",
        "GROUP_CHAN",
        "RF_TX_LVL",
        "RF_MUTE",
        "AUDIO_IN_LVL",
        "METER_RATE",
    ),
    Family.UHFR: ("CHAN_NAME", "GROUP_CHAN", "FREQUENCY", "TX_BAT", "MUTE"),
}


@dataclass(frozen=True, slots=True)
class Timing:
    """Timeouts and intervals, in seconds."""

    connect_timeout: float = 5.0
    probe_timeout: float = 5.0
    settle_time: float = 0.3
    settle_max: float = 3.0
    command_timeout: float = 3.0
    keepalive_interval: float = 5.0
    #: Silence after which the link counts as dead (detected within ~1 s more).
    dead_after: float = 10.0
    #: UHF-R has no unsolicited reports: everything is polled this often.
    poll_interval: float = 5.0
    #: Everything is asked for again this often, in case a report was missed.
    full_refresh_interval: float = 600.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0


#: Timing used when a client is given none (tests may swap it for a faster one).
DEFAULT_TIMING = Timing()


@dataclass(slots=True)
class _Expectation:
    param: str
    index: int | None
    future: asyncio.Future[Message | None]


class ShureReceiver:
    """A Shure receiver reached over its command-string port."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        family: Family | None = None,
        mac: str | None = None,
        meter_rate_ms: int = 0,
        timing: Timing | None = None,
    ) -> None:
        """Describe the receiver; nothing is sent until :meth:`connect`."""
        _check_meter_rate(meter_rate_ms)
        self.host = host
        self.port = port
        self._family_hint = family
        self._mac_hint = mac
        self._meter_rate_ms = meter_rate_ms
        self.timing = timing or DEFAULT_TIMING
        self._link: Link | None = None
        self._state: ReceiverState | None = None
        self._decoder: Decoder | None = None
        self._expect: deque[_Expectation] = deque()
        self._early: list[Message] = []
        self._replied_reports = False
        self._lost = asyncio.Event()
        self._last_rx = 0.0
        self._last_rep = 0.0
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = False
        self._warned_malformed = False
        self._listeners: list[Callable[[Update], None]] = []
        self._connection_listeners: list[Callable[[bool], None]] = []
        self._queues: list[asyncio.Queue[Update]] = []

    # --- public API ------------------------------------------------------

    @property
    def state(self) -> ReceiverState:
        """Everything known about the receiver (after :meth:`connect`)."""
        if self._state is None:
            raise DeviceConnectionError("not connected yet")
        return self._state

    @property
    def info(self) -> ReceiverInfo:
        """Identity of the receiver (after :meth:`connect`)."""
        return self.state.info

    @property
    def connected(self) -> bool:
        """Whether the link is up and the receiver answers."""
        return self._state is not None and self._state.connected

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Commands this receiver's family supports."""
        return CAPABILITIES[self.info.family]

    @property
    def meter_rate_ms(self) -> int:
        """Metering rate this client asks for (0 = off)."""
        return self._meter_rate_ms

    async def connect(self) -> ReceiverInfo:
        """Connect, identify the receiver and read its whole state.

        Raises :class:`DeviceConnectionError`, :class:`DeviceNotRespondingError`,
        :class:`NotAShureDeviceError` or :class:`UnsupportedDeviceError`.
        After success the client keeps the connection alive by itself.
        """
        if self._supervisor is not None:
            return self.info
        self._closing = False
        try:
            info = await self._establish(None)
        except BaseException:
            self._close_link()
            raise
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"micboard {self.host}:{self.port}"
        )
        return info

    async def disconnect(self) -> None:
        """Stop metering if this client started it, close, stop reconnecting."""
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._link is not None and self._meter_rate_ms and self._state is not None:
            self._send_meter_rate(0)
            await asyncio.sleep(0)
        self._close_link()
        self._fail_expectations(DeviceConnectionError("disconnected"))
        if self._state is not None and self._state.connected:
            self._state.connected = False
            self._notify_connection(False)

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Call ``callback`` for every change; returns an unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def subscribe_connection(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(connected)`` when the link goes down or comes back."""
        self._connection_listeners.append(callback)
        return lambda: (
            self._connection_listeners.remove(callback)
            if callback in self._connection_listeners
            else None
        )

    def updates(self) -> AsyncIterator[Update]:
        """Iterate over changes from now on (until the caller stops iterating)."""
        queue: asyncio.Queue[Update] = asyncio.Queue(maxsize=1000)
        self._queues.append(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[Update]) -> AsyncIterator[Update]:
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.remove(queue)

    async def refresh(self) -> None:
        """Ask the receiver for its whole state again."""
        self._require_link()
        await self._request_state()

    async def set_channel_name(self, channel: int, name: str) -> None:
        """Rename a channel (1–8 characters, as the receivers allow)."""
        self._check_channel(channel)
        name = name.strip()
        if (
            not 1 <= len(name) <= MAX_NAME_LENGTH
            or not all(" " <= char <= "~" for char in name)
            or _FORBIDDEN_NAME_CHARS & set(name)
        ):
            raise ValueError(f"channel name must be 1-{MAX_NAME_LENGTH} plain ASCII characters")
        family = self.info.family
        if family is Family.UHFR:
            value = name.replace(" ", "_")
        elif family is Family.PSM1000:
            value = name
        else:
            value = "{" + name + "}"
        await self._command(f"SET {channel} CHAN_NAME {value}", "CHAN_NAME", channel)

    async def set_mute(self, channel: int, muted: bool) -> None:
        """Mute or unmute a channel's audio output (ULX-D, Axient Digital)."""
        self._check_channel(channel)
        self._require(Capability.MUTE)
        await self._command(
            f"SET {channel} AUDIO_MUTE {'ON' if muted else 'OFF'}", "AUDIO_MUTE", channel
        )

    async def identify(self, channel: int | None = None) -> None:
        """Flash the receiver's (or one channel's) front panel."""
        if channel is None:
            self._require(Capability.IDENTIFY)
            await self._command("SET FLASH ON", "FLASH", None)
            return
        self._check_channel(channel)
        self._require(Capability.CHANNEL_IDENTIFY)
        await self._command(f"SET {channel} FLASH ON", "FLASH", channel)

    async def set_meter_rate(self, rate_ms: int) -> None:
        """Meter every ``rate_ms`` milliseconds (0 = off, else >= 1000)."""
        _check_meter_rate(rate_ms)
        self._require_link()
        self._meter_rate_ms = rate_ms
        self._send_meter_rate(rate_ms)

    # --- connection ------------------------------------------------------

    async def _establish(self, known: ReceiverInfo | None) -> ReceiverInfo:
        family = known.family if known else self._family_hint
        self._lost.clear()
        self._early.clear()
        self._replied_reports = False
        self._warned_malformed = False
        if family is Family.UHFR:
            await self._open_udp()
            info = await self._identify_udp(known)
        else:
            try:
                self._link = await open_tcp(
                    self.host,
                    self.port,
                    self.timing.connect_timeout,
                    self._on_messages,
                    self._on_lost,
                )
            except DeviceConnectionError:
                if family is not None:
                    raise
                # UHF-R listens on UDP only: try that before giving up.
                await self._open_udp()
                try:
                    info = await self._identify_udp(None)
                except DeviceError:
                    self._close_link()
                    raise DeviceConnectionError(
                        f"cannot connect to {self.host}:{self.port}"
                    ) from None
            else:
                info = await self._identify_tcp(known)
        if info.mac is None:
            info.mac = await mac_from_arp(self.host) or self._mac_hint
        if self._state is None or self._state.info.model != info.model:
            self._state = ReceiverState(info)
            for number in range(1, info.channel_count + 1):
                self._state.channel(number)
            self._decoder = Decoder(self._state)
        early, self._early = self._early, []
        for message in early:
            self._dispatch(message)
        await self._request_state()
        if self._meter_rate_ms:
            self._send_meter_rate(self._meter_rate_ms)
        self._state.connected = True
        return self._state.info

    async def _open_udp(self) -> None:
        self._link = await open_udp(self.host, self.port, self._on_messages, self._on_lost)

    async def _identify_tcp(self, known: ReceiverInfo | None) -> ReceiverInfo:
        probes: list[tuple[str, int | None]] = [
            ("MODEL", None),
            ("DEVICE_ID", None),
            ("FW_VER", None),
            # PSM1000's own name property: answered with REPORT even by units
            # that only know the spaced "CHAN NAME" spelling of the manual.
            ("DEVICE_NAME", None),
            ("TX_TYPE", 1),
            ("AUDIO_MUTE", 1),
            ("TX_MODEL", 1),
            ("CHAN_NAME", 2),
            ("CHAN_NAME", 3),
            ("CHAN_NAME", 4),
            ("CHAN_NAME", 1),
        ]
        replies = await self._probe(probes, crlf=True)
        answered = {key for key, reply in replies.items() if reply is not None}
        if self._replied_reports:
            family, model, channels = Family.PSM1000, "P10T", 2
        elif (reply := replies.get(("MODEL", None))) is not None and (
            reported := " ".join(reply.args).strip()
        ):
            spec = catalog.lookup(reported)
            if spec is None:
                raise UnsupportedDeviceError(reported)
            family, channels = spec.family, spec.channels
            # Keep the "+" of SLX-D+ models; drop band suffixes such as "-A".
            plus = "+" in reported[len(spec.model) :][:2]
            model = spec.model + ("+" if plus else "")
        else:
            channels = max((n for n in (1, 2, 3, 4) if ("CHAN_NAME", n) in answered), default=0)
            if known is not None:
                family = known.family
            elif self._family_hint is not None:
                family = self._family_hint
            elif ("TX_TYPE", 1) in answered:
                family = Family.ULXD if ("AUDIO_MUTE", 1) in answered else Family.QLXD
            elif (tx_model := replies.get(("TX_MODEL", 1))) is not None:
                # SLX-D and Axient Digital both say MODEL; should one not, its
                # transmitter model word still tells them apart (AD1/AD2/ADX…).
                word = " ".join(tx_model.args).strip().upper()
                family = Family.AXIENT_DIGITAL if word.startswith("AD") else Family.SLXD
            else:
                raise UnsupportedDeviceError("unknown")
            names = catalog.BY_CHANNELS[family]
            channels = min((n for n in names if n >= channels), default=max(names))
            model = names[channels]
        if known is not None and known.model != model:
            _LOGGER.warning(
                "%s:%s now reports model %s (was %s)", self.host, self.port, model, known.model
            )
        firmware = replies.get(("FW_VER", None))
        return ReceiverInfo(
            family=family,
            model=model,
            channel_count=channels,
            host=self.host,
            port=self.port,
            mac=known.mac if known else None,
            firmware=" ".join(firmware.args).strip() or None if firmware else None,
        )

    async def _identify_udp(self, known: ReceiverInfo | None) -> ReceiverInfo:
        replies = await self._probe([("CHAN_NAME", 2), ("CHAN_NAME", 1)], crlf=False)
        channels = 2 if replies.get(("CHAN_NAME", 2)) is not None else 1
        model = catalog.BY_CHANNELS[Family.UHFR][channels]
        return ReceiverInfo(
            family=Family.UHFR,
            model=model,
            channel_count=channels,
            host=self.host,
            port=self.port,
            mac=known.mac if known else None,
        )

    async def _probe(
        self, probes: list[tuple[str, int | None]], *, crlf: bool
    ) -> dict[tuple[str, int | None], Message | None]:
        """Send GETs; the last one fences the others (replies come in order)."""
        link = self._require_link()
        expectations = [self._expect_reply(param, index) for param, index in probes]
        udp = isinstance(link, UdpLink)
        for param, index in probes:
            self._send_get(param, index, crlf=crlf, udp=udp)
        try:
            await asyncio.wait_for(
                asyncio.shield(expectations[-1].future), self.timing.probe_timeout
            )
        except TimeoutError:
            pass
        except ProtocolError:
            pass
        results: dict[tuple[str, int | None], Message | None] = {}
        for (param, index), expectation in zip(probes, expectations, strict=True):
            future = expectation.future
            if future.done() and not future.cancelled() and future.exception() is None:
                results[param, index] = future.result()
            else:
                results[param, index] = None
                if not future.done():
                    future.cancel()
        self._expect.clear()
        if not any(results.values()) and not self._replied_reports:
            received = link.received_bytes
            self._close_link()
            if received:
                raise NotAShureDeviceError(f"{self.host}:{self.port} does not speak Shure commands")
            raise DeviceNotRespondingError(f"{self.host}:{self.port} answered nothing")
        return results

    async def _request_state(self) -> None:
        self._request_all()
        await self._settle()

    def _request_all(self) -> None:
        info = self.info
        if info.family in _POLLED_PARAMS:
            self._poll_all()
        else:
            for number in range(1, info.channel_count + 1):
                self._send(f"GET {number} ALL")

    def _poll_all(self) -> None:
        info = self.info
        udp = info.family is Family.UHFR
        if info.family is Family.PSM1000:
            self._send_get("DEVICE_NAME", None, crlf=True, udp=False)
        for number in range(1, info.channel_count + 1):
            for param in _POLLED_PARAMS[info.family]:
                self._send_get(param, number, crlf=not udp, udp=udp)

    async def _settle(self) -> None:
        """Wait until the receiver has stopped reporting (or a cap)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        timing = self.timing
        while True:
            await asyncio.sleep(timing.settle_time / 3)
            now = loop.time()
            if now - start >= timing.settle_max:
                return
            if self._last_rep > start and now - self._last_rep >= timing.settle_time:
                return

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._watch_link(loop)
            self._close_link()
            self._fail_expectations(DeviceConnectionError("link lost"))
            state = self.state
            if state.connected:
                state.connected = False
                _LOGGER.info(
                    "Lost connection to %s at %s:%s", state.info.model, self.host, self.port
                )
                self._notify_connection(False)
            delay = self.timing.reconnect_min
            while True:
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                try:
                    await self._establish(state.info)
                except DeviceError as err:
                    _LOGGER.debug("Reconnect to %s:%s failed: %s", self.host, self.port, err)
                    self._close_link()
                    delay = min(delay * 2, self.timing.reconnect_max)
                    continue
                break
            _LOGGER.debug("Reconnected to %s at %s:%s", state.info.model, self.host, self.port)
            self._notify_connection(True)

    async def _watch_link(self, loop: asyncio.AbstractEventLoop) -> None:
        timing = self.timing
        tick = min(1.0, timing.keepalive_interval / 2)
        last_keepalive = loop.time()
        last_poll = last_refresh = loop.time()
        polled = self.info.family is Family.UHFR
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), tick)
            if self._lost.is_set():
                return
            now = loop.time()
            idle = now - self._last_rx
            if idle >= timing.dead_after:
                _LOGGER.debug("%s:%s silent for %.1f s", self.host, self.port, idle)
                return
            if now - last_refresh >= timing.full_refresh_interval:
                last_refresh = last_poll = now
                self._request_all()
            elif polled and now - last_poll >= timing.poll_interval:
                last_poll = now
                self._poll_all()
            elif (
                idle >= timing.keepalive_interval
                and now - last_keepalive >= timing.keepalive_interval
            ):
                last_keepalive = now
                if self.info.family is Family.PSM1000:
                    self._send_get("DEVICE_NAME", None, crlf=True, udp=False)
                else:
                    self._send_get("CHAN_NAME", 1, crlf=True, udp=polled)

    # --- receiving -------------------------------------------------------

    def _on_messages(self, messages: list[Message]) -> None:
        loop_time = asyncio.get_running_loop().time()
        self._last_rx = loop_time
        for message in messages:
            verb = message.verb
            if verb in {"REP", "REPORT"}:
                self._last_rep = loop_time
                if verb == "REPORT":
                    self._replied_reports = True
                if self._expect:
                    self._match(message)
                if message.is_error:
                    continue
            elif verb != "SAMPLE":
                continue
            if self._decoder is None:
                self._early.append(message)
            else:
                self._dispatch(message)
        link = self._link
        if link is not None and link.malformed and not self._warned_malformed:
            self._warned_malformed = True
            _LOGGER.warning("Ignoring malformed data from %s:%s", self.host, self.port)

    def _dispatch(self, message: Message) -> None:
        assert self._decoder is not None
        update = self._decoder.apply(message)
        if update is None:
            return
        for listener in tuple(self._listeners):
            listener(update)
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(update)

    def _match(self, message: Message) -> None:
        expect = self._expect
        if message.is_error:
            expectation = expect.popleft()
            if not expectation.future.done():
                expectation.future.set_exception(ProtocolError(f"{expectation.param} refused"))
                expectation.future.exception()  # mark retrieved
            return
        position = next(
            (
                position
                for position, expectation in enumerate(expect)
                if expectation.param == message.param
                and (expectation.index is None or expectation.index == message.index)
            ),
            None,
        )
        if position is None:
            return
        for _ in range(position):
            skipped = expect.popleft()
            if not skipped.future.done():
                skipped.future.set_result(None)
        matched = expect.popleft()
        if not matched.future.done():
            matched.future.set_result(message)

    def _on_lost(self, exc: Exception | None) -> None:
        self._lost.set()

    # --- sending ---------------------------------------------------------

    def _require_link(self) -> Link:
        if self._link is None:
            raise DeviceConnectionError(f"{self.host}:{self.port} is not connected")
        return self._link

    def _send(self, body: str) -> None:
        family = self._state.info.family if self._state else self._family_hint
        if family is Family.UHFR:
            self._require_link().send(f"* {body} *".encode("latin-1", "replace"))
            return
        ending = "\r\n" if family is Family.PSM1000 else ""
        self._require_link().send(f"< {body} >{ending}".encode("latin-1", "replace"))

    def _send_get(self, param: str, index: int | None, *, crlf: bool, udp: bool) -> None:
        body = f"GET {param}" if index is None else f"GET {index} {param}"
        if udp:
            self._require_link().send(f"* {body} *".encode("latin-1"))
        else:
            self._require_link().send(f"< {body} >{'\r\n' if crlf else ''}".encode("latin-1"))

    def _send_meter_rate(self, rate_ms: int) -> None:
        info = self.info
        for number in range(1, info.channel_count + 1):
            if info.family is Family.UHFR:
                units = "STOP" if rate_ms == 0 else f"{max(1, round(rate_ms / 30)):03d}"
                self._send(f"METER {number} ALL {units}")
            else:
                self._send(f"SET {number} METER_RATE {rate_ms:05d}")

    def _expect_reply(self, param: str, index: int | None) -> _Expectation:
        future: asyncio.Future[Message | None] = asyncio.get_running_loop().create_future()
        expectation = _Expectation(param, index, future)
        self._expect.append(expectation)
        return expectation

    async def _command(self, body: str, param: str, index: int | None) -> Message:
        self._require_link()
        expectation = self._expect_reply(param, index)
        self._send(body)
        try:
            reply = await asyncio.wait_for(expectation.future, self.timing.command_timeout)
        except TimeoutError as err:
            with contextlib.suppress(ValueError):
                self._expect.remove(expectation)
            raise DeviceNotRespondingError(f"no answer to {body!r}") from err
        if reply is None:
            raise DeviceNotRespondingError(f"no answer to {body!r}")
        return reply

    def _fail_expectations(self, err: DeviceError) -> None:
        while self._expect:
            future = self._expect.popleft().future
            if not future.done():
                future.set_exception(err)
                future.exception()

    def _close_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    # --- helpers ---------------------------------------------------------

    def _check_channel(self, channel: int) -> None:
        if not 1 <= channel <= self.info.channel_count:
            raise ValueError(f"channel {channel} does not exist on {self.info.model}")

    def _require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} ({capability})")

    def _notify_connection(self, connected: bool) -> None:
        for listener in tuple(self._connection_listeners):
            listener(connected)


def _check_meter_rate(rate_ms: int) -> None:
    if rate_ms != 0 and not MIN_METER_RATE_MS <= rate_ms <= MAX_METER_RATE_MS:
        raise ValueError(
            f"meter rate must be 0 (off) or {MIN_METER_RATE_MS}-{MAX_METER_RATE_MS} ms"
        )
