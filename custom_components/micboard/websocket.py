"""Websocket API for the Micboard card: live channel state and meters.

``micboard/subscribe`` answers with a snapshot of every receiver, then streams
changes as the receivers report them — meters at the receiver's own rate —
without going through entity states (which are throttled for the recorder).

A non-admin user sees only what Home Assistant lets them read: a channel
whose device has an entity they may read, and a receiver with such a channel
or an entity of its own they may read.  The rest is left out of the snapshot
and of every later message.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_READ
from homeassistant.components import websocket_api
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
import probatio

from .alerts import AlertSettings, battery_state
from .assignments import async_get_manager
from .const import EVENT_ALERT, SIGNAL_ASSIGNMENTS_CHANGED, SIGNAL_RECEIVERS_CHANGED
from .coordinator import MicboardCoordinator, all_coordinators
from .devices import ChannelState, Update
from .devices.models import plain
from .runout import runs_out_at

#: Integers beyond this lose precision in JavaScript: they are sent as unknown.
MAX_SAFE_INTEGER = 2**53 - 1


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the websocket commands."""
    websocket_api.async_register_command(hass, ws_subscribe)


def _loaded(hass: HomeAssistant) -> list[MicboardCoordinator]:
    # Receivers that are set up or finishing their setup (the signal is sent
    # from the end of async_setup_entry, before the state says LOADED), with
    # the devices behind servers; one also added directly is shown once.
    return all_coordinators(hass, linked=False)


def json_safe(value: Any) -> Any:
    """``value`` as data any JSON parser reads back exactly (else ``None``)."""
    value = plain(value)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return str(value)


def channel_payload(
    hass: HomeAssistant, coordinator: MicboardCoordinator, number: int
) -> dict[str, Any]:
    """Everything the card shows for one channel."""
    registry = dr.async_get(hass)
    channel = coordinator.receiver.state.channel(number)
    device = registry.async_get(coordinator.channel_device_ids.get(number, ""))
    receiver = registry.async_get(coordinator.receiver_device_id)
    payload: dict[str, Any] = json_safe(channel.as_dict())
    assignment = async_get_manager(hass).get(coordinator.device_key, number)
    payload.update(
        {
            "channel": number,
            "performer": assignment.performer if assignment else None,
            "contact": assignment.contact if assignment else None,
            "alerts_enabled": assignment.alerts if assignment else True,
            "alert": coordinator.active_alerts(number),
            "battery_state": battery_state(
                channel, AlertSettings.from_options(dict(coordinator.config_entry.options))
            ),
            "runout_at": _runout(channel),
            "device_id": device.id if device else None,
            "device_name": (device.name_by_user or device.name) if device else None,
            "area_id": (device.area_id if device else None)
            or (receiver.area_id if receiver else None),
        }
    )
    return payload


#: What a user may see of one receiver: the receiver itself, and which channels.
Visible = tuple[bool, frozenset[int]]


def visible_to(user: User, hass: HomeAssistant, coordinator: MicboardCoordinator) -> Visible:
    """What ``user`` may see of the receiver: whatever has an entity they may read.

    Admins see everything.  A channel is visible when its device has at least
    one entity the user may read; the receiver is visible when one of its
    channels is, or one of its own entities.
    """
    numbers = range(1, coordinator.receiver.info.channel_count + 1)
    if user.is_admin:
        return True, frozenset(numbers)
    registry = er.async_get(hass)

    def readable(device_id: str | None) -> bool:
        return device_id is not None and any(
            user.permissions.check_entity(entity.entity_id, POLICY_READ)
            for entity in er.async_entries_for_device(registry, device_id)
        )

    channels = frozenset(
        number for number in numbers if readable(coordinator.channel_device_ids.get(number))
    )
    return bool(channels) or readable(coordinator.receiver_device_id), channels


def receiver_payload(
    hass: HomeAssistant,
    coordinator: MicboardCoordinator,
    channels: frozenset[int] | None = None,
) -> dict[str, Any]:
    """Everything the card shows for one receiver and its channels (or only ``channels``).

    ``entry_id`` identifies the receiver: its entry's id, or for a device
    behind a server the server entry's id and the device's key.
    """
    receiver = coordinator.receiver
    device = dr.async_get(hass).async_get(coordinator.receiver_device_id)
    return {
        "entry_id": coordinator.uid,
        "device_id": coordinator.receiver_device_id,
        "name": (device.name_by_user or device.name) if device else coordinator.receiver_name(),
        "model": receiver.info.model,
        "manufacturer": receiver.info.manufacturer,
        "family": receiver.info.family.value,
        "area_id": device.area_id if device else None,
        "connected": coordinator.last_update_success and receiver.connected,
        "meter_rate_ms": json_safe(receiver.state.meter_rate_ms),
        "channels": [
            channel_payload(hass, coordinator, number)
            for number in range(1, receiver.info.channel_count + 1)
            if channels is None or number in channels
        ],
    }


def _runout(channel: ChannelState) -> str | None:
    """When the channel's pack runs out (ISO 8601), as the sensor says."""
    when = runs_out_at(channel)
    return when.isoformat() if when is not None else None


BATTERY_FIELDS = frozenset({"tx_on", "battery_percent", "battery_bars", "battery_runtime_min"})


