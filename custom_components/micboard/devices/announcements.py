"""Devices announcing themselves on the network, for whoever listens.

Today that is Shure's SLP multicast (Sennheiser devices publish DNS-SD,
which Home Assistant's own zeroconf browser reads).  The Home Assistant side
listens through this module and never imports a manufacturer's subpackage.
"""

from __future__ import annotations

from .shure.discovery import SLP_GROUP, SLP_PORT, Announcement, DiscoveryListener

#: Manufacturer key of the devices these announcements come from.
ANNOUNCING_MANUFACTURER = "shure"

__all__ = ["ANNOUNCING_MANUFACTURER", "SLP_GROUP", "SLP_PORT", "Announcement", "DiscoveryListener"]
