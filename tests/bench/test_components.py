"""The bench's two Home Assistant integrations, through Home Assistant.

The probe (loop lag, Micboard state writes, availability) and the polling
baseline (a 5 s coordinator per receiver) are loaded from ``bench/components``
as the bench's configuration loads them, here registered with the test
harness's loader.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import time

from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.loader import DATA_COMPONENTS
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockModule, mock_integration, mock_platform

from bench.components import micboard_bench_poll as poll, micboard_bench_probe as probe
from bench.components.micboard_bench_poll import sensor as poll_sensor
from bench.stats import ProbeLog
from simulator import create_receiver


def _register(hass: HomeAssistant, module: object, domain: str) -> None:
    mock_integration(hass, MockModule(domain))
    hass.data[DATA_COMPONENTS][domain] = module


async def test_probe_samples_lag_and_counts_micboard_writes(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    path = tmp_path / "probe.jsonl"
    registry = er.async_get(hass)
    link = registry.async_get_or_create(
        "binary_sensor", "micboard", "rx-connectivity", original_device_class="connectivity"
    )
    battery = registry.async_get_or_create("sensor", "micboard", "rx-1-battery")
    other = registry.async_get_or_create("sensor", "other", "x")
    _register(hass, probe, probe.DOMAIN)
    before = time.time()
    assert await async_setup_component(hass, probe.DOMAIN, {probe.DOMAIN: {"path": str(path)}})

    hass.states.async_set(link.entity_id, "off")
    hass.states.async_set(battery.entity_id, "80")
    hass.states.async_set(battery.entity_id, "80")  # reported, not changed
    hass.states.async_set(battery.entity_id, "79")
    hass.states.async_set(other.entity_id, "1")
    hass.states.async_set(other.entity_id, "1")
    hass.states.async_set(link.entity_id, "on")
    hass.states.async_set(link.entity_id, "on")
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    # Two stalls of the loop the probe must see: one waiting, one computing.
    time.sleep(0.06)  # blocking on purpose
    await asyncio.sleep(0.05)
    spin = time.thread_time() + 0.06
    while time.thread_time() < spin:
        pass
    await asyncio.sleep(probe.FLUSH_INTERVAL + 0.3)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    log = ProbeLog.read(path)
    assert len(log.records) >= 2
    last = log.records[-1]
    assert last["changed"] == 4  # link off, battery 80, battery 79, link on
    assert last["reported"] == 2  # battery 80 again, link on again
    assert last["on_now"] == 1
    boot = log.boots()[0]
    assert log.started(boot) is not None
    assert log.all_on(1, before) is not None
    lags = log.lags(before, time.time())
    assert len(lags) > 20  # every 10 ms
    assert len([lag for lag in lags if lag >= 40]) >= 2  # both 60 ms stalls
    # Only the computing one was the loop's thread running.
    on_cpu = log.on_cpu_lags(before, time.time())
    assert len(on_cpu) == len(lags)
    assert len([lag for lag in on_cpu if lag >= 40]) == 1
    # Once stopped, nothing more is written.
    lines = len(path.read_text(encoding="utf-8").splitlines())
    await asyncio.sleep(probe.FLUSH_INTERVAL + 0.3)
    await hass.async_block_till_done()
    assert len(path.read_text(encoding="utf-8").splitlines()) == lines


async def test_polling_baseline_shows_the_battery_as_of_the_last_poll(
    hass: HomeAssistant,
) -> None:
    receiver = create_receiver("ULXD4Q", host="127.0.0.1", port=0)
    await receiver.start()
    try:
        _register(hass, poll, poll.DOMAIN)
        mock_platform(hass, f"{poll.DOMAIN}.sensor", poll_sensor)  # type: ignore[arg-type]
        assert await async_setup_component(hass, poll.DOMAIN, {poll.DOMAIN: {}})
        assert hass.states.get(f"sensor.poll_{receiver.port}_1_battery") is None  # idle

        await hass.services.async_call(
            poll.DOMAIN,
            "start",
            {"targets": [{"host": "127.0.0.1", "port": receiver.port}], "interval": 1.0},
            blocking=True,
        )
        entity_id = f"sensor.poll_{receiver.port}_3_battery"
        level = receiver.channel(3).battery_percent
        async with asyncio.timeout(10):
            while (state := hass.states.get(entity_id)) is None:
                await asyncio.sleep(0.05)
        assert state.state == str(level)
        assert state.attributes["unit_of_measurement"] == "%"
        assert len(hass.states.async_entity_ids("sensor")) == 4

        # A change shows at the next poll, not at once.
        receiver.set_battery(3, percent=41, minutes=248)
        changed = time.monotonic()
        await asyncio.sleep(0.05)
        assert hass.states.get(entity_id).state == str(level)
        async with asyncio.timeout(10):
            while hass.states.get(entity_id).state != "41":
                await asyncio.sleep(0.02)
        assert time.monotonic() - changed > 0.1

        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
        await hass.async_block_till_done()
        assert not hass.data[poll.DOMAIN][0].receiver.connected
    finally:
        await receiver.stop()


async def test_probe_profiles_the_event_loop(hass: HomeAssistant, tmp_path: Path) -> None:
    _register(hass, probe, probe.DOMAIN)
    path = tmp_path / "probe.jsonl"
    assert await async_setup_component(hass, probe.DOMAIN, {probe.DOMAIN: {"path": str(path)}})

    def busy() -> None:
        sum(number * number for number in range(200_000))

    hass.loop.call_later(0.05, busy)
    out = tmp_path / "profile.json"
    await hass.services.async_call(
        probe.DOMAIN, "profile", {"seconds": 0.3, "path": str(out)}, blocking=True
    )
    await hass.async_block_till_done()
    profile = json.loads(out.read_text(encoding="utf-8"))
    assert profile["total_ms"] > 0
    assert 0 < len(profile["top"]) <= probe.PROFILE_TOP
    assert any("busy" in row["function"] or "genexpr" in row["function"] for row in profile["top"])
    own = [row["own_ms"] for row in profile["top"]]
    assert own == sorted(own, reverse=True)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
