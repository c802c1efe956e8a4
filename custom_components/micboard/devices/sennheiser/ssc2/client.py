"""Persistent client for one Sennheiser SSCv2 device (HTTPS REST + Server-Sent Events).

Connecting reads the identity (the serial is the device's identity,
``product`` its model), opens one event stream (one subscription session),
adds every resource a monitor needs to it and reads them all.  Values are
pushed only when they change, so after a few seconds of silence a cheap
``GET /api/device/state`` checks that the device is still there; when
neither the stream nor those checks answer for ``dead_after`` the link
counts as lost and the client reconnects with back-off (deleting the stale
session first) until :meth:`SscV2Receiver.disconnect`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import contextlib
from dataclasses import dataclass
import json
import logging
import random
import re
from typing import Any

import aiohttp

from ...capabilities import Capability
from ...exceptions import (
    AuthenticationError,
    CertificateChangedError,
    DeviceConnectionError,
    DeviceError,
    ProtocolError,
    ReceiverChangedError,
    UnsupportedDeviceError,
    WrongProtocolError,
)
from ...models import METER_FIELDS, Family, ReceiverInfo, ReceiverState, Update
from ...receiver import Access
from ..ssc1.apply import Changes
from ..ssc1.codec import clean_text
from ..ssc1.transport import bare_host
from . import sse
from .apply import MOBILES_PATH, TRANSMITTERS_PATH, Applier, mobile_list, mobile_order, normalize
from .http import Api, Reply

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 443
DEFAULT_USERNAME = "api"
MANUFACTURER = "Sennheiser"
MIN_METER_RATE_MS = 100
MAX_METER_RATE_MS = 65535
#: EW-DX receivers have at most four channels; unknown products are probed this far.
MAX_PROBED_CHANNELS = 8
MODEL_WIDTH = 32
SESSIONS = "/api/ssc/state/subscriptions"
HEARTBEAT_PATH = "/api/device/state"
_SESSION_ID = re.compile(r"[A-Za-z0-9._~-]{1,128}")
_NAME_CHARS = re.compile(r"[^A-Z0-9 \-_./+*!?#&()']")

C = Capability
_EW_DX = frozenset(
    {
        C.TX_PRESENCE,
        C.BATTERY_PERCENT,
        C.BATTERY_RUNTIME,
        C.BATTERY_TYPE,
        C.TX_MODEL,
        C.TX_NAME,
        C.TX_MUTE,
        C.FREQUENCY,
        C.GAIN,
        C.MUTE_STATE,
        C.WARNINGS,
        C.INTERFERENCE,
        C.LOW_SIGNAL,
        C.ENCRYPTION_WARNING,
        C.RF_BAND,
        C.RF_LEVEL,
        C.ANTENNA,
        C.LINK_QUALITY,
        C.AUDIO_LEVEL,
        C.IDENTIFY,
        C.CHANNEL_IDENTIFY,
        C.RENAME,
        C.METERING,
    }
)
_SPECTERA = frozenset(
    {
        C.TX_PRESENCE,
        C.TX_MODEL,
        C.BATTERY_PERCENT,
        C.BATTERY_RUNTIME,
        C.WARNINGS,
        C.RF_LEVEL,
        C.LINK_QUALITY,
        C.IDENTIFY,
        C.METERING,
    }
)
_EWDX_STATE = ("", "/warnings")
_EWDX_TX = ("", "/battery", "/warnings")
_EWDX_METERS = ("signalStrengthIndicator", "signalQualityIndicator", "diversityIndicator", "level")


@dataclass(frozen=True, slots=True)
class Timing:
    """Timeouts and intervals, in seconds."""

    request_timeout: float = 5.0
    #: Silence on the event stream after which ``GET /api/device/state`` checks the device.
    probe_after: float = 3.0
    #: Nothing heard (stream or check) for this long: the link is lost.
    dead_after: float = 10.0
    #: How long to wait for the stream's ``open`` event when no ``Content-Location`` came.
    open_timeout: float = 5.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0
    #: Retry interval after refused credentials, a changed certificate or another device.
    problem_retry: float = 60.0


DEFAULT_TIMING = Timing()


@dataclass(frozen=True, slots=True)
class _Profile:
    family: Family
    channels: int
    #: Spectera: mobile device ids, channel 1 first.
    mobiles: tuple[str, ...] = ()


@dataclass(slots=True)
class Stats:
    """Counters, for diagnostics and tests."""

    sessions_opened: int = 0
    sessions_deleted: int = 0
    heartbeats: int = 0
    meter_updates: int = 0


class SscV2Receiver:
    """A Sennheiser EW-DX receiver (Secure mode) or Spectera base station speaking SSCv2."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        access: Access,
        meter_rate_ms: int = 0,
        timing: Timing | None = None,
    ) -> None:
        """Describe the device; nothing is sent until :meth:`connect`."""
        _check_meter_rate(meter_rate_ms)
        self.host = bare_host(host)
        self.port = port
        self.timing = timing or DEFAULT_TIMING
        self.stats = Stats()
        self._access = access
        self._meter_rate_ms = meter_rate_ms
        self._own_session: aiohttp.ClientSession | None = None
        self._api: Api | None = None
        self._state: ReceiverState | None = None
        self._profile: _Profile | None = None
        self._applier: Applier | None = None
        self._session_id: str | None = None
        self._response: aiohttp.ClientResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._opened: asyncio.Future[str] | None = None
        self._stream_ended = asyncio.Event()
        #: Paths the session holds; refused ones are tried again when their transmitter appears.
        self._subscribed: set[str] = set()
        self._refused: set[str] = set()
        self._heard_at = 0.0
        self._alive_at = 0.0
        self._fatal: DeviceError | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._warned = False
        self._listeners: list[Callable[[Update], None]] = []
        self._connection_listeners: list[Callable[[bool], None]] = []
        self._problem_listeners: list[Callable[[DeviceError | None], None]] = []
        self._problem: tuple[object, ...] | None = None
        self._meter_pending: dict[int | None, set[str]] = {}
        self._meter_handle: asyncio.TimerHandle | None = None
        self._meter_flushed = 0.0

    def __repr__(self) -> str:
        """Address only (never the credentials)."""
        return f"SscV2Receiver({self.host!r}, {self.port})"

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
        family = self._require_profile().family
        return _SPECTERA if family is Family.SPECTERA else _EW_DX

    @property
    def meter_rate_ms(self) -> int:
        """Metering interval (0 = off): meter resources are subscribed only while on."""
        return self._meter_rate_ms

    @property
    def session_id(self) -> str | None:
        """The current subscription session (for diagnostics and tests)."""
        return self._session_id

    async def connect(self) -> ReceiverInfo:
        """Identify the device, subscribe to changes and read its state.

        Raises :class:`AuthenticationError` (401/403), :class:`CertificateChangedError`,
        :class:`DeviceConnectionError` (nothing answers, or no pinned certificate),
        :class:`WrongProtocolError` or :class:`UnsupportedDeviceError`.
        """
        if self._supervisor is not None:
            return self.info
        if not self._access.fingerprint:
            raise DeviceConnectionError(
                f"{self.host}:{self.port}: no certificate fingerprint to pin (probe first)"
            )
        try:
            self._open_api()
            info = await self._establish(None)
        except BaseException:
            await self._drop_stream()
            await self._delete_session(wait=1.0)
            await self._close_session()
            raise
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"micboard sscv2 {self.host}:{self.port}"
        )
        return info

    async def disconnect(self) -> None:
        """End the subscription session, close, stop reconnecting."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._drop_stream()
        await self._delete_session(wait=min(2.0, self.timing.request_timeout))
        await self._close_session()
        if self._meter_handle is not None:
            self._meter_handle.cancel()
            self._meter_handle = None
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
        """Call ``callback(error)`` on a lasting problem, ``None`` once connected again.

        Problems: refused credentials, a changed certificate, another device at the address.
        """
        return _add(self._problem_listeners, callback)

    async def refresh(self) -> None:
        """Read every subscribed resource again."""
        self._require_connected()
        await self._read_all(self._paths())

    async def identify(self, channel: int | None = None) -> None:
        """Flash the device (or one EW-DX channel)."""
        api = self._require_connected()
        if channel is None:
            await self._put(api, "/api/device/identification", {"visual": True})
            return
        if Capability.CHANNEL_IDENTIFY not in self.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} (channel identify)")
        self._check_channel(channel)
        await self._put(api, f"/api/channel/{channel - 1}/identify", {"visual": True})

    async def set_channel_name(self, channel: int, name: str) -> None:
        """Rename an EW-DX channel: upper-cased, unsupported characters dropped, ≤ 8 characters."""
        api = self._require_connected()
        if Capability.RENAME not in self.capabilities:
            raise UnsupportedDeviceError(f"{self.info.model} (rename)")
        self._check_channel(channel)
        cleaned = _NAME_CHARS.sub("", name.strip().upper()).strip()[:8].strip()
        if not cleaned:
            raise ValueError("channel name needs 1-8 of A-Z 0-9 space -_./+*!?#&()'")
        path = f"/api/channel/{channel - 1}"
        await self._put(api, path, {"name": cleaned})
        await self._read_all([path])

    async def set_meter_rate(self, rate_ms: int) -> None:
        """Meter every ``rate_ms`` milliseconds (0 = off), reusing the session."""
        _check_meter_rate(rate_ms)
        api = self._require_connected()
        was_on = self._meter_rate_ms > 0
        self._meter_rate_ms = rate_ms
        self.state.meter_rate_ms = rate_ms
        applier = self._require_applier()
        applier.meters = rate_ms > 0
        meter_paths = self._meter_paths(metering=True)
        if rate_ms and not was_on:
            await self._add(api, meter_paths)
            await self._read_all(meter_paths or [MOBILES_PATH])
        elif not rate_ms and was_on:
            if meter_paths and self._session_id is not None:
                reply = await api.call("PUT", f"{SESSIONS}/{self._session_id}/remove", meter_paths)
                if reply.ok:
                    self._subscribed.difference_update(meter_paths)
            changes = Changes()
            applier.clear_meters(changes)
            self._dispatch(changes)

    # --- connection ------------------------------------------------------

    def _open_api(self) -> None:
        session = self._access.session
        if session is None:
            if self._own_session is None or self._own_session.closed:
                self._own_session = aiohttp.ClientSession()
            session = self._own_session
        fingerprint = self._access.fingerprint
        assert fingerprint is not None
        self._api = Api(
            self.host,
            self.port,
            session,
            fingerprint=fingerprint,
            username=self._access.username or DEFAULT_USERNAME,
            secret=self._access.secret,
            timeout=self.timing.request_timeout,
        )

    async def _close_session(self) -> None:
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    async def _establish(self, known: ReceiverInfo | None) -> ReceiverInfo:
        api = self._require_api()
        await self._drop_stream()
        await self._delete_session(wait=self.timing.request_timeout)
        self._fatal = None
        self._warned = False
        info, profile, site = await self._identify(api, known)
        if self._state is None:
            state = self._state = ReceiverState(info)
            for number in range(1, info.channel_count + 1):
                state.channel(number)
            self._profile = profile
            self._applier = Applier(
                state, profile.family, mobiles=profile.mobiles, meters=self._meter_rate_ms > 0
            )
        else:
            state = self._state
            state.info.firmware = info.firmware or state.info.firmware
            state.info.rf_band = info.rf_band or state.info.rf_band
        state.firmware = state.info.firmware
        state.meter_rate_ms = self._meter_rate_ms
        changes = Changes()
        self._require_applier().resource("/api/device/site", site, changes)
        self._dispatch(changes)
        await self._open_stream(api)
        paths = self._paths()
        self._subscribed.clear()
        self._refused.clear()
        await self._add(api, paths)
        await self._read_all(paths)
        now = asyncio.get_running_loop().time()
        self._heard_at = self._alive_at = now
        state.connected = True
        return state.info

    async def _identify(
        self, api: Api, known: ReceiverInfo | None
    ) -> tuple[ReceiverInfo, _Profile, Any]:
        identity = await api.call("GET", "/api/device/identity", auth=False)
        if not identity.ok or not isinstance(identity.data, dict):
            raise WrongProtocolError(f"{api.where} does not speak SSCv2 ({identity.status})")
        # Needs the credentials: refused ones fail the connection here.
        site = await api.call("GET", "/api/device/site")
        product = clean_text(identity.data.get("product"), MODEL_WIDTH) or "SSCv2 device"
        serial = clean_text(identity.data.get("serial"), MODEL_WIDTH)
        profile = await self._profile_of(api, product)
        info = ReceiverInfo(
            family=profile.family,
            model=product,
            channel_count=profile.channels,
            host=self.host,
            port=self.port,
            serial=serial,
            manufacturer=MANUFACTURER,
        )
        firmware = await _optional(api, "/api/firmware/update/state")
        if isinstance(firmware, dict):
            info.firmware = clean_text(firmware.get("deviceVersion"), MODEL_WIDTH)
        if profile.family is Family.EW_DX:
            rf = await _optional(api, "/api/rf")
            if isinstance(rf, dict):
                info.rf_band = clean_text(rf.get("code"), 16)
        if known is not None and self._profile is not None:
            changed = (known.model, known.channel_count) != (info.model, info.channel_count)
            if known.serial and info.serial and known.serial != info.serial:
                changed = True
            if profile.mobiles != self._profile.mobiles:
                changed = True
            if changed:
                raise ReceiverChangedError(known, info)
        return info, profile, site.data if site.ok else None

    async def _profile_of(self, api: Api, product: str) -> _Profile:
        norm = re.sub(r"[^A-Z0-9]", "", product.upper())
        if "SPECTERA" in norm:
            return await self._spectera(api, required=True)
        if "EWDX" in norm or norm.startswith(("EM2", "EM4")):
            if "4CH" in norm or norm.startswith("EM4"):
                return _Profile(Family.EW_DX, 4)
            if "2CH" in norm or norm.startswith("EM2"):
                return _Profile(Family.EW_DX, 2)
        elif (spectera := await self._spectera(api, required=False)).channels >= 0:
            return spectera
        count = 0
        while count < MAX_PROBED_CHANNELS:
            reply = await api.call("GET", f"/api/channel/{count}")
            if not reply.ok or not isinstance(reply.data, dict):
                break
            count += 1
        if not count:
            raise UnsupportedDeviceError(product)
        return _Profile(Family.EW_DX, count)

    async def _spectera(self, api: Api, *, required: bool) -> _Profile:
        """Spectera's mobile devices (``channels`` -1 when the resource is missing)."""
        reply = await api.call("GET", MOBILES_PATH)
        listed = mobile_list(reply.data) if reply.ok else None
        if listed is None:
            if required:
                raise ProtocolError(f"{api.where}: {MOBILES_PATH} unreadable ({reply.status})")
            return _Profile(Family.SPECTERA, -1)
        order = mobile_order(listed)
        return _Profile(Family.SPECTERA, len(order), order)

    def _paths(self) -> list[str]:
        """Resources of the session, meters included while metering is on."""
        profile = self._require_profile()
        paths = ["/api/device/site", HEARTBEAT_PATH]
        if profile.family is Family.SPECTERA:
            return [*paths, MOBILES_PATH]
        paths.append(TRANSMITTERS_PATH)
        for ch in range(profile.channels):
            paths += [f"/api/channel/{ch}{sub}" for sub in _EWDX_STATE]
            paths.append(f"/api/rf/channels/{ch}")
            paths += [f"/api/transmitters/{ch}{sub}" for sub in _EWDX_TX]
        return paths + self._meter_paths()

    def _meter_paths(self, *, metering: bool | None = None) -> list[str]:
        profile = self._require_profile()
        metering = self._meter_rate_ms > 0 if metering is None else metering
        if not metering or profile.family is not Family.EW_DX:
            return []
        return [
            f"/api/channel/{ch}/{name}" for ch in range(profile.channels) for name in _EWDX_METERS
        ]

    # --- the event stream -------------------------------------------------

    async def _open_stream(self, api: Api) -> None:
        self._stream_ended = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._opened = loop.create_future()
        response = await api.stream(SESSIONS)
        self._response = response
        self.stats.sessions_opened += 1
        if response.status != 200:
            await self._drop_stream()
            raise WrongProtocolError(f"{api.where}: {SESSIONS} answered {response.status}")
        if "text/event-stream" not in response.headers.get("Content-Type", ""):
            await self._drop_stream()
            raise WrongProtocolError(f"{api.where}: {SESSIONS} is not an event stream")
        self._session_id = session_id(response.headers.get("Content-Location"))
        self._reader = loop.create_task(
            self._read_stream(response), name=f"micboard sscv2 events {self.host}:{self.port}"
        )
        if self._session_id is None:
            try:
                async with asyncio.timeout(self.timing.open_timeout):
                    self._session_id = await asyncio.shield(self._opened)
            except TimeoutError:
                await self._drop_stream()
                raise ProtocolError(f"{api.where}: the event stream named no session") from None

    async def _read_stream(self, response: aiohttp.ClientResponse) -> None:
        parser = sse.Parser()
        loop = asyncio.get_running_loop()
        try:
            async for chunk in response.content.iter_any():
                self._heard_at = self._alive_at = loop.time()
                for event in parser.feed(chunk):
                    if not self._on_event(event):
                        return
                if parser.dropped and not self._warned:
                    self._warned = True
                    _LOGGER.warning("Ignoring an oversized event from %s:%s", self.host, self.port)
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            name = type(err).__name__
            _LOGGER.debug("Event stream of %s:%s ended: %s", self.host, self.port, name)
        finally:
            self._stream_ended.set()

    def _on_event(self, event: sse.Event) -> bool:
        """Handle one event; ``False`` when the stream is over."""
        if event.name == "close":
            _LOGGER.debug("%s:%s closed the event stream", self.host, self.port)
            return False
        try:
            data = json.loads(event.data) if event.data else None
        except ValueError, RecursionError:
            data = None
        if event.name == "open":
            if isinstance(data, dict) and self._opened is not None and not self._opened.done():
                found = session_id(data.get("sessionUUID")) or session_id(data.get("path"))
                if found is not None:
                    self._opened.set_result(found)
            return True
        if not isinstance(data, dict):
            if event.data and not self._warned:
                self._warned = True
                _LOGGER.warning("Ignoring malformed events from %s:%s", self.host, self.port)
            return True
        try:
            self._apply_notification(data)
        except Exception:
            if not self._warned:
                self._warned = True
                _LOGGER.exception("Ignoring an event from %s:%s", self.host, self.port)
        return True

    def _apply_notification(self, data: dict[str, Any]) -> None:
        applier = self._require_applier()
        changes = Changes()
        for key, value in list(data.items())[:512]:
            if (path := normalize(key)) is not None:
                applier.resource(path, value, changes)
        if applier.strangers:
            _LOGGER.debug("%s:%s lists mobile devices it had not at connect", self.host, self.port)
        for n in sorted(changes.appeared):
            if self.connected and applier.family is Family.EW_DX:
                self._spawn(self._transmitter_appeared(n))
        self._dispatch(changes)

    async def _transmitter_appeared(self, n: int) -> None:
        """Read a transmitter that just appeared; subscribe what was refused while it was absent."""
        api = self._require_api()
        paths = [f"/api/transmitters/{n - 1}{sub}" for sub in _EWDX_TX]
        with contextlib.suppress(DeviceError):
            if retry := [p for p in paths if p in self._refused]:
                await self._add(api, retry)
            await self._read_all(paths)

    async def _add(self, api: Api, paths: list[str]) -> None:
        """Add ``paths`` to the session (one by one when the device refuses the batch)."""
        if not paths or self._session_id is None:
            return
        where = f"{SESSIONS}/{self._session_id}/add"
        reply = await api.call("PUT", where, paths)
        if reply.ok:
            self._subscribed.update(paths)
            self._refused.difference_update(paths)
            return
        if reply.status == 422:
            raise DeviceConnectionError(f"{api.where} forgot subscription session")
        if reply.status != 400:
            raise ProtocolError(f"{api.where}: adding resources refused ({reply.status})")
        for path in paths:
            one = await api.call("PUT", where, [path])
            if one.ok:
                self._subscribed.add(path)
                self._refused.discard(path)
            elif one.status == 422:
                raise DeviceConnectionError(f"{api.where} forgot subscription session")
            else:
                _LOGGER.debug("%s:%s refused subscribing %s", self.host, self.port, path)
                self._refused.add(path)

    async def _read_all(self, paths: Iterable[str]) -> None:
        api = self._require_api()
        applier = self._require_applier()
        for path in paths:
            reply = await api.call("GET", path)
            changes = Changes()
            if reply.ok:
                applier.resource(path, reply.data, changes)
            elif reply.status == 422:
                applier.absent(path, changes)
            self._dispatch(changes)

    async def _drop_stream(self) -> None:
        """Stop reading the stream and close it (the session is deleted separately)."""
        for task in (self._reader, *self._tasks):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._reader = None
        self._tasks.clear()
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._opened is not None and not self._opened.done():
            self._opened.cancel()

    async def _delete_session(self, wait: float) -> None:
        """End the previous session on the device (errors are ignored: it may be gone)."""
        session, self._session_id = self._session_id, None
        if session is None or self._api is None:
            return
        with contextlib.suppress(DeviceError):
            reply = await self._api.call("DELETE", f"{SESSIONS}/{session}", deadline=wait)
            if reply.ok or reply.status in (404, 422):
                self.stats.sessions_deleted += 1

    # --- supervision -----------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            problem = await self._watch()
            await self._drop_stream()
            state = self.state
            if state.connected:
                state.connected = False
                _LOGGER.info("Lost %s at %s:%s", state.info.model, self.host, self.port)
                self._notify_connection(False)
            delay = self.timing.reconnect_min
            if problem is not None:
                self._report_problem(problem)
                delay = self.timing.problem_retry
            while True:
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                try:
                    await self._establish(state.info)
                except (
                    AuthenticationError,
                    CertificateChangedError,
                    ReceiverChangedError,
                    UnsupportedDeviceError,
                    WrongProtocolError,
                ) as err:
                    await self._drop_stream()
                    self._report_problem(err)
                    delay = self.timing.problem_retry
                    continue
                except DeviceError as err:
                    _LOGGER.debug("Reconnect to %s:%s failed: %s", self.host, self.port, err)
                    await self._drop_stream()
                else:
                    break
                delay = min(delay * 2, self.timing.reconnect_max)
            _LOGGER.info("Reconnected to %s at %s:%s", state.info.model, self.host, self.port)
            self._report_problem(None)
            self._notify_connection(True)

    async def _watch(self) -> DeviceError | None:
        """Return when the link is lost (with the reason when it needs the user)."""
        timing = self.timing
        loop = asyncio.get_running_loop()
        tick = min(0.5, timing.probe_after / 4, timing.dead_after / 8)
        checked_at = loop.time()
        check: asyncio.Task[None] | None = None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(tick):
                    await self._stream_ended.wait()
            if self._fatal is not None:
                return self._fatal
            if self._stream_ended.is_set():
                return None
            now = loop.time()
            if now - self._alive_at >= timing.dead_after:
                _LOGGER.debug("%s:%s silent for %.1f s", self.host, self.port, now - self._alive_at)
                return None
            quiet = now - self._heard_at >= timing.probe_after
            if quiet and now - checked_at >= timing.probe_after and (check is None or check.done()):
                checked_at = now
                check = self._spawn(self._heartbeat())

    async def _heartbeat(self) -> None:
        """A cheap read: the device is alive (values are only pushed when they change)."""
        api = self._require_api()
        self.stats.heartbeats += 1
        try:
            reply = await api.call("GET", HEARTBEAT_PATH)
        except (AuthenticationError, CertificateChangedError) as err:
            self._fatal = err
            self._stream_ended.set()
            return
        except DeviceError:
            return
        self._alive_at = asyncio.get_running_loop().time()
        if reply.ok:
            changes = Changes()
            self._require_applier().resource(HEARTBEAT_PATH, reply.data, changes)
            self._dispatch(changes)

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- changes ---------------------------------------------------------

    def _dispatch(self, changes: Changes) -> None:
        """Tell listeners; meter changes at most once per metering interval."""
        for update in changes.updates():
            meters = update.fields & METER_FIELDS
            rest = update.fields
            if meters and self._meter_rate_ms:
                rest = update.fields - meters
                self._meter_pending.setdefault(update.channel, set()).update(meters)
                self._schedule_meters()
            if rest:
                self._emit(Update(update.channel, frozenset(rest)))

    def _schedule_meters(self) -> None:
        if self._meter_handle is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._meter_flushed + self._meter_rate_ms / 1000 - loop.time())
        self._meter_handle = loop.call_later(delay, self._flush_meters)

    def _flush_meters(self) -> None:
        self._meter_handle = None
        self._meter_flushed = asyncio.get_running_loop().time()
        pending, self._meter_pending = self._meter_pending, {}
        for channel, names in pending.items():
            self.stats.meter_updates += 1
            self._emit(Update(channel, frozenset(names)))

    def _emit(self, update: Update) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(update)
            except Exception:
                _LOGGER.exception("Error in an update listener")

    # --- helpers ---------------------------------------------------------

    async def _put(self, api: Api, path: str, body: dict[str, Any]) -> Reply:
        reply = await api.call("PUT", path, body)
        if not reply.ok:
            raise ProtocolError(f"{api.where}: PUT {path} refused ({reply.status})")
        return reply

    def _require_api(self) -> Api:
        if self._api is None:
            raise DeviceConnectionError(f"{self.host}:{self.port} is not connected")
        return self._api

    def _require_connected(self) -> Api:
        if not self.connected:
            raise DeviceConnectionError(f"{self.host}:{self.port} is not connected")
        return self._require_api()

    def _require_profile(self) -> _Profile:
        if self._profile is None:
            raise DeviceConnectionError("not connected yet")
        return self._profile

    def _require_applier(self) -> Applier:
        if self._applier is None:
            raise DeviceConnectionError("not connected yet")
        return self._applier

    def _check_channel(self, channel: int) -> None:
        if not 1 <= channel <= self.info.channel_count:
            raise ValueError(f"channel {channel} does not exist on {self.info.model}")

    def _notify_connection(self, connected: bool) -> None:
        for listener in tuple(self._connection_listeners):
            try:
                listener(connected)
            except Exception:
                _LOGGER.exception("Error in a connection listener")

    def _report_problem(self, err: DeviceError | None) -> None:
        key = None if err is None else _problem_key(err)
        if key == self._problem:
            return
        self._problem = key
        for listener in tuple(self._problem_listeners):
            try:
                listener(err)
            except Exception:
                _LOGGER.exception("Error in a problem listener")


