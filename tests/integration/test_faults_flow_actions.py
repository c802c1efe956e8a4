"""Hostile action input and callers without permission (issue 8, class 8)."""

from __future__ import annotations

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockUser, flush_store

from custom_components.micboard.assignments import STORAGE_KEY, async_get_manager
from custom_components.micboard.const import DOMAIN

from .helpers import state_of

ACTIONS = {
    "assign_performer": {"performer": "Dave"},
    "unassign": {},
    "set_alerts": {"enabled": False},
    "identify": {},
}


@pytest.fixture
async def rig(hass: HomeAssistant, simulated, setup_receiver):
    """An Axient Digital receiver (it can flash per channel) and a QLX-D."""
    sim_a = await simulated("AD4D")
    sim_b = await simulated("QLXD4")
    return await setup_receiver(sim_a), await setup_receiver(sim_b), sim_a


def _channel(entry, number: int) -> str:
    return entry.runtime_data.channel_device_ids[number]


def _performer_entity(hass: HomeAssistant, entry, number: int) -> str:
    key = entry.runtime_data.device_key
    found = er.async_get(hass).async_get_entity_id("text", DOMAIN, f"{key}-{number}-performer")
    assert found is not None
    return found


async def _stored(hass: HomeAssistant, hass_storage) -> dict | None:
    await flush_store(async_get_manager(hass)._store)
    return hass_storage.get(STORAGE_KEY)


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_an_empty_device_list_is_refused(
    hass: HomeAssistant, rig, hass_storage, action: str
) -> None:
    for device_id in ([], ""):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, action, {"device_id": device_id, **ACTIONS[action]}, blocking=True
            )
        assert err.value.translation_key == "no_target"
        assert err.value.translation_domain == DOMAIN
    assert await _stored(hass, hass_storage) is None


HOSTILE_NAMES = [
    "Dave\nSmith",
    "Dave\rSmith",
    "Da\tve",
    "Da\x00ve",
    "\x1b[31mDave",
    "Dave\x7f",
    "Dave\x85Smith",
    "Dave\u202eevaD",  # right-to-left override
    "\u2066Dave\u2069",  # isolates
    "\u200fDave",  # right-to-left mark
    "Da\u200bve",  # zero-width space
    "Da\u200dve",  # zero-width joiner outside an emoji
    "Da\u2060ve",  # word joiner
    "\ufeffDave",  # byte-order mark
    "Da\u00adve",  # soft hyphen
    "Dave\u2028Smith",  # line separator
    "Dave\u2029Smith",  # paragraph separator
    "Dave\U000e0041",  # tag character
]


async def test_performer_with_invisible_characters_is_refused(
    hass: HomeAssistant, rig, hass_storage
) -> None:
    """Every hostile name, against one receiver set up once (fewer sockets on a busy CI)."""
    entry_a = rig[0]
    for name in HOSTILE_NAMES:
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "assign_performer",
                {"device_id": [_channel(entry_a, 1)], "performer": name},
                blocking=True,
            )
        assert err.value.translation_key == "performer_invisible_characters", repr(name)
    assert state_of(hass, _performer_entity(hass, entry_a, 1)) == ""
    assert await _stored(hass, hass_storage) is None


async def test_performer_entity_refuses_invisible_characters_too(
    hass: HomeAssistant, rig, hass_storage
) -> None:
    """The text entity keeps the action's rule: what one refuses, the other does."""
    entry_a = rig[0]
    performer = _performer_entity(hass, entry_a, 1)
    for name in HOSTILE_NAMES:
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                "text", "set_value", {ATTR_ENTITY_ID: performer, "value": name}, blocking=True
            )
        assert err.value.translation_key == "performer_invisible_characters", repr(name)
    assert state_of(hass, performer) == ""
    assert await _stored(hass, hass_storage) is None


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("  José Ñúñez  ", "José Ñúñez"),
        ("Pastor\n", "Pastor"),  # stripped before it is checked
        ("李小龙", "李小龙"),
        ("Ана 🎤", "Ана 🎤"),
        ("Lead 👩🏽‍🎤", "Lead 👩🏽‍🎤"),
        ("עברית", "עברית"),
    ],
)
async def test_ordinary_names_are_accepted(
    hass: HomeAssistant, rig, hass_storage, name: str, stored: str
) -> None:
    entry_a = rig[0]
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": [_channel(entry_a, 2)], "performer": name},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert state_of(hass, _performer_entity(hass, entry_a, 2)) == stored
    data = await _stored(hass, hass_storage)
    assert data is not None
    key = f"{entry_a.runtime_data.device_key}/2"
    assert data["data"]["assignments"][key]["performer"] == stored


