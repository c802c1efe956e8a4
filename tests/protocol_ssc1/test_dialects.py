"""Product strings to dialects, and the tolerant readings of unconfirmed trees."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.micboard.devices import Family
from custom_components.micboard.devices.models import ReceiverInfo, ReceiverState
from custom_components.micboard.devices.sennheiser.ssc1 import lookup
from custom_components.micboard.devices.sennheiser.ssc1.apply import Applier, Changes


@pytest.mark.parametrize(
    ("product", "family", "channels"),
    [
        ("EW-DX EM 2", Family.EW_DX, 2),
        ("EW-DX EM 2 Dante", Family.EW_DX, 2),
        ("EW-DX EM 4 Dante", Family.EW_DX, 4),
        ("EWDX2CHS", Family.EW_DX, 2),
        ("EWDX4CHDS", Family.EW_DX, 4),
        ("EM 6000", Family.DIGITAL_6000, 2),
        ("EM 6000 Dante", Family.DIGITAL_6000, 2),
        ("SL Rack Receiver DW", Family.SPEECHLINE_DW, 1),
        ("SL MCR 4 DW", Family.SPEECHLINE_DW, 4),
        ("SL MCR 2 DW", Family.SPEECHLINE_DW, 2),
        ("ew D1", Family.EW_D1, 1),
        ("sRX1", Family.EW_D1, 1),
        ("EW-DX CHG 70N-C", Family.CHG_70N, 2),
    ],
)
def test_products(product: str, family: Family, channels: int) -> None:
    dialect = lookup(product)
    assert dialect is not None
    assert (dialect.family, dialect.channels) == (family, channels)


@pytest.mark.parametrize("product", ["", "---", "TeamConnect Ceiling 2", "SL CHG 4N", "ULXD4Q"])
def test_unknown_products(product: str) -> None:
    assert lookup(product) is None


def apply(family_product: str, *messages: dict[str, Any]) -> ReceiverState:
    dialect = lookup(family_product)
    assert dialect is not None
    state = ReceiverState(ReceiverInfo(dialect.family, family_product, dialect.channels, "h", 45))
    applier = Applier(state, dialect)
    for message in messages:
        applier.message(message, Changes())
    return state


def test_speechline_bat_state_answers_with_either_leaf() -> None:
    state = apply(
        "SL Rack Receiver DW",
        {"mates": {"tx1": {"bat_state": {"bat_lifetime": 7200}}}},
        {"mates": {"tx1": {"bat_state": {"bat_gauge": 70}}}},
    )
    ch = state.channel(1)
    assert (ch.battery_runtime_min, ch.battery_percent, ch.tx_on) == (120, 70, True)


def test_presence_in_both_spellings() -> None:
    state = apply("EW-DX EM 4 Dante", {"mates": {"active": ["tx2", "/mates/tx4"]}})
    assert [state.channel(n).tx_on for n in (1, 2, 3, 4)] == [False, True, False, True]
    state = apply("SL Rack Receiver DW", {"rx1": {"mates": ["mates/tx1"]}}, {"rx1": {"mates": []}})
    assert state.channel(1).tx_on is False


def test_digital_6000_per_channel_meter_reading() -> None:
    state = apply("EM 6000", {"rx2": {"mm": [255, 255, 215, 215, 1, 0, 255, 255, 255]}})
    ch = state.channel(2)
    assert ch.rf_antenna_dbm == (0.0, -20.0)
    assert (ch.link_quality_percent, ch.audio_level_dbfs, ch.antenna) == (100, 0.0, "A")


def test_battery_strings_out_of_range_are_unknown() -> None:
    state = apply("EM 6000", {"rx1": {"skx": {"battery": ["170%", "5:99"]}}})
    ch = state.channel(1)
    assert (ch.tx_on, ch.battery_percent, ch.battery_runtime_min) == (True, None, None)


def test_charger_empty_bay_clears_pack_values() -> None:
    state = apply(
        "CHG 70N",
        {"bays": {"bat_gauge": [50, 60], "device_type": ["BA70", "EW-DX SKM"]}},
        {"bays": {"device_type": ["NONE", "EW-DX SKM"], "bat_gauge": [0, 60]}},
    )
    assert state.channel(1).battery_percent is None
    assert (state.channel(2).tx_model, state.channel(2).battery_percent) == ("EW-DX SKM", 60)
