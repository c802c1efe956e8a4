"""Alert engine: fire ``micboard_alert`` events when a channel needs attention.

Conditions are evaluated as the receiver reports changes.  Each alert type
fires once when its condition starts and ``<type>_cleared`` when it ends;
battery alerts clear only with some margin above their threshold
(hysteresis), and an alert that comes back within the repeat window is not
fired again (nor its clearing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later

from .assignments import AssignmentManager
from .const import (
    BATTERY_HYSTERESIS_PERCENT,
    CONF_BATTERY_CRITICAL,
    CONF_BATTERY_LOW,
    CONF_REPEAT_MINUTES,
    CONF_RUNTIME_CRITICAL,
    CONF_RUNTIME_LOW,
    DEFAULT_BATTERY_CRITICAL,
    DEFAULT_REPEAT_MINUTES,
    DEFAULT_RUNTIME_CRITICAL,
    DEFAULT_RUNTIME_LOW,
    EVENT_ALERT,
    LOW_BATTERY_PERCENT,
    RF_LOST_DBM,
    RF_LOST_DELAY,
    RUNTIME_HYSTERESIS_MINUTES,
    SIGNAL_ASSIGNMENTS_CHANGED,
)
from .coordinator import MicboardCoordinator
from .devices import ChannelState, Update
from .helpers import battery_level

type Key = tuple[int | None, str]


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Thresholds from the options flow."""

    battery_low: int = LOW_BATTERY_PERCENT
    battery_critical: int = DEFAULT_BATTERY_CRITICAL
    runtime_low: int = DEFAULT_RUNTIME_LOW
    runtime_critical: int = DEFAULT_RUNTIME_CRITICAL
    repeat: timedelta = timedelta(minutes=DEFAULT_REPEAT_MINUTES)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> AlertSettings:
        """Read the entry's options."""
        return cls(
            battery_low=int(options.get(CONF_BATTERY_LOW, LOW_BATTERY_PERCENT)),
            battery_critical=int(options.get(CONF_BATTERY_CRITICAL, DEFAULT_BATTERY_CRITICAL)),
            runtime_low=int(options.get(CONF_RUNTIME_LOW, DEFAULT_RUNTIME_LOW)),
            runtime_critical=int(options.get(CONF_RUNTIME_CRITICAL, DEFAULT_RUNTIME_CRITICAL)),
            repeat=timedelta(
                minutes=float(options.get(CONF_REPEAT_MINUTES, DEFAULT_REPEAT_MINUTES))
            ),
        )


def battery_state(channel: ChannelState, settings: AlertSettings) -> str | None:
    """``good``, ``low`` or ``critical`` by the entry's thresholds (no hysteresis)."""
    critical, _ = _battery_condition(
        channel, False, settings.battery_critical, settings.runtime_critical
    )
    low, value = _battery_condition(channel, False, settings.battery_low, settings.runtime_low)
    if critical:
        return "critical"
    if low:
        return "low"
    return None if value is None else "good"


def _battery_condition(
    channel: ChannelState, active: bool, percent: int, minutes: int
) -> tuple[bool, float | None]:
    """Whether a battery threshold is crossed, with hysteresis; and the value."""
    level = battery_level(channel)
    runtime = channel.battery_runtime_min if channel.tx_on else None
    value = level if level is not None else runtime
    if level is None and runtime is None:
        return False, None
    if not active:
        crossed = (level is not None and level <= percent) or (
            runtime is not None and runtime <= minutes
        )
        return crossed, value
    recovered = (level is None or level >= percent + BATTERY_HYSTERESIS_PERCENT) and (
        runtime is None or runtime >= minutes + RUNTIME_HYSTERESIS_MINUTES
    )
    return not recovered, value


def _rf_lost(channel: ChannelState) -> bool:
    """A transmitter that is on but whose RF is at the floor (or link quality 0)."""
    return channel.tx_on is True and (
        (channel.rf_level_dbm is not None and channel.rf_level_dbm <= RF_LOST_DBM)
        or channel.quality == 0
    )


def _charged(bay: ChannelState) -> bool:
    """A charger bay holds a pack that is fully charged."""
    return bay.tx_on is True and bay.battery_percent is not None and bay.battery_percent >= 100


