"""Device triggers, the blueprint, logbook text and the summary sensors."""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.components.device_automation import DeviceNotFound
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.micboard.const import ALERT_TYPES, DOMAIN, EVENT_ALERT
from custom_components.micboard.device_trigger import (
    CHANNEL_TRIGGERS,
    RECEIVER_TRIGGERS,
    async_get_triggers,
)
from custom_components.micboard.logbook import async_describe_events, describe

from .helpers import state_of, wait_for

BLUEPRINT = Path(__file__).parents[2] / "blueprints/automation/micboard/low_battery_notify.yaml"


async def test_device_triggers_listed(hass: HomeAssistant, simulated, setup_receiver) -> None:
    entry = await setup_receiver(await simulated("ULXD4"))
    coordinator = entry.runtime_data
    channel = await async_get_triggers(hass, coordinator.channel_device_ids[1])
    assert {t["type"] for t in channel} == set(CHANNEL_TRIGGERS)
    assert "battery_low_cleared" in CHANNEL_TRIGGERS
    hub = await async_get_triggers(hass, coordinator.receiver_device_id)
    assert {t["type"] for t in hub} == set(RECEIVER_TRIGGERS)
    assert {t["domain"] for t in channel + hub} == {DOMAIN}
    try:
        await async_get_triggers(hass, "missing")
    except DeviceNotFound:
        pass
    else:
        raise AssertionError("unknown device accepted")


async def test_device_trigger_runs_an_automation(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "triggers": [
                        {
                            "trigger": "device",
                            "domain": DOMAIN,
                            "device_id": entry.runtime_data.channel_device_ids[1],
                            "type": "interference",
                        }
                    ],
                    "actions": [
                        {
                            "action": "test.automation",
                            "data": {"what": "{{ trigger.event.data.type }}"},
                        }
                    ],
                }
            ]
        },
    )
    receiver.set_interference(1, True)
    await wait_for(hass, lambda: len(calls) == 1)
    assert calls[0].data == {"what": "interference"}


async def test_channel_device_trigger_for_its_receiver_going_offline(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("QLXD4")
    entry = await setup_receiver(receiver)
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "triggers": [
                        {
                            "trigger": "device",
                            "domain": DOMAIN,
                            "device_id": entry.runtime_data.channel_device_ids[1],
                            "type": kind,
                        }
                    ],
                    "actions": [{"action": "test.automation", "data": {"what": kind}}],
                }
                for kind in ("receiver_offline", "receiver_offline_cleared")
            ]
        },
    )
    receiver.set_hung(True)
    await wait_for(hass, lambda: len(calls) == 1, timeout=10)
    receiver.set_hung(False)
    await wait_for(hass, lambda: len(calls) == 2, timeout=10)
    assert [call.data["what"] for call in calls] == ["receiver_offline", "receiver_offline_cleared"]


async def test_blueprint_notifies_contact_or_fallback(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    target = Path(hass.config.path("blueprints/automation/micboard"))
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINT, target / BLUEPRINT.name)
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    hass.states.async_set(
        "person.dave", "home", {"device_trackers": ["device_tracker.daves_phone"]}
    )
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {
            "device_id": entry.runtime_data.channel_device_ids[1],
            "performer": "Dave",
            "contact": "person.dave",
        },
        blocking=True,
    )
    phone = async_mock_service(hass, "notify", "mobile_app_daves_phone")
    desk = async_mock_service(hass, "notify", "stage_desk")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "micboard/low_battery_notify.yaml",
                    "input": {"notify_action": "notify.stage_desk"},
                }
            }
        },
    )
    await hass.async_block_till_done()

    receiver.set_battery(1, bars=1, minutes=50, percent=15)
    await wait_for(hass, lambda: len(phone) == 1)
    assert phone[0].data["title"] == "Low battery: Dave"
    assert phone[0].data["message"] == "Dave (CH 1) battery at 15 %."

    receiver.set_battery(2, bars=0, minutes=10, percent=5)
    await wait_for(hass, lambda: len(desk) == 2)
    titles = sorted(call.data["title"] for call in desk)
    assert titles == ["Critical battery: CH 2", "Low battery: CH 2"]
    assert len(phone) == 1


def test_logbook_descriptions() -> None:
    assert describe(
        {"type": "battery_low", "performer": "Dave", "channel_name": "CH 1", "value": 15}
    ) == {"name": "Dave", "message": "battery is low (15 %) on CH 1"}
    assert describe({"type": "rf_lost", "channel_name": "CH 2", "value": -101.0}) == {
        "name": "CH 2",
        "message": "lost RF (-101 dBm)",
    }
    assert describe({"type": "receiver_offline", "receiver": "Rack 1"}) == {
        "name": "Rack 1",
        "message": "went offline",
    }
    for kind in ALERT_TYPES:
        assert "_" not in describe({"type": kind})["message"]
        assert "_" not in describe({"type": f"{kind}_cleared"})["message"]


def test_logbook_registers_the_event(hass: HomeAssistant) -> None:
    registered = []
    async_describe_events(hass, lambda domain, event, fn: registered.append((domain, event, fn)))
    ((domain, event, _describe),) = registered
    assert (domain, event) == (DOMAIN, EVENT_ALERT)


async def test_summary_sensors(hass: HomeAssistant, simulated, setup_receiver) -> None:
    first = await simulated("ULXD4D")
    second = await simulated("QLXD4")
    await setup_receiver(first)
    await setup_receiver(second)
    await hass.async_block_till_done()
    on = "sensor.micboard_transmitters_on"
    low = "sensor.micboard_transmitters_with_low_battery"
    offline = "sensor.micboard_receivers_offline"
    assert state_of(hass, on) == "3"
    assert state_of(hass, offline) == "0"
    first.set_transmitter(2, False)
    first.set_battery(1, bars=1, minutes=20, percent=10)
    await wait_for(hass, lambda: state_of(hass, on) == "2")
    await wait_for(hass, lambda: state_of(hass, low) == "1")
    second.set_hung(True)
    await wait_for(hass, lambda: state_of(hass, offline) == "1", timeout=10)
    second.set_hung(False)
    await wait_for(hass, lambda: state_of(hass, offline) == "0", timeout=10)
