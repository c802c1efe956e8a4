"""The simulated SSC v1 devices on the wire."""

from __future__ import annotations

import asyncio

import pytest

from simulator.sennheiser import SSC_MODELS

from .conftest import DeviceFactory, ProbeFactory

SUBSCRIBE = "subscribe"


def subscribe(
    params: dict[str, object], tree: dict[str, object], xid: int = 1
) -> dict[str, object]:
    return {"osc": {"xid": xid, "state": {SUBSCRIBE: [{"#": params, **tree}]}}}


@pytest.mark.parametrize("model", list(SSC_MODELS))
async def test_every_model_tells_its_identity(
    ssc: DeviceFactory, probe: ProbeFactory, model: str
) -> None:
    device = await ssc(model, serial="0000000001")
    peer = await probe(device)
    reply = await peer.ask({"device": {"identity": {"product": None, "serial": None}}})
    assert reply == {
        "device": {"identity": {"product": SSC_MODELS[model].product, "serial": "0000000001"}}
    }


async def test_read_echoes_xid_and_reports_errors_per_leaf(
    ssc: DeviceFactory, probe: ProbeFactory
) -> None:
    device = await ssc("EWDX-EM2")
    device.rename(1, "VOX")
    peer = await probe(device)
    reply = await peer.ask({"rx1": {"name": None, "nope": None}, "osc": {"xid": 77}})
    assert reply["rx1"] == {"name": "VOX"}
    assert reply["osc"]["xid"] == 77
    assert reply["osc"]["error"] == [{"rx1": {"nope": [404, {"desc": "address not found"}]}}]
    branch = await peer.ask({"m": {"rx2": None}})
    assert set(branch["m"]["rx2"]) == {"rssi", "rsqi", "divi", "af"}


