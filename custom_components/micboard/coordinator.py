"""Push-based coordinator: one per receiver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import dataclasses
from functools import lru_cache
import math
from typing import TYPE_CHECKING, Any, cast
import zlib

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import slugify
from yarl import URL

from . import secure
from .const import (
    CONF_BATTERY_LOW,
    CONF_CHANNELS,
    CONF_DEVICE_KEY,
    CONF_FAMILY,
    CONF_MODEL,
    DOMAIN,
    ISSUE_CHANNELS_VANISHED,
    ISSUE_WRONG_DEVICE,
    LOGGER,
    LOW_BATTERY_PERCENT,
    METER_LIVE_WINDOW,
    METER_STATE_INTERVAL,
    STATE_WRITE_INTERVAL,
    VENUE_UNIQUE_ID,
    WEB_UI_PORTS,
)
from .devices import (
    AccessDisabledError,
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    NotAShureDeviceError,
    Receiver,
    ReceiverInfo,
    ReceiverState,
    UnsupportedDeviceError,
    Update,
    WrongProtocolError,
)
from .devices.capabilities import Capability

type MicboardConfigEntry = ConfigEntry[MicboardCoordinator]

if TYPE_CHECKING:
    from .hub import MicboardHub

#: Most specific first: the first matching kind names the error.
_SETUP_ERRORS: dict[type[DeviceError], str] = {
    DeviceConnectionError: "cannot_connect",
    AccessDisabledError: "access_disabled",
    DeviceNotRespondingError: "no_response",
    NotAShureDeviceError: "not_shure",
    WrongProtocolError: "wrong_protocol",
    UnsupportedDeviceError: "unsupported_model",
}

#: Errors that no retry can cure: what answers is not a receiver Micboard can use.
PERMANENT_ERRORS = (WrongProtocolError, UnsupportedDeviceError)


def error_key(err: DeviceError) -> str:
    """Translation key for a library error."""
    return next(
        (key for kind, key in _SETUP_ERRORS.items() if isinstance(err, kind)), "cannot_connect"
    )


def changed_receiver(err: DeviceError) -> ReceiverInfo | None:
    """The receiver now at the address, when ``err`` says the receiver was swapped."""
    new = getattr(err, "new", None)
    return new if isinstance(new, ReceiverInfo) else None


def is_venue_entry(entry: ConfigEntry[Any]) -> bool:
    """Whether ``entry`` is the venue entry (it owns the summary sensors)."""
    return entry.unique_id == VENUE_UNIQUE_ID


def receiver_entries(hass: HomeAssistant) -> list[MicboardConfigEntry]:
    """Receiver entries that are set up (or finishing their setup).

    The venue entry and entries whose setup failed are left out, so callers
    may rely on ``entry.runtime_data`` being a :class:`MicboardCoordinator`.
    """
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_IN_PROGRESS)
        and isinstance(getattr(entry, "runtime_data", None), MicboardCoordinator)
    ]


def all_coordinators(hass: HomeAssistant, *, linked: bool = True) -> list[MicboardCoordinator]:
    """Every receiver that is set up: direct entries first, then the devices behind servers.

    With ``linked`` false, devices behind a server that are also added
    directly (and so already counted and shown) are left out.
    """
    found: list[MicboardCoordinator] = [entry.runtime_data for entry in receiver_entries(hass)]
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state not in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_IN_PROGRESS):
            continue
        members = getattr(getattr(entry, "runtime_data", None), "coordinators", None)
        if isinstance(members, dict):
            found.extend(
                coordinator
                for coordinator in members.values()
                if isinstance(coordinator, MicboardCoordinator)
                and (linked or coordinator.linked_key is None)
            )
    return found


def wrong_device_issue(entry_id: str) -> str:
    """Id of the repair issue for a wrong device at a receiver entry's address."""
    return f"{ISSUE_WRONG_DEVICE}_{entry_id}"


def vanished_issue(entry_id: str) -> str:
    """Id of the repair issue for channels a swapped receiver no longer has."""
    return f"{ISSUE_CHANNELS_VANISHED}_{entry_id}"


def configuration_url(info: ReceiverInfo) -> str | None:
    """Link to the receiver's web page, where its family documents one."""
    port = WEB_UI_PORTS.get(info.family.value)
    if port is None:
        return None
    return str(URL.build(scheme="http", host=info.host, port=port, path="/"))


