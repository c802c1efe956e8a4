"""Server entries through Home Assistant: one entry per server, a device per device behind it.

The server is an in-test fake of the ``Hub`` protocol (``fake_hub.py``),
registered as a manufacturer; the entry is created as the config flow would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PORT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.micboard.assignments import async_get_manager
from custom_components.micboard.const import (
    CONF_DEVICE_KEY,
    CONF_FINGERPRINT,
    CONF_MANUFACTURER,
    DOMAIN,
    EVENT_ALERT,
)
from custom_components.micboard.coordinator import all_coordinators
from custom_components.micboard.device_trigger import (
    CHANNEL_TRIGGERS,
    RECEIVER_TRIGGERS,
    async_get_triggers,
)
from custom_components.micboard.devices import (
    AuthenticationError,
    Capability as C,
    DeviceConnectionError,
)
from custom_components.micboard.diagnostics import async_get_config_entry_diagnostics
from custom_components.micboard.hub import MicboardHub

from .fake_hub import BATTERY_CAPABILITIES, KEY, RECEIVER_CAPABILITIES, FakeHub, registered
from .helpers import entry_for, state_of, wait_for

SECRET = "s3cr3t-api-key-0123456789"
FINGERPRINT = ":".join(["AB"] * 32)
SERVER_KEY = "sysapi-1"


@pytest.fixture
def server() -> Iterator[FakeHub]:
    """The fake server, registered while the test runs."""
    hub = FakeHub("192.0.2.10", 10000)
    with registered(hub):
        yield hub


def server_entry() -> MockConfigEntry:
    """A server entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="System API",
        unique_id=SERVER_KEY,
        version=1,
        minor_version=3,
        data={
            CONF_MANUFACTURER: KEY,
            CONF_HOST: "192.0.2.10",
            CONF_PORT: 10000,
            CONF_API_KEY: SECRET,
            CONF_FINGERPRINT: FINGERPRINT,
            CONF_DEVICE_KEY: SERVER_KEY,
        },
    )