def session_id(value: object) -> str | None:
    """The session id of a ``Content-Location`` (bare id, path or URL) or an ``open`` event."""
    if not isinstance(value, str):
        return None
    tail = value.strip().split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail if _SESSION_ID.fullmatch(tail) else None


def _problem_key(err: DeviceError) -> tuple[object, ...]:
    """The same problem met on another path is not news."""
    if isinstance(err, AuthenticationError):
        return ("auth", err.forbidden)
    if isinstance(err, CertificateChangedError):
        return ("certificate", err.expected, err.actual)
    return (type(err).__name__, str(err))


async def _optional(api: Api, path: str) -> Any:
    """A resource some products lack (``None`` when missing)."""
    reply = await api.call("GET", path)
    return reply.data if reply.ok else None


def _add[T](listeners: list[T], callback: T) -> Callable[[], None]:
    listeners.append(callback)

    def remove() -> None:
        if callback in listeners:
            listeners.remove(callback)

    return remove


def _check_meter_rate(rate_ms: int) -> None:
    if rate_ms != 0 and not MIN_METER_RATE_MS <= rate_ms <= MAX_METER_RATE_MS:
        raise ValueError(
            f"meter rate must be 0 (off) or {MIN_METER_RATE_MS}-{MAX_METER_RATE_MS} ms"
        )