async def _as(hass: HomeAssistant, user_id: str, action: str, device_ids: list[str]) -> None:
    await hass.services.async_call(
        DOMAIN,
        action,
        {"device_id": device_ids, **ACTIONS[action]},
        blocking=True,
        context=Context(user_id=user_id),
    )


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_read_only_user_is_refused_and_nothing_changes(
    hass: HomeAssistant, rig, hass_storage, hass_read_only_user: MockUser, action: str
) -> None:
    entry_a, _entry_b, sim_a = rig
    heard = len(sim_a.received)
    with pytest.raises(Unauthorized):
        await _as(hass, hass_read_only_user.id, action, [_channel(entry_a, 1)])
    await hass.async_block_till_done()
    assert await _stored(hass, hass_storage) is None
    assert state_of(hass, _performer_entity(hass, entry_a, 1)) == ""
    assert not [line for line in sim_a.received[heard:] if "FLASH" in line]

    # The same user is refused on the entity itself: the action is no back door.
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "text",
            "set_value",
            {ATTR_ENTITY_ID: _performer_entity(hass, entry_a, 1), "value": "Dave"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )


async def test_user_allowed_one_channel_only(
    hass: HomeAssistant, rig, hass_storage, hass_read_only_user: MockUser
) -> None:
    entry_a, entry_b, _sim_a = rig
    registry = er.async_get(hass)
    allowed = {
        entity.entity_id: True
        for entity in er.async_entries_for_device(registry, _channel(entry_a, 1))
    }
    user = hass_read_only_user
    user.mock_policy({"entities": {"entity_ids": allowed}})

    await _as(hass, user.id, "assign_performer", [_channel(entry_a, 1)])
    await hass.async_block_till_done()
    assert state_of(hass, _performer_entity(hass, entry_a, 1)) == "Dave"
    before = await _stored(hass, hass_storage)

    # One channel it may not control spoils the whole call: nothing changes.
    for targets in (
        [_channel(entry_a, 1), _channel(entry_a, 2)],
        [_channel(entry_b, 1)],
        [entry_a.runtime_data.receiver_device_id],
        ["not-a-device"],
    ):
        for action in ACTIONS:
            with pytest.raises(Unauthorized):
                await _as(hass, user.id, action, targets)
    await hass.async_block_till_done()
    assert await _stored(hass, hass_storage) == before
    assert state_of(hass, _performer_entity(hass, entry_a, 2)) == ""
    assert state_of(hass, _performer_entity(hass, entry_b, 1)) == ""


async def test_admin_and_automations_may_act(
    hass: HomeAssistant, rig, hass_admin_user: MockUser
) -> None:
    entry_a, entry_b, _sim_a = rig
    await _as(hass, hass_admin_user.id, "assign_performer", [_channel(entry_a, 1)])
    # No user at all: an automation or script.
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": [_channel(entry_b, 1)], "performer": "Choir"},
        blocking=True,
        context=Context(),
    )
    await hass.async_block_till_done()
    assert state_of(hass, _performer_entity(hass, entry_a, 1)) == "Dave"
    assert state_of(hass, _performer_entity(hass, entry_b, 1)) == "Choir"


async def test_unknown_user_is_refused(hass: HomeAssistant, rig) -> None:
    entry_a = rig[0]
    with pytest.raises(UnknownUser):
        await _as(hass, "0123456789abcdef", "unassign", [_channel(entry_a, 1)])
