"""Decoder behaviour for quirks the protocol notes describe."""

from custom_components.micboard.devices.models import Family, ReceiverInfo, ReceiverState
from custom_components.micboard.devices.shure.decoder import Decoder
from custom_components.micboard.devices.shure.framing import BracketParser


def _decode(family: Family, stream: bytes) -> ReceiverState:
    state = ReceiverState(ReceiverInfo(family, "test", 2, "127.0.0.1", 2202))
    decoder = Decoder(state)
    for message in BracketParser().feed(stream):
        decoder.apply(message)
    return state


def test_slxd_plus_model_from_slot_reports() -> None:
    state = _decode(
        Family.SLXD,
        b"< REP 1 LINK_STATUS 1 online >< REP 1 LINK_STATUS 2 offline >"
        b"< REP 1 SLOT_TX_MODEL 1 {SLXD2+    } >< REP 1 SLOT_TX_MODEL 2 {          } >"
        b"< REP 1 TX_BATT_BARS 004 >",
    )
    channel = state.channel(1)
    assert channel.tx_on is True
    assert channel.tx_model == "SLXD2+"
    assert channel.battery_bars == 4


def test_transmitter_fields_hidden_while_off_and_back_when_on() -> None:
    state = _decode(
        Family.ULXD,
        b"< REP 1 TX_TYPE ULXD2 >< REP 1 BATT_BARS 004 >< REP 1 BATT_CHARGE 080 >"
        b"< REP 1 TX_TYPE UNKN >< REP 1 BATT_RUN_TIME 65535 >",
    )
    channel = state.channel(1)
    assert channel.tx_on is False
    assert (channel.tx_model, channel.battery_bars, channel.battery_percent) == (None, None, None)
    assert channel.battery_runtime_status is None


def test_power_lock_from_ulxd_and_axient_and_hidden_while_off() -> None:
    ulxd = _decode(
        Family.ULXD,
        b"< REP 1 TX_TYPE ULXD2 >< REP 1 BATT_BARS 004 >< REP 1 TX_PWR_LOCK ON >"
        b"< REP 2 TX_TYPE ULXD1 >< REP 2 BATT_BARS 003 >< REP 2 TX_PWR_LOCK OFF >",
    )
    assert ulxd.channel(1).tx_power_lock is True
    assert ulxd.channel(2).tx_power_lock is False
    axient = _decode(
        Family.AXIENT_DIGITAL,
        b"< REP 1 TX_MODEL AD2 >< REP 1 TX_BATT_BARS 005 >< REP 1 TX_LOCK POWER >"
        b"< REP 2 TX_MODEL AD1 >< REP 2 TX_BATT_BARS 005 >< REP 2 TX_LOCK MENU >",
    )
    assert axient.channel(1).tx_power_lock is True
    assert axient.channel(2).tx_power_lock is False
    # A lock word from another family's dialect changes nothing.
    assert _decode(Family.ULXD, b"< REP 1 TX_LOCK ALL >").channel(1).tx_power_lock is None
    # Switched off: the lock reads unknown like every transmitter value.
    off = _decode(
        Family.ULXD,
        b"< REP 1 TX_TYPE ULXD2 >< REP 1 BATT_BARS 004 >< REP 1 TX_PWR_LOCK ON >"
        b"< REP 1 TX_TYPE UNKN >",
    )
    assert off.channel(1).tx_power_lock is None


def test_psm1000_keeps_both_input_meters() -> None:
    state = _decode(
        Family.PSM1000,
        b"< REPORT 1 AUDIO_IN_LVL_L 00000023728 >\r\n< REPORT 1 AUDIO_IN_LVL_R 00000641928 >\r\n",
    )
    channel = state.channel(1)
    assert channel.audio_meter_left == 25
    assert channel.audio_meter_right == 62
    assert channel.audio_meter == 62
