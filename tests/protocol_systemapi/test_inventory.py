"""Inventory shapes, paging, device identity and channel order."""

from __future__ import annotations

import pytest

from custom_components.micboard.devices import Family, Hub, Receiver

from .conftest import ServerFactory
from .fake import FakeSystemApi, encoded


@pytest.mark.parametrize("shape", ["array", "edges", "items"])
async def test_every_inventory_shape_lists_the_devices(
    fake: FakeSystemApi, make_server: ServerFactory, shape: str
) -> None:
    fake.shape = shape
    server = await make_server()
    assert server.connected
    assert set(server.receivers) == {"ADTQ001", "dev-anx4", "ULX6001"}
    adtq = server.receivers["ADTQ001"]
    assert isinstance(server, Hub)
    assert isinstance(adtq, Receiver)
    assert (adtq.info.family, adtq.info.model, adtq.info.serial) == (
        Family.SHURE_SYSTEM_API,
        "ADTQ",
        "ADTQ001",
    )
    assert adtq.info.firmware == "1.2.3"
    assert adtq.info.manufacturer == "Shure"
    assert adtq.host == "192.0.2.10"  # its own address
    assert server.receivers["dev-anx4"].host == "127.0.0.1"  # none given: the server's
    assert adtq.port == fake.port
    assert adtq.connected
    assert server.info.model == "System API"
    assert server.info.channel_count == 0


async def test_pages_are_followed_with_the_end_cursor(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    fake.page_size = 1
    server = await make_server()
    assert len(server.receivers) == 3
    inventory = [s.raw_path for s in fake.seen if s.raw_path.startswith("/api/v1/devices?")]
    assert len(inventory) == 2
    assert all("after=" in path for path in inventory)


async def test_a_server_repeating_its_page_is_read_once(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    fake.page_size = 2
    fake.repeat_pages = True
    server = await make_server()
    assert len(server.receivers) == 2
    reads = [s for s in fake.seen if s.raw_path.split("?")[0] == "/api/v1/devices"]
    assert len(reads) == 2  # the repeat is noticed on the second page


async def test_channels_follow_the_index_in_their_ids(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    assert adtq.info.channel_count == 4
    names = [adtq.state.channels[n].name for n in (1, 2, 3, 4)]
    assert names == ["IEM 1", "IEM 2", "IEM 3", "IEM 4"]
    assert [adtq.state.channels[n].gain_db for n in (1, 2, 3, 4)] == [-2, -1, 0, 1]
    assert adtq.state.channels[1].audio_activity == "low"
    assert adtq.state.device_id == "PSM Rack"
    anx = server.receivers["dev-anx4"]
    assert [anx.state.channels[n].name for n in (1, 2)] == ["ANX 1", "ANX 2"]
    assert [anx.state.channels[n].muted for n in (1, 2)] == [False, True]
    assert anx.state.channels[2].audio_activity == "good"
    # Channel ids (which contain "/" or "+") travel URL-encoded.
    for channel in fake.devices["dev-adtq"].channels:
        paths = [s.raw_path for s in fake.seen if encoded(channel.id) in s.raw_path]
        assert paths
        assert not [s for s in fake.seen if f"/{channel.id}/" in s.raw_path]