async def test_writes_echo_or_refuse(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM4")
    peer = await probe(device)
    assert await peer.ask({"rx3": {"name": "lead"}}) == {"rx3": {"name": "LEAD"}}
    assert device.channel(3).name == "LEAD"
    assert (await peer.ask({"rx3": {"gain": 9}}))["rx3"]["gain"] == 9
    bad = await peer.ask({"rx3": {"gain": 10, "name": "TOO LONG NAME"}})
    assert bad["osc"]["error"][0]["rx3"]["gain"][0] == 400
    assert bad["osc"]["error"][0]["rx3"]["name"][0] == 400
    assert (await peer.ask({"rx1": {"warnings": []}}))["osc"]["error"][0]["rx1"]["warnings"][
        0
    ] == 405
    assert (await peer.ask({"rx1": {"frequency": 607_225}}))["rx1"]["frequency"] == 607_225
    assert (await peer.ask({"rx1": {"frequency": 607_230}}))["osc"]["error"]
    assert (await peer.ask(b"{broken"))["osc"]["error"][0][0] == 400


async def test_absent_transmitter_answers_424(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2")
    peer = await probe(device)
    device.set_transmitter(2, False)
    assert await peer.ask({"mates": {"active": None}}) == {"mates": {"active": ["mates/tx1"]}}
    reply = await peer.ask({"mates": {"tx2": {"battery": {"gauge": None}}}})
    assert reply["osc"]["error"] == [
        {
            "mates": {
                "tx2": {"battery": {"gauge": [424, {"desc": "failed dependency: no transmitter"}]}}
            }
        }
    ]
    device.set_transmitter(2, True)
    assert (await peer.ask({"mates": {"tx2": {"battery": {"gauge": None}}}})) == {
        "mates": {"tx2": {"battery": {"gauge": 80}}}
    }


async def test_subscription_lifecycle(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2")
    peer = await probe(device)
    ack = await peer.ask(subscribe({"lifetime": 0.4}, {"rx1": {"name": None}}, xid=5))
    assert ack["osc"]["xid"] == 5
    assert ack["osc"]["state"][SUBSCRIBE] == [{"#": {"lifetime": 0.4}, "rx1": {"name": None}}]
    assert await peer.recv() == {"rx1": {"name": "CH 1"}}  # initial notification
    device.rename(1, "NEW")
    assert await peer.recv() == {"rx1": {"name": "NEW"}}
    assert await peer.recv(1.0) == {"osc": {"error": [{"rx1": {"name": [310]}}]}}
    assert not device.subscriptions
    device.rename(1, "GONE")
    assert await peer.collect(0.2) == []


async def test_renewal_keeps_a_subscription_alive(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2")
    peer = await probe(device)
    for _ in range(8):
        peer.send(subscribe({"lifetime": 0.3}, {"rx2": {"mute": None}}))
        await asyncio.sleep(0.15)
    messages = await peer.collect(0.05)
    assert not any("error" in m.get("osc", {}) for m in messages)
    assert device.expired_sent == 0


async def test_lifetime_is_capped_and_defaults(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2", max_lifetime=0.3)
    peer = await probe(device)
    ack = await peer.ask(subscribe({"lifetime": 3600}, {"device": {"name": None}}))
    assert ack["osc"]["state"][SUBSCRIBE][0]["#"]["lifetime"] == 0.3
    assert await peer.recv() == {"device": {"name": device.device_name}}
    default = await peer.ask({"osc": {"state": {SUBSCRIBE: [{"rx1": {"mute": None}}]}}})
    assert default["osc"]["state"][SUBSCRIBE][0]["#"]["lifetime"] == 0.3  # 10 s, capped


async def test_cancel_count_and_unknown(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2")
    peer = await probe(device)
    await peer.ask(subscribe({"lifetime": 10}, {"rx1": {"name": None}}))
    await peer.recv()
    await peer.ask(subscribe({"cancel": True}, {"rx1": {"name": None}}))
    assert not device.subscriptions
    bad = await peer.ask(subscribe({}, {"rx7": {"name": None}}))
    assert bad["osc"]["error"][0]["rx7"]["name"][0] == 404
    await peer.ask(subscribe({"count": 2, "lifetime": 10}, {"rx2": {"name": None}}))
    await peer.recv()  # initial (1)
    device.rename(2, "A")
    assert await peer.recv() == {"rx2": {"name": "A"}}  # (2): exhausted
    assert await peer.recv() == {"osc": {"error": [{"rx2": {"name": [310]}}]}}


async def test_min_is_periodic_and_max_rate_limits(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2")
    peer = await probe(device)
    await peer.ask(subscribe({"lifetime": 5, "min": 100, "max": 100}, {"m": {"rx1": {"af": None}}}))
    periodic = await peer.collect(0.55)
    assert 4 <= len(periodic) <= 7
    assert device.meter_rate_ms == 100
    peer2 = await probe(device)
    await peer2.ask(subscribe({"lifetime": 5, "max": 300}, {"m": {"rx2": {"af": None}}}))
    for level in range(10):
        device.set_audio(2, -30 + level)
        await asyncio.sleep(0.03)
    limited = await peer2.collect(0.4)
    assert 1 <= len(limited) <= 3
    assert limited[-1] == {"m": {"rx2": {"af": -21.0}}}


async def test_other_trees(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    d6000 = await ssc("EM6000")
    peer = await probe(d6000)
    d6000.set_rf(1, -40.0, antenna=1)
    d6000.set_audio(1, -20.0)
    d6000.set_transmitter(2, False)
    reply = await peer.ask({"mm": None, "rx1": {"skx": {"battery": None}}, "rx2": {"skx": None}})
    assert reply["mm"][0] == [175, 175, 129, 129, 1, 0, 235, 215, 215]
    assert reply["mm"][1] == [0] * 9
    assert reply["rx1"]["skx"]["battery"] == ["80%", "7:00"]
    assert reply["rx2"]["skx"] == {"battery": []}
    charger = await ssc("CHG70N")
    peer = await probe(charger)
    charger.set_transmitter(2, False)
    bays = (await peer.ask({"bays": {"bat_gauge": None, "device_type": None}}))["bays"]
    assert bays == {"bat_gauge": [80, 0], "device_type": ["EW-DX SK", "NONE"]}
    speechline = await ssc("SL-RACK-DW")
    peer = await probe(speechline)
    speechline.set_battery(1, minutes=90)
    reply = await peer.ask({"mates": {"tx1": {"bat_lifetime": None}}, "rx1": {"mates": None}})
    assert reply == {"mates": {"tx1": {"bat_lifetime": 5400}}, "rx1": {"mates": ["mates/tx1"]}}


async def test_hang_and_reboot(ssc: DeviceFactory, probe: ProbeFactory) -> None:
    device = await ssc("EWDX-EM2")
    peer = await probe(device)
    await peer.ask(subscribe({"lifetime": 10}, {"rx1": {"name": None}}))
    await peer.recv()
    device.set_hung(True)
    peer.send({"device": {"name": None}})
    device.rename(1, "HUNG")
    assert await peer.collect(0.2) == []
    device.set_hung(False)
    await device.reboot(0.1)
    assert not device.subscriptions
    assert (await peer.ask({"rx1": {"name": None}})) == {"rx1": {"name": "HUNG"}}