async def setup_server(hass: HomeAssistant) -> MockConfigEntry:
    """Add the server entry and set it up."""
    entry = server_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def eid(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """Entity id from platform and unique id (fails when there is none)."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, f"no {platform} {unique_id}"
    return found


def has_entity(hass: HomeAssistant, platform: str, unique_id: str) -> bool:
    """Whether an entity with this unique id is registered."""
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id) is not None


def devices(hass: HomeAssistant, key: str) -> list[dr.DeviceEntry]:
    """Every device with identifier (DOMAIN, key), whichever entry it belongs to."""
    return dr.async_get(hass).async_get_devices(identifiers={(DOMAIN, key)})


def device(hass: HomeAssistant, key: str) -> dr.DeviceEntry:
    """The one device with identifier (DOMAIN, key)."""
    (found,) = devices(hass, key)
    return found


def runtime(entry: MockConfigEntry) -> MicboardHub:
    """The server entry's runtime."""
    server = entry.runtime_data
    assert isinstance(server, MicboardHub)
    return server


async def test_server_device_and_a_device_per_device(hass: HomeAssistant, server: FakeHub) -> None:
    server.add("SER-AD4D", "AD4D", 2, name="Stage L", notify=False)
    server.add("SER-PACK", "ADX1", 1, BATTERY_CAPABILITIES, name="Pack 1", notify=False)
    entry = await setup_server(hass)
    assert entry.state is ConfigEntryState.LOADED

    # The secret and the pinned certificate reach the client, with the shared session.
    assert server.access is not None
    assert server.access.secret == SECRET
    assert server.access.fingerprint == FINGERPRINT
    assert server.access.session is not None

    hub_device = device(hass, SERVER_KEY)
    assert hub_device.model == "System API"
    assert hub_device.via_device_id is None
    receiver = device(hass, "SER-AD4D")
    pack = device(hass, "SER-PACK")
    assert receiver.via_device_id == hub_device.id
    assert pack.via_device_id == hub_device.id
    assert receiver.name == "Stage L"
    assert receiver.model == "AD4D"
    assert receiver.manufacturer == "Shure"
    assert device(hass, "SER-AD4D-2").via_device_id == receiver.id
    assert state_of(hass, eid(hass, "binary_sensor", f"{SERVER_KEY}-connectivity")) == STATE_ON
    assert state_of(hass, eid(hass, "binary_sensor", "SER-AD4D-connectivity")) == STATE_ON

    # Entities come from what each device reports, nothing more.
    for unique_id in ("SER-AD4D-1-gain", "SER-AD4D-2-audio_activity"):
        assert has_entity(hass, "sensor", unique_id), unique_id
    assert has_entity(hass, "binary_sensor", "SER-AD4D-1-muted")
    assert has_entity(hass, "button", "SER-AD4D-identify")
    for key in ("rf_level", "frequency", "battery", "audio_level", "transmitter_model"):
        assert not has_entity(hass, "sensor", f"SER-AD4D-1-{key}"), key
    assert not has_entity(hass, "binary_sensor", "SER-AD4D-1-interference")
    assert not has_entity(hass, "binary_sensor", "SER-AD4D-1-transmitter")
    for key in ("battery", "battery_runtime"):
        assert has_entity(hass, "sensor", f"SER-PACK-1-{key}"), key
    assert not has_entity(hass, "sensor", "SER-PACK-1-audio_activity")


async def test_values_unknown_until_reported(hass: HomeAssistant, server: FakeHub) -> None:
    member = server.add("SER-AD4D", notify=False)
    pack = server.add("SER-PACK", "ADX1", 1, BATTERY_CAPABILITIES, notify=False)
    await setup_server(hass)
    gain = eid(hass, "sensor", "SER-AD4D-1-gain")
    battery = eid(hass, "sensor", "SER-PACK-1-battery")
    assert state_of(hass, gain) == STATE_UNKNOWN
    assert state_of(hass, battery) == STATE_UNKNOWN

    member.set_channel(1, gain_db=12)
    pack.set_channel(1, battery_percent=87, battery_runtime_min=385)
    await wait_for(hass, lambda: state_of(hass, gain) == "12")
    await wait_for(hass, lambda: state_of(hass, battery) == "87")
    assert state_of(hass, eid(hass, "sensor", "SER-PACK-1-battery_runtime")) == "385"


async def test_audio_activity_states(hass: HomeAssistant, server: FakeHub) -> None:
    member = server.add("SER-AD4D", notify=False)
    await setup_server(hass)
    activity = eid(hass, "sensor", "SER-AD4D-1-audio_activity")
    state = hass.states.get(activity)
    assert state is not None
    assert state.attributes["options"] == ["low", "good", "clipping"]
    assert state.attributes["device_class"] == "enum"

    for reported, shown in (("good", "good"), ("CLIPPING", "clipping"), ("LOW", "low")):
        member.set_channel(1, audio_activity=reported)
        await wait_for(hass, lambda shown=shown: state_of(hass, activity) == shown)
    member.set_channel(1, audio_activity="LOUDER")
    await wait_for(hass, lambda: state_of(hass, activity) == STATE_UNKNOWN)


async def test_device_added_at_the_server_appears_without_reload(
    hass: HomeAssistant, server: FakeHub
) -> None:
    server.add("SER-AD4D", notify=False)
    entry = await setup_server(hass)
    before = runtime(entry)

    member = server.add("SER-NEW", "ADTQ", 4, name="IEM rack")
    await wait_for(hass, lambda: has_entity(hass, "sensor", "SER-NEW-4-gain"))
    assert entry.runtime_data is before  # no reload
    assert entry.state is ConfigEntryState.LOADED
    assert device(hass, "SER-NEW").via_device_id == device(hass, SERVER_KEY).id
    gain = eid(hass, "sensor", "SER-NEW-4-gain")
    member.set_channel(4, gain_db=-3)
    await wait_for(hass, lambda: state_of(hass, gain) == "-3")
    assert "SER-NEW" in {c.device_key for c in all_coordinators(hass)}


async def test_removed_device_unavailable_removable_and_back(
    hass: HomeAssistant,
    server: FakeHub,
    hass_ws_client: Callable[..., Awaitable[Any]],
) -> None:
    assert await async_setup_component(hass, "config", {})
    server.add("SER-KEEP", notify=False)
    gone = server.add("SER-GONE", notify=False)
    await setup_server(hass)
    gain = eid(hass, "sensor", "SER-GONE-1-gain")
    gone.set_channel(1, gain_db=5)
    await wait_for(hass, lambda: state_of(hass, gain) == "5")

    server.remove("SER-GONE")
    await wait_for(hass, lambda: state_of(hass, gain) == STATE_UNAVAILABLE)
    assert gone.listeners == 0  # nothing follows the old device any more
    assert "SER-GONE" not in {c.device_key for c in all_coordinators(hass)}
    assert state_of(hass, eid(hass, "sensor", "SER-KEEP-1-gain")) != STATE_UNAVAILABLE

    client = await hass_ws_client(hass)

    async def remove(device_id: str) -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove",
                "device_id": device_id,
            }
        )
        return bool((await client.receive_json())["success"])

    # The live device, its channels and the server stay; the gone one may go.
    assert not await remove(device(hass, "SER-KEEP").id)
    assert not await remove(device(hass, "SER-KEEP-1").id)
    assert not await remove(device(hass, SERVER_KEY).id)
    assert await remove(device(hass, "SER-GONE").id)
    await hass.async_block_till_done()
    assert devices(hass, "SER-GONE") == []
    assert devices(hass, "SER-GONE-1") == []  # its channels go with it
    assert not has_entity(hass, "sensor", "SER-GONE-1-gain")

    # Listed again: a fresh device with working entities.
    back = server.add("SER-GONE")
    await wait_for(hass, lambda: has_entity(hass, "sensor", "SER-GONE-1-gain"))
    gain = eid(hass, "sensor", "SER-GONE-1-gain")
    back.set_channel(1, gain_db=7)
    await wait_for(hass, lambda: state_of(hass, gain) == "7")