class _Subscription:
    """One card's subscription: follows every loaded receiver."""

    def __init__(
        self, hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg_id: int
    ) -> None:
        self.hass = hass
        self.connection = connection
        self.msg_id = msg_id
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._connected: dict[str, bool] = {}
        self._pending: dict[
            tuple[str, int | None, bool],
            tuple[MicboardCoordinator, AlertSettings, set[str]],
        ] = {}
        self._flush_handle: asyncio.Handle | None = None

    @callback
    def start(self) -> CALLBACK_TYPE:
        removers = [
            self.hass.bus.async_listen(EVENT_ALERT, self._alert),
            async_dispatcher_connect(self.hass, SIGNAL_RECEIVERS_CHANGED, self._resubscribe),
            async_dispatcher_connect(self.hass, SIGNAL_ASSIGNMENTS_CHANGED, self._resubscribe),
        ]
        self._resubscribe()

        @callback
        def stop() -> None:
            for remove in removers:
                remove()
            self._clear()
            if self._flush_handle is not None:
                self._flush_handle.cancel()
                self._flush_handle = None
            self._pending.clear()

        return stop

    @callback
    def _visible(self, coordinator: MicboardCoordinator) -> Visible:
        # Asked again for every message: a changed policy or a new entity
        # counts from the next message on.
        return visible_to(self.connection.user, self.hass, coordinator)

    @callback
    def _clear(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    @callback
    def _resubscribe(self) -> None:
        self._clear()
        receivers = []
        for coordinator in _loaded(self.hass):
            self._connected[coordinator.uid] = coordinator.last_update_success
            self._unsubscribe.append(
                coordinator.async_add_meter_listener(self._update_listener(coordinator))
            )
            self._unsubscribe.append(
                coordinator.async_add_listener(self._availability_listener(coordinator))
            )
            receiver_visible, channels = self._visible(coordinator)
            if receiver_visible:
                receivers.append(receiver_payload(self.hass, coordinator, channels))
        self._send({"type": "snapshot", "receivers": receivers})

    @callback
    def _alert(self, event: Event[dict[str, Any]]) -> None:
        """Tell the card which alerts are active on the channel now."""
        number = event.data.get("channel")
        if not isinstance(number, int) or isinstance(number, bool):
            return  # anything can fire this event: only a channel number finds a channel
        for coordinator in _loaded(self.hass):
            if coordinator.channel_device_ids.get(number) == event.data.get("device_id"):
                if number not in self._visible(coordinator)[1]:
                    return
                self._send(
                    {
                        "type": "channel",
                        "entry_id": coordinator.uid,
                        "channel": number,
                        "data": {"alert": coordinator.active_alerts(number)},
                    }
                )
                return

    def _update_listener(self, coordinator: MicboardCoordinator) -> Any:
        settings = AlertSettings.from_options(dict(coordinator.config_entry.options))

        @callback
        def updated(update: Update) -> None:
            # Gather the fields of a whole batch of received data; send one
            # message per channel (and kind) once the batch is applied.
            key = (coordinator.uid, update.channel, update.metered)
            pending = self._pending.setdefault(key, (coordinator, settings, set()))
            pending[2].update(update.fields)
            if self._flush_handle is None:
                self._flush_handle = self.hass.loop.call_soon(self._flush)

        return updated

    @callback
    def _flush(self) -> None:
        self._flush_handle = None
        pending, self._pending = self._pending, {}
        visible: dict[str, Visible] = {}
        for (entry_id, number, metered), (coordinator, settings, fields) in pending.items():
            if entry_id not in visible:
                visible[entry_id] = self._visible(coordinator)
            receiver_visible, channels = visible[entry_id]
            if not receiver_visible or (number is not None and number not in channels):
                continue
            state = coordinator.receiver.state
            if number is None:
                values = {name: json_safe(getattr(state, name, None)) for name in fields}
                self._send({"type": "receiver", "entry_id": entry_id, "data": values})
                continue
            channel = state.channel(number)
            data = {
                name: json_safe(getattr(channel, name)) for name in fields if hasattr(channel, name)
            }
            if BATTERY_FIELDS & fields:
                data["battery_state"] = battery_state(channel, settings)
                data["runout_at"] = _runout(channel)
            self._send(
                {
                    "type": "meter" if metered else "channel",
                    "entry_id": entry_id,
                    "channel": number,
                    "data": data,
                }
            )

    def _availability_listener(self, coordinator: MicboardCoordinator) -> CALLBACK_TYPE:
        uid = coordinator.uid

        @callback
        def changed() -> None:
            connected = coordinator.last_update_success and coordinator.receiver.connected
            if self._connected.get(uid) == connected:
                return
            self._connected[uid] = connected
            receiver_visible, channels = self._visible(coordinator)
            if not receiver_visible:
                return
            if connected:
                # Everything may have changed while the link was down.
                self._send(
                    {
                        "type": "receiver_snapshot",
                        "receiver": receiver_payload(self.hass, coordinator, channels),
                    }
                )
                return
            self._send({"type": "receiver", "entry_id": uid, "data": {"connected": False}})

        return changed

    @callback
    def _send(self, event: dict[str, Any]) -> None:
        self.connection.send_message(websocket_api.event_message(self.msg_id, event))


@websocket_api.websocket_command({probatio.Required("type"): "micboard/subscribe"})
@callback
def ws_subscribe(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Stream receivers' channel state and meters to a card."""
    subscription = _Subscription(hass, connection, msg["id"])
    connection.send_result(msg["id"])
    connection.subscriptions[msg["id"]] = subscription.start()
