"""Property-based tests (Hypothesis) of framing and decoding.

Framing: any bytes in any chunking raise nothing, keep the buffer within
one message, and yield the same messages (and counts) however the bytes are
cut; well-formed messages come out exactly as written.  Decoding: any
message of any shape for any family raises nothing and leaves every field of
the state within its range.
"""

from __future__ import annotations

import itertools
import math
import unicodedata

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.micboard.devices import Family, ReceiverInfo, ReceiverState
from custom_components.micboard.devices.models import BatteryRuntimeStatus, ChannelState
from custom_components.micboard.devices.shure.client import CAPABILITIES
from custom_components.micboard.devices.shure.decoder import (
    CHANNEL_TABLES,
    DEVICE_TABLES,
    PRESENCE,
    Decoder,
)
from custom_components.micboard.devices.shure.framing import (
    MAX_DATAGRAM,
    MAX_MESSAGE,
    BracketParser,
    Message,
    parse_star_datagram,
)

STRUCTURE = [b"<", b">", b"{", b"}", b" ", b"\r\n", b"*", b"REP", b"REPORT", b"SAMPLE", b"1"]
hostile_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(st.sampled_from(STRUCTURE), st.binary(max_size=8)), max_size=120).map(
        b"".join
    ),
    st.tuples(st.sampled_from(STRUCTURE), st.integers(1, 3000)).map(lambda pair: pair[0] * pair[1]),
)


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_bytes, st.lists(st.integers(min_value=0), max_size=30))
def test_framing_any_bytes_any_chunking(data: bytes, cuts: list[int]) -> None:
    whole = BracketParser()
    expected = whole.feed(data)
    parser = BracketParser()
    messages: list[Message] = []
    for chunk in _chunked(data, cuts):
        messages += parser.feed(chunk)
        assert parser.buffered <= MAX_MESSAGE
    assert messages == expected
    assert (parser.malformed, parser.buffered) == (whole.malformed, whole.buffered)


printable = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="}"),
    max_size=31,
)
token = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,.+-", min_size=1, max_size=8)
param = st.from_regex(r"[A-Z][A-Z_]{0,19}", fullmatch=True)


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[bytes, Message]:
    verb = draw(st.sampled_from(["REP", "REPORT", "SAMPLE"]))
    index = draw(st.one_of(st.none(), st.integers(0, 999)))
    name = draw(param)
    args = draw(st.lists(token, max_size=6))
    text = draw(st.one_of(st.none(), printable))
    parts = [verb, *([] if index is None else [str(index)]), name, *args]
    if text is not None:
        parts.append("{" + text + "}")
    wire = ("< " + " ".join(parts) + " >" + draw(st.sampled_from(["", "\r\n"]))).encode()
    expected_args = (*args, text.strip()) if text is not None else tuple(args)
    return wire, Message(verb, index, name, expected_args)


@settings(max_examples=400, deadline=None)
@given(st.lists(well_formed(), min_size=1, max_size=12), st.lists(st.integers(min_value=0)))
def test_well_formed_messages_come_out_as_written(
    stream: list[tuple[bytes, Message]], cuts: list[int]
) -> None:
    data = b"".join(wire for wire, _ in stream)
    parser = BracketParser()
    messages: list[Message] = []
    for chunk in _chunked(data, cuts):
        messages += parser.feed(chunk)
    assert messages == [message for _, message in stream]
    assert parser.malformed == 0
    assert parser.buffered == 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(hostile_bytes, st.binary(min_size=MAX_DATAGRAM - 8, max_size=MAX_DATAGRAM + 8)))
def test_star_datagrams_any_bytes(data: bytes) -> None:
    messages = parse_star_datagram(data)
    assert len(data) <= MAX_DATAGRAM or messages == []


# --- decoding --------------------------------------------------------------

