"""The venue: counts across every receiver, owned by the "Micboard venue" entry.

The venue entry is created by the integration when the first receiver entry
is set up and removed with the last one.  Its device holds the summary
sensors.  Counts are kept as running totals: a receiver's update only
recounts that receiver's own channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_SYSTEM, ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .const import DOMAIN, SIGNAL_RECEIVERS_CHANGED, VENUE_DEVICE_KEY, VENUE_TITLE, VENUE_UNIQUE_ID
from .coordinator import MicboardCoordinator, all_coordinators, is_venue_entry
from .helpers import battery_low

#: The counts, in the order of :class:`Counts`.
KEYS = ("transmitters_on", "transmitters_low_battery", "receivers_offline")

VENUE_DEVICE = DeviceInfo(
    identifiers={(DOMAIN, VENUE_DEVICE_KEY)},
    name=VENUE_TITLE,
    manufacturer="Micboard",
    model="Venue summary",
    entry_type=DeviceEntryType.SERVICE,
)


@dataclass(frozen=True, slots=True)
class Counts:
    """What one receiver contributes to the venue's counts."""

    transmitters_on: int = 0
    transmitters_low_battery: int = 0
    receivers_offline: int = 0


def count_receiver(coordinator: MicboardCoordinator) -> Counts:
    """One receiver's contribution (its channels count only while it is online)."""
    online = coordinator.last_update_success and coordinator.receiver.connected
    if not coordinator.last_update_success:
        return Counts(receivers_offline=1)
    if not coordinator.carries_performers:
        # A charger's packs are not transmitters in use.
        return Counts(receivers_offline=0 if online else 1)
    state = coordinator.receiver.state
    threshold = coordinator.battery_low_percent
    on = low = 0
    for number in range(1, state.info.channel_count + 1):
        channel = state.channels.get(number)
        if channel is None:
            continue
        on += channel.tx_on is True
        low += bool(battery_low(channel, threshold))
    return Counts(on, low, 0 if online else 1)


class VenueSummary:
    """Running counts over every receiver that is set up."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start empty; :meth:`async_start` follows the receivers."""
        self.hass = hass
        self.totals: dict[str, int] = dict.fromkeys(KEYS, 0)
        self._counts: dict[str, Counts] = {}
        self._followed: dict[str, tuple[MicboardCoordinator, CALLBACK_TYPE]] = {}
        self._listeners: list[Callable[[frozenset[str]], None]] = []
        self._unsubscribe: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Follow receivers as they are set up, unloaded and report."""
        self._unsubscribe = async_dispatcher_connect(
            self.hass, SIGNAL_RECEIVERS_CHANGED, self._rescan
        )
        self._rescan()
        return self.async_stop

    @callback
    def async_stop(self) -> None:
        """Stop following the receivers."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for _coordinator, remove in self._followed.values():
            remove()
        self._followed.clear()

    @callback
    def async_add_listener(self, listener: Callable[[frozenset[str]], None]) -> CALLBACK_TYPE:
        """Call ``listener(changed keys)`` whenever a count changes."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    @callback
    def _rescan(self) -> None:
        """Receivers were added or removed: follow exactly the loaded ones.

        Only receivers that came or went are counted (or taken off): a venue
        whose receivers set up one after another does linear work in all.
        """
        current = {
            coordinator.uid: coordinator
            for coordinator in all_coordinators(self.hass, linked=False)
        }
        before = dict(self.totals)
        for entry_id, (coordinator, remove) in list(self._followed.items()):
            if current.get(entry_id) is not coordinator:
                remove()
                del self._followed[entry_id]
                self._account(entry_id, None)
        for entry_id, coordinator in current.items():
            if entry_id not in self._followed:
                self._followed[entry_id] = (
                    coordinator,
                    coordinator.async_add_listener(self._refresher(entry_id, coordinator)),
                )
                self._account(entry_id, count_receiver(coordinator))
        self._notify(before)

    def _account(self, entry_id: str, new: Counts | None) -> None:
        """Replace a receiver's contribution to the totals (``None``: it is gone)."""
        old = self._counts.pop(entry_id, None) or Counts()
        if new is not None:
            self._counts[entry_id] = new
        for key in KEYS:
            self.totals[key] += getattr(new or Counts(), key) - getattr(old, key)

    def _refresher(self, entry_id: str, coordinator: MicboardCoordinator) -> CALLBACK_TYPE:
        @callback
        def refresh() -> None:
            old = self._counts.get(entry_id)
            if old is None or coordinator.meters_only:
                return  # not followed, or meters: no count depends on them
            new = count_receiver(coordinator)
            if new == old:
                return
            before = dict(self.totals)
            self._account(entry_id, new)
            self._notify(before)

        return refresh

    def _notify(self, before: dict[str, int]) -> None:
        changed = frozenset(key for key in KEYS if before.get(key) != self.totals[key])
        if not changed:
            return
        for listener in tuple(self._listeners):
            listener(changed)

    @property
    def receivers(self) -> int:
        """How many receivers are followed."""
        return len(self._counts)


type VenueConfigEntry = ConfigEntry[VenueSummary]


@callback
def async_register_venue_device(hass: HomeAssistant, entry: ConfigEntry[Any]) -> str:
    """The venue's device (holds the summary sensors)."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, VENUE_DEVICE_KEY)},
        name=VENUE_TITLE,
        manufacturer="Micboard",
        model="Venue summary",
        entry_type=DeviceEntryType.SERVICE,
    )
    return device.id


def is_venue_device(device: dr.DeviceEntry) -> bool:
    """Whether ``device`` is the venue's device."""
    return (DOMAIN, VENUE_DEVICE_KEY) in device.identifiers


def venue_entry(hass: HomeAssistant) -> ConfigEntry[Any] | None:
    """The venue entry, if there is one."""
    return hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, VENUE_UNIQUE_ID)


def has_receiver_entries(hass: HomeAssistant) -> bool:
    """Whether any receiver entry exists (loaded or not)."""
    return any(
        not is_venue_entry(entry) and entry.source != SOURCE_IGNORE
        for entry in hass.config_entries.async_entries(DOMAIN)
    )


@callback
def async_ensure_venue(hass: HomeAssistant) -> None:
    """Create the venue entry unless it exists (or is being created)."""
    if venue_entry(hass) is not None:
        return
    if any(
        flow["context"].get("source") == SOURCE_SYSTEM
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ):
        return
    hass.async_create_task(
        hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_SYSTEM}),
        f"{DOMAIN} create venue",
    )


async def async_remove_venue_if_unused(hass: HomeAssistant) -> None:
    """Remove the venue entry once no receiver entry is left."""
    if has_receiver_entries(hass):
        return
    if (entry := venue_entry(hass)) is not None:
        await hass.config_entries.async_remove(entry.entry_id)
