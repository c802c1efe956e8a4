"""Persistent client for one Shure receiver.

One connection per receiver: identify the model, ask for everything once,
then live on the receiver's unsolicited ``REP`` (and ``SAMPLE``) messages.
A keep-alive notices a dead link, and the client reconnects by itself with
capped exponential back-off until :meth:`ShureReceiver.disconnect`.

A reconnect must find the same receiver: when something else answers (a
different model or channel count, another MAC address, something that is
not a Shure receiver or a model this library does not support), the client
keeps the state it had, stays disconnected, tells its problem listeners and
keeps trying.  Nothing a device sends can raise out of the protocol
callbacks: a listener or decoder failure is logged once per connection.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass
import logging
import random
from typing import Any

from ..capabilities import Capability
from ..exceptions import (
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    NotAShureDeviceError,
    ProtocolError,
    ReceiverChangedError,
    UnsupportedDeviceError,
)
from ..models import Family, ReceiverInfo, ReceiverState, Update
from ..net import mac_from_arp
from . import catalog, convert
from .decoder import REPORT_VERB, Decoder
from .framing import Message
from .transport import Link, UdpLink, open_tcp, open_udp

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 2202
MANUFACTURER = "Shure"
#: Slowest sensible metering; faster rates have hung receivers in the field.
MIN_METER_RATE_MS = 1000
MAX_METER_RATE_MS = 65535
MAX_NAME_LENGTH = 8
_FORBIDDEN_NAME_CHARS = frozenset("{}<>*")
#: Messages kept while the receiver is being identified (more are dropped).
MAX_EARLY_MESSAGES = 2048
#: Widest model string kept from a ``MODEL`` answer (SLX-D: 32).
MAX_MODEL_LENGTH = 32
_ANY_REPLY = frozenset({"REP", "REPORT"})
#: Reconnect failures that will not go away by retrying alone.
PERMANENT_PROBLEMS = (ReceiverChangedError, NotAShureDeviceError, UnsupportedDeviceError)


C = Capability

_SHURE_FAMILIES = (
    Family.ULXD,
    Family.QLXD,
    Family.AXIENT_DIGITAL,
    Family.SLXD,
    Family.UHFR,
    Family.PSM1000,
)
_ALL_SHURE = frozenset(_SHURE_FAMILIES)
_MICROPHONES = _ALL_SHURE - {Family.PSM1000}
_RICH_BATTERY = frozenset({Family.ULXD, Family.QLXD, Family.AXIENT_DIGITAL})
_DIGITAL = _RICH_BATTERY | {Family.SLXD}

#: Which families report (or accept) what; the manufacturer-neutral view.
_FAMILY_SETS: tuple[tuple[frozenset[Capability], frozenset[Family]], ...] = (
    (frozenset({C.TX_PRESENCE, C.FREQUENCY}), _ALL_SHURE),
    (frozenset({C.BATTERY_PERCENT, C.BATTERY_BARS, C.TX_MODEL, C.RF_LEVEL}), _MICROPHONES),
    (frozenset({C.BATTERY_RUNTIME, C.AUDIO_LEVEL, C.ENCRYPTION, C.ENCRYPTION_WARNING}), _DIGITAL),
    (
        frozenset({C.BATTERY_HEALTH, C.BATTERY_CYCLES, C.BATTERY_TEMPERATURE, C.BATTERY_TYPE}),
        _RICH_BATTERY,
    ),
    (frozenset({C.TX_MUTE}), _RICH_BATTERY),
    (frozenset({C.TX_POWER}), _RICH_BATTERY | {Family.PSM1000}),
    (frozenset({C.GAIN, C.METERING}), _ALL_SHURE - {Family.UHFR}),
    (frozenset({C.RF_BAND}), frozenset({Family.AXIENT_DIGITAL, Family.SLXD})),
    (frozenset({C.MUTE_STATE}), frozenset({Family.ULXD, Family.AXIENT_DIGITAL, Family.UHFR})),
    (frozenset({C.INTERFERENCE}), frozenset({Family.ULXD, Family.AXIENT_DIGITAL, Family.SLXD})),
    (frozenset({C.MUTE}), frozenset({Family.ULXD, Family.AXIENT_DIGITAL})),
    (frozenset({C.IDENTIFY}), frozenset({Family.ULXD, Family.AXIENT_DIGITAL, Family.SLXD})),
    (frozenset({C.CHANNEL_IDENTIFY}), frozenset({Family.AXIENT_DIGITAL, Family.SLXD})),
    (frozenset({C.RENAME}), _ALL_SHURE),
)

#: Capabilities of each Shure family (the keys are the families this client speaks).
CAPABILITIES: dict[Family, frozenset[Capability]] = {
    family: frozenset(
        capability
        for capabilities, families in _FAMILY_SETS
        if family in families
        for capability in capabilities
    )
    for family in _SHURE_FAMILIES
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
    #: On disconnect, how long to wait for the receiver to confirm metering stopped.
    goodbye_timeout: float = 1.0


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
        #: Incremented per link, so callbacks of a closed link are ignored.
        self._generation = 0
        self._link_lost: asyncio.Future[None] | None = None
        self._state: ReceiverState | None = None
        self._decoder: Decoder | None = None
        self._expect: deque[_Expectation] = deque()
        self._early: list[Message] = []
        self._identifying = False
        self._reply_verbs = _ANY_REPLY
        self._replied_reports = False
        self._replied_rep = False
        self._lost = asyncio.Event()
        self._last_rx = 0.0
        self._last_rep = 0.0
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = False
        self._warned_malformed = False
        self._warned_failure = False
        self._meter_stopped: dict[int, asyncio.Future[None]] = {}
        self._problem: tuple[object, ...] | None = None
        self._listeners: list[Callable[[Update], None]] = []
        self._connection_listeners: list[Callable[[bool], None]] = []
        self._problem_listeners: list[Callable[[DeviceError | None], None]] = []
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
        self._report_problem(None)  # a problem left from an earlier session is over
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"micboard {self.host}:{self.port}"
        )
        return info

    async def disconnect(self) -> None:
        """Stop metering if this client started it, close, stop reconnecting.

        When this client set a metering rate, the receiver is asked to stop
        and each channel's confirmation is awaited (at most
        ``Timing.goodbye_timeout``) before the socket closes: a receiver
        that drops commands whose reply it cannot deliver would otherwise
        keep metering into nothing.
        """
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if (
            self._link is not None
            and self._meter_rate_ms
            and self._state is not None
            and self._state.connected
        ):
            await self._stop_metering()
        self._close_link()
        self._fail_expectations(DeviceConnectionError("disconnected"))
        if self._state is not None and self._state.connected:
            self._state.connected = False
            self._notify_connection(False)

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Call ``callback`` for every change; returns an unsubscribe function.

        Changes are delivered once per received segment (or datagram): all
        the changes to one channel in it arrive as one :class:`Update`.
        """
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

    def subscribe_problem(
        self, callback: Callable[[DeviceError | None], None]
    ) -> Callable[[], None]:
        """Call ``callback(error)`` when reconnecting fails for a lasting reason.

        The error is a :class:`ReceiverChangedError`,
        :class:`NotAShureDeviceError` or :class:`UnsupportedDeviceError`;
        each distinct problem is reported once, not on every retry (the
        client keeps retrying with capped back-off).  ``callback(None)``
        follows when a later reconnect succeeds normally, before the
        connection listeners hear ``True``.  Returns an unsubscribe function.
        """
        self._problem_listeners.append(callback)
        return lambda: (
            self._problem_listeners.remove(callback)
            if callback in self._problem_listeners
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
        """Connect and identify; with ``known``, require the same receiver."""
        family = known.family if known else self._family_hint
        self._lost.clear()
        self._early.clear()
        self._replied_reports = self._replied_rep = False
        self._warned_malformed = self._warned_failure = False
        self._identifying = True
        try:
            info = await self._open_and_identify(family, known)
            mac = await mac_from_arp(self.host)
            if known is not None:
                info.mac = mac or known.mac
                if (
                    info.model != known.model
                    or info.channel_count != known.channel_count
                    or (mac is not None and known.mac is not None and mac != known.mac)
                ):
                    info.mac = mac
                    self._close_link()
                    raise ReceiverChangedError(known, info)
            else:
                info.mac = mac or self._mac_hint
            if (
                self._state is None
                or self._state.info.model != info.model
                or self._state.info.channel_count != info.channel_count
            ):
                self._state = ReceiverState(info)
                for number in range(1, info.channel_count + 1):
                    self._state.channel(number)
                self._decoder = Decoder(self._state)
            self._reply_verbs = frozenset({REPORT_VERB[info.family]})
        finally:
            self._identifying = False
        early, self._early = self._early, []
        self._deliver(self._apply_all(early))
        await self._request_state()
        if self._lost.is_set():
            raise DeviceConnectionError(f"{self.host}:{self.port} closed the connection")
        if self._meter_rate_ms:
            self._send_meter_rate(self._meter_rate_ms)
        self._state.connected = True
        return self._state.info

    async def _open_and_identify(
        self, family: Family | None, known: ReceiverInfo | None
    ) -> ReceiverInfo:
        if family is Family.UHFR:
            await self._open_udp()
            return await self._identify_udp(known)
        try:
            self._link = await open_tcp(
                self.host,
                self.port,
                self.timing.connect_timeout,
                *self._callbacks(),
            )
        except DeviceConnectionError:
            if family is not None:
                raise
            # UHF-R listens on UDP only: try that before giving up.
            await self._open_udp()
            try:
                return await self._identify_udp(None)
            except DeviceError:
                self._close_link()
                raise DeviceConnectionError(f"cannot connect to {self.host}:{self.port}") from None
        return await self._identify_tcp(known)

    def _callbacks(
        self,
    ) -> tuple[Callable[[list[Message]], None], Callable[[Exception | None], None]]:
        """Callbacks for a new link; those of earlier links stop counting."""
        self._generation += 1
        generation = self._generation
        self._link_lost = asyncio.get_running_loop().create_future()

        def on_messages(messages: list[Message]) -> None:
            if generation == self._generation:
                self._on_messages(messages)

        def on_lost(exc: Exception | None) -> None:
            if generation == self._generation:
                self._on_lost(exc)

        return on_messages, on_lost

    async def _open_udp(self) -> None:
        self._link = await open_udp(self.host, self.port, *self._callbacks())

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
        # On reconnect the known family's dialect decides: a stray line of
        # the other one (REPORT from a ULX-D) neither answers nor identifies.
        verbs = frozenset({REPORT_VERB[known.family]}) if known is not None else _ANY_REPLY
        replies = await self._probe(probes, crlf=True, verbs=verbs)
        if replies is None:
            # Only the other dialect answered: identify what it is afresh.
            assert known is not None
            self._replied_reports = self._replied_rep = False
            return await self._identify_tcp(None)
        answered = {key for key, reply in replies.items() if reply is not None}
        if (self._replied_reports and known is None) or (
            known is not None and known.family is Family.PSM1000
        ):
            family, model, channels = Family.PSM1000, "P10T", 2
        elif (reply := replies.get(("MODEL", None))) is not None and (
            reported := " ".join(reply.args).strip()
        ):
            spec = catalog.lookup(reported)
            if spec is None:
                raise UnsupportedDeviceError(convert.text(reported, MAX_MODEL_LENGTH) or "unknown")
            family, channels = spec.family, spec.channels
            # Keep the "+" of SLX-D+ models; drop band suffixes such as "-A".
            plus = "+" in reported[len(spec.model) :][:2]
            model = spec.model + ("+" if plus else "")
        else:
            if known is not None and replies.get(probes[-1]) is None:
                # The fence went unanswered: the channel count read from the
                # replies may be short, which must not pass for another model.
                self._close_link()
                raise DeviceNotRespondingError(f"{self.host}:{self.port} answered only in part")
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
            if known is not None and (known.family, known.channel_count) == (family, channels):
                # No MODEL answer this time: nothing says it is another model
                # (an SLX-D+ would otherwise lose its "+").
                model = known.model
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
            firmware=convert.text(" ".join(firmware.args), 32) if firmware else None,
            manufacturer=MANUFACTURER,
        )

    async def _identify_udp(self, known: ReceiverInfo | None) -> ReceiverInfo:
        replies = await self._probe(
            [("CHAN_NAME", 2), ("CHAN_NAME", 1)], crlf=False, verbs=_ANY_REPLY
        )
        assert replies is not None
        if replies.get(("CHAN_NAME", 2)) is None and known is not None and known.channel_count > 1:
            # Datagrams get lost: ask again before calling a UR4D a UR4S.
            again = await self._probe(
                [("CHAN_NAME", 2), ("CHAN_NAME", 1)], crlf=False, verbs=_ANY_REPLY
            )
            assert again is not None
            replies.update(again)
        channels = 2 if replies.get(("CHAN_NAME", 2)) is not None else 1
        model = catalog.BY_CHANNELS[Family.UHFR][channels]
        return ReceiverInfo(
            family=Family.UHFR,
            model=model,
            channel_count=channels,
            host=self.host,
            port=self.port,
            manufacturer=MANUFACTURER,
        )

    async def _probe(
        self, probes: list[tuple[str, int | None]], *, crlf: bool, verbs: frozenset[str]
    ) -> dict[tuple[str, int | None], Message | None] | None:
        """Send GETs; the last one fences the others (replies come in order).

        Waits until the fence is answered, the link is lost or the probe
        times out, whichever comes first.  Returns ``None`` when only
        replies in a dialect other than ``verbs`` came back.
        """
        link = self._require_link()
        self._reply_verbs = verbs
        expectations = [self._expect_reply(param, index) for param, index in probes]
        udp = isinstance(link, UdpLink)
        for param, index in probes:
            self._send_get(param, index, crlf=crlf, udp=udp)
        waiting: set[asyncio.Future[Any]] = {expectations[-1].future}
        if self._link_lost is not None:
            waiting.add(self._link_lost)
        await asyncio.wait(
            waiting, timeout=self.timing.probe_timeout, return_when=asyncio.FIRST_COMPLETED
        )
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
        if not any(results.values()):
            other_dialect = (self._replied_reports and "REPORT" not in verbs) or (
                self._replied_rep and "REP" not in verbs
            )
            if other_dialect:
                return None
            # A P10T may answer (REPORT) nothing that was asked by name.
            if not (self._replied_reports and "REPORT" in verbs and "REP" in verbs):
                received = link.received_bytes
                lost = self._lost.is_set()
                self._close_link()
                if received:
                    raise NotAShureDeviceError(
                        f"{self.host}:{self.port} does not speak Shure commands"
                    )
                if lost:
                    raise DeviceConnectionError(f"{self.host}:{self.port} closed the connection")
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
        """Wait until the receiver has stopped reporting (or a cap, or link loss)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        timing = self.timing
        while True:
            await asyncio.sleep(timing.settle_time / 3)
            now = loop.time()
            if self._lost.is_set() or now - start >= timing.settle_max:
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
                except PERMANENT_PROBLEMS as err:
                    self._close_link()
                    self._report_problem(err)
                except DeviceError as err:
                    _LOGGER.debug("Reconnect to %s:%s failed: %s", self.host, self.port, err)
                    self._close_link()
                else:
                    break
                delay = min(delay * 2, self.timing.reconnect_max)
            _LOGGER.debug("Reconnected to %s at %s:%s", state.info.model, self.host, self.port)
            self._report_problem(None)
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
        """Handle one segment's (or datagram's) messages; never raises."""
        try:
            self._receive(messages)
        except Exception:
            self._log_failure("Ignoring a failure while handling data from %s:%s")

    def _receive(self, messages: list[Message]) -> None:
        loop_time = asyncio.get_running_loop().time()
        self._last_rx = loop_time
        applicable: list[Message] = []
        for message in messages:
            verb = message.verb
            if verb in _ANY_REPLY:
                if verb == "REPORT":
                    self._replied_reports = True
                else:
                    self._replied_rep = True
                if verb not in self._reply_verbs:
                    continue  # another family's dialect: no answer, no change
                self._last_rep = loop_time
                if self._expect:
                    self._match(message)
                if message.is_error:
                    continue
                if self._meter_stopped and message.param == "METER_RATE":
                    self._confirm_meter_stopped(message)
            elif verb != "SAMPLE":
                continue
            applicable.append(message)
        if self._decoder is None or self._identifying:
            room = MAX_EARLY_MESSAGES - len(self._early)
            self._early.extend(applicable[: max(0, room)])
        else:
            self._deliver(self._apply_all(applicable))
        link = self._link
        if link is not None and link.malformed and not self._warned_malformed:
            self._warned_malformed = True
            _LOGGER.warning("Ignoring malformed data from %s:%s", self.host, self.port)

    def _apply_all(self, messages: list[Message]) -> dict[int | None, set[str]]:
        """Apply messages; the changed fields per channel, in order of first change."""
        changes: dict[int | None, set[str]] = {}
        decoder = self._decoder
        if decoder is None:
            return changes
        for message in messages:
            try:
                update = decoder.apply(message)
            except Exception:
                self._log_failure("Ignoring a message %s:%s sent that could not be applied")
                continue
            if update is not None:
                changes.setdefault(update.channel, set()).update(update.fields)
        return changes

    def _deliver(self, changes: dict[int | None, set[str]]) -> None:
        """Tell listeners: one :class:`Update` per channel (and one receiver-wide)."""
        for channel, fields in changes.items():
            update = Update(channel, frozenset(fields))
            for listener in tuple(self._listeners):
                try:
                    listener(update)
                except Exception:
                    self._log_failure("A listener of %s:%s failed")
            for queue in self._queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(update)

    def _log_failure(self, message: str) -> None:
        """Log an unexpected failure once per connection (with its traceback)."""
        if not self._warned_failure:
            self._warned_failure = True
            _LOGGER.exception(message, self.host, self.port)

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
        if self._link_lost is not None and not self._link_lost.done():
            self._link_lost.set_result(None)
        self._fail_expectations(DeviceConnectionError(f"{self.host}:{self.port} link lost"))

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

    async def _stop_metering(self) -> None:
        """Ask every channel to stop metering and wait (bounded) for each to confirm."""
        info = self.info
        if info.family is Family.UHFR:
            # UHF-R does not answer METER: send and let the datagrams go.
            self._send_meter_rate(0)
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        self._meter_stopped = {
            number: loop.create_future() for number in range(1, info.channel_count + 1)
        }
        lost = {self._link_lost} if self._link_lost is not None else set()
        deadline = loop.time() + self.timing.goodbye_timeout
        try:
            self._send_meter_rate(0)
            waiting: set[asyncio.Future[Any]] = set(self._meter_stopped.values())
            while waiting and not any(future.done() for future in lost):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await asyncio.wait(
                    waiting | lost, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                waiting = {future for future in waiting if not future.done()}
        finally:
            missing = [n for n, future in self._meter_stopped.items() if not future.done()]
            for future in self._meter_stopped.values():
                future.cancel()
            self._meter_stopped = {}
        if missing:
            _LOGGER.debug(
                "%s:%s did not confirm metering stopped on channel(s) %s",
                self.host,
                self.port,
                missing,
            )

    def _confirm_meter_stopped(self, message: Message) -> None:
        if message.index is None or (future := self._meter_stopped.get(message.index)) is None:
            return
        if convert.number(message.args[0] if message.args else "") == 0 and not future.done():
            future.set_result(None)

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
            self._generation += 1  # whatever the closed link still says is ignored
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
            try:
                listener(connected)
            except Exception:
                _LOGGER.exception("A connection listener of %s:%s failed", self.host, self.port)

    def _report_problem(self, err: DeviceError | None) -> None:
        """Tell problem listeners about a new lasting problem, or that it is over."""
        key = None if err is None else _problem_key(err)
        if key == self._problem:
            return
        self._problem = key
        if err is not None:
            _LOGGER.warning("Reconnecting to %s:%s: %s", self.host, self.port, err)
        for listener in tuple(self._problem_listeners):
            try:
                listener(err)
            except Exception:
                _LOGGER.exception("A problem listener of %s:%s failed", self.host, self.port)


def _problem_key(err: DeviceError) -> tuple[object, ...]:
    """What makes two reconnect problems the same problem."""
    if isinstance(err, ReceiverChangedError):
        new = err.new
        return (ReceiverChangedError, new.family, new.model, new.channel_count, new.mac)
    return (type(err), str(err))


def _check_meter_rate(rate_ms: int) -> None:
    if rate_ms != 0 and not MIN_METER_RATE_MS <= rate_ms <= MAX_METER_RATE_MS:
        raise ValueError(
            f"meter rate must be 0 (off) or {MIN_METER_RATE_MS}-{MAX_METER_RATE_MS} ms"
        )
