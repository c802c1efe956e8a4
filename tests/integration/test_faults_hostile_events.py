"""Hostile ``micboard_alert`` events: anything on the bus may fire one.

The logbook describes every such event; data of the wrong type, numbers too
large to format and text with control characters give a plain, bounded line,
never an exception (which would break the whole logbook page).
"""

from __future__ import annotations

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
