"""Small helpers shared by the platforms."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_FINGERPRINT, CONF_MANUFACTURER, DEFAULT_MANUFACTURER, LOW_BATTERY_PERCENT
from .devices import Access, ChannelState, registry
from .devices.registry import Credential


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


def entry_access(hass: HomeAssistant, entry: ConfigEntry[Any]) -> Access:
    """How to reach an entry's device: the shared HTTP session, its secret, its pinned certificate.

    The secret is the password or the API key, whichever the entry's
    manufacturer asks for; the user name defaults to the manufacturer's.
    """
    manufacturer = registry.get(entry.data.get(CONF_MANUFACTURER, DEFAULT_MANUFACTURER))
    secret = entry.data.get(
        CONF_API_KEY if manufacturer.credential is Credential.API_KEY else CONF_PASSWORD
    )
    return Access(
        session=async_get_clientsession(hass),
        username=entry.data.get(CONF_USERNAME, manufacturer.username),
        secret=secret,
        fingerprint=entry.data.get(CONF_FINGERPRINT),
    )
