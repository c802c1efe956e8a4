"""REST resources of the simulated EW-DX (secure mode) and Spectera base station."""

from __future__ import annotations

from collections.abc import Callable

from simulator.sennheiser_v2 import Ssc2Device

from .conftest import Api, DeviceFactory


async def test_device_resources(api: Api) -> None:
    assert await api.get("/api/ssc/version") == (200, {"protocol": "2.3", "schema": "1.7"})
    status, identity = await api.get("/api/device/identity")
    assert status == 200
    assert identity == {
        "product": "EWDX2CHS",
        "hardwareRevision": "1.0",
        "serial": api.device.serial,
        "vendor": "Sennheiser",
    }
    assert await api.get("/api/device/site") == (
        200,
        {"deviceName": "EWDX2CHS", "location": "", "position": ""},
    )
    assert await api.get("/api/device/state") == (200, {"state": "Normal", "warnings": []})
    assert await api.put("/api/device/identification", {"visual": True}) == (200, None)
    assert await api.get("/api/device/identification") == (200, {"visual": True})
    assert (await api.get("/api/device/state"))[1]["state"] == "Identifying"
    assert await api.put("/api/device/site", {"deviceName": "Stage2", "location": "Hall"}) == (
        200,
        None,
    )
    assert api.device.device_name == "Stage2"
    assert (await api.put("/api/device/site", {"deviceName": "Stage 2"}))[0] == 400
    status, schema, response = await api.request("GET", "/api/ssc/schema")
    assert status == 200
    assert response.content_type == "application/openapi+json"
    assert "/api/transmitters/{tx}/battery" in schema["paths"]


async def test_channel_get_and_put(api: Api) -> None:
    status, channel = await api.get("/api/channel/1")
    assert status == 200
    assert channel == {
        "name": "CH 2",
        "mute": False,
        "gain": 0,
        "outputLevel": 0,
        "mates": ["TX2"],
        "audio": ["Out2"],
        "eventCounter": 0,
    }
    body = {"name": "LEAD VOX", "mute": True, "gain": 9, "outputLevel": -6}
    assert await api.put("/api/channel/0", body) == (200, None)
    status, channel = await api.get("/api/channel/0")
    assert {k: channel[k] for k in body} == body
    for bad in (
        {"name": "lead"},  # lower case is refused
        {"name": "TOO LONG NAME"},
        {"gain": 4},
        {"gain": 45},
        {"outputLevel": 3},
        {"mute": "yes"},
        {"volume": 3},
        {},
        ["mute"],
    ):
        assert (await api.put("/api/channel/0", bad))[0] == 400, bad
    status, _, _ = await api.request("PUT", "/api/channel/0", data=b"{not json")
    assert status == 400
    assert (await api.get("/api/channel/0"))[1]["name"] == "LEAD VOX"  # nothing half-applied


async def test_meters_warnings_and_identify(api: Api) -> None:
    device = api.device
    device.set_rf(1, -71.26, antenna=2)
    device.set_quality(1, 77)
    device.set_audio(1, -18.04)
    assert await api.get("/api/channel/0/signalStrengthIndicator") == (200, {"value": -71.3})
    assert await api.get("/api/channel/0/signalQualityIndicator") == (200, {"value": 77})
    assert await api.get("/api/channel/0/diversityIndicator") == (200, {"value": 2})
    assert await api.get("/api/channel/0/level") == (200, {"value": -18.0})
    assert await api.get("/api/channel/0/warnings") == (200, [])
    device.rf_dropout(1, True)
    device.set_interference(1, True)
    assert await api.get("/api/channel/0/warnings") == (200, ["LowSignal", "NoLink", "RfPeak"])
    assert await api.get("/api/channel/0/signalQualityIndicator") == (200, {"value": 0})
    assert await api.get("/api/channel/0/level") == (200, {"value": -138.5})
    assert await api.put("/api/channel/1/identify", {"enabled": True}) == (200, None)
    assert await api.get("/api/channel/1/identify") == (200, {"enabled": True})
    assert (await api.put("/api/channel/1/identify", {"enabled": 1}))[0] == 400


async def test_rf_resources(api: Api) -> None:
    assert await api.get("/api/rf") == (
        200,
        {"code": "Q1-9", "ranges": [{"start": 470_200, "end": 550_000, "stepSize": 25}]},
    )
    assert await api.get("/api/rf/channels/0") == (
        200,
        {"frequency": 471_200, "presets": {"type": "Factory", "bank": 0, "channel": 1}},
    )
    assert await api.put("/api/rf/channels/0/frequency", {"frequency": 500_025}) == (200, None)
    assert await api.get("/api/rf/channels/0") == (
        200,
        {"frequency": 500_025, "presets": {"type": "None"}},
    )
    for bad in ({"frequency": 500_010}, {"frequency": 400_000}, {"frequency": "500025"}):
        assert (await api.put("/api/rf/channels/0/frequency", bad))[0] == 400
    assert (await api.get("/api/rf/channels/0/frequency"))[0] == 405
    assert await api.get("/api/rf/transmission") == (
        200,
        {"mode": "Standard", "presetSpacing": 25},
    )
    assert await api.put("/api/rf/transmission", {"mode": "LinkDensity"}) == (200, None)
    assert await api.put("/api/rf/encryption", {"enabled": False}) == (200, None)
    assert await api.get("/api/rf/encryption") == (200, {"enabled": False})


