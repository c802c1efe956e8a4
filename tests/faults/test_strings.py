"""Class 4: strings that do not belong.

Device text is cleaned (control characters, escape sequences, bidi
overrides and isolates, zero-width and other format characters removed)
and cut to the family's documented width before it reaches any model.
"""

from __future__ import annotations

import unicodedata

import pytest

from custom_components.micboard.devices import Family, ReceiverInfo
from custom_components.micboard.devices.models import ReceiverState
from custom_components.micboard.devices.shure import convert
from custom_components.micboard.devices.shure.decoder import Decoder
from custom_components.micboard.devices.shure.discovery import parse_announcement
from custom_components.micboard.devices.shure.framing import BracketParser

from .conftest import assert_released, eventually, measure, snapshot

BIDI = "\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _is_clean(text: str) -> bool:
    return all(
        unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
        for char in text
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Lead\x00Vox", "LeadVox"),
        ("\x1b[31mRed\x1b[0m", "Red"),
        ("\x1b]0;title\x07Name", "Name"),
        ("A\x7fB\x85C\x9b31mD", "ABCD"),
        (f"Pa{BIDI}stor", "Pastor"),
        (f"Zero{ZERO_WIDTH}Width", "ZeroWidth"),
        ("Tab\tNew\nLine\r", "TabNewLine"),
        ("Caf\xc3\xa9", "Café"),  # UTF-8 read as Latin-1 becomes UTF-8 again
        ("\xe2\x80\xaeevil", "evil"),  # U+202E in UTF-8 bytes
        ("\xff\xfe", "ÿþ"),  # not UTF-8: stays Latin-1, printable
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert convert.clean(raw) == expected
    assert _is_clean(convert.clean(raw))


def test_text_is_cut_to_the_width() -> None:
    assert convert.text("x" * 60_000, 8) == "x" * 8
    assert convert.text("  " + "y" * 40 + "  ", 31) == "y" * 31
    assert convert.text("\x00\x1b[0m   ", 8) is None


@pytest.mark.parametrize(
    ("family", "width"),
    [
        (Family.ULXD, 8),
        (Family.QLXD, 8),
        (Family.AXIENT_DIGITAL, 31),
        (Family.SLXD, 31),
        (Family.UHFR, 31),
        (Family.PSM1000, 8),
    ],
)
def test_channel_names_are_cleaned_and_cut_per_family(family: Family, width: int) -> None:
    state = ReceiverState(ReceiverInfo(family, "test", 2, "127.0.0.1", 2202))
    decoder = Decoder(state)
    verb = "REPORT" if family in {Family.PSM1000, Family.UHFR} else "REP"
    name = "\x00\x1b[2J" + BIDI + "N" * 500 + ZERO_WIDTH
    line = f"< {verb} 1 CHAN_NAME {{{name}}} >".encode()
    for message in BracketParser().feed(line):
        decoder.apply(message)
    assert state.channel(1).name == "N" * width


async def test_hostile_strings_over_tcp(fake, client) -> None:
    resources = snapshot()
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port)
    state = receiver.state
    async with measure("hostile strings over TCP") as budget:
        await rx.push(
            "< REP 1 CHAN_NAME {Vox\x00\x1b[31m\u202eLONGER-THAN-8} >"
            "< REP DEVICE_ID {Rack\x07\x1b[5m Left side of stage} >"
            "< REP 2 TX_DEVICE_ID {\u200bBody\u2066pack 12345} >"
            "< REP 2 TX_TYPE {\x1b[31mULXD2\x00} >"
            "< REP 1 GROUP_CHAN {01,\x0002\u202e,,,,,,,,,,,,,,,,,} >".encode()
        )
        await eventually(lambda: state.channels[2].tx_name is not None)
    assert budget.max_lag < 1.0
    assert state.channels[1].name == "Vox" + "LONGE"
    assert state.device_id == "Rack Lef"
    assert state.channels[2].tx_name == "Bodypack"
    assert state.channels[2].tx_model == "ULXD2"
    assert state.channels[1].group_channel is not None
    assert len(state.channels[1].group_channel) <= 10
    for text in (state.channels[1].name, state.device_id, state.channels[2].tx_name):
        assert text is not None
        assert _is_clean(text)
    assert receiver.connected
    await receiver.disconnect()
    await rx.stop()
    await assert_released(resources)


def test_announcement_text_is_cleaned_and_capped() -> None:
    from simulator import build_slp_attr_reply

    datagram = build_slp_attr_reply(
        fctn="ULXD4Q\x1b[31m" + "Q" * 100,
        uacn="Stage\u202e\x00Left" + "!" * 100,
        cid="DD47E0D7-0000-11DD-A000-000EDDCCCCCC",
        dcid="CCEAC054-E139-11DF-84BA-0015C5F3F612",
        address="127.0.0.1",
    )
    announcement = parse_announcement(datagram, "127.0.0.1")
    assert announcement is not None
    assert announcement.name is not None
    assert announcement.name.startswith("StageLeft")
    assert announcement.model is not None
    assert announcement.model.startswith("ULXD4Q")
    assert len(announcement.name) <= 32
    assert len(announcement.model) <= 32
    assert _is_clean(announcement.name + announcement.model)
    assert all(_is_clean(key + value) for key, value in announcement.attributes.items())
