"""Venue scale: state writes only on change, bounded meter writes, O(1) counting per change.

Nothing here measures time: the tests count state writes and the work done
(battery checks, name slugs) as receivers are added and report.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import EntityPlatform
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.micboard import alerts, coordinator as coordinator_module, venue
from custom_components.micboard.const import DOMAIN
from custom_components.micboard.devices import ChannelState

from .helpers import entry_for, state_of, wait_for

#: The test interval of meter-driven writes (``fast_meter_states``).
METER_INTERVAL = 0.5


class Writes:
    """Counts ``state_changed`` and ``state_reported`` per entity of some entries."""

    def __init__(self, hass: HomeAssistant, entity_ids: set[str]) -> None:
        """Start counting writes of ``entity_ids``."""
        self.changed: Counter[str] = Counter()
        self.reported: Counter[str] = Counter()
        self.values: dict[str, list[str]] = {}

        @callback
        def changed(data: Any) -> bool:
            entity = data["entity_id"]
            if entity in entity_ids:
                self.changed[entity] += 1
                self.values.setdefault(entity, []).append(data["new_state"].state)
            return False

        @callback
        def reported(data: Any) -> bool:
            if data["entity_id"] in entity_ids:
                self.reported[data["entity_id"]] += 1
            return False

        def ignore(_event: Event[Any]) -> None:
            """Counting happens in the filters."""

        hass.bus.async_listen(EVENT_STATE_CHANGED, ignore, event_filter=changed)
        hass.bus.async_listen(EVENT_STATE_REPORTED, ignore, event_filter=reported)

    def clear(self) -> None:
        """Start a new count."""
        self.changed.clear()
        self.reported.clear()
        self.values.clear()


def entities_of(entity_registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    """Every enabled entity of a receiver entry."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if not entity.disabled_by
    }


async def settle(hass: HomeAssistant, seconds: float) -> None:
    """Let the receiver report (and meter flushes happen) for ``seconds``."""
    await asyncio.sleep(seconds)
    await hass.async_block_till_done()


