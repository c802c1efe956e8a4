"""The parsers survive random and adversarial byte streams."""

import random

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.micboard.devices.models import Family, ReceiverInfo, ReceiverState
from custom_components.micboard.devices.shure import CAPABILITIES
from custom_components.micboard.devices.shure.decoder import Decoder
from custom_components.micboard.devices.shure.discovery import parse_announcement
from custom_components.micboard.devices.shure.framing import BracketParser, parse_star_datagram

TOKENS = [
    b"<",
    b">",
    b"{",
    b"}",
    b" ",
    b"*",
    b"\r\n",
    b"REP",
    b"REPORT",
    b"SAMPLE",
    b"ALL",
    b"ERR",
    b"1",
    b"4",
    b"9",
    b"255",
    b"65535",
    b"-",
    b"CHAN_NAME",
    b"BATT_BARS",
    b"TX_TYPE",
    b"RSSI",
    b"TX_BATT_MINS",
    b"AX",
    b"XX",
    b"UNKN",
    b"\x00",
    b"\xff",
]

adversarial = st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join)
streams = st.one_of(st.binary(max_size=300), adversarial)


def _states() -> list[Decoder]:
    return [
        Decoder(ReceiverState(ReceiverInfo(family, "X", 4, "127.0.0.1", 2202)))
        for family in Family
        if family in CAPABILITIES  # Shure families only
    ]


DECODERS = _states()


@settings(max_examples=1_500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(streams, min_size=1, max_size=4))
def test_bracket_stream_never_raises(chunks: list[bytes]) -> None:
    parser = BracketParser()
    for chunk in chunks:
        for message in parser.feed(chunk):
            for decoder in DECODERS:
                decoder.apply(message)


@settings(max_examples=1_500, deadline=None)
@given(streams)
def test_star_datagrams_never_raise(data: bytes) -> None:
    for message in parse_star_datagram(data):
        for decoder in DECODERS:
            decoder.apply(message)


@settings(max_examples=1_500, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.binary(max_size=60).map(lambda b: b"\x02\x07" + b)))
def test_announcements_never_raise(data: bytes) -> None:
    parse_announcement(data, "127.0.0.1")


@settings(max_examples=1_500, deadline=None)
@given(
    st.sampled_from(["REP", "REPORT", "SAMPLE"]),
    st.integers(min_value=0, max_value=9),
    st.sampled_from(
        [
            "CHAN_NAME",
            "BATT_BARS",
            "BATT_RUN_TIME",
            "TX_TYPE",
            "TX_MODEL",
            "RSSI",
            "ALL",
            "FREQUENCY",
            "AUDIO_GAIN",
            "TX_BAT",
            "METER_RATE",
            "LINK_STATUS",
            "RF_MUTE",
            "TX_BATT_MINS",
            "AUDIO_IN_LVL_L",
            "GROUP_CHAN",
            "TX_OFFSET",
            "BATT_TEMP_C",
        ]
    ),
    st.lists(st.text(alphabet="0123456789ABXU-+,. ", max_size=8), max_size=12),
)
def test_decoder_accepts_any_arguments(verb: str, index: int, param: str, args: list[str]) -> None:
    line = f"< {verb} {index} {param} {' '.join(args)} >".encode()
    for message in BracketParser().feed(line):
        for decoder in DECODERS:
            decoder.apply(message)


REAL_LINES = [
    b"< REP 1 CHAN_NAME {Lead Vox                       } >",
    b"< REP 2 BATT_BARS 004 >",
    b"< REP 1 BATT_RUN_TIME 00607 >",
    b"< REP 1 TX_TYPE ULXD2 >",
    b"< SAMPLE 1 ALL AX 079 034 >",
    b"< SAMPLE 3 ALL 255 000 005 020 XX 00 005 00 006 >",
    b"< SAMPLE 1 ALL 102 102 086 >",
    b"< REP 1 RSSI 2 064 >",
    b"< REP 1 SLOT_BATT_BARS 8 255 >",
    b"< REP ERR >",
    b"< REPORT 1 CHAN_NAME IEM 1 >\r\n",
    b"* SAMPLE 1 ALL AX 040 090 4 015 *",
]


def _mutate(rng: random.Random, line: bytes) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randrange(4)):
        position = rng.randrange(len(data) + 1)
        action = rng.randrange(3)
        if action == 0 and data:
            del data[min(position, len(data) - 1)]
        elif action == 1:
            data[position:position] = rng.choice(TOKENS)
        else:
            data[position:position] = rng.randbytes(1)
    return bytes(data)


def test_100k_seeded_streams_never_raise() -> None:
    """100 000 random and adversarial chunks through every parser and decoder."""
    rng = random.Random(2202)
    parser = BracketParser()
    messages = 0
    for _ in range(100_000):
        kind = rng.random()
        if kind < 0.3:
            chunk = rng.randbytes(rng.randrange(40))
        elif kind < 0.5:
            chunk = b"".join(rng.choices(TOKENS, k=rng.randrange(30)))
        else:
            chunk = b"".join(
                _mutate(rng, rng.choice(REAL_LINES)) for _ in range(rng.randrange(1, 4))
            )
            cut = rng.randrange(len(chunk) + 1)
            chunk, rest = chunk[:cut], chunk[cut:]
            for message in parser.feed(rest):
                messages += 1
                for decoder in DECODERS:
                    decoder.apply(message)
        for message in parser.feed(chunk):
            messages += 1
            for decoder in DECODERS:
                decoder.apply(message)
        for message in parse_star_datagram(chunk):
            DECODERS[4].apply(message)
        parse_announcement(b"\x02\x07" + chunk, "127.0.0.1")
    # The mutated real lines must actually produce messages for this to mean much.
    assert messages > 20_000
