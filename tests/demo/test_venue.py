"""The demo venue carries its names on the wire before anyone connects."""

from __future__ import annotations

import asyncio

from simulator import FAMILIES
from simulator.cli import _make_receivers, build_parser
from simulator.sennheiser import SscDevice
from simulator.venue import DEMO_PERFORMERS, DEMO_SSC_VENUE, DEMO_VENUE, VENUE_MODELS, Venue

from ..simulator_ssc1.conftest import Probe


def test_names_are_unique_and_fit_every_family() -> None:
    venue = (*DEMO_VENUE, *DEMO_SSC_VENUE)
    channels = [name for receiver in venue for name in receiver.channels]
    receivers = [receiver.device_id for receiver in venue]
    assert len(set(channels)) == len(channels)
    # A receiver never shares a name with a channel (their entity ids would clash).
    assert len(set(channels + receivers)) == len(channels) + len(receivers)
    assert all(0 < len(name) <= 8 for name in channels + receivers)
    assert set(DEMO_PERFORMERS) <= set(channels)
    assert VENUE_MODELS == (
        *("ULXD4Q", "QLXD4", "SLXD4D", "AD4Q", "UR4D", "P10T"),
        *("EWDX-EM4", "CHG70N"),
    )
    # EW-DX channel names: at most 8 of the characters the receiver keeps (upper case).
    ewdx = [name for receiver in DEMO_SSC_VENUE for name in receiver.channels]
    assert ewdx
    assert all(name == name.upper() for name in ewdx)


async def test_demo_venue_reports_its_names() -> None:
    venue = Venue.demo()
    assert {rx.family for rx in venue.shure} == set(FAMILIES)
    for rx, named in zip(venue.shure, DEMO_VENUE, strict=True):
        assert rx.device.device_id == named.device_id
        assert [ch.name for ch in rx.channels] == list(named.channels)
    assert [rx.model for rx in venue.sennheiser] == [r.model for r in DEMO_SSC_VENUE]
    async with venue:
        ulxd = venue.get("ULXD4Q")
        reader, writer = await asyncio.open_connection("127.0.0.1", ulxd.port)
        writer.write(b"< GET 2 CHAN_NAME >< GET DEVICE_ID >")
        first = await asyncio.wait_for(reader.readuntil(b">"), 2)
        second = await asyncio.wait_for(reader.readuntil(b">"), 2)
        writer.close()
        await writer.wait_closed()
    assert first == b"< REP 2 CHAN_NAME {Lead Vox} >"
    assert second == b"< REP DEVICE_ID {Stage L } >"


async def test_sennheiser_devices_report_their_names_over_ssc() -> None:
    venue = Venue.demo(base_port=0)
    async with venue:
        em4 = venue.get("EWDX-EM4")
        charger = venue.get("CHG70N")
        assert isinstance(em4, SscDevice)
        assert isinstance(charger, SscDevice)
        loop = asyncio.get_running_loop()
        replies = []
        for device, request in (
            (em4, {"device": {"name": None}, "rx2": {"name": None}, "rx4": {"name": None}}),
            (charger, {"device": {"name": None}, "bays": {"bat_gauge": None}}),
        ):
            transport, peer = await loop.create_datagram_endpoint(
                Probe, local_addr=("127.0.0.1", 0), remote_addr=("127.0.0.1", device.port)
            )
            try:
                replies.append(await peer.ask(request))
            finally:
                transport.close()
    assert replies[0] == {
        "device": {"name": "Band"},
        "rx2": {"name": "BASS"},
        "rx4": {"name": "TRUMPET"},
    }
    assert replies[1]["device"] == {"name": "Charger"}
    assert len(replies[1]["bays"]["bat_gauge"]) == 2


def test_the_venue_command_runs_the_named_venue() -> None:
    args = build_parser().parse_args(["venue", "--base-port", "0"])
    receivers = _make_receivers(args)
    assert [[ch.name for ch in rx.channels] for rx in receivers[: len(DEMO_VENUE)]] == [
        list(named.channels) for named in DEMO_VENUE
    ]
    assert [rx.model for rx in receivers[len(DEMO_VENUE) :]] == ["EWDX-EM4", "CHG70N"]
    # The plain default venue keeps each family's factory names.
    assert Venue.default().receivers[0].channels[0].name == "CH 1"
