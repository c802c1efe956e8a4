"""Every automation example in README.md, loaded by Home Assistant against the demo venue.

The demo venue (``Venue.demo()``, the receivers and channel names the demo
runs) is added to a test Home Assistant; each ``automation:`` block of the
README goes through Home Assistant's own automation validation, with the
``"<Device name>"`` placeholders of device triggers replaced by that device's
id.  Every entity id and action an example uses must exist, every alert type
and its ``_cleared`` partner must have its section and an example, and the
examples are then set up and run on real alerts of the simulated receivers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import re
from typing import Any

from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
import yaml

from custom_components.micboard.const import ALERT_TYPES, DOMAIN
from custom_components.micboard.device_trigger import (
    BAY_TRIGGERS,
    CHANNEL_TRIGGERS,
    RECEIVER_TRIGGERS,
)
from simulator.venue import Venue
from tests.integration.helpers import entry_for, wait_for

README = Path(__file__).parents[2] / "README.md"
_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
_PLACEHOLDER = re.compile(r"^<(?P<name>[^<>]+)>$")
_STATES = re.compile(r"states\('(?P<id>[a-z_]+\.[a-z0-9_]+)'\)")


def readme_automations() -> list[dict[str, Any]]:
    """Every automation of every ``automation:`` YAML block in the README."""
    found: list[dict[str, Any]] = []
    for block in _BLOCK.findall(README.read_text()):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "automation" in data:
            assert isinstance(data["automation"], list), block
            found.extend(data["automation"])
    return found


def _walk(value: Any) -> list[tuple[str, Any]]:
    """Every (key, value) pair in a nested configuration."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            pairs.append((key, item))
            pairs.extend(_walk(item))
    elif isinstance(value, list):
        for item in value:
            pairs.extend(_walk(item))
    return pairs


