"""Wire values to human units: every converter in ``shure/convert.py``."""

from __future__ import annotations

import pytest

from custom_components.micboard.devices.models import BatteryRuntimeStatus
from custom_components.micboard.devices.shure import convert


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("000", 0),
        ("007", 7),
        ("65535", 65535),
        ("+5", 5),
        ("-018", -18),
        ("", None),
        ("+", None),
        ("-", None),
        ("1.5", None),
        (" 5", None),
        ("5 ", None),
        ("0x10", None),
        ("AX", None),
        ("١٢", None),  # Arabic-Indic digits are digits to Python, not to the wire
        ("²", None),
    ],
)
def test_number(raw: str, expected: int | None) -> None:
    assert convert.number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "offset", "expected"),
    [
        ("000", 0, 0),
        ("012", 12, 0),
        ("000", 12, -12),
        ("064", 40, 24),
        ("254", 0, 254),
        ("255", 0, None),
        ("255", 40, None),
        ("", 0, None),
        ("UNKN", 0, None),
    ],
)
def test_gauge(raw: str, offset: int, expected: int | None) -> None:
    assert convert.gauge(raw, offset) == expected


def test_gauge_default_offset() -> None:
    assert convert.gauge("021") == 21


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("000", 0),
        ("057", 57),
        ("100", 100),
        ("101", None),
        ("255", None),
        ("-1", None),
        ("", None),
        ("abc", None),
    ],
)
def test_percent(raw: str, expected: int | None) -> None:
    assert convert.percent(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("000", 0),
        ("5", 5),
        ("005", 5),
        ("006", None),
        ("255", None),
        ("U", None),
        ("-1", None),
        ("", None),
    ],
)
def test_bars(raw: str, expected: int | None) -> None:
    assert convert.bars(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00000", (0, None)),
        ("00607", (607, None)),
        ("65532", (65532, None)),
        ("65533", (None, BatteryRuntimeStatus.COMMUNICATION_WARNING)),
        ("65534", (None, BatteryRuntimeStatus.CALCULATING)),
        ("65535", (None, BatteryRuntimeStatus.UNKNOWN)),
        ("99999", (None, BatteryRuntimeStatus.UNKNOWN)),
        ("", (None, None)),
        ("UNKN", (None, None)),
    ],
)
def test_runtime(raw: str, expected: tuple[int | None, BatteryRuntimeStatus | None]) -> None:
    assert convert.runtime(raw) == expected


def test_runtime_is_never_negative() -> None:
    """Minutes of battery left cannot be negative: a signed token is not a runtime."""
    assert convert.runtime("-00001") == (None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("00000", 0), ("00038", 38), ("65534", 65534), ("65535", None), ("", None), ("x", None)],
)
def test_count(raw: str, expected: int | None) -> None:
    assert convert.count(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("526225", 526.225),  # ULX-D, 6 digits kHz
        ("0594075", 594.075),  # AD / SLX-D, 7 digits with a leading zero
        ("1240000", 1240.0),
        (" 470125 ", 470.125),
        ("526.225", 526.225),  # already MHz
        ("000000", None),
        ("0", None),
        ("", None),
        ("  ", None),
        ("0.0", None),
        ("-1.5", None),
        ("nan.", None),
        ("inf.", None),
        ("1.0e400", None),  # overflows to infinity
        ("nan", None),
        ("1.2.3", None),
        ("abc", None),
        ("--", None),
    ],
)
def test_frequency_mhz(raw: str, expected: float | None) -> None:
    result = convert.frequency_mhz(raw)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_negative_frequency_is_rejected_in_both_forms() -> None:
    """``-526.225`` is refused; the same value in kHz digits must be too."""
    assert convert.frequency_mhz("-526.225") is None
    assert convert.frequency_mhz("-526225") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ON", True),
        ("on", True),
        ("1", True),
        ("YES", True),
        ("TRUE", True),
        ("OFF", False),
        ("off", False),
        ("0", False),
        ("NO", False),
        ("FALSE", False),
        ("UNKN", None),
        ("TOGGLE", None),
        ("", None),
        ("2", None),
    ],
)
def test_on_off(raw: str, expected: bool | None) -> None:
    assert convert.on_off(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ULXD2", "ULXD2"),
        ("lion", "LION"),
        (" NORMAL ", "NORMAL"),
        ("UNKN", None),
        ("UNKNOWN", None),
        ("unk", None),
        ("U", None),
        ("", None),
        ("   ", None),
    ],
)
def test_word(raw: str, expected: str | None) -> None:
    assert convert.word(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Lead Vox                       ", "Lead Vox"),
        ("  padded  ", "padded"),
        ("A  B", "A  B"),
        ("", None),
        ("        ", None),
    ],
)
def test_text(raw: str, expected: str | None) -> None:
    assert convert.text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01,01", "01,01"),
        ("1,12  ", "1,12"),
        ("--,--", None),
        ("-,-", None),
        ("--", None),
        (",", None),
        ("", None),
        ("   ", None),
    ],
)
def test_group_channel(raw: str, expected: str | None) -> None:
    assert convert.group_channel(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AX", "A"),  # ULX-D letters
        ("XB", "B"),
        ("AB", "AB"),
        ("XX", None),
        ("BB", "AB"),  # AD colours: blue
        ("RX", "A"),  # red still counts as active
        ("xb", "B"),
        ("BXBX", "AC"),  # Quadversity
        ("BBBB", "ABCD"),
        ("BBBBB", "ABCD"),  # more LEDs than antennas: ignored
        ("--", None),
        ("", None),
    ],
)
def test_antennas(raw: str, expected: str | None) -> None:
    assert convert.antennas(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-5, 0), (0, 0), (0.4, 0), (63.7, 64), (100, 100), (100.4, 100), (250, 100)],
)
def test_clamp_percent(value: float, expected: int) -> None:
    assert convert.clamp_percent(value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("000", 0),
        ("001", 13),  # lowest LED: ceil(12.5)
        ("003", 25),
        ("007", 38),
        ("015", 50),
        ("127", 88),
        ("128", 100),  # peak LED alone
        ("255", 100),
        ("", None),
        ("U", None),
    ],
)
def test_bitmap_level(raw: str, expected: int | None) -> None:
    assert convert.bitmap_level(raw) == expected


def test_bitmap_level_is_monotonic_in_the_highest_led() -> None:
    levels = [convert.bitmap_level(str((1 << bits) - 1)) for bits in range(9)]
    assert levels == sorted(levels)
    assert levels[0] == 0
    assert levels[-1] == 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00000000000", 0),
        ("10271", 0),
        ("10272", 12),
        ("85488", 38),
        ("2502969", 88),
        ("2502970", 100),
        ("99999999999", 100),
        ("", None),
        ("x", None),
    ],
)
def test_psm_meter(raw: str, expected: int | None) -> None:
    assert convert.psm_meter(raw) == expected


def test_psm_meter_steps_are_monotonic() -> None:
    points = [0, *convert.PSM_METER_STEPS]
    levels = [convert.psm_meter(str(value)) for value in points]
    assert levels == sorted(levels)
    assert len(set(levels)) == len(points)  # every threshold is a new step
    assert levels[-1] == 100


def test_unknown_words() -> None:
    assert {"UNKN", "UNKNOWN", "U", ""} <= convert.UNKNOWN_WORDS
