"""Announcements from many (forged) source addresses.

One address is limited to one callback per interval; all sources together
are limited too, so a flood of announcements each from another address
cannot start an unbounded number of discovery flows (and probes).  What is
held back is not forgotten: the receivers' next announcements report it.
"""

from __future__ import annotations

import asyncio
import struct

import pytest

from custom_components.micboard.devices.shure import discovery
from custom_components.micboard.devices.shure.discovery import (
    MAX_CALLBACKS_PER_INTERVAL,
    MAX_TRACKED,
    Announcement,
    DiscoveryListener,
)


def _attr_reply(attributes: str) -> bytes:
    """A hand-built SLPv2 AttrRply (function 7) carrying ``attributes``."""
    lang = b"en"
    payload = attributes.encode()
    body = struct.pack("!H", len(lang)) + lang + struct.pack("!HH", 0, len(payload)) + payload
    length = 12 + len(body)
    return bytes([2, 7]) + length.to_bytes(3) + b"\x00\x00" + b"\x00\x00\x00" + b"\x00\x01" + body


def _announcement(number: int) -> bytes:
    return _attr_reply(f"(acn-fctn=ULXD4Q),(acn-uacn=Forged {number}),(cid=AB{number:06X})")


def _source(number: int) -> str:
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


async def test_forged_sources_are_reported_within_a_global_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery, "CALLBACK_INTERVAL", 0.2)
    found: list[Announcement] = []
    listener = DiscoveryListener(found.append, group=None)  # never started: no socket
    count = 3 * MAX_CALLBACKS_PER_INTERVAL + 5
    for number in range(count):
        listener.handle(_announcement(number), _source(number))
    assert len(found) == MAX_CALLBACKS_PER_INTERVAL
    assert listener.tracked <= 2 * MAX_CALLBACKS_PER_INTERVAL

    # Every receiver keeps announcing: each interval reports the next batch.
    for rounds in range(2, 6):
        await asyncio.sleep(0.25)
        for number in range(count):
            listener.handle(_announcement(number), _source(number))
        assert len(found) == min(count, rounds * MAX_CALLBACKS_PER_INTERVAL)
    assert sorted(a.name for a in found) == sorted(f"Forged {n}" for n in range(count))
    assert len({a.address for a in found}) == count


async def test_a_flood_of_forged_sources_keeps_tables_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found: list[Announcement] = []
    listener = DiscoveryListener(found.append, group=None)
    for number in range(20_000):
        listener.handle(_announcement(number), _source(number))
    assert len(found) == MAX_CALLBACKS_PER_INTERVAL
    assert listener.tracked <= 2 * MAX_TRACKED


async def test_an_isolated_receiver_is_reported_at_once() -> None:
    found: list[Announcement] = []
    listener = DiscoveryListener(found.append, group=None)
    listener.handle(_announcement(1), "192.0.2.10")
    assert [(a.address, a.name, a.model) for a in found] == [("192.0.2.10", "Forged 1", "ULXD4Q")]
