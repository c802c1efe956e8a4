"""The REST side of the simulated System API server against the protocol notes (§1, §2)."""

from __future__ import annotations

import asyncio
import base64
import json

import aiohttp
import pytest

from custom_components.micboard.devices.tls import pinned
from simulator.systemapi import (
    ApiChannel,
    SystemApiServer,
    create_api_device,
    device_id_for_mac,
    iso_minutes,
)

from .conftest import Api, device_id, seg

# ---------------------------------------------------------------------- auth and quirks


async def test_missing_or_wrong_key_gets_the_401_problem_object(api: Api) -> None:
    api.key = None
    status, body = await api.get("devices")
    assert status == 401
    assert body["title"] == "Request Unauthorized."
    assert body["status"] == 401
    assert set(body) == {"type", "title", "status", "detail", "instance", "traceId"}
    api.key = "wrong"
    for path in ("devices", f"devices/{device_id(api.server, 'AD4Q')}/name"):
        status, body = await api.get(path)
        assert (status, body["title"]) == (401, "Request Unauthorized.")
    assert not api.server.requests  # refused before anything is looked at


async def test_key_change_locks_out_the_old_key(api: Api) -> None:
    assert (await api.get("devices"))[0] == 200
    new = api.server.set_api_key("rotated")
    assert new == "rotated"
    assert (await api.get("devices"))[0] == 401
    api.key = "rotated"
    assert (await api.get("devices"))[0] == 200
    assert len(api.server.set_api_key()) >= 32  # a random one