PARAMS = sorted(
    {name for table in CHANNEL_TABLES.values() for name in table}
    | {name for table in DEVICE_TABLES.values() for name in table}
    | {name for table in PRESENCE.values() for name in table}
    | {"METER_RATE", "LINK_STATUS", "AUDIO_IN_LVL_L", "AUDIO_IN_LVL_R", "ALL", "MODEL"}
)
VALUES = st.one_of(
    st.sampled_from(
        ["000", "005", "255", "65535", "65533", "-1", "UNKN", "U", "", "ON", "OFF", "MUTE"]
    ),
    st.sampled_from(["online", "offline", "AX", "XB", "BBBB", "--,--", "01,02", "0526225"]),
    st.integers(-(10**12), 10**12).map(str),
    st.just("9" * 400),
    st.text(max_size=40),
    st.text(alphabet="0123456789ABRX-+.,", max_size=12),
)
messages = st.builds(
    Message,
    st.sampled_from(["REP", "REPORT", "SAMPLE"]),
    st.one_of(st.none(), st.integers(-1, 6)),
    st.sampled_from(PARAMS),
    st.lists(VALUES, max_size=12).map(tuple),
)
CLEAN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
#: The families the Shure decoder serves (Sennheiser families have their own client).
SHURE_FAMILIES = [family for family in Family if family in CAPABILITIES]
GAIN = {Family.PSM1000: (-70, 10)}
FREQUENCY = {Family.UHFR: (400, 1000), Family.PSM1000: (400, 1000)}


def _text_ok(value: object, width: int) -> bool:
    return value is None or (
        isinstance(value, str)
        and 0 < len(value) <= width
        and all(unicodedata.category(char) not in CLEAN_CATEGORIES for char in value)
    )


def _within(value: object, low: float, high: float) -> bool:
    return value is None or (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def _check_channel(family: Family, channel: ChannelState) -> None:
    assert _text_ok(channel.name, 31)
    assert _text_ok(channel.tx_name, 31)
    for name in ("tx_model", "battery_type", "tx_power"):
        assert _text_ok(getattr(channel, name), 16), name
    assert _text_ok(channel.group_channel, 10)
    for name in ("tx_on", "tx_muted", "muted", "interference", "encryption_warning"):
        assert getattr(channel, name) in {None, True, False}, name
    assert _within(channel.tx_offset_db, -12, 21)
    assert _within(channel.battery_bars, 0, 5)
    assert _within(channel.battery_percent, 0, 100)
    assert _within(channel.battery_health_percent, 0, 100)
    assert _within(channel.battery_runtime_min, 0, 65532)
    assert channel.battery_runtime_status is None or isinstance(
        channel.battery_runtime_status, BatteryRuntimeStatus
    )
    assert _within(channel.battery_cycles, 0, 65534)
    assert _within(channel.battery_temperature_c, -40, 125)
    assert _within(channel.frequency_mhz, *FREQUENCY.get(family, (170, 1900)))
    assert _within(channel.gain_db, *GAIN.get(family, (-18, 42)))
    assert _within(channel.quality, 0, 5)
    for name in ("rf_level_dbm", "audio_level_dbfs", "audio_peak_dbfs"):
        assert _within(getattr(channel, name), -130, 0), name
    assert len(channel.rf_antenna_dbm) <= 4
    assert all(_within(level, -130, 0) for level in channel.rf_antenna_dbm)
    assert channel.antenna is None or (
        0 < len(channel.antenna) <= 4 and set(channel.antenna) <= set("ABCD")
    )
    assert _within(channel.rf_meter, 0, 100)
    assert _within(channel.audio_meter, 0, 100)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHURE_FAMILIES), st.integers(1, 4), st.lists(messages, max_size=20))
def test_decoder_keeps_every_field_in_range(
    family: Family, channels: int, batch: list[Message]
) -> None:
    state = ReceiverState(ReceiverInfo(family, "test", channels, "127.0.0.1", 2202))
    decoder = Decoder(state)
    for message in batch:
        update = decoder.apply(message)
        assert update is None or update.fields
    assert set(state.channels) <= set(range(1, channels + 1))
    for channel in state.channels.values():
        _check_channel(family, channel)
    assert _within(state.meter_rate_ms, 0, 65535)
    assert _text_ok(state.device_id, 31)
    assert _text_ok(state.firmware, 32)
    assert _text_ok(state.encryption, 16)
    assert _text_ok(state.info.rf_band, 8)
    assert state.identifying in {None, True, False}
