"""Small helpers shared by the platforms."""

from __future__ import annotations

from .const import LOW_BATTERY_PERCENT
from .devices import ChannelState


def battery_level(channel: ChannelState) -> int | None:
    """Battery level in %: reported, or estimated as 20 % per bar."""
    if channel.tx_on is False:
        return None
    if channel.battery_percent is not None:
        return channel.battery_percent
    if channel.battery_bars is not None:
        return channel.battery_bars * 20
    return None


def battery_low(channel: ChannelState, threshold: int = LOW_BATTERY_PERCENT) -> bool | None:
    """Whether the transmitter's battery is at or below ``threshold`` %."""
    level = battery_level(channel)
    return None if level is None else level <= threshold