async def test_transmitters_and_absent_transmitter(api: Api) -> None:
    device = api.device
    device.set_battery(1, percent=64, minutes=310)
    status, listing = await api.get("/api/transmitters")
    assert status == 200
    assert [entry["id"] for entry in listing] == [0, 1]
    assert listing[0]["transmitter"]["type"] == "EW_DX_SKM"
    status, tx = await api.get("/api/transmitters/0")
    assert status == 200
    assert {k: tx[k] for k in ("type", "name", "mute", "version")} == {
        "type": "EW_DX_SKM",
        "name": "TX1",
        "mute": False,
        "version": "4.0.2",
    }
    assert await api.get("/api/transmitters/0/battery") == (
        200,
        {"type": "Battery", "lifetime": 310, "gauge": 64},
    )
    device.set_battery(1, percent=8)
    assert await api.get("/api/transmitters/0/warnings") == (200, ["LowBattery"])
    device.set_transmitter(2, False)
    for path in (
        "/api/transmitters/1",
        "/api/transmitters/1/battery",
        "/api/transmitters/1/warnings",
    ):
        assert (await api.get(path))[0] == 422, path
    assert [entry["id"] for entry in (await api.get("/api/transmitters"))[1]] == [0]
    assert (await api.get("/api/channel/1"))[1]["mates"] == []
    assert await api.get("/api/channel/1/signalStrengthIndicator") == (200, {"value": -100.0})
    device.set_transmitter(2, True, "SK")
    status, tx = await api.get("/api/transmitters/1")
    assert (status, tx["type"], tx["muteConfig"], tx["cableEmulation"]) == (
        200,
        "EW_DX_SK",
        "Off",
        "Off",
    )


async def test_wrong_ids_and_methods(api: Api) -> None:
    for path in (
        "/api/channel/2",
        "/api/channel/-1",
        "/api/channel/01",
        "/api/channel/x/level",
        "/api/transmitters/2/battery",
        "/api/rf/channels/9",
        "/api/nothing",
        "/api/channel/0/",
    ):
        assert (await api.get(path))[0] == 404, path
    assert (await api.put("/api/device/state", {"state": "Busy"}))[0] == 405
    status, _, _ = await api.request("DELETE", "/api/channel/0")
    assert status == 405


async def test_em4_has_four_channels(
    ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]
) -> None:
    api = client(await ssc2("EWDX-EM4-SECURE"))
    assert (await api.get("/api/device/identity"))[1]["product"] == "EWDX4CHDS"
    assert (await api.get("/api/channel/3"))[0] == 200
    assert (await api.get("/api/channel/4"))[0] == 404
    assert (await api.get("/api/firmware/update/state"))[1]["danteVersion"] != ""


async def test_spectera_mobile_devices(
    ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]
) -> None:
    device = await ssc2("SPECTERA-BASE", channels=3)
    api = client(device)
    assert (await api.get("/api/ssc/version"))[1] == {
        "protocol": "2.3",
        "schema": "18.1",
        "schemaDetailed": "18.1.0",
    }
    assert (await api.get("/api/device/identity"))[1]["product"] == "SPECTERA-BASE"
    assert (await api.get("/api/device/site"))[0] == 200
    status, mobiles = await api.get("/api/mts/paired/all")
    assert status == 200
    assert [m["type"] for m in mobiles] == ["SKM", "SEK", "SKM"]
    uid = mobiles[0]["mtUid"]
    device.set_battery(1, percent=55, minutes=200)
    device.set_rf(1, -58.0)
    device.set_quality(1, 81)
    status, mobile = await api.get(f"/api/mts/paired/all/{uid}")
    assert status == 200
    assert {
        k: mobile[k]
        for k in ("name", "state", "batteryFillLevel", "batteryRuntime", "batteryLow", "rssi")
    } == {
        "name": "SKM 1",
        "state": "Connected",
        "batteryFillLevel": 55,
        "batteryRuntime": 200,
        "batteryLow": False,
        "rssi": -58.0,
    }
    assert mobile["micLqi"] == 81
    assert {"serial", "rfChannelId", "micAudiolinkId"} <= set(mobile)
    device.set_transmitter(1, False)
    status, mobile = await api.get(f"/api/mts/paired/all/{uid}")
    assert (mobile["state"], mobile["batteryFillLevel"], mobile["batteryRuntime"]) == (
        "Disconnected",
        -1,
        -1,
    )
    assert "rssi" not in mobile
    assert (await api.get("/api/mts/paired/all/4242"))[0] == 404
    status, rf = await api.get("/api/rf/channels")
    assert [r["rfChannelId"] for r in rf] == [0, 1]
    assert (await api.get("/api/rf/channels/2"))[0] == 404
    assert (await api.get("/api/channel/0"))[0] == 404  # no EW-DX resources