async def test_removed_then_listed_again_before_deletion(
    hass: HomeAssistant, server: FakeHub
) -> None:
    server.add("SER-AD4D", notify=False)
    await setup_server(hass)
    gain = eid(hass, "sensor", "SER-AD4D-1-gain")
    server.remove("SER-AD4D")
    await wait_for(hass, lambda: state_of(hass, gain) == STATE_UNAVAILABLE)

    back = server.add("SER-AD4D")
    back.set_channel(1, gain_db=3)
    await wait_for(hass, lambda: state_of(hass, gain) == "3")
    assert eid(hass, "sensor", "SER-AD4D-1-gain") == gain  # same entity, same id
    back.set_channel(1, gain_db=4)
    await wait_for(hass, lambda: state_of(hass, gain) == "4")


async def test_offline_device_unavailable_then_back(hass: HomeAssistant, server: FakeHub) -> None:
    member = server.add("SER-AD4D", notify=False)
    asleep = server.add("SER-OFF", online=False, notify=False)
    await setup_server(hass)
    assert state_of(hass, eid(hass, "sensor", "SER-OFF-1-gain")) == STATE_UNAVAILABLE
    assert state_of(hass, eid(hass, "binary_sensor", "SER-OFF-connectivity")) == STATE_OFF
    gain = eid(hass, "sensor", "SER-AD4D-1-gain")
    member.set_channel(1, gain_db=1)
    await wait_for(hass, lambda: state_of(hass, gain) == "1")
    events = async_capture_events(hass, EVENT_ALERT)

    member.set_online(False)
    await wait_for(hass, lambda: state_of(hass, gain) == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: any(e.data["type"] == "receiver_offline" for e in events))
    assert state_of(hass, eid(hass, "binary_sensor", "SER-AD4D-connectivity")) == STATE_OFF

    member.set_channel(1, gain_db=2)
    member.set_online(True)
    await wait_for(hass, lambda: state_of(hass, gain) == "2")
    asleep.set_online(True)
    await wait_for(
        hass, lambda: state_of(hass, eid(hass, "sensor", "SER-OFF-1-gain")) == STATE_UNKNOWN
    )


