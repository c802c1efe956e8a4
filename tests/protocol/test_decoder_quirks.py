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