@lru_cache(maxsize=8192)
def _slug(name: str | None) -> str:
    # Names are compared against every Micboard device's on each registration:
    # remembered, a venue of hundreds of devices costs lookups, not slugify runs.
    return slugify(name or "")


class MicboardCoordinator(DataUpdateCoordinator[ReceiverState]):
    """Holds one receiver's state, fed by the receiver's own reports.

    Nothing is polled here: the library keeps the connection alive and
    pushes every change.  State changes are coalesced per channel: at most
    one write per channel for each batch of received data, and at most one
    per :data:`STATE_WRITE_INTERVAL` (later changes get one trailing write),
    while the first change after a quiet spell is written at once.
    Meter-only changes are batched to at most one write per
    :data:`METER_STATE_INTERVAL`, at a phase of its own per receiver.

    Entities write only when what they show changed (see ``entity.py``).
    Recorder rows per channel-hour are therefore bounded by design: the
    meter entities (RF level, and audio level where enabled; 2 per channel
    at most) write at most once per 10 s, so at most 2 × 360 = 720 rows per
    channel-hour (360 with audio level sensors disabled, the default), and
    every other entity adds a row only when its value changes (a battery
    step, a transmitter switched on or off, a rename): with nothing
    changing, a channel adds no rows at all.
    """

    config_entry: MicboardConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MicboardConfigEntry | ConfigEntry[MicboardHub],
        receiver: Receiver,
        *,
        member_key: str | None = None,
        server_device_id: str | None = None,
    ) -> None:
        """Wrap ``receiver``; :meth:`async_config_entry_first_refresh` connects it.

        A device behind a server (``member_key`` set) belongs to the server's
        entry; :meth:`async_start` connects it, and its device is linked to the
        server's device (``server_device_id``).
        """
        super().__init__(
            hass,
            LOGGER,
            config_entry=cast("MicboardConfigEntry", entry),
            name=f"{DOMAIN} {receiver.host}:{receiver.port}"
            + (f" {member_key}" if member_key else ""),
            update_interval=None,
        )
        self.receiver = receiver
        #: Key of the device behind a server (``None``: a receiver entry of its own).
        self.member_key = member_key
        self.server_device_id = server_device_id
        #: Device key of a receiver entry for the same device (the two devices are linked).
        self.linked_key: str | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._meter_flush: CALLBACK_TYPE | None = None
        self._metered_channels: set[int] = set()
        self._meter_flushed_at = -math.inf
        self._last_meter_at = -METER_LIVE_WINDOW
        #: Channels touched by the update being delivered (``None``: everything),
        #: so channel entities of other channels can skip writing their state.
        self.changed_channels: frozenset[int] | None = None
        #: The update being delivered carries meters only (RF and audio levels):
        #: entities that show no meter skip it.
        self.meters_only = False
        self._device_infos: dict[int | None, DeviceInfo] = {}
        self._meter_listeners: list[Callable[[Update], None]] = []
        #: Pending state writes: channel numbers, ``None`` for receiver-wide.
        self._dirty: set[int | None] = set()
        self._renames: set[int | None] = set()
        self._written_at: dict[int | None, float] = {}
        self._flush_soon: asyncio.Handle | None = None
        self._flush_later: asyncio.TimerHandle | None = None
        self._failed_listeners: set[str] = set()
        self._changing = False
        #: Device registry ids of the receiver and its channels (set by
        #: :meth:`async_register_devices`).
        self.receiver_device_id = ""
        self.channel_device_ids: dict[int, str] = {}
        #: The receiver as identified at setup (the library's own view may
        #: already describe a different receiver found on a reconnect).
        self.configured: ReceiverInfo | None = None
        #: Active alert types per channel (set up with the entry's alert engine).
        self.active_alerts: Callable[[int], list[str]] = lambda _channel: []

    async def _async_setup(self) -> None:
        try:
            await self.receiver.connect()
        except PERMANENT_ERRORS as err:
            # Retrying cannot help: something else answers at the address.
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={"host": self.receiver.host, "error": str(err)},
            ) from err
        except DeviceError as err:
            if (access_error := secure.setup_error(self.hass, self.config_entry, err)) is not None:
                # Refused credentials or a changed certificate: only the user can help.
                raise access_error from err
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={"host": self.receiver.host, "error": str(err)},
            ) from err
        secure.async_certificate_accepted(self.hass, self.config_entry.entry_id)
        self.configured = dataclasses.replace(self.receiver.info)
        self._unsubscribe = [
            self.receiver.subscribe(self._handle_update),
            self.receiver.subscribe_connection(self._handle_connection),
        ]
        self._unsubscribe.append(self.receiver.subscribe_problem(self._handle_problem))

    async def _async_update_data(self) -> ReceiverState:
        return self.receiver.state

    async def async_start(self) -> None:
        """Connect a device behind a server (its entry is set up already, or being set up).

        Raises :class:`UpdateFailed` when the device cannot be read.  A device
        the server reports offline starts unavailable.
        """
        await self._async_setup()
        self.data = self.receiver.state
        self.last_update_success = True
        if not self.receiver.connected:
            self._handle_connection(False)

    @callback
    def async_set_link(self, connected: bool) -> None:
        """The link to the device went down or came back (told by its server)."""
        if connected == self.last_update_success:
            return
        self._handle_connection(connected)

    async def async_shutdown(self) -> None:
        """Disconnect from the receiver and drop every callback and timer."""
        await super().async_shutdown()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._meter_flush is not None:
            self._meter_flush()
            self._meter_flush = None
        self._cancel_flushes()
        await self.receiver.disconnect()

    def _cancel_flushes(self) -> None:
        for handle in (self._flush_soon, self._flush_later):
            if handle is not None:
                handle.cancel()
        self._flush_soon = self._flush_later = None
        self._dirty.clear()
        self._renames.clear()

    @callback
    def async_add_meter_listener(self, listener: Callable[[Update], None]) -> CALLBACK_TYPE:
        """Receive every update, meters included, at the receiver's own rate."""
        self._meter_listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._meter_listeners:
                self._meter_listeners.remove(listener)

        return remove

    @callback
    def async_update_listeners(self) -> None:
        """Call every listener; one that raises cannot starve the others."""
        for update_callback, _context in list(self._listeners.values()):
            self._guarded(update_callback)

    def _guarded(self, listener: Callable[..., None], *args: Any) -> None:
        try:
            listener(*args)
        except Exception:
            # Log each failing listener once: a flood must not flood the log.
            name = getattr(listener, "__qualname__", repr(listener))
            if name not in self._failed_listeners:
                self._failed_listeners.add(name)
                LOGGER.exception("Error in a listener of %s", self.name)

    @callback
    def _handle_update(self, update: Update) -> None:
        # Called from the library's protocol callback: nothing may escape.
        try:
            self._apply_update(update)
        except Exception:
            LOGGER.exception("Error handling an update from %s", self.name)

    def _apply_update(self, update: Update) -> None:
        number = update.channel
        if number is not None and number not in self.channel_device_ids:
            # Not a channel of the receiver that was set up: nothing to show.
            return
        for listener in tuple(self._meter_listeners):
            self._guarded(listener, update)
        if update.metered:
            self._last_meter_at = self.hass.loop.time()
            if update.channel is not None:
                self._metered_channels.add(update.channel)
            if self._meter_flush is None:
                self._meter_flush = async_call_later(
                    self.hass, self._meter_delay(), self._flush_meters
                )
            return
        if update.channel is not None and "name" in update.fields:
            self._renames.add(update.channel)
        if update.channel is None and "device_id" in update.fields:
            self._renames.add(None)
        self._dirty.add(update.channel)
        if self._flush_soon is None:
            # After the whole batch of received data has been applied.
            self._flush_soon = self.hass.loop.call_soon(self._flush)

    @callback
    def _flush(self) -> None:
        self._flush_soon = None
        if not self.last_update_success:
            # Link down (or coming back): the reconnect publishes everything.
            self._dirty.clear()
            return
        loop = self.hass.loop
        now = loop.time()
        # A little slack: timers may fire a hair before their time.
        ready = now - STATE_WRITE_INTERVAL + 0.001
        due = {key for key in self._dirty if self._written_at.get(key, -1e9) <= ready}
        if None in due:
            due = set(self._dirty)  # a receiver-wide write covers every channel
        waiting = self._dirty - due
        self._dirty = waiting
        if waiting:
            at = min(self._written_at[key] for key in waiting) + STATE_WRITE_INTERVAL
            if self._flush_later is None or self._flush_later.when() > at:
                if self._flush_later is not None:
                    self._flush_later.cancel()
                self._flush_later = loop.call_at(at, self._flush_trailing)
        if not due:
            return
        for key in due:
            self._written_at[key] = now
        self._apply_renames(self._renames & due)
        self._publish(None if None in due else frozenset(key for key in due if key is not None))

    def _apply_renames(self, keys: set[int | None]) -> None:
        self._renames -= keys
        for key in keys:
            try:
                if key is None:
                    self._rename_receiver_device()
                else:
                    self._rename_channel_device(key)
            except Exception:
                LOGGER.exception("Cannot rename a device of %s", self.name)

    @callback
    def _flush_trailing(self) -> None:
        self._flush_later = None
        self._flush()

    @callback
    def _flush_meters(self, _now: object) -> None:
        self._meter_flush = None
        self._meter_flushed_at = self.hass.loop.time()
        channels, self._metered_channels = frozenset(self._metered_channels), set()
        if self.last_update_success:
            self._publish(channels, meters_only=True)

    def _meter_delay(self) -> float:
        """Seconds to the receiver's next meter flush slot.

        Each receiver flushes at its own phase within :data:`METER_STATE_INTERVAL`
        (fixed by its device key), so the flushes of a venue's receivers spread
        over the interval instead of piling into the same moments; a receiver
        still flushes at most once per interval.
        """
        interval = METER_STATE_INTERVAL.total_seconds()
        phase = (zlib.crc32(self.device_key.encode()) % 1000) / 1000 * interval
        now = self.hass.loop.time()
        # Half an interval after the last flush at the earliest: a timer that
        # fired a hair early cannot make room for a second flush in its slot.
        start = max(now, self._meter_flushed_at + interval / 2)
        return start - now + interval - (start - phase) % interval

    @callback
    def _publish(self, channels: frozenset[int] | None, *, meters_only: bool = False) -> None:
        self.changed_channels = channels
        self.meters_only = meters_only
        try:
            self.async_set_updated_data(self.receiver.state)
        finally:
            self.changed_channels = None
            self.meters_only = False

    @callback
    def _handle_connection(self, connected: bool) -> None:
        try:
            info = self.receiver.info
            if connected:
                LOGGER.info("%s at %s is back online", info.model, info.host)
                ir.async_delete_issue(
                    self.hass, DOMAIN, wrong_device_issue(self.config_entry.entry_id)
                )
                self._apply_renames(set(self._renames))
                self.async_set_updated_data(self.receiver.state)
                return
            LOGGER.info("%s at %s is unavailable", info.model, info.host)
            self.last_exception = DeviceConnectionError("link lost")
            self.last_update_success = False
            self.async_update_listeners()
        except Exception:
            LOGGER.exception("Error handling a connection change of %s", self.name)

    @callback
    def _handle_problem(self, err: DeviceError | None) -> None:
        """A reconnect found something other than the configured receiver (or it again)."""
        try:
            self._apply_problem(err)
        except Exception:
            LOGGER.exception("Error handling a problem report of %s", self.name)

    def _apply_problem(self, err: DeviceError | None) -> None:
        if self.member_key is not None:
            return  # the server reports its own problems; its devices are not swapped
        entry = self.config_entry
        issue_id = wrong_device_issue(entry.entry_id)
        if err is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if (new := changed_receiver(err)) is not None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            if not self._changing:
                self._changing = True
                self.hass.async_create_task(
                    self._async_receiver_changed(new), f"{DOMAIN} receiver changed"
                )
            return
        if secure.is_access_problem(err):
            # Refused credentials or a changed certificate: stop (one reload) until fixed.
            if not self._changing:
                self._changing = True
                secure.async_access_problem(self.hass, entry, err)
            return
        if not isinstance(err, PERMANENT_ERRORS):
            return
        info = self.configured or self.receiver.info
        unsupported = isinstance(err, UnsupportedDeviceError)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="unsupported_at_address" if unsupported else "not_shure_at_address",
            translation_placeholders={
                "receiver": self.receiver_name(),
                "model": info.model,
                "address": f"{info.host}:{info.port}",
                "found": str(getattr(err, "model", "")) if unsupported else "",
            },
        )

    async def _async_receiver_changed(self, new: ReceiverInfo) -> None:
        """Follow a swapped receiver: new model, new channels; ask about vanished ones."""
        entry = self.config_entry
        LOGGER.warning(
            "%s at %s:%s is now a %s with %s channels; reloading",
            self.configured.model if self.configured else "The receiver",
            new.host,
            new.port,
            new.model,
            new.channel_count,
        )
        vanished = sorted(
            number for number in self.channel_device_ids if number > new.channel_count
        )
        if vanished:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                vanished_issue(entry.entry_id),
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_CHANNELS_VANISHED,
                translation_placeholders={
                    "receiver": self.receiver_name(),
                    "model": new.model,
                    "channels": ", ".join(str(number) for number in vanished),
                },
                data={"entry_id": entry.entry_id, "channels": ",".join(map(str, vanished))},
            )
        self.hass.config_entries.async_update_entry(
            entry,
            data={
                **entry.data,
                CONF_MODEL: new.model,
                CONF_FAMILY: new.family.value,
                CONF_CHANNELS: new.channel_count,
            },
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)

    @property
    def meters_live(self) -> bool:
        """Whether RF and audio levels are current (the receiver is metering).

        Metering is on when this client asked for it, when the receiver
        reports a rate (another client may have set it), or when samples keep
        arriving regardless.
        """
        return bool(
            self.receiver.meter_rate_ms
            or self.receiver.state.meter_rate_ms
            or self.hass.loop.time() - self._last_meter_at < METER_LIVE_WINDOW
        )

    @property
    def battery_low_percent(self) -> int:
        """The entry's low-battery threshold (%)."""
        return int(self.config_entry.options.get(CONF_BATTERY_LOW, LOW_BATTERY_PERCENT))

    @callback
    def async_register_devices(self) -> None:
        """Register the receiver's device, then one child device per channel."""
        info = self.receiver.info
        state = self.receiver.state
        registry = dr.async_get(self.hass)
        existing = registry.async_get_device_by_identifier(
            (DOMAIN, self.device_key), self.config_entry.entry_id
        )
        # A device also added directly shares that entry's identifiers (and
        # MAC): Home Assistant shows the two as linked devices.
        linked = self.linked_key
        twin = self._twin_device(linked)
        identifiers = {(DOMAIN, self.device_key)}
        connections = {(dr.CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set()
        if twin is not None and linked is not None:
            identifiers.add((DOMAIN, linked))
            connections |= twin.connections
        device = registry.async_get_or_create(
            config_entry_id=self.config_entry.entry_id,
            identifiers=identifiers,
            connections=connections,
            manufacturer=info.manufacturer,
            model=info.model,
            serial_number=info.serial,
            name=self.unique_receiver_name(existing.id if existing else None),
            sw_version=state.firmware or info.firmware,
            hw_version=info.rf_band,
            configuration_url=configuration_url(info),
            via_device_id=self.server_device_id,
        )
        self.receiver_device_id = device.id
        for channel in range(1, info.channel_count + 1):
            identifier = (DOMAIN, self.channel_key(channel))
            channel_identifiers = {identifier}
            if linked is not None and self._twin_device(f"{linked}-{channel}") is not None:
                channel_identifiers.add((DOMAIN, f"{linked}-{channel}"))
            known = registry.async_get_device_by_identifier(identifier, self.config_entry.entry_id)
            child = registry.async_get_or_create(
                config_entry_id=self.config_entry.entry_id,
                identifiers=channel_identifiers,
                manufacturer=info.manufacturer,
                model=f"{info.model} {self.channel_word}",
                name=self.unique_channel_name(channel, known.id if known else None),
                via_device_id=device.id,
            )
            self.channel_device_ids[channel] = child.id

    def _twin_device(self, key: str | None) -> dr.DeviceEntry | None:
        """The device with identifier ``key`` of another Micboard entry (a linked device)."""
        if key is None:
            return None
        return next(
            (
                device
                for device in dr.async_get(self.hass).async_get_devices(identifiers={(DOMAIN, key)})
                if device.config_entry_id != self.config_entry.entry_id
            ),
            None,
        )

    def channel_key(self, channel: int) -> str:
        """Identifier of a channel's device."""
        return f"{self.device_key}-{channel}"

    def device_info(self, channel: int | None) -> DeviceInfo:
        """The device of the receiver (``None``) or of a channel, shared by its entities."""
        info = self._device_infos.get(channel)
        if info is None:
            key = self.device_key if channel is None else self.channel_key(channel)
            info = self._device_infos[channel] = DeviceInfo(identifiers={(DOMAIN, key)})
        return info

    @property
    def uid(self) -> str:
        """Identifies this receiver among all that are set up (the card's key)."""
        entry_id = self.config_entry.entry_id
        return entry_id if self.member_key is None else f"{entry_id}/{self.member_key}"

    @property
    def device_key(self) -> str:
        """Identifier of the receiver's device: fixed when the entry was created.

        A device behind a server is known by its key there (serial, else id).
        """
        if self.member_key is not None:
            return self.member_key
        entry = self.config_entry
        key = entry.data.get(CONF_DEVICE_KEY)
        return str(key) if key else entry.unique_id or entry.entry_id

    def receiver_name(self) -> str:
        """The receiver's own name (its device id), else model and address."""
        state = self.receiver.state
        return state.device_id or f"{state.info.model} {state.info.host}"

    @property
    def is_charger(self) -> bool:
        """Whether the device is a charger (its "channels" are bays)."""
        return Capability.CHARGER_BAYS in self.receiver.capabilities

    @property
    def carries_performers(self) -> bool:
        """Whether channels carry a transmitter someone wears (performers, alerts)."""
        return not self.is_charger

    @property
    def channel_word(self) -> str:
        """What a channel is called on this device: "channel", or "bay" on a charger."""
        return "bay" if self.is_charger else "channel"

    def channel_name(self, channel: int) -> str:
        """Name of a channel: its name on the receiver, else "<receiver> channel N"."""
        name = self.receiver.state.channel(channel).name
        return name or f"{self.receiver_name()} {self.channel_word} {channel}"

    def _names_in_use(self, exclude: str | None) -> set[str]:
        """Slugs of every Micboard device's name but ``exclude``'s."""
        registry = dr.async_get(self.hass)
        return {
            _slug(device.name)
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            if device.id != exclude and device.name
        }

    @staticmethod
    def _first_free(candidates: Iterable[str], used: set[str]) -> str:
        options = [name for name in candidates if name]
        for name in options:
            if (slug := _slug(name)) and slug not in used:
                return name
        return options[-1]

    def unique_receiver_name(self, device_id: str | None = None) -> str:
        """A receiver device name no other Micboard device uses (entity ids stay unique)."""
        name = self.receiver_name()
        info = self.receiver.info
        return self._first_free(
            (
                name,
                f"{name} {info.host}",
                f"{name} {info.host} {info.port}",
                f"{name} {self.device_key}",
            ),
            self._names_in_use(device_id),
        )

    def unique_channel_name(self, channel: int, device_id: str | None = None) -> str:
        """A channel device name no other Micboard device uses.

        The channel's name on the receiver where it is unique, else the
        receiver's device name with it, else "<receiver> channel N".
        """
        own = self.receiver.state.channel(channel).name
        registry = dr.async_get(self.hass)
        receiver = registry.async_get(self.receiver_device_id)
        prefix = (receiver.name if receiver else None) or self.receiver_name()
        return self._first_free(
            (
                own or "",
                f"{prefix} {own}" if own else "",
                f"{prefix} {self.channel_word} {channel}",
                f"{prefix} {self.channel_word} {channel} {self.device_key}",
            ),
            self._names_in_use(device_id),
        )

    @callback
    def _rename_channel_device(self, channel: int) -> None:
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.channel_key(channel)), self.config_entry.entry_id
        )
        if device is None:
            return
        name = self.unique_channel_name(channel, device.id)
        if device.name != name:
            registry.async_update_device(device.id, name=name)

    @callback
    def _rename_receiver_device(self) -> None:
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.device_key), self.config_entry.entry_id
        )
        if device is None:
            return
        name = self.unique_receiver_name(device.id)
        if device.name != name:
            registry.async_update_device(device.id, name=name)

    def live_device_ids(self) -> set[str]:
        """Devices backed by the receiver now: itself and its current channels."""
        count = (self.configured or self.receiver.info).channel_count
        return {self.receiver_device_id} | {
            device_id for number, device_id in self.channel_device_ids.items() if number <= count
        }