async def test_device_read_later_gets_its_channels(hass: HomeAssistant, server: FakeHub) -> None:
    # Offline when the server was first read: no channels, nothing but identify known.
    late = server.add("SER-LATE", "AD4D", 0, frozenset({C.IDENTIFY}), online=False, notify=False)
    await setup_server(hass)
    assert has_entity(hass, "button", "SER-LATE-identify")
    assert not has_entity(hass, "sensor", "SER-LATE-1-gain")

    late.set_shape(2, RECEIVER_CAPABILITIES)
    late.set_online(True)
    await wait_for(hass, lambda: has_entity(hass, "sensor", "SER-LATE-2-gain"))
    gain = eid(hass, "sensor", "SER-LATE-2-gain")
    await wait_for(hass, lambda: state_of(hass, gain) == STATE_UNKNOWN)
    late.set_channel(2, gain_db=11)
    await wait_for(hass, lambda: state_of(hass, gain) == "11")
    assert state_of(hass, eid(hass, "button", "SER-LATE-identify")) != STATE_UNAVAILABLE
    assert late.listeners == 1  # the first client was let go


async def test_server_link_loss_and_recovery(hass: HomeAssistant, server: FakeHub) -> None:
    first = server.add("SER-A", notify=False)
    server.add("SER-B", notify=False)
    server.add("SER-OFF", online=False, notify=False)
    await setup_server(hass)
    link = eid(hass, "binary_sensor", f"{SERVER_KEY}-connectivity")
    gains = [eid(hass, "sensor", f"SER-{key}-1-gain") for key in ("A", "B")]
    first.set_channel(1, gain_db=6)
    await wait_for(hass, lambda: state_of(hass, gains[0]) == "6")
    events = async_capture_events(hass, EVENT_ALERT)

    server.set_link(False)
    await wait_for(hass, lambda: state_of(hass, link) == STATE_OFF)
    for gain in gains:
        assert state_of(hass, gain) == STATE_UNAVAILABLE
    await wait_for(hass, lambda: sum(e.data["type"] == "receiver_offline" for e in events) == 2)

    first.state.channel(1).gain_db = 8  # changed while the link was down
    server.set_link(True)
    await wait_for(hass, lambda: state_of(hass, link) == STATE_ON)
    await wait_for(hass, lambda: state_of(hass, gains[0]) == "8")
    assert state_of(hass, gains[1]) == STATE_UNKNOWN
    # A device the server reports offline stays unavailable.
    assert state_of(hass, eid(hass, "sensor", "SER-OFF-1-gain")) == STATE_UNAVAILABLE


async def test_battery_alert_on_a_battery_device(hass: HomeAssistant, server: FakeHub) -> None:
    pack = server.add("SER-PACK", "ADX1", 1, BATTERY_CAPABILITIES, notify=False)
    await setup_server(hass)
    events = async_capture_events(hass, EVENT_ALERT)
    pack.set_channel(1, battery_percent=60, battery_runtime_min=300)
    await hass.async_block_till_done()
    pack.set_channel(1, battery_percent=8, battery_runtime_min=20)
    await wait_for(hass, lambda: any(e.data["type"] == "battery_critical" for e in events))
    fired = next(e for e in events if e.data["type"] == "battery_critical")
    assert fired.data["device_id"] == device(hass, "SER-PACK-1").id
    assert fired.data["value"] == 8
    low = eid(hass, "binary_sensor", "SER-PACK-1-battery_low")
    await wait_for(hass, lambda: state_of(hass, low) == STATE_ON)


