"""Push-based coordinator: one per receiver."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER, MANUFACTURER, METER_LIVE_WINDOW, METER_STATE_INTERVAL
from .devices import (
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    NotAShureDeviceError,
    ReceiverState,
    UnsupportedDeviceError,
    Update,
)
from .devices.shure import ShureReceiver

type MicboardConfigEntry = ConfigEntry[MicboardCoordinator]

_SETUP_ERRORS: dict[type[DeviceError], str] = {
    DeviceConnectionError: "cannot_connect",
    DeviceNotRespondingError: "no_response",
    NotAShureDeviceError: "not_shure",
    UnsupportedDeviceError: "unsupported_model",
}


def error_key(err: DeviceError) -> str:
    """Translation key for a library error."""
    return next(
        (key for kind, key in _SETUP_ERRORS.items() if isinstance(err, kind)), "cannot_connect"
    )


class MicboardCoordinator(DataUpdateCoordinator[ReceiverState]):
    """Holds one receiver's state, fed by the receiver's own reports.

    Nothing is polled here: the library keeps the connection alive and
    pushes every change.  State changes reach entities at once; meter-only
    changes are batched to at most one write per :data:`METER_STATE_INTERVAL`.
    """

    config_entry: MicboardConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: MicboardConfigEntry, receiver: ShureReceiver
    ) -> None:
        """Wrap ``receiver``; :meth:`async_config_entry_first_refresh` connects it."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {receiver.host}:{receiver.port}",
            update_interval=None,
        )
        self.receiver = receiver
        self._unsubscribe: list[Callable[[], None]] = []
        self._meter_flush: CALLBACK_TYPE | None = None
        self._metered_channels: set[int] = set()
        self._last_meter_at = -METER_LIVE_WINDOW
        #: Channels touched by the update being delivered (``None``: everything),
        #: so channel entities of other channels can skip writing their state.
        self.changed_channels: frozenset[int] | None = None
        self._meter_listeners: list[Callable[[Update], None]] = []
        #: Device registry ids of the receiver and its channels (set by
        #: :meth:`async_register_devices`).
        self.receiver_device_id = ""
        self.channel_device_ids: dict[int, str] = {}
        #: Active alert types per channel (set up with the entry's alert engine).
        self.active_alerts: Callable[[int], list[str]] = lambda _channel: []

    async def _async_setup(self) -> None:
        try:
            await self.receiver.connect()
        except DeviceError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={"host": self.receiver.host, "error": str(err)},
            ) from err
        self._unsubscribe = [
            self.receiver.subscribe(self._handle_update),
            self.receiver.subscribe_connection(self._handle_connection),
        ]

    async def _async_update_data(self) -> ReceiverState:
        return self.receiver.state

    async def async_shutdown(self) -> None:
        """Disconnect from the receiver and drop every callback and timer."""
        await super().async_shutdown()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._meter_flush is not None:
            self._meter_flush()
            self._meter_flush = None
        await self.receiver.disconnect()

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
    def _handle_update(self, update: Update) -> None:
        for listener in tuple(self._meter_listeners):
            listener(update)
        if update.metered:
            self._last_meter_at = self.hass.loop.time()
            if update.channel is not None:
                self._metered_channels.add(update.channel)
            if self._meter_flush is None:
                self._meter_flush = async_call_later(
                    self.hass, METER_STATE_INTERVAL, self._flush_meters
                )
            return
        if "name" in update.fields and update.channel is not None:
            self._rename_channel_device(update.channel)
        if update.channel is None and "device_id" in update.fields:
            self._rename_receiver_device()
        self._publish(None if update.channel is None else frozenset({update.channel}))

    @callback
    def _flush_meters(self, _now: object) -> None:
        self._meter_flush = None
        channels, self._metered_channels = frozenset(self._metered_channels), set()
        if self.last_update_success:
            self._publish(channels)

    @callback
    def _publish(self, channels: frozenset[int] | None) -> None:
        self.changed_channels = channels
        try:
            self.async_set_updated_data(self.receiver.state)
        finally:
            self.changed_channels = None

    @callback
    def _handle_connection(self, connected: bool) -> None:
        info = self.receiver.info
        if connected:
            LOGGER.info("%s at %s is back online", info.model, info.host)
            self.async_set_updated_data(self.receiver.state)
            return
        LOGGER.info("%s at %s is unavailable", info.model, info.host)
        self.last_exception = DeviceConnectionError("link lost")
        self.last_update_success = False
        self.async_update_listeners()

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

    @callback
    def async_register_devices(self) -> None:
        """Register the receiver's device, then one child device per channel."""
        info = self.receiver.info
        state = self.receiver.state
        registry = dr.async_get(self.hass)
        device = registry.async_get_or_create(
            config_entry_id=self.config_entry.entry_id,
            identifiers={(DOMAIN, self.device_key)},
            connections={(dr.CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set(),
            manufacturer=MANUFACTURER,
            model=info.model,
            name=self.receiver_name(),
            sw_version=state.firmware or info.firmware,
            hw_version=info.rf_band,
            configuration_url=f"http://{info.host}/",
        )
        self.receiver_device_id = device.id
        for channel in range(1, info.channel_count + 1):
            child = registry.async_get_or_create(
                config_entry_id=self.config_entry.entry_id,
                identifiers={(DOMAIN, self.channel_key(channel))},
                manufacturer=MANUFACTURER,
                model=f"{info.model} channel",
                name=self.channel_name(channel),
                via_device_id=device.id,
            )
            self.channel_device_ids[channel] = child.id

    def channel_key(self, channel: int) -> str:
        """Identifier of a channel's device."""
        return f"{self.device_key}-{channel}"

    @property
    def device_key(self) -> str:
        """Identifier of the receiver's device: set once when the entry is created."""
        key = self.config_entry.data.get("device_key")
        if isinstance(key, str) and key:
            return key
        return self.config_entry.unique_id or self.config_entry.entry_id

    def receiver_name(self) -> str:
        """Name for the receiver device."""
        state = self.receiver.state
        return state.device_id or f"{state.info.model} {state.info.host}"

    def channel_name(self, channel: int) -> str:
        """Name for a channel device: the channel's name on the receiver."""
        name = self.receiver.state.channel(channel).name
        return name or f"{self.receiver_name()} channel {channel}"

    @callback
    def _rename_channel_device(self, channel: int) -> None:
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.channel_key(channel)), self.config_entry.entry_id
        )
        if device is not None and device.name != (name := self.channel_name(channel)):
            registry.async_update_device(device.id, name=name)

    @callback
    def _rename_receiver_device(self) -> None:
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.device_key), self.config_entry.entry_id
        )
        if device is not None and device.name != (name := self.receiver_name()):
            registry.async_update_device(device.id, name=name)