async def test_json_content_type_on_an_empty_body_is_rejected(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    status, body = await api.call(
        "POST", f"devices/{dev}/identify/start", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert body["title"].startswith("Body cannot be empty")
    assert api.server.device(dev).identifying is False
    assert (await api.call("POST", f"devices/{dev}/identify/start")) == (204, None)
    assert api.server.device(dev).identifying is True
    # A GET with the header is answered normally.
    status, _ = await api.get(f"devices/{dev}/name", headers={"Content-Type": "application/json"})
    assert status == 200


async def test_unknown_paths_and_methods(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    assert (await api.get("nothing"))[0] == 404
    assert (await api.get("devices/00000000-0000-11dd-a000-000000000000"))[0] == 404
    assert (await api.get(f"devices/{dev}/frequency"))[0] == 404
    status, body = await api.call("DELETE", f"devices/{dev}/name")
    assert (status, body["title"]) == (405, "Method Not Allowed.")
    assert (await api.call("PATCH", "devices", {"x": 1}))[0] == 405
    async with api.session.get(
        f"{api.server.url}/other", ssl=pinned(api.server.fingerprint)
    ) as resp:
        assert resp.status == 404


async def test_plain_http_and_unpinned_tls_fail(api: Api) -> None:
    with pytest.raises(aiohttp.ClientError):
        async with api.session.get(api.url("devices").replace("https", "http")) as resp:
            await resp.read()
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        async with api.session.get(api.url("devices")) as resp:  # default verification
            await resp.read()


# ---------------------------------------------------------------------- inventory


async def test_default_inventory_is_relay_style_with_every_device(api: Api) -> None:
    body = await api.ok("devices")
    assert set(body) == {"pageInfo", "edges"}
    info = body["pageInfo"]
    assert info["hasNextPage"] is False
    assert info["hasPreviousPage"] is False
    nodes = [edge["node"] for edge in body["edges"]]
    assert [n["softwareIdentity"]["model"] for n in nodes] == [
        "AD4Q",
        "ANX4",
        "MXWAPT4",
        "MXW2",
        "SBRC",
        "ULXD6",
    ]
    assert info["startCursor"] == body["edges"][0]["cursor"]
    assert info["endCursor"] == body["edges"][-1]["cursor"]
    node = nodes[0]
    assert set(node) == {
        "hardwareIdentity",
        "softwareIdentity",
        "deviceState",
        "compatibility",
        "communicationProtocol",
        "capabilities",
    }
    assert node["deviceState"] == "ONLINE"
    assert node["communicationProtocol"] == {"name": "ESTA.DMP", "address": "127.0.0.11"}
    assert node["hardwareIdentity"]["serialNumber"].startswith("2EL")
    assert {"identify", "name", "reboot", "audio-channels"} <= set(node["capabilities"])
    assert "audio-mute" not in node["capabilities"]
    by_model = {n["softwareIdentity"]["model"]: n for n in nodes}
    assert {"battery-level", "battery-health"} <= set(by_model["ULXD6"]["capabilities"])
    assert "audio-channels" not in by_model["SBRC"]["capabilities"]
    assert "audio-mute" in by_model["MXWAPT4"]["capabilities"]
    # The device id embeds the MAC (as the ACN component id does).
    device = api.server.device("AD4Q")
    assert node["hardwareIdentity"]["deviceId"] == device_id_for_mac(device.mac)
    assert device_id_for_mac("00:0E:DD:55:EC:36") == "dd55ec36-0000-11dd-a000-000edd55ec36"


async def test_paging_with_first_and_after(api: Api) -> None:
    ids: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        params = {"first": "4"} if after is None else {"first": "4", "after": after}
        status, body = await api.get("devices", params=params)
        assert status == 200
        pages += 1
        ids += [e["node"]["hardwareIdentity"]["deviceId"] for e in body["edges"]]
        assert body["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert pages == 2
    assert ids == [d.device_id for d in api.server.devices]
    status, body = await api.get("devices", params={"first": "0"})
    assert body["edges"] == []
    assert body["pageInfo"]["startCursor"] is None
    assert body["pageInfo"]["hasNextPage"] is True


async def test_page_size_option_caps_pages(api: Api) -> None:
    api.server.set_options(page_size=2)
    body = await api.ok("devices")
    assert len(body["edges"]) == 2
    assert body["pageInfo"]["hasNextPage"] is True
    status, body = await api.get("devices", params={"first": "10"})
    assert len(body["edges"]) == 2
    seen = 2
    while body["pageInfo"]["hasNextPage"]:
        status, body = await api.get("devices", params={"after": body["pageInfo"]["endCursor"]})
        assert status == 200
        seen += len(body["edges"])
    assert seen == 6


async def test_bad_paging_parameters(api: Api) -> None:
    status, body = await api.get("devices", params={"after": "bm9wZQ=="})
    assert (status, body["title"]) == (400, "Invalid cursor.")
    status, _ = await api.get("devices", params={"first": "-1"})
    assert status == 400
    status, _ = await api.get("devices", params={"first": "two"})
    assert status == 400


@pytest.mark.parametrize("shape", ["array", "items"])
async def test_other_inventory_shapes(api: Api, shape: str) -> None:
    api.server.set_options(shape=shape, page_size=2)  # page size only applies to relay pages
    body = await api.ok("devices")
    nodes = body if shape == "array" else body["items"]
    if shape == "items":
        assert set(body) == {"items"}
    assert isinstance(nodes, list)
    assert len(nodes) == 6
    assert nodes[0]["softwareIdentity"]["model"] == "AD4Q"


async def test_bad_options_change_nothing(server: SystemApiServer) -> None:
    with pytest.raises(ValueError, match="shape"):
        server.set_options(page_size=3, shape="graph")
    assert (server.shape, server.page_size) == ("relay", 0)
    with pytest.raises(ValueError, match="unknown option"):
        server.set_options(colour="red")
    with pytest.raises(ValueError):
        server.set_options(activity_interval=-1)
    with pytest.raises(ValueError):
        SystemApiServer(shape="tree")


async def test_discovered_and_offline_devices(api: Api) -> None:
    dev = device_id(api.server, "ANX4")
    api.server.set_state(dev, "DISCOVERED")
    node = await api.ok(f"devices/{dev}")
    assert node["deviceState"] == "DISCOVERED"
    assert node["capabilities"] == []
    assert "serialNumber" not in node["hardwareIdentity"]
    assert await api.ok(f"devices/{dev}/capabilities") == []
    status, body = await api.get(f"devices/{dev}/name")
    assert (status, body["title"]) == (405, "Capability not supported.")
    api.server.set_state(dev, "OFFLINE")
    node = await api.ok(f"devices/{dev}")
    assert node["deviceState"] == "OFFLINE"
    assert "name" in node["capabilities"]
    status, body = await api.get(f"devices/{dev}/name")
    assert status == 503
    assert "OFFLINE" in body["detail"]
    api.server.set_online(dev, True)
    assert await api.ok(f"devices/{dev}/name") == {"name": "Lectern ANX4"}


# ---------------------------------------------------------------------- device endpoints


async def test_device_node_capabilities_and_name(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    node = await api.ok(f"devices/{dev}")
    assert node["softwareIdentity"]["model"] == "AD4Q"
    assert await api.ok(f"devices/{dev}/capabilities") == node["capabilities"]
    assert await api.ok(f"devices/{dev}/name") == {"name": "AD4Q Rack"}
    assert await api.call("PATCH", f"devices/{dev}/name", {"name": "Rack B"}) == (204, None)
    assert await api.ok(f"devices/{dev}/name") == {"name": "Rack B"}
    for bad in ({"name": ""}, {"name": "x" * 32}, {"name": 5}, {"label": "x"}, ["x"]):
        status, body = await api.call("PATCH", f"devices/{dev}/name", bad)
        assert status == 400, bad
    status, body = await api.call(
        "PATCH",
        f"devices/{dev}/name",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert (status, body["title"]) == (400, "Invalid JSON.")
    status, body = await api.call("PATCH", f"devices/{dev}/name")
    assert (status, body["title"]) == (400, "Body cannot be empty.")
    assert await api.ok(f"devices/{dev}/name") == {"name": "Rack B"}


async def test_identify_start_stop_and_timeout(api: Api) -> None:
    dev = device_id(api.server, "SBRC")
    assert await api.ok(f"devices/{dev}/identify") == {"identifying": False}
    assert (await api.call("POST", f"devices/{dev}/identify/start"))[0] == 204
    assert await api.ok(f"devices/{dev}/identify") == {"identifying": True}
    assert (await api.call("POST", f"devices/{dev}/identify/stop"))[0] == 204
    assert await api.ok(f"devices/{dev}/identify") == {"identifying": False}
    assert (await api.get(f"devices/{dev}/identify/start"))[0] == 405
    api.server.identify_seconds = 0.1
    assert (await api.call("POST", f"devices/{dev}/identify/start"))[0] == 204
    await asyncio.sleep(0.4)
    assert await api.ok(f"devices/{dev}/identify") == {"identifying": False}


async def test_device_mute_only_where_offered(api: Api) -> None:
    ap = device_id(api.server, "MXWAPT4")
    assert await api.ok(f"devices/{ap}/audio-mute") == {"muted": False}
    assert (await api.call("PATCH", f"devices/{ap}/audio-mute", {"muted": True}))[0] == 204
    assert await api.ok(f"devices/{ap}/audio-mute") == {"muted": True}
    assert (await api.call("PATCH", f"devices/{ap}/audio-mute", {"muted": "yes"}))[0] == 400
    status, body = await api.get(f"devices/{device_id(api.server, 'AD4Q')}/audio-mute")
    assert (status, body["title"]) == (405, "Capability not supported.")
    with pytest.raises(ValueError, match="no device mute"):
        api.server.set_device_mute("AD4Q", True)


async def test_battery_level_and_health(api: Api) -> None:
    hh = device_id(api.server, "MXW2")
    assert await api.ok(f"devices/{hh}/battery-level") == {
        "percentage": 87,
        "status": {
            "currentState": "DISCHARGING",
            "targetState": "EMPTY",
            "timeToTargetState": "PT385M",
        },
    }
    assert await api.ok(f"devices/{hh}/battery-health") == {"percentage": 96, "cycleCount": 42}
    pack = device_id(api.server, "ULXD6")
    level = await api.ok(f"devices/{pack}/battery-level")
    assert level["status"] == {
        "currentState": "CHARGING",
        "targetState": "FULL",
        "timeToTargetState": "PT95M",
    }
    api.server.set_battery(pack, percent=100)
    level = await api.ok(f"devices/{pack}/battery-level")
    assert level == {
        "percentage": 100,
        "status": {"currentState": "FULL", "targetState": None, "timeToTargetState": None},
    }
    api.server.set_battery(pack, percent=40, calculating=True)
    level = await api.ok(f"devices/{pack}/battery-level")
    assert level["status"] == {
        "currentState": "CALCULATING",
        "targetState": None,
        "timeToTargetState": None,
    }
    api.server.set_battery(hh, percent=0, charging=False)
    level = await api.ok(f"devices/{hh}/battery-level")
    assert level["status"]["currentState"] == "EMPTY"
    assert level["status"]["timeToTargetState"] is None
    for path in ("battery-level/description", "battery-health/description"):
        assert isinstance((await api.ok(f"devices/{hh}/{path}"))["description"], str)
    assert (await api.get(f"devices/{device_id(api.server, 'AD4Q')}/battery-level"))[0] == 405
    with pytest.raises(ValueError, match="no battery"):
        api.server.set_battery("AD4Q", percent=5)
    with pytest.raises(ValueError, match="percent"):
        api.server.set_battery(hh, percent=101)
    assert iso_minutes(0) == "PT0M"
    assert iso_minutes(None) is None


async def test_device_reboot_and_uptime(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    uptime = await api.ok(f"devices/{dev}/uptime")
    assert uptime["uptime"].startswith("PT")
    assert uptime["uptime"].endswith("S")
    assert (await api.call("POST", f"devices/{dev}/reboot"))[0] == 204
    assert (await api.ok(f"devices/{dev}"))["deviceState"] == "OFFLINE"
    await asyncio.sleep(0.6)
    assert (await api.ok(f"devices/{dev}"))["deviceState"] == "ONLINE"


# ---------------------------------------------------------------------- audio channels


async def test_audio_channel_listing_and_ids(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    channels = await api.ok(f"devices/{dev}/audio-channels")
    assert len(channels) == 4
    assert channels[0]["role"] == "SOURCE"
    assert channels[0]["group"] == "GENERIC"
    assert channels[0]["capabilities"] == ["activity", "gain", "name"]
    decoded = [json.loads(base64.b64decode(ch["id"])) for ch in channels]
    assert decoded[1] == {"t": "AudioChannel", "c": "AD4Q", "v": 131088, "s": "CH", "i": 1}
    anx = await api.ok(f"devices/{device_id(api.server, 'ANX4')}/audio-channels")
    assert json.loads(base64.b64decode(anx[3]["id"]))["index"] == 3
    assert "mute" in anx[0]["capabilities"]
    assert await api.ok(f"devices/{dev}/audio-channels/{seg(channels[2]['id'])}") == channels[2]
    assert (await api.get(f"devices/{device_id(api.server, 'SBRC')}/audio-channels"))[0] == 405
    assert (await api.get(f"devices/{dev}/audio-channels/bm9wZQ==/name"))[0] == 404


async def test_channel_gain_name_activity(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    ch = seg((await api.ok(f"devices/{dev}/audio-channels"))[0]["id"])
    base = f"devices/{dev}/audio-channels/{ch}"
    assert await api.ok(f"{base}/gain") == {"gain": 0}
    assert await api.ok(f"{base}/gain/description") == {
        "constraints": {"gain": {"range": {"min": -18, "max": 42, "step": 1}}}
    }
    assert (await api.call("PATCH", f"{base}/gain", {"gain": 12}))[0] == 204
    assert await api.ok(f"{base}/gain") == {"gain": 12}
    for bad in (43, -19, 1.5, "3", True):
        assert (await api.call("PATCH", f"{base}/gain", {"gain": bad}))[0] == 400, bad
    assert await api.ok(f"{base}/gain") == {"gain": 12}
    assert await api.ok(f"{base}/name") == {"name": "Vocal 1"}
    assert (await api.call("PATCH", f"{base}/name", {"name": "Lead"}))[0] == 204
    assert await api.ok(f"{base}/name") == {"name": "Lead"}
    assert await api.ok(f"{base}/activity") == {"audioLevel": "LOW"}
    api.server.set_activity(dev, 1, "CLIPPING")
    assert await api.ok(f"{base}/activity") == {"audioLevel": "CLIPPING"}
    assert (await api.call("PATCH", f"{base}/activity", {"audioLevel": "GOOD"}))[0] == 405
    status, body = await api.get(f"{base}/mute")  # AD4Q channels have no mute capability
    assert (status, body["title"]) == (405, "Capability not supported.")


async def test_channel_mute(api: Api) -> None:
    dev = device_id(api.server, "ANX4")
    ch = seg((await api.ok(f"devices/{dev}/audio-channels"))[1]["id"])
    base = f"devices/{dev}/audio-channels/{ch}"
    assert await api.ok(f"{base}/mute") == {"muted": False}
    assert (await api.call("PATCH", f"{base}/mute", {"muted": True}))[0] == 204
    assert await api.ok(f"{base}/mute") == {"muted": True}
    assert api.server.device(dev).channel(2).muted is True
    assert api.server.device(dev).channel(1).muted is False


async def test_channel_ids_are_matched_after_url_decoding(api: Api) -> None:
    """Base64 may hold ``/``, ``+`` and ``=``: only the URL-encoded id reaches the channel."""
    device = create_api_device("ANX4", name="Odd ids", mac="00:0E:DD:00:00:99")
    device.channels[0] = ApiChannel(0, "ab/c+d==", ("name",), "Odd")
    api.server.add_device(device)
    base = f"devices/{device.device_id}/audio-channels"
    assert await api.ok(f"{base}/{seg('ab/c+d==')}/name") == {"name": "Odd"}
    assert (await api.get(f"{base}/ab/c+d==/name"))[0] == 404


async def test_requests_are_recorded(api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    await api.ok(f"devices/{dev}/name")
    assert api.server.requests[-1] == ("GET", f"/api/v1/devices/{dev}/name")