async def test_actions_identify_assign_and_rename(hass: HomeAssistant, server: FakeHub) -> None:
    member = server.add("SER-AD4D", name="Stage L", notify=False)
    await setup_server(hass)
    channel = device(hass, "SER-AD4D-2")

    await hass.services.async_call(
        DOMAIN, "identify", {"device_id": device(hass, "SER-AD4D").id}, blocking=True
    )
    assert member.identified == [None]
    await hass.services.async_call(
        "button", "press", {"entity_id": eid(hass, "button", "SER-AD4D-identify")}, blocking=True
    )
    assert member.identified == [None, None]

    await hass.services.async_call(
        DOMAIN, "assign_performer", {"device_id": channel.id, "performer": "Pastor"}, blocking=True
    )
    await hass.async_block_till_done()
    assignment = async_get_manager(hass).get("SER-AD4D", 2)
    assert assignment is not None
    assert assignment.performer == "Pastor"
    assert state_of(hass, eid(hass, "text", "SER-AD4D-2-performer")) == "Pastor"

    # A channel renamed at the device renames its Home Assistant device.
    member.set_channel(2, name="Lead Vox")
    await wait_for(hass, lambda: device(hass, "SER-AD4D-2").name == "Lead Vox")

    # An offline device refuses actions with a translated error.
    member.set_online(False)
    await hass.async_block_till_done()
    with pytest.raises(Exception, match="offline") as raised:
        await hass.services.async_call(
            DOMAIN, "identify", {"device_id": device(hass, "SER-AD4D").id}, blocking=True
        )
    assert getattr(raised.value, "translation_key", None) == "receiver_offline"


async def test_card_snapshot_includes_devices_behind_the_server(
    hass: HomeAssistant, server: FakeHub, hass_ws_client: Callable[..., Awaitable[Any]]
) -> None:
    member = server.add("SER-AD4D", name="Stage L", notify=False)
    member.state.channel(1).audio_activity = "good"
    entry = await setup_server(hass)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    snapshot = (await client.receive_json())["event"]
    assert snapshot["type"] == "snapshot"
    (rx,) = snapshot["receivers"]
    assert rx["entry_id"] == f"{entry.entry_id}/SER-AD4D"
    assert rx["name"] == "Stage L"
    assert rx["connected"] is True
    assert [c["channel"] for c in rx["channels"]] == [1, 2]
    assert rx["channels"][0]["audio_activity"] == "good"

    # Changes stream under the same id; a device added later comes with a new snapshot.
    member.set_channel(1, gain_db=9)
    message = (await client.receive_json())["event"]
    assert message == {
        "type": "channel",
        "entry_id": f"{entry.entry_id}/SER-AD4D",
        "channel": 1,
        "data": {"gain_db": 9},
    }
    server.add("SER-NEW", "ADTQ", 4)
    while (message := (await client.receive_json())["event"])["type"] != "snapshot":
        pass
    assert {r["entry_id"] for r in message["receivers"]} == {
        f"{entry.entry_id}/SER-AD4D",
        f"{entry.entry_id}/SER-NEW",
    }


async def test_venue_counts_devices_behind_the_server(hass: HomeAssistant, server: FakeHub) -> None:
    member = server.add("SER-AD4D", notify=False)
    await setup_server(hass)
    await hass.async_block_till_done()
    offline = "sensor.micboard_receivers_offline"
    await wait_for(hass, lambda: state_of(hass, offline) == "0")
    member.set_online(False)
    await wait_for(hass, lambda: state_of(hass, offline) == "1")
    server.add("SER-OFF", online=False)
    await wait_for(hass, lambda: state_of(hass, offline) == "2")


async def test_diagnostics_hold_no_secret(hass: HomeAssistant, server: FakeHub) -> None:
    server.add("SER-AD4D", serial="2EL15926803", notify=False)
    entry = await setup_server(hass)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = repr(diagnostics)
    assert SECRET not in text
    assert "2EL15926803" not in text
    assert diagnostics["connected"] is True
    assert len(diagnostics["devices"]) == 1
    assert diagnostics["devices"][0]["receiver"]["info"]["model"] == "AD4D"


async def test_server_not_answering_retries(hass: HomeAssistant, server: FakeHub) -> None:
    server.fail = DeviceConnectionError("refused")
    entry = server_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY

    server.fail = None
    server.add("SER-AD4D", notify=False)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert has_entity(hass, "sensor", "SER-AD4D-1-gain")


