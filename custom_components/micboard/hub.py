"""Server entries: one entry for a server fronting many devices, a device per device.

A server (for example Shure's System API) holds the only connection; each
device behind it is a :class:`~.devices.Receiver` and gets its own
:class:`~.coordinator.MicboardCoordinator`, device and entities, linked to
the server's device.  Devices added at the server appear while running
(platforms listen for :attr:`MicboardHub.added_signal`); removed ones stay
as unavailable devices the user may delete; a device also added directly
(its own receiver entry) is linked to that entry's device: its device
carries the other device's identifiers too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import UpdateFailed

from . import secure
from .alerts import AlertEngine, AlertSettings
from .assignments import async_get_manager
from .const import CONF_DEVICE_KEY, DOMAIN, LOGGER, SIGNAL_RECEIVERS_CHANGED
from .coordinator import (
    PERMANENT_ERRORS,
    MicboardCoordinator,
    all_coordinators,
    error_key,
    receiver_entries,
)
from .devices import AuthenticationError, CertificateChangedError, DeviceError, Hub, Receiver

type MicboardHubConfigEntry = ConfigEntry[MicboardHub]


def _normal(value: str | None) -> str:
    """An identity value compared loosely (case, separators)."""
    return "".join(ch for ch in (value or "").lower() if ch.isalnum())


class MicboardHub:
    """The runtime of a server entry: the server link and one coordinator per device."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], hub: Hub) -> None:
        """Wrap ``hub``; :meth:`async_setup` connects it."""
        self.hass = hass
        self.entry = entry
        self.hub = hub
        #: Devices behind the server now, by their key there.
        self.coordinators: dict[str, MicboardCoordinator] = {}
        #: Devices the server no longer lists (their devices stay, unavailable).
        self.gone: dict[str, MicboardCoordinator] = {}
        #: Device registry id of the server.
        self.server_device_id = ""
        self._entities: dict[str, list[Entity]] = {}
        self._engines: dict[str, CALLBACK_TYPE] = {}
        #: Channel count and capabilities each device's entities were made for.
        self._shapes: dict[str, tuple[int, frozenset[Any]]] = {}
        self._watches: dict[str, CALLBACK_TYPE] = {}
        self._duplicates: set[str] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self._listeners: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self._closing = False

    @property
    def added_signal(self) -> str:
        """Dispatcher signal carrying each coordinator added while running."""
        return f"{DOMAIN}_member_added_{self.entry.entry_id}"

    @property
    def device_key(self) -> str:
        """Identifier of the server's device: fixed when the entry was created."""
        key = self.entry.data.get(CONF_DEVICE_KEY)
        return str(key) if key else self.entry.unique_id or self.entry.entry_id

    @property
    def connected(self) -> bool:
        """Whether the server answers."""
        return self.hub.connected

    def server_name(self) -> str:
        """The entry's title, else the server's model and address."""
        info = self.hub.info
        return self.entry.title or f"{info.model} {info.host}"

    async def async_setup(self) -> None:
        """Connect the server, register its device and one coordinator per device."""
        try:
            await self.hub.connect()
        except (AuthenticationError, CertificateChangedError) as err:
            # Reauthentication, or the repair issue for the new certificate.
            raise (secure.setup_error(self.hass, self.entry, err) or ConfigEntryError()) from err
        except PERMANENT_ERRORS as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={"host": self.hub.host, "error": str(err)},
            ) from err
        except DeviceError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={"host": self.hub.host, "error": str(err)},
            ) from err
        info = self.hub.info
        device = dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry.entry_id,
            identifiers={(DOMAIN, self.device_key)},
            manufacturer=info.manufacturer,
            model=info.model,
            serial_number=info.serial,
            name=self.server_name(),
            sw_version=info.firmware,
        )
        self.server_device_id = device.id
        self._unsubscribe = [
            self.hub.subscribe_inventory(self._inventory_changed),
            self.hub.subscribe_connection(self._connection_changed),
            self.hub.subscribe_problem(self._problem),
            async_dispatcher_connect(self.hass, SIGNAL_RECEIVERS_CHANGED, self._relink),
        ]
        await self._async_sync()

    async def async_shutdown(self) -> None:
        """Stop every device's coordinator and disconnect the server."""
        self._closing = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        for stop in (*self._engines.values(), *self._watches.values()):
            stop()
        self._engines.clear()
        self._watches.clear()
        for coordinator in self.coordinators.values():
            await coordinator.async_shutdown()
        try:
            await self.hub.disconnect()
        except DeviceError as err:
            LOGGER.debug("Closing %s: %s", self.server_name(), err)

    # --- Entities ---------------------------------------------------------

    @callback
    def async_track(self, coordinator: MicboardCoordinator, entities: list[Entity]) -> None:
        """Remember a device's entities (they are replaced if the device comes back)."""
        self._entities.setdefault(coordinator.uid, []).extend(entities)

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``listener()`` when the server link goes down or comes back."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def live_device_ids(self) -> set[str]:
        """The server's device and those of every device the server lists now."""
        live = {self.server_device_id}
        for coordinator in self.coordinators.values():
            live |= coordinator.live_device_ids()
        return live

    @callback
    def async_forget(self, device_id: str) -> None:
        """A device the server no longer lists is being deleted: its channels go with it."""
        registry = dr.async_get(self.hass)
        for key, coordinator in list(self.gone.items()):
            if coordinator.receiver_device_id != device_id:
                continue
            del self.gone[key]
            self._entities.pop(coordinator.uid, None)
            for channel_device in coordinator.channel_device_ids.values():
                if registry.async_get(channel_device) is not None:
                    registry.async_remove_device(channel_device)

    # --- Server reports ---------------------------------------------------

    @callback
    def _inventory_changed(self) -> None:
        if not self._closing:
            self.entry.async_create_background_task(
                self.hass, self._async_sync(), f"{DOMAIN} server inventory"
            )

    @callback
    def _connection_changed(self, connected: bool) -> None:
        LOGGER.info(
            "%s at %s is %s", self.server_name(), self.hub.host, "back" if connected else "down"
        )
        for coordinator in self.coordinators.values():
            coordinator.async_set_link(connected and coordinator.receiver.connected)
        for listener in tuple(self._listeners):
            listener()
        if connected:
            self._inventory_changed()

    @callback
    def _problem(self, err: DeviceError | None) -> None:
        if err is None:
            secure.async_certificate_accepted(self.hass, self.entry.entry_id)
        elif secure.is_access_problem(err):
            secure.async_access_problem(self.hass, self.entry, err)

    async def _async_sync(self) -> None:
        """Follow the server's list: start new devices, retire removed ones."""
        async with self._lock:
            if self._closing:
                return
            listed = dict(self.hub.receivers)
            changed = False
            for key in [key for key in self.coordinators if key not in listed]:
                await self._async_retire(key)
                changed = True
            for key in [key for key in self.coordinators if self._reshaped(key)]:
                # New channels or capabilities (read once the device came online):
                # its entities are made again.
                await self._async_retire(key)
                changed = True
            for key, receiver in listed.items():
                if key not in self.coordinators and await self._async_add(key, receiver):
                    changed = True
            if changed:
                async_dispatcher_send(self.hass, SIGNAL_RECEIVERS_CHANGED)

    def _shape(self, receiver: Receiver) -> tuple[int, frozenset[Any]]:
        return receiver.info.channel_count, frozenset(receiver.capabilities)

    def _reshaped(self, key: str) -> bool:
        coordinator = self.coordinators.get(key)
        return coordinator is not None and self._shapes.get(key) != self._shape(
            coordinator.receiver
        )

    @callback
    def _watch(self, key: str) -> Callable[[], None]:
        @callback
        def check() -> None:
            if self._reshaped(key):
                self._inventory_changed()

        return check

    async def _async_retire(self, key: str) -> None:
        coordinator = self.coordinators.pop(key)
        LOGGER.debug("%s: %s is gone or changed", self.server_name(), coordinator.receiver_name())
        for stop in (self._engines.pop(key, None), self._watches.pop(key, None)):
            if stop is not None:
                stop()
        coordinator.async_set_link(False)
        await coordinator.async_shutdown()
        self.gone[key] = coordinator

    async def _async_add(self, key: str, receiver: Receiver) -> bool:
        if any(other.device_key == key for other in all_coordinators(self.hass)):
            if key not in self._duplicates:
                self._duplicates.add(key)
                LOGGER.warning("%s is set up already; %s skips it", key, self.server_name())
            return False
        coordinator = MicboardCoordinator(
            self.hass,
            self.entry,
            receiver,
            member_key=key,
            server_device_id=self.server_device_id,
        )
        try:
            await coordinator.async_start()
        except (UpdateFailed, ConfigEntryError) as err:
            LOGGER.warning("Cannot read %s behind %s: %s", key, self.server_name(), err)
            with contextlib.suppress(DeviceError):
                await coordinator.async_shutdown()
            return False
        if (old := self.gone.pop(key, None)) is not None:
            # Back at the server: the old entities make way for the new ones.
            for entity in self._entities.pop(old.uid, []):
                await entity.async_remove()
        direct = self._direct_twin(coordinator)
        coordinator.linked_key = direct.device_key if direct is not None else None
        coordinator.async_register_devices()
        engine = AlertEngine(
            self.hass,
            coordinator,
            async_get_manager(self.hass),
            AlertSettings.from_options(dict(self.entry.options)),
        )
        self.coordinators[key] = coordinator
        self._shapes[key] = self._shape(receiver)
        self._engines[key] = engine.async_start()
        self._watches[key] = coordinator.async_add_listener(self._watch(key))
        coordinator.active_alerts = engine.active
        async_dispatcher_send(self.hass, self.added_signal, coordinator)
        return True

    # --- Devices that are also added directly -----------------------------

    def _direct_twin(self, coordinator: MicboardCoordinator) -> MicboardCoordinator | None:
        """A receiver entry for the same device: same serial, else MAC, else address."""
        info = coordinator.receiver.info
        direct = [entry.runtime_data for entry in receiver_entries(self.hass)]

        def serials(other: MicboardCoordinator) -> set[str]:
            values = {other.receiver.info.serial, other.configured and other.configured.serial}
            return {_normal(value) for value in values if value}

        serial = _normal(info.serial)
        if serial and (match := next((d for d in direct if serial in serials(d)), None)):
            return match
        mac = _normal(info.mac)
        if mac and (
            match := next((d for d in direct if _normal(d.receiver.info.mac) == mac), None)
        ):
            return match
        # The address, where it names one device on each side (a server may
        # report its own address for devices it has none for), and only for
        # the same model: while Home Assistant starts, the direct entries set
        # up one by one, so "the only one at this address" may be another
        # device whose neighbours are not loaded yet.
        host = coordinator.receiver.host
        model = _normal(info.model)
        if not host or not model:
            return None
        members = [r for r in self.hub.receivers.values() if r.host == host]
        at_host = [
            d
            for d in direct
            if host in (d.receiver.host, d.config_entry.data.get(CONF_HOST))
            and _normal(d.receiver.info.model) == model
        ]
        return at_host[0] if len(at_host) == 1 and len(members) == 1 else None

    @callback
    def _relink(self) -> None:
        """A receiver entry was set up: link its device with the same device here."""
        if self._closing:
            return
        for coordinator in self.coordinators.values():
            if coordinator.linked_key is not None:
                continue
            if (direct := self._direct_twin(coordinator)) is None:
                continue
            LOGGER.debug("%s is also added directly", coordinator.receiver_name())
            coordinator.linked_key = direct.device_key
            coordinator.async_register_devices()
