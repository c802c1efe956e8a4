"""Shure's multicast announcements, turned into discovery flows.

One listener per Home Assistant run.  It binds ``0.0.0.0:8427`` and joins
239.255.254.253 on every IPv4 adapter Home Assistant uses; the environment
variables ``MICBOARD_SLP_BIND`` (``host:port``) and ``MICBOARD_SLP_MULTICAST``
(``0`` to join no group) let a test bench keep it on loopback.
"""

from __future__ import annotations

import os

from homeassistant.components import network
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import discovery_flow

from .const import DOMAIN, LOGGER
from .devices.announcements import SLP_GROUP, SLP_PORT, Announcement, DiscoveryListener

DATA_LISTENER = f"{DOMAIN}_slp_listener"


def _bind() -> tuple[str, int, bool]:
    host, _, port = os.environ.get("MICBOARD_SLP_BIND", f"0.0.0.0:{SLP_PORT}").rpartition(":")
    multicast = os.environ.get("MICBOARD_SLP_MULTICAST", "1") != "0"
    return host or "0.0.0.0", int(port), multicast


async def async_start_listener(hass: HomeAssistant) -> DiscoveryListener | None:
    """Start the announcement listener once; failures are logged, not raised."""
    if (existing := hass.data.get(DATA_LISTENER)) is not None:
        assert isinstance(existing, DiscoveryListener)
        return existing
    host, port, multicast = _bind()
    interfaces: tuple[str, ...] = ()
    if multicast:
        interfaces = tuple(
            str(address)
            for address in await network.async_get_enabled_source_ips(hass)
            if address.version == 4
        )

    @callback
    def announced(announcement: Announcement) -> None:
        # The flow gets the address only: Home Assistant starts no second
        # flow with the same data while one is in progress, so repeated (or
        # forged) announcements of one address never pile up flows, whatever
        # name or model they claim.  Known addresses start nothing.
        if any(
            entry.data.get(CONF_HOST) == announcement.address
            for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        ):
            return
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={CONF_HOST: announcement.address},
        )

    listener = DiscoveryListener(
        announced,
        host=host,
        port=port,
        group=SLP_GROUP if multicast else None,
        interfaces=interfaces,
    )
    try:
        await listener.start()
    except OSError as err:
        LOGGER.warning("Cannot listen for Shure announcements on %s:%s: %s", host, port, err)
        return None
    hass.data[DATA_LISTENER] = listener

    @callback
    def stop(_event: Event) -> None:
        listener.stop()
        hass.data.pop(DATA_LISTENER, None)

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    return listener
