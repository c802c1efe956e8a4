"""WebSocket: transportId, subscriptions, events, reconnects and link loss."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from custom_components.micboard.devices import CertificateChangedError, DeviceError, Update
from custom_components.micboard.devices.models import BatteryRuntimeStatus

from .conftest import FAST, ServerFactory
from .fake import Device, FakeSystemApi, resource, wait_for


async def test_subscriptions_follow_each_devices_capabilities(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    tid = server.transport_id
    assert tid is not None
    assert tid in fake.transports
    subscribed = fake.subscribed[tid]
    assert ("devices",) in subscribed
    adtq = fake.devices["dev-adtq"]
    assert {resource("dev-adtq", "name"), resource("dev-adtq", "identify")} <= subscribed
    assert resource("dev-adtq", "audio-mute") not in subscribed
    for channel in adtq.channels:
        for what in ("gain", "name", "activity"):
            assert resource("dev-adtq", "audio-channels", channel.id, what) in subscribed
        assert resource("dev-adtq", "audio-channels", channel.id, "mute") not in subscribed
    for channel in fake.devices["dev-anx4"].channels:
        assert resource("dev-anx4", "audio-channels", channel.id, "mute") in subscribed
    assert {
        resource("dev-ulxd6", "battery-level"),
        resource("dev-ulxd6", "battery-health"),
        resource("dev-ulxd6", "audio-mute"),
    } <= subscribed
    # Every registration is a bodyless POST without Content-Type.
    posts = [s for s in fake.seen if "/subscription/" in s.raw_path]
    assert posts
    assert all(s.method == "POST" and s.status == 204 for s in posts)
    assert all("Content-Type" not in s.headers and not s.body for s in posts)


async def test_envelope_events_are_applied(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    anx = server.receivers["dev-anx4"]
    ulx = server.receivers["ULX6001"]
    updates: list[Update] = []
    adtq.subscribe(updates.append)
    ch3 = fake.devices["dev-adtq"].channels[3].id  # index 1: our channel 2
    anx_ch2 = fake.devices["dev-anx4"].channels[1].id

    channel_res = ("dev-adtq", "audio-channels", ch3)
    assert await fake.push(
        "dev-adtq", "AUDIO_CHANNEL_GAIN", {"gain": 7}, resource(*channel_res, "gain"), ch3
    )
    await fake.push(
        "dev-adtq",
        "AUDIO_CHANNEL_ACTIVITY",
        {"audioLevel": "CLIPPING"},
        resource(*channel_res, "activity"),
        ch3,
    )
    await fake.push(
        "dev-adtq", "AUDIO_CHANNEL_NAME", {"name": "Drums"}, resource(*channel_res, "name"), ch3
    )
    await fake.push("dev-adtq", "DEVICE_NAME", {"name": "Rack B"}, resource("dev-adtq", "name"))
    await fake.push(
        "dev-anx4",
        "AUDIO_CHANNEL_MUTE",
        {"muted": False},
        resource("dev-anx4", "audio-channels", anx_ch2, "mute"),
        anx_ch2,
    )
    await fake.push(
        "dev-ulxd6",
        "DEVICE_BATTERY_LEVEL",
        {
            "percentage": 40,
            "status": {
                "currentState": "CHARGING",
                "targetState": "FULL",
                "timeToTargetState": "PT1H5M",
            },
        },
        resource("dev-ulxd6", "battery-level"),
    )
    await fake.push(
        "dev-ulxd6",
        "DEVICE_BATTERY_HEALTH",
        {"percentage": 90, "cycleCount": 43},
        resource("dev-ulxd6", "battery-health"),
    )
    await wait_for(lambda: ulx.state.channels[1].battery_cycles == 43)
    channel = adtq.state.channels[2]
    assert (channel.gain_db, channel.audio_activity, channel.name) == (7, "clipping", "Drums")
    assert adtq.state.device_id == "Rack B"
    assert anx.state.channels[2].muted is False
    battery = ulx.state.channels[1]
    assert battery.battery_percent == 40
    assert battery.battery_charging is True
    assert battery.time_to_full_min == 65
    assert battery.battery_runtime_min is None
    assert battery.battery_health_percent == 90
    assert Update(2, frozenset({"gain_db"})) in updates
    assert Update(None, frozenset({"device_id"})) in updates

    await fake.push(
        "dev-ulxd6",
        "DEVICE_BATTERY_LEVEL",
        {"percentage": 41, "status": {"currentState": "CALCULATING", "targetState": None}},
        resource("dev-ulxd6", "battery-level"),
    )
    await wait_for(lambda: ulx.state.channels[1].battery_percent == 41)
    assert battery.battery_runtime_status is BatteryRuntimeStatus.CALCULATING
    assert battery.time_to_full_min is None
    assert battery.battery_charging is False


async def test_offline_and_online_at_the_server(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    seen: list[bool] = []
    adtq.subscribe_connection(seen.append)
    others: list[bool] = []
    server.receivers["ULX6001"].subscribe_connection(others.append)

    await fake.set_state("dev-adtq", "OFFLINE")
    await wait_for(lambda: seen == [False])
    assert not adtq.connected
    assert adtq.state.connected is False
    assert server.connected
    assert server.receivers["ULX6001"].connected

    fake.devices["dev-adtq"].channels[0].name = "Back"
    await fake.set_state("dev-adtq", "ONLINE")
    await wait_for(lambda: seen == [False, True])
    # Coming back, the device is read again.
    await wait_for(lambda: adtq.state.channels[3].name == "Back")
    assert others == []


async def test_devices_added_and_removed_at_the_server(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    changes: list[None] = []
    server.subscribe_inventory(lambda: changes.append(None))
    gone: list[bool] = []
    server.receivers["ADTQ001"].subscribe_connection(gone.append)

    fake.devices["dev-new"] = Device(
        "dev-new",
        "SBRC01",
        "SBRC",
        ["name", "battery-level"],
        name="Charger",
        battery={"percentage": 100, "status": {"currentState": "FULL", "targetState": None}},
    )
    await fake.set_state("dev-new", "ONLINE")
    await wait_for(lambda: "SBRC01" in server.receivers and changes)
    charger = server.receivers["SBRC01"]
    await wait_for(lambda: charger.state.device_id == "Charger")
    assert charger.state.channels[1].battery_percent == 100
    assert charger.connected
    tid = server.transport_id
    assert tid is not None
    await wait_for(lambda: resource("dev-new", "battery-level") in fake.subscribed[tid])

    del fake.devices["dev-adtq"]
    await fake.push("dev-adtq", "DEVICE_STATE_CHANGE", {}, ("devices",))
    await wait_for(lambda: "ADTQ001" not in server.receivers)
    assert len(changes) == 2
    assert gone == [False]


async def test_the_inventory_is_read_again_without_events(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server(timing=replace(FAST, inventory_interval=0.2))
    fake.devices["dev-quiet"] = Device("dev-quiet", None, "ADXR", ["name"], name="Quiet")
    await wait_for(lambda: "dev-quiet" in server.receivers)
    await wait_for(lambda: server.receivers["dev-quiet"].state.device_id == "Quiet")
    # Capabilities are not pushed: a changed list is noticed and subscribed.
    fake.devices["dev-quiet"].caps.append("identify")
    tid = server.transport_id
    assert tid is not None
    await wait_for(lambda: resource("dev-quiet", "identify") in fake.subscribed[tid])


async def test_a_new_socket_registers_everything_again(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    first = server.transport_id
    assert first is not None
    count = len(fake.subscribed[first])
    states: list[bool] = []
    server.subscribe_connection(states.append)

    await fake.drop_sockets()
    await wait_for(lambda: states == [False, True])
    second = server.transport_id
    assert second not in (None, first)
    assert second is not None
    assert fake.subscribed[second] == fake.subscribed[first]
    assert len(fake.subscribed[second]) == count
    ch = fake.devices["dev-adtq"].channels[1].id  # index 0: our channel 1
    await fake.push(
        "dev-adtq",
        "AUDIO_CHANNEL_GAIN",
        {"gain": 12},
        resource("dev-adtq", "audio-channels", ch, "gain"),
        ch,
    )
    await wait_for(lambda: server.receivers["ADTQ001"].state.channels[1].gain_db == 12)


async def test_link_loss_makes_every_device_unavailable_then_recovers(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    devices = list(server.receivers.values())
    seen: dict[str, list[bool]] = {d.info.model: [] for d in devices}
    for device in devices:
        device.subscribe_connection(seen[device.info.model].append)

    await fake.stop()
    await wait_for(lambda: not any(d.connected for d in devices))
    assert all(states == [False] for states in seen.values())
    await asyncio.sleep(0.3)  # a few failed attempts
    await fake.start()
    await wait_for(lambda: all(d.connected for d in devices))
    assert all(states == [False, True] for states in seen.values())


async def test_a_silent_server_counts_as_lost_within_the_heartbeat(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    fake.answer_pings = False
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    loop = asyncio.get_running_loop()
    start = loop.time()
    await wait_for(lambda: not adtq.connected, timeout=5)
    # Heartbeat 0.4 s: lost after ~0.6 s (9 s with the default 6 s heartbeat, within 15 s).
    assert loop.time() - start < 3


async def test_a_changed_certificate_stops_the_link(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    problems: list[DeviceError | None] = []
    server.subscribe_problem(problems.append)
    device_problems: list[DeviceError | None] = []
    server.receivers["ADTQ001"].subscribe_problem(device_problems.append)
    old = fake.cert.fingerprint

    await fake.stop()
    from simulator.tls import self_signed

    fake.cert = self_signed("Replaced")
    await fake.start()
    await wait_for(lambda: bool(problems))
    err = problems[0]
    assert isinstance(err, CertificateChangedError)
    assert (err.expected, err.actual) == (old, fake.cert.fingerprint)
    assert isinstance(device_problems[0], CertificateChangedError)
    await asyncio.sleep(0.3)
    assert not server.connected
    assert len(problems) == 1  # reported once, not on every attempt
    # No request reached the impostor.
    assert not [s for s in fake.seen if s.raw_path.endswith("websocket/create")][1:]
