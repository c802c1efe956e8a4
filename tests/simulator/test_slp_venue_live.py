"""SLP AttrRply packets, the announcer, the default venue and live mode."""

from __future__ import annotations

import asyncio
import struct

import pytest

from simulator import FAMILIES, MODELS, SlpAnnouncer, Venue, build_slp_attr_reply, create_receiver
from simulator.slp import cid_for_mac


def parse_attr_reply(data: bytes) -> dict[str, object]:
    version, function = data[0], data[1]
    length = int.from_bytes(data[2:5], "big")
    flags = struct.unpack("!H", data[5:7])[0]
    next_ext = int.from_bytes(data[7:10], "big")
    xid, lang_len = struct.unpack("!HH", data[10:14])
    lang = data[14 : 14 + lang_len].decode()
    pos = 14 + lang_len
    error, attr_len = struct.unpack("!HH", data[pos : pos + 4])
    attrs = data[pos + 4 : pos + 4 + attr_len].decode()
    auth = data[pos + 4 + attr_len]
    items = dict(item.strip("()").split("=", 1) for item in attrs.split(","))
    return {
        "version": version,
        "function": function,
        "length": length,
        "flags": flags,
        "next_ext": next_ext,
        "xid": xid,
        "lang": lang,
        "error": error,
        "attrs": items,
        "auth": auth,
        "size": len(data),
        "end": pos + 5 + attr_len,
    }


def test_build_slp_attr_reply() -> None:
    data = build_slp_attr_reply(
        fctn="QLXD4",
        uacn="Stage Left",
        cid="DD47E0D7-0000-11DD-A000-000EDDCCCCCC",
        dcid="CCEAC054-E139-11DF-84BA-0015C5F3F612",
        address="127.0.0.1",
    )
    p = parse_attr_reply(data)
    assert p["version"] == 2
    assert p["function"] == 7
    assert p["length"] == p["size"] == p["end"] == len(data)
    assert p["xid"] == 0x223D
    assert p["lang"] == "en"
    assert (p["flags"], p["next_ext"], p["error"], p["auth"]) == (0, 0, 0, 0)
    assert p["attrs"] == {
        "cid": "DD47E0D7-0000-11DD-A000-000EDDCCCCCC",
        "acn-fctn": "QLXD4",
        "acn-uacn": "Stage Left",
        "acn-services": "esta.dmp",
        "csl-esta.dmp": "esta.sdt/127.0.0.1:57383;esta.dmp/cd:CCEAC054-E139-11DF-84BA-0015C5F3F612",
        "device-description": "$:tftp://127.0.0.1/$.ddl",
    }
    custom = parse_attr_reply(
        build_slp_attr_reply(fctn="A", uacn="B", cid="C", dcid="D", address="127.0.0.2:2202", xid=7)
    )
    assert custom["xid"] == 7
    assert custom["attrs"]["csl-esta.dmp"] == "esta.sdt/127.0.0.2:2202;esta.dmp/cd:D"  # type: ignore[index]
    assert cid_for_mac("00:0E:DD:AA:BB:01") == "DDAABB01-0000-11DD-A000-000EDDAABB01"


class _Sink(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[tuple[bytes, tuple[str, int]]] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.got.append((data, addr))


async def test_announcer_sends_to_target_only() -> None:
    loop = asyncio.get_running_loop()
    transport, sink = await loop.create_datagram_endpoint(_Sink, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    qlx = create_receiver("QLXD4", port=2202, device_id="Rack 1")
    slx = create_receiver("SLXD4D", mac="00:0E:DD:00:00:42")
    ann = SlpAnnouncer([qlx, slx], target=("127.0.0.1", port), interval=0.1)
    try:
        async with ann:
            await asyncio.sleep(0.25)
    finally:
        transport.close()
    assert len(sink.got) >= 4
    packets = [parse_attr_reply(d) for d, _ in sink.got]
    assert {addr[0] for _, addr in sink.got} == {"127.0.0.1"}  # source = control address
    first, second = packets[0]["attrs"], packets[1]["attrs"]
    assert first["acn-fctn"] == "QLXD4"  # type: ignore[index]
    assert first["acn-uacn"] == "Rack 1"  # type: ignore[index]
    assert first["csl-esta.dmp"].endswith("cd:CCEAC054-E139-11DF-84BA-0015C5F3F612")  # type: ignore[index]
    assert second["acn-fctn"] == "SLXD4D_RX"  # type: ignore[index]
    assert second["cid"] == "DD000042-0000-11DD-A000-000EDD000042"  # type: ignore[index]
    with pytest.raises(ValueError, match="multicast"):
        SlpAnnouncer([qlx], target=("239.255.254.253", 8427))


async def test_default_venue() -> None:
    venue = Venue.default()
    assert [rx.model for rx in venue.receivers] == [
        "ULXD4Q",
        "QLXD4",
        "SLXD4D",
        "AD4Q",
        "UR4D",
        "P10T",
        "EWDX-EM4",
        "CHG70N",
    ]
    assert {rx.family for rx in venue.shure} == set(FAMILIES)
    assert [rx.family for rx in venue.sennheiser] == ["ssc1_ewdx", "ssc1_charger"]
    async with venue:
        ports = [rx.port for rx in venue.receivers]
        assert all(ports)
        assert len(set(ports)) == len(ports)
        assert venue.get("AD4Q").family == "axient_digital"
        r, w = await asyncio.open_connection("127.0.0.1", venue.receivers[0].port)
        w.write(b"< GET 4 CHAN_NAME >")
        assert await asyncio.wait_for(r.readuntil(b">"), 2) == b"< REP 4 CHAN_NAME {CH 4    } >"
        w.close()
        await w.wait_closed()
    assert not any(rx.running for rx in venue.receivers)


def test_models_table() -> None:
    assert {m: s.channels for m, s in MODELS.items()} == {
        "ULXD4": 1,
        "ULXD4D": 2,
        "ULXD4Q": 4,
        "QLXD4": 1,
        "SLXD4": 1,
        "SLXD4D": 2,
        "SLXD4D+": 2,
        "SLXD4Q+": 4,
        "AD4D": 2,
        "AD4Q": 4,
        "UR4S": 1,
        "UR4D": 2,
        "P10T": 2,
    }
    assert create_receiver("slxd4d+").model == "SLXD4D+"
    with pytest.raises(ValueError, match="unknown model"):
        create_receiver("UR99")


def test_live_mode_is_deterministic() -> None:
    a, b, c = (create_receiver("AD4Q") for _ in range(3))
    a.start_live(7)
    b.start_live(7)
    c.start_live(8)
    for rx in (a, b, c):
        rx.step_live(120)  # 60 s of simulated time: two minutes of drain
    assert a.channels == b.channels
    assert a.channels != c.channels
    assert a.channel(1).battery_minutes == 420 - 2
    assert all(-88 <= d <= -40 for ch in a.channels for d in ch.rf_dbm)


async def test_live_mode_runs_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator.receiver.LIVE_INTERVAL", 0.02)
    rx = create_receiver("ULXD4D", live=True, seed=3)
    async with rx:
        before = list(rx.channel(1).rf_dbm)
        await asyncio.sleep(0.15)
        assert rx.channel(1).rf_dbm != before
        rx.stop_live()
        frozen = list(rx.channel(1).rf_dbm)
        await asyncio.sleep(0.06)
        assert rx.channel(1).rf_dbm == frozen
        rx.start_live(4)
        await asyncio.sleep(0.05)
    assert rx.live  # stays requested; no task survives stop()
