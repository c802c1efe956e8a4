"""The event-stream parser and the small helpers around it."""

from __future__ import annotations

import pytest

from custom_components.micboard.devices.sennheiser.ssc2.apply import normalize
from custom_components.micboard.devices.sennheiser.ssc2.client import session_id
from custom_components.micboard.devices.sennheiser.ssc2.sse import Event, Parser


def feed_all(parser: Parser, chunks: list[bytes]) -> list[Event]:
    events: list[Event] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    return events


STREAM = (
    b": a comment\r\n"
    b'event:open\r\ndata:{"sessionUUID":"u1"}\r\n\r\n'
    b'data: {"a":1}\n\n'
    b'data:{"b":\r'
    b"data:2}\r\r"
    b"event: close\ndata:\n\n"
)
EXPECTED = [
    Event("open", '{"sessionUUID":"u1"}'),
    Event("message", '{"a":1}'),
    Event("message", '{"b":\n2}'),
    Event("close", ""),
]


def test_whole_stream() -> None:
    assert Parser().feed(STREAM) == EXPECTED


def test_byte_by_byte_including_split_crlf() -> None:
    parser = Parser()
    assert feed_all(parser, [STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


@pytest.mark.parametrize("size", [2, 3, 5, 7, 11])
def test_any_chunking(size: int) -> None:
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert feed_all(Parser(), chunks) == EXPECTED


def test_comments_ids_and_unknown_fields_are_skipped() -> None:
    assert Parser().feed(b":keepalive\nid: 7\nretry: 10\nfoo\n\n") == []


def test_a_huge_line_is_dropped_with_its_event_and_the_buffer_stays_bounded() -> None:
    parser = Parser(max_line=1000)
    events = parser.feed(b'data:{"x":1}\ndata:' + b"y" * 5000)
    for _ in range(100):
        events += parser.feed(b"z" * 10_000)
        assert len(parser._line) <= 1000
    events += parser.feed(b'\n\ndata:{"ok":true}\n\n')
    assert events == [Event("message", '{"ok":true}')]
    assert parser.dropped == 1


def test_an_oversized_event_is_dropped() -> None:
    parser = Parser(max_line=100, max_event=250)
    lines = b"".join(b"data:" + b"a" * 90 + b"\n" for _ in range(5))
    assert parser.feed(lines + b"\ndata:fine\n\n") == [Event("message", "fine")]
    assert parser.dropped == 1


def test_invalid_utf8_does_not_raise() -> None:
    assert Parser().feed(b"data:\xff\xfe\n\n") == [Event("message", "\ufffd\ufffd")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0b7c1f0e-2d4b-4c8e-9a39-1c2d3e4f5a6b", "0b7c1f0e-2d4b-4c8e-9a39-1c2d3e4f5a6b"),
        ("/api/ssc/state/subscriptions/abc-1", "abc-1"),
        ("https://192.0.2.1/api/ssc/state/subscriptions/abc-1/", "abc-1"),
        ("", None),
        ("/api/ssc/state/subscriptions/a b", None),
        (42, None),
        (None, None),
    ],
)
def test_session_id(value: object, expected: str | None) -> None:
    assert session_id(value) == expected


def test_normalize_paths() -> None:
    assert normalize("/api/channel/0") == "/api/channel/0"
    assert normalize("/device/site") == "/api/device/site"
    assert normalize("/api/channel/0/") == "/api/channel/0"
    assert normalize("channel") is None
    assert normalize(5) is None
    assert normalize("/" + "a" * 300) is None