async def test_unload_stops_everything(hass: HomeAssistant, server: FakeHub) -> None:
    member = server.add("SER-AD4D", notify=False)
    entry = await setup_server(hass)
    assert member.listeners == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert member.listeners == 0
    assert server.disconnected
    assert all_coordinators(hass) == []
    # Devices listed while unloaded are not picked up by anything.
    server.add("SER-LATE")
    await hass.async_block_till_done()
    assert not has_entity(hass, "sensor", "SER-LATE-1-gain")


# --- A device behind the server that is also added directly -----------------


async def linked_devices(client: Any, device_id: str) -> set[str]:
    """What Home Assistant lists as linked to ``device_id``."""
    await client.send_json_auto_id(
        {"type": "config/device_registry/list_linked_devices", "device_id": device_id}
    )
    reply = await client.receive_json()
    assert reply["success"], reply
    return set(reply["result"]["linked_devices"])


async def test_device_added_directly_first_is_linked_by_address(
    hass: HomeAssistant,
    server: FakeHub,
    simulated: Callable[..., Awaitable[Any]],
    setup_receiver: Callable[..., Awaitable[MockConfigEntry]],
    hass_ws_client: Callable[..., Awaitable[Any]],
) -> None:
    assert await async_setup_component(hass, "config", {})
    sim = await simulated("ULXD4D")
    direct = await setup_receiver(sim)
    direct_key = direct.runtime_data.device_key
    server.add("SER-ULXD", "ULXD4D", 2, host="127.0.0.1", notify=False)
    server.add("SER-OTHER", "AD4D", 2, host="192.0.2.77", notify=False)
    entry = await setup_server(hass)
    client = await hass_ws_client(hass)

    mine = next(d for d in devices(hass, "SER-ULXD") if d.config_entry_id == entry.entry_id)
    theirs = direct.runtime_data.receiver_device_id
    assert (DOMAIN, direct_key) in mine.identifiers
    assert await linked_devices(client, mine.id) == {theirs}
    assert await linked_devices(client, theirs) == {mine.id}
    assert mine.via_device_id == device(hass, SERVER_KEY).id
    for number in (1, 2):
        member_channel = device(hass, f"SER-ULXD-{number}")
        direct_channel = direct.runtime_data.channel_device_ids[number]
        assert await linked_devices(client, member_channel.id) == {direct_channel}
    # The unrelated device is linked to nothing.
    assert await linked_devices(client, device(hass, "SER-OTHER").id) == set()

    # The direct entry keeps the performer; the card and the venue show the device once.
    assert not has_entity(hass, "text", "SER-ULXD-1-performer")
    assert has_entity(hass, "text", "SER-OTHER-1-performer")
    assert has_entity(hass, "sensor", "SER-ULXD-1-gain")
    await client.send_json_auto_id({"type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    snapshot = (await client.receive_json())["event"]
    assert {r["entry_id"] for r in snapshot["receivers"]} == {
        direct.entry_id,
        f"{entry.entry_id}/SER-OTHER",
    }

    # A performer assigned on the linked channel is the directly added channel's.
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": device(hass, "SER-ULXD-2").id, "performer": "Alto"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assignment = async_get_manager(hass).get(direct_key, 2)
    assert assignment is not None
    assert assignment.performer == "Alto"
    assert async_get_manager(hass).get("SER-ULXD", 2) is None


async def test_server_first_then_direct_entry_links_by_mac(
    hass: HomeAssistant,
    server: FakeHub,
    simulated: Callable[..., Awaitable[Any]],
    hass_ws_client: Callable[..., Awaitable[Any]],
) -> None:
    assert await async_setup_component(hass, "config", {})
    sim = await simulated("ULXD4D", mac="00:0E:DD:AA:BB:42")
    server.add("SER-ULXD", "ULXD4D", 2, mac="00:0e:dd:aa:bb:42", notify=False)
    await setup_server(hass)
    mine = device(hass, "SER-ULXD")
    assert has_entity(hass, "text", "SER-ULXD-1-performer")  # not linked yet

    direct = entry_for(sim, mac="00:0E:DD:AA:BB:42")  # the MAC the flow found
    direct.add_to_hass(hass)
    await hass.config_entries.async_setup(direct.entry_id)
    await hass.async_block_till_done()
    assert direct.runtime_data.receiver.info.mac is not None
    direct_key = direct.runtime_data.device_key
    await wait_for(hass, lambda: (DOMAIN, direct_key) in device(hass, "SER-ULXD").identifiers)
    client = await hass_ws_client(hass)
    assert await linked_devices(client, mine.id) == {direct.runtime_data.receiver_device_id}
    assert await linked_devices(client, device(hass, "SER-ULXD-2").id) == {
        direct.runtime_data.channel_device_ids[2]
    }


async def test_two_direct_entries_at_the_address_link_nothing(
    hass: HomeAssistant,
    server: FakeHub,
    simulated: Callable[..., Awaitable[Any]],
    setup_receiver: Callable[..., Awaitable[MockConfigEntry]],
) -> None:
    # Two receivers of the member's model at the address (two ports): which one is unknown.
    first = await setup_receiver(await simulated("ULXD4D"))
    second = await setup_receiver(await simulated("ULXD4D", mac="00:0E:DD:AA:BB:43"))
    server.add("SER-ULXD", "ULXD4D", 2, host="127.0.0.1", notify=False)
    await setup_server(hass)
    identifiers = device(hass, "SER-ULXD").identifiers
    for direct in (first, second):
        assert (DOMAIN, direct.runtime_data.device_key) not in identifiers
    assert has_entity(hass, "text", "SER-ULXD-1-performer")


async def test_another_model_alone_at_the_address_links_nothing(
    hass: HomeAssistant,
    server: FakeHub,
    simulated: Callable[..., Awaitable[Any]],
    setup_receiver: Callable[..., Awaitable[MockConfigEntry]],
) -> None:
    """While Home Assistant starts, the one direct entry loaded so far may be another device."""
    charger_like = await setup_receiver(await simulated("QLXD4"))
    server.add("SER-AD4Q", "AD4Q", 4, host="127.0.0.1", notify=False)
    await setup_server(hass)
    assert (DOMAIN, charger_like.runtime_data.device_key) not in device(
        hass, "SER-AD4Q"
    ).identifiers
    assert has_entity(hass, "text", "SER-AD4Q-1-performer")


async def test_devices_sharing_an_address_link_nothing(
    hass: HomeAssistant,
    server: FakeHub,
    simulated: Callable[..., Awaitable[Any]],
    setup_receiver: Callable[..., Awaitable[MockConfigEntry]],
) -> None:
    # A charger and the pack docked in it share the charger's address.
    direct = await setup_receiver(await simulated("ULXD4D"))
    server.add("SER-CHARGER", "SBRC", 0, frozenset({C.IDENTIFY}), host="127.0.0.1", notify=False)
    server.add("SER-PACK", "ULXD6", 1, BATTERY_CAPABILITIES, host="127.0.0.1", notify=False)
    await setup_server(hass)
    for key in ("SER-CHARGER", "SER-PACK"):
        assert (DOMAIN, direct.runtime_data.device_key) not in device(hass, key).identifiers


async def test_device_triggers_of_devices_behind_the_server(
    hass: HomeAssistant, server: FakeHub
) -> None:
    member = server.add("SER-AD4D", notify=False)
    await setup_server(hass)
    receiver = await async_get_triggers(hass, device(hass, "SER-AD4D").id)
    assert {t["type"] for t in receiver} == set(RECEIVER_TRIGGERS)
    channel = await async_get_triggers(hass, device(hass, "SER-AD4D-1").id)
    assert {t["type"] for t in channel} == set(CHANNEL_TRIGGERS)
    assert await async_get_triggers(hass, device(hass, SERVER_KEY).id) == []

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
                            "device_id": device(hass, "SER-AD4D").id,
                            "type": "receiver_offline",
                        }
                    ],
                    "actions": [{"action": "test.automation"}],
                }
            ]
        },
    )
    member.set_online(False)
    await wait_for(hass, lambda: len(calls) == 1)


async def test_refused_key_stops_setup(hass: HomeAssistant, server: FakeHub) -> None:
    server.fail = AuthenticationError()
    entry = server_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR  # no retrying with a refused key
    assert server.disconnected
