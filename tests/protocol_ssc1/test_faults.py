"""Hostile input never raises out of the SSC v1 client and keeps its state in range."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.micboard.devices.models import ChannelState, ReceiverInfo, ReceiverState
from custom_components.micboard.devices.sennheiser.ssc1 import codec, dialects
from custom_components.micboard.devices.sennheiser.ssc1.apply import Applier, Changes

from .conftest import ClientFactory, SimFactory
from .helpers import FAST, dumps, eventually

HOSTILE: list[bytes] = [
    b"{not json",
    b"\xff\xfe\x00garbage",
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
    b"{}",
    b"\x00" * 100,
    b"[" * 60_000,
    b'{"a":' * 15_000 + b"1" + b"}" * 15_000,
    b'{"rx1":{"name":"' + b"A" * 65_000 + b'"}}',  # about 64 KiB in one datagram
    dumps({"rx1": {"warnings": ["RfPeak"] * 5_000}}),
    dumps({"rx1": {"name": 123, "mute": "yes", "frequency": "550000", "warnings": {"a": 1}}}),
    dumps({"rx2": {"name": None, "mute": 7, "frequency": True, "gain": 1e300}}),
    dumps({"mates": {"active": "mates/tx1"}}),
    dumps({"mates": {"active": [1, None, {"x": 1}, "mates/tx99", "tx0"]}}),
    dumps({"mates": {"tx1": {"battery": {"gauge": "80", "lifetime": -5, "type": 5}}}}),
    dumps({"mates": {"tx1": {"battery": {"gauge": 101}, "name": ["x"], "warnings": "Low"}}}),
    dumps({"mates": {"tx99": {"battery": {"gauge": 5}}, "tx1": 5}}),
    dumps({"m": {"rx1": {"rssi": "x", "rsqi": 400, "divi": 7, "af": 1e308}}}),
    b'{"m":{"rx1":{"rssi":NaN,"af":-Infinity,"rsqi":Infinity}}}',
    dumps({"m": {"rx1": [1, 2]}, "mm": "x"}),
    dumps({"rx9": {"name": "NINE"}, "rx0": {"name": "ZERO"}, "rxx": {"name": "X"}}),
    dumps({"foo": {"bar": 1}, "bays": {"bat_gauge": [1, 2, 3]}}),
    dumps({"rx1": {"name": "AB\u0000\u202eCD\u200bEF\x1b[31m" + "x" * 100}}),
    dumps({"device": {"name": "\u0007" * 40 + "DEV" + "Z" * 100, "identity": {"version": 5}}}),
    dumps({"osc": {"error": "weird"}}),
    dumps({"osc": {"error": [{"rx1": {"name": [310]}}, 5, "x", {"mates": {"tx2": [424, 7]}}]}}),
    dumps({"osc": {"error": {"osc": {"state": {"subscribe": ["x"]}}}}}),
    dumps({"osc": {"xid": "abc", "state": {"subscribe": [{"#": {"lifetime": "forever"}}, 3]}}}),
    dumps({"osc": {"state": {"subscribe": [{"#": {"lifetime": 1e-9}}]}}}),
]


def assert_in_range(channel: ChannelState, name_width: int = 8) -> None:
    if channel.name is not None:
        assert 1 <= len(channel.name) <= name_width
        assert channel.name.isprintable()
    for percent in (
        channel.battery_percent,
        channel.link_quality_percent,
        channel.battery_health_percent,
    ):
        assert percent is None or 0 <= percent <= 100
    assert channel.battery_runtime_min is None or 0 <= channel.battery_runtime_min <= 100 * 60
    for level in (channel.rf_level_dbm, channel.audio_level_dbfs, *channel.rf_antenna_dbm):
        assert level is None or (math.isfinite(level) and -150 <= level <= 20)
    assert channel.frequency_mhz is None or 30 <= channel.frequency_mhz <= 3000
    assert channel.antenna in (None, "A", "B")
    assert len(channel.warnings) <= 32
    assert all(len(w) <= 32 and w.isprintable() for w in channel.warnings)
    assert channel.tx_name is None or (len(channel.tx_name) <= 18 and channel.tx_name.isprintable())
    for flag in (channel.muted, channel.tx_muted, channel.interference, channel.low_signal):
        assert flag in (None, True, False)


async def test_hostile_datagrams_are_ignored(
    sim: SimFactory, client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device, meter_rate_ms=200)
    link = receiver._link
    assert link is not None
    malformed_before = link.malformed
    for payload in HOSTILE:
        device.emit_raw(payload)
    device.rename(2, "AFTER")
    await eventually(lambda: receiver.state.channel(2).name == "AFTER", what="still working")
    # not JSON objects, or too large (the 64 KiB one and the deep nestings): dropped unread
    assert link.malformed - malformed_before == 9
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await asyncio.sleep(FAST.keepalive_interval)
    assert receiver._link is link, "the link was kept"
    assert receiver.connected
    assert len(receiver.state.channels) == 2
    for channel in receiver.state.channels.values():
        assert_in_range(channel)
    assert receiver.state.device_id is None or len(receiver.state.device_id) <= 18
    assert receiver.state.channel(1).name is not None
    assert "\u202e" not in (receiver.state.channel(1).name or "")


async def test_unknown_paths_leave_state_alone(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    before = receiver.state.as_dict()
    device.emit_raw(dumps({"rx3": {"name": "X"}, "zz": {"name": "Y"}, "m": {"rx5": {"rssi": -1}}}))
    device.rename(1, "MARK")
    await eventually(lambda: receiver.state.channel(1).name == "MARK")
    after = receiver.state.as_dict()
    after["channels"][1]["name"] = before["channels"][1]["name"]
    assert after == before


def test_decode_rejects_large_and_non_objects() -> None:
    assert codec.decode(b'{"a":1}') == {"a": 1}
    assert codec.decode(b'{"a":1}\r\n') == {"a": 1}
    assert codec.decode(b"x" * (codec.MAX_MESSAGE_BYTES + 1)) is None
    assert codec.decode(b"[" * 5000) is None
    assert codec.decode(b"[]") is None
    assert codec.decode(b"\xff") is None


def test_error_leaves_in_every_shape() -> None:
    full = {"osc": {"error": [{"mates": {"tx2": {"battery": {"gauge": [424, {"desc": "x"}]}}}}]}}
    bare = {"osc": {"error": [{"rx9": {"name": [404]}}]}}
    tree = {"osc": {"error": {"rx1": {"name": 454}}}}
    assert codec.errors(full) == [(("mates", "tx2", "battery", "gauge"), 424)]
    assert codec.errors(bare) == [(("rx9", "name"), 404)]
    assert codec.errors(tree) == [(("rx1", "name"), 454)]
    assert codec.errors({"osc": {"error": [{"rx1": {"name": [True]}}]}}) == []


def test_tables_are_bounded() -> None:
    wide = {f"k{i}": i for i in range(5_000)}
    assert len(codec.leaves(wide)) == codec.MAX_LEAVES
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(50):
        deep = {"d": deep}
    assert codec.leaves(deep) == []
    assert codec.words(["x" * 100] * 100) == ("x" * 32,) * 16


KEYS = st.sampled_from(
    [
        "rx1", "rx2", "rx4", "rx9", "m", "mates", "tx1", "tx2", "active", "battery", "gauge",
        "lifetime", "type", "name", "mute", "frequency", "warnings", "rssi", "rsqi", "divi",
        "af", "mm", "skx", "bays", "bat_gauge", "bat_lifetime", "bat_type", "device_type",
        "bat_timetofull", "state", "device", "identity", "serial", "osc", "error", "mute_state",
        "active_warnings", "bat_bars", "bat_health", "bat_cycles",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["70%", "5:12", "NONE", "mates/tx1", "tx2", "RfPeak", "LowSignal"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=20) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=25,
)
TREES = st.dictionaries(KEYS, JSON, max_size=6)
DIALECTS = [
    dialects.lookup(product)
    for product in ("EW-DX EM 4 Dante", "EM 6000", "SL Rack Receiver DW", "ew D1", "CHG 70N")
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREES, min_size=1, max_size=5))
def test_applier_never_raises_and_stays_in_range(messages: list[dict[str, Any]]) -> None:
    for dialect in DIALECTS:
        assert dialect is not None
        state = ReceiverState(ReceiverInfo(dialect.family, "X", dialect.channels, "h", 45))
        applier = Applier(state, dialect)
        for message in messages:
            # what the transport would deliver: JSON text round trip
            decoded = codec.decode(json.dumps(message).encode())
            if decoded is None:
                continue
            changes = Changes()
            applier.message(decoded, changes)
            changes.updates()
        assert set(state.channels) <= set(range(1, dialect.channels + 1))
        for channel in state.channels.values():
            assert_in_range(channel, dialect.name_width)
            if channel.tx_on is False and dialect.family.value != "chg_70n":
                assert channel.battery_percent is None
