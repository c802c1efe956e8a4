"""The demo venue carries its names on the wire before anyone connects."""

from __future__ import annotations

import asyncio

from simulator import FAMILIES
from simulator.cli import _make_receivers, build_parser
from simulator.venue import DEMO_PERFORMERS, DEMO_VENUE, VENUE_MODELS, Venue


def test_names_are_unique_and_fit_every_family() -> None:
    channels = [name for receiver in DEMO_VENUE for name in receiver.channels]
    receivers = [receiver.device_id for receiver in DEMO_VENUE]
    assert len(set(channels)) == len(channels)
    # A receiver never shares a name with a channel (their entity ids would clash).
    assert len(set(channels + receivers)) == len(channels) + len(receivers)
    assert all(0 < len(name) <= 8 for name in channels + receivers)
    assert set(DEMO_PERFORMERS) <= set(channels)
    assert VENUE_MODELS == ("ULXD4Q", "QLXD4", "SLXD4D", "AD4Q", "UR4D", "P10T")


async def test_demo_venue_reports_its_names() -> None:
    venue = Venue.demo()
    assert {rx.family for rx in venue.receivers} == set(FAMILIES)
    for rx, named in zip(venue.receivers, DEMO_VENUE, strict=True):
        assert rx.device.device_id == named.device_id
        assert [ch.name for ch in rx.channels] == list(named.channels)
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


def test_the_venue_command_runs_the_named_venue() -> None:
    args = build_parser().parse_args(["venue", "--base-port", "0"])
    receivers = _make_receivers(args)
    assert [[ch.name for ch in rx.channels] for rx in receivers] == [
        list(named.channels) for named in DEMO_VENUE
    ]
    # The plain default venue keeps each family's factory names.
    assert Venue.default().receivers[0].channels[0].name == "CH 1"
