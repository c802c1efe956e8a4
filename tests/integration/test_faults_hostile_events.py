"""Hostile ``micboard_alert`` events: anything on the bus may fire one.

The logbook describes every such event; data of the wrong type, numbers too
large to format and text with control characters give a plain, bounded line,
never an exception (which would break the whole logbook page).
"""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
import pytest

from custom_components.micboard.const import EVENT_ALERT
from custom_components.micboard.logbook import MAX_TEXT, async_describe_events

HOSTILE_DATA: list[dict[str, Any]] = [
    {"type": "battery_low", "value": 10**400},  # OverflowError when formatted as float
    {"type": "rf_lost", "value": -(10**400)},
    {"type": 10**5000},  # str() of it raises ValueError (digit limit)
    {"type": "battery_low", "performer": 10**5000, "channel_name": ["x"], "value": True},
    {"type": "battery_low", "value": float("nan")},
    {"type": "rf_lost", "value": float("inf")},
    {"type": None, "performer": {"a": 1}, "receiver": b"rack"},
    {"type": "battery_low", "performer": "Dave\x00\x1b[31m\u202eevil\n", "value": 15},
    {"type": "x" * 100_000, "channel_name": "y" * 100_000},
    {},
]


def _describer(hass: HomeAssistant) -> Any:
    registered: list[Any] = []
    async_describe_events(hass, lambda domain, event, fn: registered.append(fn))
    return registered[0]


@pytest.mark.parametrize("data", HOSTILE_DATA, ids=range(len(HOSTILE_DATA)))
async def test_logbook_describes_any_alert_event(hass: HomeAssistant, data: dict[str, Any]) -> None:
    describe = _describer(hass)
    seen: list[Event] = []

    @callback
    def record(event: Event) -> None:
        seen.append(event)

    hass.bus.async_listen(EVENT_ALERT, record)
    hass.bus.async_fire(EVENT_ALERT, data)
    await hass.async_block_till_done()
    (event,) = seen
    line = describe(event)
    assert set(line) == {"name", "message"}
    for text in line.values():
        assert isinstance(text, str)
        assert text.isprintable()
        assert len(text) <= 2 * MAX_TEXT + 40


async def test_logbook_keeps_sane_values_and_cleans_names(hass: HomeAssistant) -> None:
    describe = _describer(hass)
    event = Event(
        EVENT_ALERT,
        {
            "type": "battery_low",
            "performer": "Da\x00ve\u202e",
            "channel_name": "CH\x1b 1",
            "value": 15,
        },
    )
    assert describe(event) == {"name": "Dave", "message": "battery is low (15 %) on CH 1"}
    huge = Event(EVENT_ALERT, {"type": "battery_low", "receiver": "Rack", "value": 10**400})
    assert describe(huge) == {"name": "Rack", "message": "battery is low"}


async def _next_event(client: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = await client.receive_json()
            if message.get("type") == "event" and message["event"]["type"] == kind:
                event: dict[str, Any] = message["event"]
                return event


@pytest.mark.parametrize(
    "channel", [["x"], {"a": 1}, 10**400, "1", None], ids=["list", "dict", "huge", "str", "none"]
)
async def test_forged_alert_events_do_not_break_the_card_stream(
    hass: HomeAssistant,
    hass_ws_client: Any,
    simulated: Any,
    setup_receiver: Any,
    caplog: pytest.LogCaptureFixture,
    channel: object,
) -> None:
    # A list or dict as "channel" used to raise TypeError (unhashable) in the
    # card stream's alert listener (websocket.py _Subscription._alert).
    receiver = await simulated("ULXD4D")
    await setup_receiver(receiver)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    await _next_event(client, "snapshot")

    hass.bus.async_fire(EVENT_ALERT, {"type": "battery_low", "channel": channel, "device_id": "x"})
    await hass.async_block_till_done()
    assert "Traceback" not in caplog.text
    assert "Error" not in caplog.text

    receiver.set_transmitter(2, False)
    change = await _next_event(client, "channel")
    while change["channel"] != 2 or "tx_on" not in change["data"]:
        change = await _next_event(client, "channel")
    assert change["data"]["tx_on"] is False
