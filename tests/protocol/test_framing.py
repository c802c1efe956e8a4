"""Stream framing: split, merged, padded, garbage."""

from custom_components.micboard.devices.shure.framing import (
    BracketParser,
    Message,
    parse_body,
    parse_star_datagram,
)


def test_split_and_merged_segments() -> None:
    parser = BracketParser()
    stream = b"< REP 1 CHAN_NAME {Lead Vox                       } >< REP 1 BATT_BARS 004 >"
    messages = [m for byte in stream for m in parser.feed(bytes([byte]))]
    assert messages == [
        Message("REP", 1, "CHAN_NAME", ("Lead Vox",)),
        Message("REP", 1, "BATT_BARS", ("004",)),
    ]
    assert parser.feed(stream + stream) == messages + messages


def test_braces_may_hold_delimiters_and_blank_text() -> None:
    parser = BracketParser()
    assert parser.feed(b"< REP 2 CHAN_NAME {a>b<c   } >< REP 1 CHAN_NAME {        } >") == [
        Message("REP", 2, "CHAN_NAME", ("a>b<c",)),
        Message("REP", 1, "CHAN_NAME", ("",)),
    ]


def test_error_reply_and_device_properties() -> None:
    assert BracketParser().feed(b"< REP ERR >< REP DEVICE_ID {Stage L } >") == [
        Message("REP", None, "ERR", ()),
        Message("REP", None, "DEVICE_ID", ("Stage L",)),
    ]
    assert Message("REP", None, "ERR", ()).is_error


def test_garbage_between_and_inside_messages_is_skipped() -> None:
    parser = BracketParser()
    messages = parser.feed(b"\x00\xffnoise< REP 1 AUDIO_GAIN 030 >\r\n<<< REP 1 TX_TYPE ULXD2 >")
    assert messages == [
        Message("REP", 1, "AUDIO_GAIN", ("030",)),
        Message("REP", 1, "TX_TYPE", ("ULXD2",)),
    ]
    assert parser.discarded > 0
    assert parser.malformed == 2


def test_truncated_message_is_dropped_when_a_new_one_starts() -> None:
    parser = BracketParser()
    assert parser.feed(b"< REP 1 BATT_B< REP 1 BATT_BARS 003 >") == [
        Message("REP", 1, "BATT_BARS", ("003",))
    ]
    assert parser.malformed == 1


def test_unknown_verbs_and_empty_messages_are_malformed() -> None:
    parser = BracketParser()
    assert parser.feed(b"< >< HELLO 1 X >< REP 1 >< REP 1 !! >") == []
    assert parser.malformed == 4


def test_overlong_input_is_discarded() -> None:
    parser = BracketParser()
    assert parser.feed(b"<" + b"x" * 5000) == []
    assert parser.feed(b"< REP 1 BATT_BARS 002 >") == [Message("REP", 1, "BATT_BARS", ("002",))]


def test_psm1000_crlf_and_report_verb() -> None:
    parser = BracketParser()
    assert parser.feed(b"< REPORT 1 CHAN_NAME IEM 1 >\r\n< REPORT 2 RF_MUTE 1 >\r\n") == [
        Message("REPORT", 1, "CHAN_NAME", ("IEM", "1")),
        Message("REPORT", 2, "RF_MUTE", ("1",)),
    ]


def test_uhfr_datagrams() -> None:
    assert parse_star_datagram(b"* REPORT 1 TX_BAT 4 *") == [Message("REPORT", 1, "TX_BAT", ("4",))]
    assert parse_star_datagram(b"* SAMPLE 2 ALL AX 040 090 U 015 ** REPORT 1 MUTE OFF *") == [
        Message("SAMPLE", 2, "ALL", ("AX", "040", "090", "U", "015")),
        Message("REPORT", 1, "MUTE", ("OFF",)),
    ]
    assert parse_star_datagram(b"\xff\x00 junk") == []


def test_parse_body_slot_index_after_name() -> None:
    assert parse_body(" REP 1 SLOT_TX_MODEL 2 {SLXD1+    } ") == Message(
        "REP", 1, "SLOT_TX_MODEL", ("2", "SLXD1+")
    )
    assert parse_body("REP 1 GROUP_CHANNEL {--,--} extra") == Message(
        "REP", 1, "GROUP_CHANNEL", ("--,--", "extra")
    )
