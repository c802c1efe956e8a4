"""Serve the Micboard card and load it on every dashboard."""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

CARD_DIRECTORY = Path(__file__).parent / "frontend"
CARD_FILE = "micboard-card.js"
URL_BASE = f"/{DOMAIN}_static"
DATA_CARD = f"{DOMAIN}_card_url"


async def async_register_card(hass: HomeAssistant) -> str | None:
    """Register the card's static path and extra module URL (once per run)."""
    if (url := hass.data.get(DATA_CARD)) is not None:
        return str(url)
    if hass.http is None or "frontend" not in hass.config.components:
        return None
    from homeassistant.components.frontend import add_extra_js_url

    integration = await async_get_integration(hass, DOMAIN)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(CARD_DIRECTORY), cache_headers=True)]
    )
    url = f"{URL_BASE}/{CARD_FILE}?v={integration.version}"
    add_extra_js_url(hass, url)
    hass.data[DATA_CARD] = url
    return url
