"""Subscriptions: SSE stream, session resources, change-only pushes, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from simulator.sennheiser_v2 import DEFAULT_CONTROL_PASSWORD, SUBSCRIPTIONS, Ssc2Device

from .conftest import Api, DeviceFactory


async def test_open_event_and_content_location(api: Api) -> None:
    stream = await api.stream()
    try:
        assert stream.status == 200
        assert stream.response.content_type == "text/event-stream"
        assert stream.location == f"{SUBSCRIPTIONS}/{stream.uuid}"
        assert stream.response.headers["Content-Location"] == stream.location
        assert (
            stream.raw[0]
            == (
                f'event:open\ndata:{{"path":"{stream.location}","sessionUUID":"{stream.uuid}"}}\n\n'
            ).encode()
        )
    finally:
        stream.close()


async def test_add_pushes_current_values_then_changes_only(api: Api) -> None:
    stream = await api.stream()
    try:
        paths = ["/api/channel/0/level", "/api/transmitters/0/battery", "/api/channel/1"]
        assert await api.put(f"{stream.location}/add", paths) == (200, None)
        first = await stream.data()
        assert set(first) == set(paths)
        assert first["/api/transmitters/0/battery"] == {
            "type": "Battery",
            "lifetime": 420,
            "gauge": 80,
        }
        assert await api.get(stream.location) == (200, paths)
        assert await stream.silent(1.0)  # nothing periodic
        api.device.set_audio(1, -12.0)
        assert await stream.data() == {"/api/channel/0/level": {"value": -12.0}}
        api.device.set_audio(1, -12.0)  # same value: no push
        api.device.set_audio(2, -3.0)  # not subscribed: no push
        assert await stream.silent(0.5)
        assert await api.put("/api/channel/1", {"mute": True}) == (200, None)
        pushed = await stream.data()
        assert pushed["/api/channel/1"]["mute"] is True
        assert stream.raw[-1].startswith(b'data:{"/api/channel/1":')  # no space after data:
    finally:
        stream.close()


async def test_remove_replace_and_bad_paths(api: Api) -> None:
    stream = await api.stream()
    try:
        base = stream.location
        await api.put(f"{base}/add", ["/api/channel/0/level", "/api/channel/0/warnings"])
        await stream.data()
        assert await api.put(f"{base}/remove", ["/api/channel/0/level"]) == (200, None)
        api.device.set_audio(1, -30.0)
        assert await stream.silent(0.5)
        assert await api.put(f"{base}/add", ["/api/device/site", "/api/nope"]) == (
            400,
            {"path": "/api/nope", "error": 404},
        )
        assert await api.get(base) == (200, ["/api/channel/0/warnings"])  # nothing half-added
        for bad in ("/api/channel/7/level", "/api/ssc/version", "/api/rf/channels/0/frequency"):
            assert await api.put(f"{base}/add", [bad]) == (400, {"path": bad, "error": 404})
        assert (await api.put(f"{base}/add", {"path": "/api/device/site"}))[0] == 400
        assert (await api.put(f"{base}/add", [1, 2]))[0] == 400
        assert await api.put(base, ["/api/device/site"]) == (200, None)  # replace
        assert (await stream.data()) == {"/api/device/site": api.device.site()}
        assert await api.get(base) == (200, ["/api/device/site"])
        api.device.set_interference(1, True)
        assert await stream.silent(0.5)
        api.device.set_device_id("Renamed")
        assert (await stream.data())["/api/device/site"]["deviceName"] == "Renamed"
    finally:
        stream.close()


async def test_delete_ends_the_stream_and_unknown_sessions_get_422(api: Api) -> None:
    stream = await api.stream()
    base = stream.location
    status, _, _ = await api.request("DELETE", base)
    assert status == 200
    event, data = await stream.next()
    assert (event, data) == ("close", {"path": base, "sessionUUID": stream.uuid})
    assert await stream.ended()
    for method, path, body in (
        ("GET", base, None),
        ("PUT", base, []),
        ("PUT", f"{base}/add", ["/api/device/site"]),
        ("DELETE", base, None),
        ("GET", f"{SUBSCRIPTIONS}/not-a-session", None),
    ):
        status, _, _ = await api.request(method, path, body)
        assert status == 422, (method, path)
    status, _, _ = await api.request("POST", f"{base}/add", [])
    assert status == 405


async def test_session_limit_per_user_and_lingering_sessions(
    ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]
) -> None:
    device = await ssc2(max_sessions=2, session_linger=0.6)
    api = client(device)
    first, second = await api.stream(), await api.stream()
    third = await api.stream()
    assert (first.status, second.status, third.status) == (200, 200, 429)
    other = await api.stream("controlSennheiser", DEFAULT_CONTROL_PASSWORD)
    assert other.status == 200  # the limit is per user
    status, _, _ = await api.request("GET", other.location)
    assert status == 422  # another user's session
    first.close()
    await asyncio.sleep(0.2)
    # The closed stream's session still counts and can be changed or deleted ...
    refused = await api.stream()
    assert refused.status == 429
    refused.close()
    assert (await api.put(f"{first.location}/add", ["/api/device/state"]))[0] == 200
    # ... until it lingers out.
    await asyncio.sleep(1.0)
    assert (await api.get(first.location))[0] == 422
    fourth = await api.stream()
    assert fourth.status == 200
    status, _, _ = await api.request("DELETE", second.location)
    assert status == 200
    fifth = await api.stream()
    assert fifth.status == 200
    for stream in (second, third, other, fourth, fifth):
        stream.close()


async def test_transmitter_resources_follow_presence(api: Api) -> None:
    stream = await api.stream()
    try:
        await api.put(
            f"{stream.location}/add",
            ["/api/transmitters", "/api/transmitters/1/battery", "/api/channel/1"],
        )
        first = await stream.data()
        assert set(first) == {
            "/api/transmitters",
            "/api/transmitters/0",
            "/api/transmitters/1",
            "/api/transmitters/1/battery",
            "/api/channel/1",
        }
        api.device.set_transmitter(2, False)
        gone = await stream.data()
        # Battery and transmitter are absent (422): nothing is pushed for them.
        assert set(gone) == {"/api/transmitters", "/api/channel/1"}
        assert [entry["id"] for entry in gone["/api/transmitters"]] == [0]
        assert gone["/api/channel/1"]["mates"] == []
        api.device.set_battery(2, percent=50)
        assert await stream.silent(0.5)
        api.device.set_transmitter(2, True)
        back = await stream.data()
        assert back["/api/transmitters/1/battery"]["gauge"] == 50
        assert set(back) == {
            "/api/transmitters",
            "/api/transmitters/1",
            "/api/transmitters/1/battery",
            "/api/channel/1",
        }
        api.device.set_tx_mute(1, True)
        assert await stream.data() == {
            "/api/transmitters/0": api.device.resources.transmitter(api.device.channel(1))
        }
    finally:
        stream.close()


async def test_adding_an_absent_transmitter_is_allowed(api: Api) -> None:
    api.device.set_transmitter(1, False)
    stream = await api.stream()
    try:
        assert (await api.put(f"{stream.location}/add", ["/api/transmitters/0/battery"]))[0] == 200
        assert await stream.silent(0.5)
        api.device.set_transmitter(1, True)
        assert await stream.data() == {
            "/api/transmitters/0/battery": {"type": "Battery", "lifetime": 420, "gauge": 80}
        }
    finally:
        stream.close()


async def test_spectera_collection_pushes_mobile_devices_by_path(
    ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]
) -> None:
    device = await ssc2("SPECTERA-BASE")
    api = client(device)
    stream = await api.stream()
    try:
        await api.put(f"{stream.location}/add", ["/api/mts/paired/all"])
        first = await stream.data()
        uids = [c.mt_uid for c in device.channels]
        assert set(first) == {"/api/mts/paired/all", *(f"/api/mts/paired/all/{u}" for u in uids)}
        device.set_battery(2, percent=9)
        changed = await stream.data()
        assert list(changed) == [f"/api/mts/paired/all/{uids[1]}"]
        assert changed[f"/api/mts/paired/all/{uids[1]}"]["batteryLow"] is True
    finally:
        stream.close()


async def test_live_metering_pushes_meter_changes(api: Api) -> None:
    stream = await api.stream()
    try:
        await api.put(
            f"{stream.location}/add",
            ["/api/channel/0/signalStrengthIndicator", "/api/channel/0/level"],
        )
        await stream.data()
        api.device.start_live(seed=3)
        pushed = await stream.data(timeout=3.0)
        assert set(pushed) <= {"/api/channel/0/signalStrengthIndicator", "/api/channel/0/level"}
        assert pushed
        api.device.stop_live()
    finally:
        stream.close()


async def test_push_on_add_off_and_format_options(
    ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]
) -> None:
    device = await ssc2(push_on_add=False, sse_data_space=True, bare_content_location=True)
    api = client(device)
    stream = await api.stream()
    try:
        assert stream.response.headers["Content-Location"] == stream.uuid
        assert stream.raw[0].startswith(b"event:open\ndata: {")
        await api.put(f"{stream.location}/add", ["/api/channel/0/level"])
        assert await stream.silent(0.5)
        device.set_audio(1, -7.0)
        assert await stream.data() == {"/api/channel/0/level": {"value": -7.0}}
        assert stream.raw[-1].startswith(b"data: {")
    finally:
        stream.close()


async def test_hung_device_pushes_nothing_until_it_recovers(api: Api) -> None:
    stream = await api.stream()
    try:
        await api.put(f"{stream.location}/add", ["/api/channel/0/level"])
        await stream.data()
        api.device.set_hung(True)
        api.device.set_audio(1, -20.0)
        assert await stream.silent(0.5)
        api.device.set_hung(False)
        assert await stream.data() == {"/api/channel/0/level": {"value": -20.0}}
    finally:
        stream.close()


async def test_emit_raw_writes_into_streams(api: Api) -> None:
    stream = await api.stream()
    try:
        api.device.emit_raw(b"data:{not json\n\n")
        assert await stream.next_raw() == b"data:{not json\n\n"
    finally:
        stream.close()
