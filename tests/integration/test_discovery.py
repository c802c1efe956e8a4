"""Shure announcements (SLP multicast, fed over loopback) start discovery flows."""

from __future__ import annotations

import socket
from unittest.mock import patch

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest

from custom_components.micboard.const import DOMAIN
from custom_components.micboard.discovery import DATA_LISTENER
from simulator import build_slp_attr_reply

from .helpers import entry_for, wait_for

MAC = "00:0e:dd:aa:bb:01"


def _announce(hass: HomeAssistant, model: str, name: str) -> None:
    port = hass.data[DATA_LISTENER].port
    datagram = build_slp_attr_reply(
        fctn=model,
        uacn=name,
        cid="DDAABB01-0000-11DD-A000-000EDDAABB01",
        dcid="CCEAC054-E139-11DF-84BA-0015C5F3F612",
        address="127.0.0.1",
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(datagram, ("127.0.0.1", port))


@pytest.fixture
async def listening(hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch):
    """The integration set up (listener on loopback) and a receiver to find."""
    receiver = await simulated("QLXD4")
    monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", receiver.port)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    return receiver


async def test_announcement_starts_a_flow(hass: HomeAssistant, listening) -> None:
    _announce(hass, "QLXD4", "Pulpit")
    await wait_for(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "discovery_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    await hass.async_block_till_done()

    # Announcements keep coming every two seconds: no new flow for a known receiver.
    _announce(hass, "QLXD4", "Pulpit renamed")
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_announcement_of_moved_receiver_updates_host(hass: HomeAssistant, listening) -> None:
    entry = entry_for(listening, mac=MAC)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: "10.20.30.40"})
    with patch("custom_components.micboard.devices.shure.client.mac_from_arp", return_value=MAC):
        _announce(hass, "QLXD4", "Pulpit")
        await wait_for(hass, lambda: entry.data[CONF_HOST] == "127.0.0.1")
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_announcement_of_unreachable_receiver_aborts(
    hass: HomeAssistant, listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    await listening.stop()
    _announce(hass, "QLXD4", "Pulpit")
    await hass.async_block_till_done()
    await wait_for(hass, lambda: not hass.config_entries.flow.async_progress_by_handler(DOMAIN))
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_listener_is_started_once(hass: HomeAssistant, listening) -> None:
    from custom_components.micboard.discovery import async_start_listener

    listener = hass.data[DATA_LISTENER]
    assert await async_start_listener(hass) is listener


async def test_listener_port_in_use_is_logged(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        monkeypatch.setenv("MICBOARD_SLP_BIND", f"127.0.0.1:{busy.getsockname()[1]}")
        assert await async_setup_component(hass, DOMAIN, {})
    assert DATA_LISTENER not in hass.data
    assert "Cannot listen for Shure announcements" in caplog.text
