"""SLPv2 announcements (notes §12): parsing and the listener, on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest

from custom_components.micboard.devices.shure import discovery
from custom_components.micboard.devices.shure.discovery import (
    Announcement,
    DiscoveryListener,
    parse_announcement,
)
from simulator import SlpAnnouncer, build_slp_attr_reply, create_receiver

from .helpers import LOCALHOST, eventually

CID = "DD47E0D7-0000-11DD-A000-000EDDCCCCCC"
DCID = "CCEAC054-E139-11DF-84BA-0015C5F3F612"


def _reply(**overrides: object) -> bytes:
    options: dict[str, object] = {
        "fctn": "QLXD4",
        "uacn": "Stage Left",
        "cid": CID,
        "dcid": DCID,
        "address": "169.254.216.224",
    }
    options.update(overrides)
    return build_slp_attr_reply(**options)  # type: ignore[arg-type]


# --- parse_announcement ----------------------------------------------------


def test_parse_announcement_fields() -> None:
    announcement = parse_announcement(_reply(), "127.0.0.1")
    assert announcement is not None
    assert announcement.model == "QLXD4"
    assert announcement.name == "Stage Left"
    assert announcement.cid == CID
    assert announcement.dcid == DCID
    # The control address is the datagram's source, not the address inside the payload.
    assert announcement.address == "127.0.0.1"
    assert announcement.attributes["acn-services"] == "esta.dmp"
    assert announcement.attributes["acn-uacn"] == "Stage Left"


def test_parse_announcement_lowercase_dcid_is_normalised() -> None:
    announcement = parse_announcement(_reply(dcid=DCID.lower(), fctn="SLXD4DE_RX"), "127.0.0.1")
    assert announcement is not None
    assert announcement.dcid == DCID
    assert announcement.model == "SLXD4DE_RX"


def test_parse_announcement_with_other_xid_and_port() -> None:
    announcement = parse_announcement(_reply(xid=0x1234, address="10.0.0.9:2202"), "127.0.0.1")
    assert announcement is not None
    assert announcement.attributes["csl-esta.dmp"].startswith("esta.sdt/10.0.0.9:2202;")


def _with_byte(data: bytes, position: int, value: int) -> bytes:
    return data[:position] + bytes([value]) + data[position + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda d: _with_byte(d, 0, 1), id="version-1"),
        pytest.param(lambda d: _with_byte(d, 0, 3), id="version-3"),
        pytest.param(lambda d: _with_byte(d, 1, 6), id="function-attr-request"),
        pytest.param(lambda d: _with_byte(d, 1, 2), id="function-srv-reply"),
        pytest.param(lambda d: d[:15], id="short"),
        pytest.param(lambda d: b"", id="empty"),
        pytest.param(lambda d: d[:60], id="truncated"),
        pytest.param(lambda d: d[:16] + b"\x00\x05" + d[18:], id="error-code"),
        pytest.param(lambda d: d[:12] + b"\xff\xff" + d[14:], id="huge-language-tag"),
        pytest.param(lambda d: b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http"),
        pytest.param(lambda d: bytes(range(256)), id="bytes"),
    ],
)
def test_parse_announcement_rejects(mangle) -> None:
    assert parse_announcement(mangle(_reply()), "127.0.0.1") is None


def test_parse_announcement_without_attributes() -> None:
    attrs = b"no attributes here"
    body = b"\x00\x02en" + struct.pack("!HH", 0, len(attrs)) + attrs + b"\x00"
    header = b"\x02\x07" + (12 + len(body)).to_bytes(3) + b"\x00" * 5 + b"\x22\x3d"
    datagram = header + body
    assert len(datagram) >= 16
    assert parse_announcement(datagram, "127.0.0.1") is None


# --- DiscoveryListener -------------------------------------------------------


async def _listener(found: list[Announcement]) -> DiscoveryListener:
    listener = DiscoveryListener(found.append, host=LOCALHOST, port=0, group=None)
    await listener.start()
    assert listener.port != 0
    return listener


async def test_listener_reports_each_receiver_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Both simulated receivers announce from 127.0.0.1: lift the per-address
    # rate limit (tested in tests/faults) to see the per-receiver logic.
    monkeypatch.setattr(discovery, "CALLBACK_INTERVAL", 0.0)
    found: list[Announcement] = []
    listener = await _listener(found)
    first = create_receiver("ULXD4Q", mac="00:0E:DD:AA:BB:01", device_id="Rack A")
    second = create_receiver("SLXD4D", mac="00:0E:DD:AA:BB:02")
    announcer = SlpAnnouncer([first, second], (LOCALHOST, listener.port), interval=0.05)
    try:
        await announcer.start()
        await eventually(lambda: announcer.sent >= 10, what="five rounds")
        await asyncio.sleep(0.05)
        assert len(found) == 2
        by_model = {a.model: a for a in found}
        assert set(by_model) == {"ULXD4Q", "SLXD4D_RX"}
        assert by_model["ULXD4Q"].name == "Rack A"
        assert by_model["SLXD4D_RX"].name == "SLXD4D"
        assert all(a.address == LOCALHOST for a in found)
        assert by_model["ULXD4Q"].cid != by_model["SLXD4D_RX"].cid
        assert by_model["ULXD4Q"].cid.endswith("000EDDAABB01")

        first.set_device_id("Rack B")  # a new name is news
        await eventually(lambda: len(found) == 3)
        assert (found[2].model, found[2].name) == ("ULXD4Q", "Rack B")
        sent = announcer.sent
        await eventually(lambda: announcer.sent >= sent + 6)
        await asyncio.sleep(0.05)
        assert len(found) == 3
    finally:
        await announcer.stop()
        listener.stop()


async def test_listener_reports_again_after_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery, "FORGET_AFTER", 0.2)
    monkeypatch.setattr(discovery, "CALLBACK_INTERVAL", 0.1)
    found: list[Announcement] = []
    listener = await _listener(found)
    rx = create_receiver("AD4D")
    announcer = SlpAnnouncer([rx], (LOCALHOST, listener.port), interval=0.35)
    try:
        await announcer.start()
        await eventually(lambda: len(found) == 2, 1.5, "a second report after silence")
        assert found[0] == found[1]
    finally:
        await announcer.stop()
        listener.stop()


async def test_listener_ignores_other_datagrams() -> None:
    found: list[Announcement] = []
    listener = await _listener(found)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=(LOCALHOST, 0)
    )
    try:
        transport.sendto(b"not slp", (LOCALHOST, listener.port))
        transport.sendto(_with_byte(_reply(), 1, 6), (LOCALHOST, listener.port))
        transport.sendto(_reply(), (LOCALHOST, listener.port))
        await eventually(lambda: len(found) == 1)
        await asyncio.sleep(0.05)
        assert len(found) == 1
        assert found[0].name == "Stage Left"
    finally:
        transport.close()
        listener.stop()


class _RecordingSocket(socket.socket):
    """Records setsockopt calls; never really joins a multicast group."""

    calls: list[tuple[object, ...]] = []

    def setsockopt(self, *args: object) -> None:  # type: ignore[override]
        _RecordingSocket.calls.append(args)
        if args[:2] == (socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP):
            return
        super().setsockopt(*args)  # type: ignore[call-overload]


def _joins() -> list[tuple[object, ...]]:
    return [
        call
        for call in _RecordingSocket.calls
        if call[:2] == (socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP)
    ]


async def test_listener_joins_no_group_when_group_is_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_RecordingSocket, "calls", [])
    monkeypatch.setattr(discovery.socket, "socket", _RecordingSocket)
    listener = DiscoveryListener(lambda _: None, host=LOCALHOST, port=0, group=None)
    await listener.start()
    listener.stop()
    assert _RecordingSocket.calls  # the listener did configure its socket
    assert _joins() == []

    # Control: with a group it would join on each given interface (intercepted here).
    listener = DiscoveryListener(
        lambda _: None,
        host=LOCALHOST,
        port=0,
        group=discovery.SLP_GROUP,
        interfaces=(LOCALHOST,),
    )
    await listener.start()
    listener.stop()
    membership = socket.inet_aton(discovery.SLP_GROUP) + socket.inet_aton(LOCALHOST)
    assert _joins() == [(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)]


def test_announcer_refuses_multicast_without_opt_in() -> None:
    """Guard used by these tests: nothing leaves 127.0.0.1."""
    with pytest.raises(ValueError, match="multicast"):
        SlpAnnouncer([], (discovery.SLP_GROUP, discovery.SLP_PORT))