class AlertEngine:
    """Watches one receiver's channels and fires alert events."""

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: MicboardCoordinator,
        assignments: AssignmentManager,
        settings: AlertSettings,
    ) -> None:
        """Bind the engine to a receiver; :meth:`async_start` begins watching."""
        self.hass = hass
        self.coordinator = coordinator
        self.assignments = assignments
        self.settings = settings
        self._active: dict[Key, bool] = {}
        self._last_fired: dict[Key, float] = {}
        self._suppressed: set[Key] = set()
        self._pending: dict[Key, CALLBACK_TYPE] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Evaluate every channel now, then on every change."""
        self._unsubscribe = [
            self.coordinator.async_add_meter_listener(self._on_update),
            self.coordinator.async_add_listener(self._on_refresh),
            async_dispatcher_connect(self.hass, SIGNAL_ASSIGNMENTS_CHANGED, self.evaluate_all),
        ]
        self.evaluate_all()
        return self.async_stop

    @callback
    def async_stop(self) -> None:
        """Stop watching and drop pending timers."""
        for unsubscribe in (*self._unsubscribe, *self._pending.values()):
            unsubscribe()
        self._unsubscribe = []
        self._pending = {}

    def active(self, number: int) -> list[str]:
        """The alert types active on a channel right now."""
        return sorted(
            kind for (channel, kind), on in self._active.items() if on and channel == number
        )

    @callback
    def _on_update(self, update: Update) -> None:
        if update.channel is None:
            return
        if update.metered:
            # Meters arrive every second on every channel: of the conditions,
            # only RF lost depends on them.
            self._evaluate_rf(update.channel)
            return
        self._evaluate_channel(update.channel)

    @callback
    def _evaluate_rf(self, number: int) -> None:
        coordinator = self.coordinator
        if not coordinator.last_update_success or not coordinator.carries_performers:
            return
        channel = coordinator.receiver.state.channel(number)
        self._set_delayed(
            (number, "rf_lost"), self._alerts_on(number) and _rf_lost(channel), channel.rf_level_dbm
        )

    @callback
    def _on_refresh(self) -> None:
        self._evaluate_receiver()

    @callback
    def evaluate_all(self) -> None:
        """Evaluate the receiver and every channel."""
        self._evaluate_receiver()
        for number in range(1, self.coordinator.receiver.info.channel_count + 1):
            self._evaluate_channel(number)

    def _alerts_on(self, number: int) -> bool:
        assignment = self.assignments.get(self.coordinator.device_key, number)
        return assignment is None or assignment.alerts

    @callback
    def _evaluate_receiver(self) -> None:
        coordinator = self.coordinator
        offline = not (coordinator.last_update_success and coordinator.receiver.connected)
        channels = range(1, coordinator.receiver.info.channel_count + 1)
        watched = any(self._alerts_on(number) for number in channels)
        self._set((None, "receiver_offline"), offline and watched, None)

    @callback
    def _evaluate_channel(self, number: int) -> None:
        coordinator = self.coordinator
        if not coordinator.last_update_success:
            return
        channel = coordinator.receiver.state.channel(number)
        if not coordinator.carries_performers:
            self._evaluate_bay(number, channel)
            return
        assignment = self.assignments.get(coordinator.device_key, number)
        enabled = assignment is None or assignment.alerts
        settings = self.settings

        def condition(kind: str, check: Callable[[bool], tuple[bool, Any]]) -> None:
            key = (number, kind)
            active, value = check(self._active.get(key, False))
            self._set(key, enabled and active, value)

        condition(
            "battery_low",
            lambda active: _battery_condition(
                channel, active, settings.battery_low, settings.runtime_low
            ),
        )
        condition(
            "battery_critical",
            lambda active: _battery_condition(
                channel, active, settings.battery_critical, settings.runtime_critical
            ),
        )
        condition(
            "transmitter_off",
            lambda _: (
                assignment is not None and assignment.assigned and channel.tx_on is False,
                None,
            ),
        )
        condition("interference", lambda _: (channel.interference is True, True))
        self._set_delayed((number, "rf_lost"), enabled and _rf_lost(channel), channel.rf_level_dbm)

    @callback
    def _evaluate_bay(self, number: int, bay: ChannelState) -> None:
        """A charger bay: ``charged`` once when its pack becomes full (no clearing event)."""
        key = (number, "charged")
        full = _charged(bay)
        was = self._active.get(key)
        self._active[key] = full
        # A pack already full when Micboard starts watching is not news.
        if full and was is False:
            self._fire(number, "charged", bay.battery_percent)

    @callback
    def _set_delayed(self, key: Key, active: bool, value: Any) -> None:
        """Like :meth:`_set`, but the condition must hold for :data:`RF_LOST_DELAY`."""
        if not active:
            if (cancel := self._pending.pop(key, None)) is not None:
                cancel()
            self._set(key, False, value)
            return
        if self._active.get(key) or key in self._pending:
            return

        @callback
        def confirm(_now: object) -> None:
            self._pending.pop(key, None)
            number = key[0]
            assert number is not None
            channel = self.coordinator.receiver.state.channel(number)
            if _rf_lost(channel) and self._alerts_on(number):
                self._set(key, True, channel.rf_level_dbm)

        self._pending[key] = async_call_later(self.hass, RF_LOST_DELAY, confirm)

    @callback
    def _set(self, key: Key, active: bool, value: Any) -> None:
        if self._active.get(key, False) == active:
            return
        self._active[key] = active
        kind = key[1]
        now = self.hass.loop.time()
        if active:
            last = self._last_fired.get(key)
            if last is not None and now - last < self.settings.repeat.total_seconds():
                self._suppressed.add(key)
                return
            self._last_fired[key] = now
            self._fire(key[0], kind, value)
            return
        if key in self._suppressed:
            self._suppressed.discard(key)
            return
        self._fire(key[0], f"{kind}_cleared", value)

    @callback
    def _fire(self, number: int | None, kind: str, value: Any) -> None:
        coordinator = self.coordinator
        if number is None:
            data: dict[str, Any] = {
                "type": kind,
                "device_id": coordinator.receiver_device_id,
                "receiver": coordinator.receiver_name(),
                "channel": None,
                "channel_name": None,
                "performer": None,
                "contact": None,
                "value": value,
            }
        else:
            assignment = self.assignments.get(coordinator.device_key, number)
            data = {
                "type": kind,
                "device_id": coordinator.channel_device_ids.get(number),
                "receiver": coordinator.receiver_name(),
                "channel": number,
                "channel_name": coordinator.channel_name(number),
                "performer": assignment.performer if assignment else None,
                "contact": assignment.contact if assignment else None,
                "value": value,
            }
        self.hass.bus.async_fire(EVENT_ALERT, data)
