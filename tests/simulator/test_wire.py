"""Pure wire helpers: padding, braces, tokenizing, framing."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from simulator.wire import (
    BracketFramer,
    Frame,
    Malformed,
    braced,
    num,
    parse_int,
    parse_text,
    split_star,
    tokenize,
)


def test_padding() -> None:
    assert num(7, 3) == "007"
    assert num(607, 5) == "00607"
    assert num(594075, 7) == "0594075"
    assert braced("Lead Vox", 31) == "{Lead Vox" + " " * 23 + "}"
    assert braced("", 8) == "{        }"
    assert braced("much too long name", 8) == "{much too}"


def test_tokenize_keeps_braced_text() -> None:
    assert tokenize(" SET  1 CHAN_NAME {Lead Vox} ") == ["SET", "1", "CHAN_NAME", "{Lead Vox}"]
    assert tokenize("REP 1 CHAN_NAME {a  }") == ["REP", "1", "CHAN_NAME", "{a  }"]
    with pytest.raises(Malformed):
        tokenize("SET 1 CHAN_NAME {oops")


def test_parse_int_and_text() -> None:
    assert parse_int("040", 0, 60) == 40
    assert parse_int("40", 0, 60) == 40
    assert parse_int("-010", -67, 0, signed=True) == -10
    for bad in ("61", "x1", "-1", ""):
        with pytest.raises(Malformed):
            parse_int(bad, 0, 60)
    assert parse_text(["{Lead Vox}"], 8) == "Lead Vox"
    assert parse_text(["Lead", "Vox"], 8) == "Lead Vox"
    assert parse_text(["{}"], 8) == ""
    with pytest.raises(Malformed):
        parse_text(["{Too long name}"], 8)


def test_framer_split_and_merged_segments() -> None:
    f = BracketFramer()
    assert f.feed(b"< GET 1 CHA") == []
    assert f.feed(b"N_NAME >\r\n< GET 2 ALL ><GET 1 AUDIO_GAIN>") == [
        Frame("< GET 1 CHAN_NAME >"),
        Frame("< GET 2 ALL >"),
        Frame("<GET 1 AUDIO_GAIN>"),
    ]
    assert f.feed(b"\r\n") == []
    assert f.pending == ""
    assert f.feed(b"junk < GET 1 ALL >") == [Frame("junk"), Frame("< GET 1 ALL >")]


def test_framer_crlf_required() -> None:
    f = BracketFramer(require_crlf=True)
    assert f.feed(b"< GET 1 CHAN_NAME >") == []  # CR LF may still come
    assert f.feed(b"\r") == []
    assert f.feed(b"\n") == [Frame("< GET 1 CHAN_NAME >")]
    # a command without CR LF is ignored when something else follows it
    assert f.feed(b"< GET 1 RF_MUTE >< GET 2 RF_MUTE >\r\n") == [
        Frame("< GET 1 RF_MUTE >", accepted=False),
        Frame("< GET 2 RF_MUTE >"),
    ]


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=40))
def test_framer_any_segmentation(cuts: list[int]) -> None:
    stream = b"< GET 1 ALL >\r\n< SET 1 CHAN_NAME {A > B} >< GET 2 FREQUENCY >"
    f = BracketFramer()
    out: list[Frame] = []
    pos = 0
    for c in cuts * 20:
        out += f.feed(stream[pos : pos + c])
        pos += c
    out += f.feed(stream[pos:])
    assert [fr.text for fr in out] == [
        "< GET 1 ALL >",
        "< SET 1 CHAN_NAME {A >",
        "B} >",
        "< GET 2 FREQUENCY >",
    ]


def test_split_star() -> None:
    assert split_star(b"* GET 1 CHAN_NAME *") == ["* GET 1 CHAN_NAME *"]
    assert split_star(b"* GET 1 TX_BAT ** GET 2 TX_BAT *\r\n") == [
        "* GET 1 TX_BAT *",
        "* GET 2 TX_BAT *",
    ]
    assert split_star(b"garbage") == ["garbage"]
