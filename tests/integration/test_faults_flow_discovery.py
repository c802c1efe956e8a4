"""Discovery floods start one flow per address and few probes (issue 8, class 10)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
import pytest

from custom_components.micboard.config_flow import MAX_CONCURRENT_PROBES
from custom_components.micboard.const import DOMAIN, VENUE_UNIQUE_ID
from custom_components.micboard.discovery import DATA_LISTENER
from simulator import build_slp_attr_reply

from .helpers import entry_for, wait_for


class CountingProxy:
    """A TCP front for a receiver on 127.0.0.1 that counts every connection.

    With ``target=None`` it answers nothing and hangs up after ``hold``
    seconds (a hostile peer that keeps probes waiting).
    """

    def __init__(self, target: int | None, hold: float = 0.0) -> None:
        """Forward to ``target`` (a port on 127.0.0.1), or hold and hang up."""
        self.target = target
        self.hold = hold
        self.port = 0
        self.total = 0
        self.open = 0
        self.most_open = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> CountingProxy:
        """Start listening."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop listening and drop every connection."""
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.total += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            if self.target is None:
                await asyncio.sleep(self.hold)
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
            try:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                up_writer.close()
        finally:
            self.open -= 1
            writer.close()
            self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(4096):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError, RuntimeError):
        writer.write_eof()


def _discovery_flows(hass: HomeAssistant) -> list:
    return hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_three_hundred_discoveries_of_one_address_start_one_flow(
    hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = await simulated("ULXD4Q")
    async with CountingProxy(receiver.port) as proxy:
        monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", proxy.port)
        results = await asyncio.gather(
            *(
                hass.config_entries.flow.async_init(
                    DOMAIN,
                    context={"source": SOURCE_INTEGRATION_DISCOVERY},
                    data={CONF_HOST: "127.0.0.1"},
                )
                for _ in range(300)
            )
        )
        await hass.async_block_till_done()
        shown = [r for r in results if r["type"] is FlowResultType.FORM]
        aborted = [r for r in results if r["type"] is FlowResultType.ABORT]
        assert len(shown) == 1
        assert shown[0]["step_id"] == "discovery_confirm"
        assert len(aborted) == 299
        assert {r["reason"] for r in aborted} == {"already_in_progress"}
        assert len(_discovery_flows(hass)) == 1
        assert proxy.total == 1
        assert proxy.most_open == 1

        # Accepting it ends discovery of that address for good.
        result = await hass.config_entries.flow.async_configure(shown[0]["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.unique_id == f"127.0.0.1:{proxy.port}"
        assert entry.data["device_key"] == entry.unique_id
        await hass.async_block_till_done()
        probes_so_far = proxy.total
        results = await asyncio.gather(
            *(
                hass.config_entries.flow.async_init(
                    DOMAIN,
                    context={"source": SOURCE_INTEGRATION_DISCOVERY},
                    data={CONF_HOST: "127.0.0.1"},
                )
                for _ in range(300)
            )
        )
        assert {r["reason"] for r in results} == {"already_configured"}
        assert proxy.total == probes_so_far
        receivers = [
            e for e in hass.config_entries.async_entries(DOMAIN) if e.unique_id != VENUE_UNIQUE_ID
        ]
        assert len(receivers) == 1
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def _datagram(port: int, number: int) -> None:
    """A forged announcement from 127.0.0.1: every one claims another device."""
    datagram = build_slp_attr_reply(
        fctn="ULXD4Q",
        uacn=f"Forged {number}",
        cid=f"DDAABB01-0000-11DD-A000-{number:012X}",
        dcid="CCEAC054-E139-11DF-84BA-0015C5F3F612",
        address="127.0.0.1",
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(datagram, ("127.0.0.1", port))


async def test_announcement_flood_through_the_listener(
    hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = await simulated("ULXD4Q")
    async with CountingProxy(receiver.port) as proxy:
        monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", proxy.port)
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        port = hass.data[DATA_LISTENER].port
        for number in range(300):
            _datagram(port, number)
            if number % 50 == 0:
                await asyncio.sleep(0)
        await wait_for(hass, lambda: bool(_discovery_flows(hass)))
        await asyncio.sleep(0.5)
        await hass.async_block_till_done()
        (flow,) = _discovery_flows(hass)
        assert flow["step_id"] == "discovery_confirm"
        assert proxy.total == 1


async def test_announcements_of_a_configured_address_start_nothing(
    hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = await simulated("QLXD4")
    entry_for(receiver).add_to_hass(hass)
    async with CountingProxy(receiver.port) as proxy:
        monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", proxy.port)
        with patch(
            "custom_components.micboard.discovery.discovery_flow.async_create_flow"
        ) as create_flow:
            assert await async_setup_component(hass, DOMAIN, {})
            await hass.async_block_till_done()
            port = hass.data[DATA_LISTENER].port
            for number in range(50):
                _datagram(port, number)
            await asyncio.sleep(0.3)
            await hass.async_block_till_done()
        assert create_flow.call_count == 0
        assert proxy.total == 0
        assert _discovery_flows(hass) == []


async def test_probes_are_bounded_across_flows(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty receivers appear at once behind a peer that keeps every probe waiting."""
    async with CountingProxy(None, hold=0.3) as peer:
        monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", peer.port)
        results = await asyncio.gather(
            *(
                hass.config_entries.flow.async_init(
                    DOMAIN,
                    context={"source": SOURCE_DHCP},
                    data=DhcpServiceInfo(
                        ip="127.0.0.1", hostname=f"rx{n}", macaddress=f"000edd0000{n:02x}"
                    ),
                )
                for n in range(1, 21)
            )
        )
        assert {r["type"] for r in results} == {FlowResultType.ABORT}
        assert peer.total >= 2 * MAX_CONCURRENT_PROBES
        assert 2 <= peer.most_open <= MAX_CONCURRENT_PROBES
        await hass.async_block_till_done()