def _substitute(value: Any, device_ids: dict[str, str]) -> Any:
    """Replace ``device_id: "<Name>"`` by the id of the device called Name."""
    if isinstance(value, dict):
        return {
            key: (
                device_ids[match.group("name")]
                if key == "device_id"
                and isinstance(item, str)
                and (match := _PLACEHOLDER.match(item))
                else _substitute(item, device_ids)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_substitute(item, device_ids) for item in value]
    return value


def _trigger_types(automations: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """Alert types used by device triggers and by event triggers."""
    device: set[str] = set()
    event: set[str] = set()
    for automation in automations:
        for trigger in automation["triggers"]:
            if trigger["trigger"] == "device" and trigger["domain"] == DOMAIN:
                device.add(trigger["type"])
            elif trigger["trigger"] == "event" and trigger["event_type"] == "micboard_alert":
                event.add(trigger["event_data"]["type"])
    return device, event


def test_every_alert_has_its_section_and_examples() -> None:
    text = README.read_text()
    automations = readme_automations()
    device, event = _trigger_types(automations)
    every = set(CHANNEL_TRIGGERS + RECEIVER_TRIGGERS + BAY_TRIGGERS)
    # A charger's "charged" is a one-off event; every other type has its _cleared partner.
    assert every == {
        name
        for kind in ALERT_TYPES
        for name in ((kind,) if kind in BAY_TRIGGERS else (kind, f"{kind}_cleared"))
    }
    # Every type and its partner has a working example, and both kinds of trigger are shown.
    assert device | event == every
    assert device
    assert event
    for kind in ALERT_TYPES:
        names = f"`{kind}`" if kind in BAY_TRIGGERS else f"`{kind}`, `{kind}_cleared`"
        heading = re.search(rf"^#### .*{names}$", text, re.MULTILINE)
        assert heading, f"no section for {kind}"


@pytest.fixture
async def demo_venue(hass: HomeAssistant, enable_custom_integrations: None) -> AsyncIterator[Venue]:
    """The demo venue, every receiver added to Home Assistant as the config flow would."""
    venue = Venue.demo()
    await venue.start()
    entries = []
    try:
        # The README's examples use the Shure receivers.
        for receiver in venue.shure:
            entry = entry_for(receiver)
            entry.add_to_hass(hass)
            entries.append(entry)
            assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield venue
    finally:
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await venue.stop()


async def _prepared(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The README's automations with real device ids, each checked for what it uses."""
    assert await async_setup_component(hass, "notify", {})
    await hass.async_block_till_done()
    device_ids = {device.name: device.id for device in _devices(hass) if device.name}
    automations = readme_automations()
    assert len(automations) >= 2 * len(ALERT_TYPES)
    prepared = []
    for automation in automations:
        for key, value in _walk(automation):
            if key == "device_id" and isinstance(value, str):
                match = _PLACEHOLDER.match(value)
                assert match, f'{automation["alias"]}: write device ids as "<Device name>"'
                assert match.group("name") in device_ids, f"no device {value} in the venue"
            if key == "entity_id":
                for entity_id in [value] if isinstance(value, str) else value:
                    assert hass.states.get(entity_id), f"{automation['alias']}: {entity_id}"
            if key == "action":
                domain, service = value.split(".", 1)
                assert hass.services.has_service(domain, service), value
            if isinstance(value, str):
                for match in _STATES.finditer(value):
                    assert hass.states.get(match.group("id")), match.group("id")
        config = _substitute(automation, device_ids)
        validated = await async_validate_config_item(hass, automation["alias"], config)
        assert validated is not None
        assert validated.validation_status == "ok", validated.validation_error
        prepared.append(config)
    return prepared


async def test_readme_automations_validate_against_the_demo_venue(
    hass: HomeAssistant, demo_venue: Venue
) -> None:
    prepared = await _prepared(hass)
    # A broken example is refused by the same validation (the check above can fail).
    broken = {**prepared[0], "triggers": [{**prepared[0]["triggers"][0], "type": "battery_flat"}]}
    with pytest.raises(Exception, match="value must be one of"):
        await async_validate_config_item(hass, "broken", broken)


async def test_readme_automations_run_on_real_alerts(
    hass: HomeAssistant, demo_venue: Venue
) -> None:
    prepared = await _prepared(hass)
    assert await async_setup_component(hass, "automation", {"automation": prepared})
    await hass.async_block_till_done()
    messages: list[str] = []
    hass.bus.async_listen(
        "call_service",
        lambda event: messages.append(event.data["service_data"].get("message", ""))
        if event.data["domain"] == "notify"
        else None,
    )
    sax = demo_venue.get("AD4Q")
    sax.set_interference(3, True)
    await wait_for(hass, lambda: any(": Sax" in m for m in messages))
    sax.set_interference(3, False)
    await wait_for(hass, lambda: "Sax: interference gone" in messages)
    assigned = demo_venue.get("ULXD4Q")
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": _device_id(hass, "Pastor"), "performer": "Pastor Dave"},
        blocking=True,
    )
    assigned.set_transmitter(1, False)
    await wait_for(hass, lambda: "Pastor Dave's pack (Pastor) is off" in messages)
    assigned.set_transmitter(1, True)
    await wait_for(hass, lambda: "Pastor's pack is on again" in messages)
    assigned.set_battery(2, bars=1, minutes=20, percent=12)
    await wait_for(hass, lambda: "Lead Vox battery low: 12 %" in messages)
    assigned.set_battery(2, bars=5, minutes=480, percent=100)
    await wait_for(hass, lambda: "Lead Vox has a fresh battery" in messages)
    # Detach every trigger (the time trigger's timer included) before teardown.
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "all", "stop_actions": True}, blocking=True
    )


def _devices(hass: HomeAssistant) -> list[dr.DeviceEntry]:
    registry = dr.async_get(hass)
    return [
        device
        for entry in hass.config_entries.async_entries(DOMAIN)
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    ]


def _device_id(hass: HomeAssistant, name: str) -> str:
    (device,) = [d for d in _devices(hass) if d.name == name]
    return device.id
