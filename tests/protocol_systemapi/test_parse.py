"""Payload parsing: durations, battery, channels, nodes, inventory shapes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from custom_components.micboard.devices.shure_systemapi import parse


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("PT385M", 385),
        ("PT853M", 853),
        ("PT6H25M", 385),
        ("P1DT2H", 1560),
        ("P1DT2H30M15S", 1590),
        ("PT0S", 0),
        ("PT59S", 0),
        ("PT90S", 1),
        ("PT1.5H", 90),
        ("PT1,5H", 90),
        ("P1W", 10080),
        ("pt5m", 5),
        (" PT5M ", 5),
        ("06:25:00", 385),
        ("1.02:00:00", 1560),
    ],
)
def test_iso_durations(text: str, minutes: int) -> None:
    assert parse.duration_minutes(text) == minutes


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "P",
        "PT",
        "P1Y",
        "P1M",
        "-PT5M",
        "PT5X",
        "5",
        "abc",
        385,
        38.5,
        True,
        ["PT5M"],
        "P999D",
        "06:75:00",
        "PT" + "9" * 40 + "M",
    ],
)
def test_bad_durations_are_unknown(value: Any) -> None:
    assert parse.duration_minutes(value) is None


def test_battery_level() -> None:
    discharging = parse.battery(
        {
            "percentage": 87,
            "status": {
                "currentState": "DISCHARGING",
                "targetState": "EMPTY",
                "timeToTargetState": "PT385M",
            },
        }
    )
    assert discharging == parse.Battery(87, False, False, 385, None)
    charging = parse.battery(
        {
            "percentage": 40,
            "status": {
                "currentState": "charging",
                "targetState": "FULL",
                "timeToTargetState": "PT2H",
            },
        }
    )
    assert charging == parse.Battery(40, True, False, None, 120)
    settled = parse.battery(
        {
            "percentage": 100,
            "status": {"currentState": "FULL", "targetState": None, "timeToTargetState": None},
        }
    )
    assert settled == parse.Battery(100, False, False, None, None)
    calculating = parse.battery({"status": {"currentState": "CALCULATING"}})
    assert calculating.calculating
    assert calculating.percent is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "87",
        {"percentage": "87"},
        {"percentage": 101},
        {"percentage": True},
        {"percentage": float("nan")},
        {"status": "CHARGING"},
        {"status": {"currentState": 3}},
    ],
)
def test_battery_garbage_is_unknown(payload: Any) -> None:
    battery = parse.battery(payload)
    assert battery.percent is None
    assert battery.charging is None
    assert battery.runtime_min is None
    assert battery.time_to_full_min is None


def test_activity_levels() -> None:
    assert [parse.activity(v) for v in ("LOW", "GOOD", "CLIPPING", "Good")] == [
        "low",
        "good",
        "clipping",
        "good",
    ]
    assert [parse.activity(v) for v in ("LOUD", "", None, 3, ["LOW"])] == [None] * 5


def _id(data: Any) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_channel_ids_are_decoded_only_to_sort() -> None:
    short = _id({"t": "AudioChannel", "c": "ADTQ", "v": 131088, "s": "CH", "i": 0})
    assert parse.channel_index(short) == 0
    long_form = _id({"type": "AudioChannel", "index": 7})
    assert parse.channel_index(long_form) == 7
    urlsafe = base64.urlsafe_b64encode(b'{"i":3,"s":"~~~???"}').decode().rstrip("=")
    assert parse.channel_index(urlsafe) == 3
    for garbage in ("", "!!!", _id([1, 2]), _id({"i": "x"}), _id({"i": -1}), "bm90IGpzb24="):
        assert parse.channel_index(garbage) is None
    listed = [
        {"id": _id({"i": 2}), "capabilities": ["gain"]},
        {"id": "opaque-b"},
        {"id": _id({"i": 0}), "capabilities": ["name", 5, None]},
        {"id": "opaque-a"},
        {"id": _id({"i": 2})},  # duplicate
        {"id": 5},
        "junk",
    ]
    channels = parse.audio_channels(listed)
    assert [c.channel_id for c in channels] == [
        _id({"i": 0}),
        _id({"i": 2}),
        "opaque-b",
        "opaque-a",
    ]
    assert channels[0].capabilities == {"name"}
    assert parse.audio_channels({"items": listed}) == channels
    assert len(parse.audio_channels([{"id": _id({"i": n})} for n in range(500)])) == 64


def test_inventory_shapes_and_cursor() -> None:
    node = {"hardwareIdentity": {"deviceId": "d1"}}
    assert parse.items([node], 10) == [node]
    assert parse.items({"edges": [{"node": node}, "junk"]}, 10) == [node]
    assert parse.items({"items": [node]}, 10) == [node]
    assert parse.items({"data": [node]}, 10) == []
    assert parse.items("nope", 10) == []
    assert parse.is_inventory([])
    assert parse.is_inventory({"edges": []})
    assert not parse.is_inventory({"title": "Not Found"})
    assert not parse.is_inventory("<html>")
    page = {"pageInfo": {"hasNextPage": True, "endCursor": "abc"}, "edges": []}
    assert parse.next_cursor(page) == "abc"
    assert parse.next_cursor({"pageInfo": {"hasNextPage": "yes", "endCursor": "abc"}}) is None
    assert parse.next_cursor({"pageInfo": {"hasNextPage": True, "endCursor": 5}}) is None
    assert parse.next_cursor({"pageInfo": {"hasNextPage": False, "endCursor": "abc"}}) is None


def test_device_nodes() -> None:
    found = parse.node(
        {
            "hardwareIdentity": {"deviceId": "d1", "serialNumber": "2EL15926803"},
            "softwareIdentity": {"model": "AD8C", "firmwareVersion": "1.4.0"},
            "deviceState": "online",
            "communicationProtocol": {"name": "ESTA.DMP", "address": "10.0.0.5"},
            "capabilities": ["Identify", "name", 7, None, "x" * 500],
        }
    )
    assert found == parse.Node(
        "d1", "2EL15926803", "AD8C", "1.4.0", "ONLINE", "10.0.0.5", frozenset({"identify", "name"})
    )
    assert found.online
    odd = parse.node(
        {
            "hardwareIdentity": {"deviceId": "d2", "serialNumber": 42},
            "softwareIdentity": "AD8C",
            "deviceState": "EXPLODED",
            "communicationProtocol": None,
            "capabilities": "identify",
        }
    )
    assert odd == parse.Node("d2", None, None, None, None, None, frozenset())
    assert not odd.online
    assert parse.node({"hardwareIdentity": {"deviceId": 5}}) is None
    assert parse.node(["d1"]) is None
    assert parse.text("a\x00b\nc  ") == "abc"
    assert parse.text("x" * 100) == "x" * 64