async def test_a_metering_minute_writes_only_meters_that_changed(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    entity_id,
    entity_registry: er.EntityRegistry,
    fast_meter_states: None,
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    receiver.set_rf(1, -50.0)
    receiver.set_rf(2, -60.0)
    receiver.set_audio(1, -20.0)
    receiver.set_audio(2, -20.0)
    receiver.meter_rate_ms = 100  # ten samples a second on both channels
    rf1 = entity_id(entry, "sensor", "rf_level", 1)
    rf2 = entity_id(entry, "sensor", "rf_level", 2)
    await wait_for(
        hass,
        lambda: state_of(hass, rf1) == "-50.0" and state_of(hass, rf2) == "-60.0",
    )
    entities = entities_of(entity_registry, entry)
    assert len(entities) > 20
    writes = Writes(hass, entities)
    await settle(hass, METER_INTERVAL)  # a flush already pending may still come

    # A metering "minute": six flushes (at 10 s each; 0.5 s here) with nothing changed.
    writes.clear()
    await settle(hass, 6 * METER_INTERVAL)
    assert not writes.reported, f"written without a change: {dict(writes.reported)}"
    assert not writes.changed, f"written without a change: {dict(writes.changed)}"

    # One meter moves: its entity alone is written, once, at the next flush.
    receiver.set_rf(1, -70.0)
    await wait_for(hass, lambda: state_of(hass, rf1) == "-70.0")
    await settle(hass, 3 * METER_INTERVAL)
    assert not writes.reported, dict(writes.reported)
    assert writes.changed == {rf1: 1}
    assert writes.values[rf1] == ["-70.0"]
    receiver.meter_rate_ms = 0


async def test_a_change_writes_only_the_entities_it_changes(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    entity_id,
    entity_registry: er.EntityRegistry,
) -> None:
    receiver = await simulated("ULXD4Q")
    entry = await setup_receiver(receiver)
    battery = entity_id(entry, "sensor", "battery", 2)
    writes = Writes(hass, entities_of(entity_registry, entry))

    receiver.set_battery(2, bars=2, minutes=100, percent=33)
    await wait_for(hass, lambda: state_of(hass, battery) == "33")
    await settle(hass, 0.5)
    assert not writes.reported, f"written without a change: {dict(writes.reported)}"
    changed = {entity for entity in writes.changed if writes.changed[entity]}
    assert battery in changed
    assert entity_id(entry, "sensor", "battery_runtime", 2) in changed
    # Nothing of the other channels, nor what the battery does not show.
    assert entity_id(entry, "sensor", "battery", 1) not in changed
    assert entity_id(entry, "sensor", "frequency", 2) not in changed
    assert entity_id(entry, "binary_sensor", "transmitter", 2) not in changed
    assert entity_id(entry, "binary_sensor", "connectivity", None) not in changed

    # The same report again changes nothing and writes nothing.
    writes.clear()
    receiver.set_battery(2, bars=2, minutes=100, percent=33)
    await settle(hass, 0.5)
    assert not writes.reported
    assert not writes.changed


async def test_meter_states_are_written_at_most_once_per_interval(
    hass: HomeAssistant, simulated, setup_receiver, entity_id, fast_meter_states: None
) -> None:
    """The recorder bound: one row per meter entity per interval, however fast it meters."""
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    rf = entity_id(entry, "sensor", "rf_level", 1)
    writes = Writes(hass, {rf})
    receiver.meter_rate_ms = 100
    for step in range(40):  # a new value in every sample for about 4 s
        receiver.set_rf(1, -40.0 - step % 30)
        # Other changes of the channel do not write the meter in between.
        receiver.set_battery(1, bars=5, minutes=300 - step, percent=90 - step % 2)
        await asyncio.sleep(0.1)
    await hass.async_block_till_done()
    receiver.meter_rate_ms = 0
    # 40 samples, each with a new value; about 4 s of them at one write per 0.5 s.
    flushes = writes.changed[rf] + writes.reported[rf]
    assert 2 <= flushes <= 4.0 / METER_INTERVAL + 2


@pytest.fixture
def battery_checks(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the venue's battery checks and receiver recounts."""
    calls: Counter[str] = Counter()
    real_check, real_count = venue.battery_low, venue.count_receiver

    def check(channel: ChannelState, threshold: int = 20) -> bool | None:
        calls["battery_low"] += 1
        return real_check(channel, threshold)

    def count(coordinator: Any) -> venue.Counts:
        calls["count_receiver"] += 1
        return real_count(coordinator)

    monkeypatch.setattr(venue, "battery_low", check)
    monkeypatch.setattr(venue, "count_receiver", count)
    return calls


@pytest.fixture
def slugs(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the names slugified to keep device names unique."""
    calls: Counter[str] = Counter()
    real = coordinator_module.slugify

    def counted(text: str | None, *, separator: str = "_") -> str:
        calls["slugify"] += 1
        return real(text, separator=separator)

    monkeypatch.setattr(coordinator_module, "slugify", counted)
    coordinator_module._slug.cache_clear()
    return calls


async def test_venue_work_per_receiver_and_per_change_does_not_grow_with_the_venue(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    battery_checks: Counter[str],
    slugs: Counter[str],
) -> None:
    receivers = [await simulated("ULXD4Q") for _ in range(8)]
    costs: list[tuple[int, int]] = []
    entries = []
    for receiver in receivers:
        battery_checks.clear()
        slugs.clear()
        entries.append(await setup_receiver(receiver))
        costs.append((battery_checks["count_receiver"], slugs["slugify"]))
    low = "sensor.micboard_transmitters_with_low_battery"
    assert state_of(hass, low) == "0"
    # Adding the eighth receiver costs what adding the third did: it alone is
    # counted (not the seven before it) and its own device names slugified.
    third, last = costs[2], costs[-1]
    assert last[0] <= max(third[0], 3) < 7, costs
    assert last[1] <= third[1] <= 4 * 5, costs

    # A change on one channel recounts that receiver's four channels, not the venue's.
    battery_checks.clear()
    receivers[4].set_battery(2, bars=1, minutes=10, percent=8)
    await wait_for(hass, lambda: state_of(hass, low) == "1")
    assert battery_checks["count_receiver"] >= 1
    assert battery_checks["battery_low"] <= 4 * battery_checks["count_receiver"], battery_checks

    # Taking a receiver away takes off what it counted, without a recount.
    battery_checks.clear()
    await hass.config_entries.async_unload(entries[4].entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, low) == "0"
    assert battery_checks["battery_low"] == 0


async def test_receivers_set_up_together_add_their_entities_in_turn_a_channel_at_a_time(
    hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivers = [await simulated("ULXD4Q") for _ in range(3)]
    entries = [entry_for(receiver) for receiver in receivers]
    for entry in entries:
        entry.add_to_hass(hass)
    added: list[tuple[str, str, frozenset[int | None]]] = []
    real = EntityPlatform.async_add_entities

    async def recorded(
        platform: EntityPlatform, new_entities: Iterable[Entity], *args: Any, **kwargs: Any
    ) -> None:
        entities = list(new_entities)
        if platform.config_entry is not None and platform.config_entry in entries:
            added.append(
                (
                    platform.config_entry.entry_id,
                    platform.domain,
                    frozenset(getattr(entity, "channel_number", None) for entity in entities),
                )
            )
        await real(platform, entities, *args, **kwargs)

    monkeypatch.setattr(EntityPlatform, "async_add_entities", recorded)
    # As after a restart: Home Assistant sets every entry up at once.
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)

    # No call adds more than one channel's entities (or the receiver's own).
    assert all(len(channels) == 1 for _entry, _domain, channels in added), added
    for entry in entries:
        sensors = {next(iter(c)) for e, d, c in added if e == entry.entry_id and d == "sensor"}
        assert sensors == {None, 1, 2, 3, 4}
    # One receiver after the other: an entry's additions are not interleaved
    # with another's (they took turns), though all three were set up at once.
    order = [entry_id for entry_id, _domain, _channels in added]
    runs = [
        entry_id
        for index, entry_id in enumerate(order)
        if index == 0 or order[index - 1] != entry_id
    ]
    assert sorted(runs) == sorted(entry.entry_id for entry in entries), runs


async def test_meter_samples_evaluate_only_the_rf_alert(
    hass: HomeAssistant, simulated, setup_receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = await simulated("ULXD4D")
    await setup_receiver(receiver)
    calls: Counter[str] = Counter()
    real_battery, real_rf = alerts._battery_condition, alerts._rf_lost

    def battery(*args: Any) -> tuple[bool, float | None]:
        calls["battery"] += 1
        return real_battery(*args)

    def rf(channel: ChannelState) -> bool:
        calls["rf"] += 1
        return real_rf(channel)

    monkeypatch.setattr(alerts, "_battery_condition", battery)
    monkeypatch.setattr(alerts, "_rf_lost", rf)
    receiver.meter_rate_ms = 100
    await settle(hass, 0.3)
    calls.clear()
    for step in range(10):  # about ten samples, each with a new RF level
        receiver.set_rf(1, -50.0 - step)
        await settle(hass, 0.1)
    receiver.meter_rate_ms = 0
    assert calls["rf"] >= 5, calls
    assert calls["battery"] == 0, calls
