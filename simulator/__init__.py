"""Simulated Shure wireless receivers speaking the ASCII control protocols over 127.0.0.1.

See ``/work/shared/protocols/shure-ascii.md`` for the protocol notes this follows;
``simulator.systemapi`` simulates a Shure System API server.
"""

from __future__ import annotations

from simulator.control import ControlServer
from simulator.models import FAMILIES, MODELS, ModelSpec
from simulator.receiver import SimReceiver, create_receiver
from simulator.slp import SlpAnnouncer, build_slp_attr_reply
from simulator.state import SimChannel
from simulator.systemapi import SystemApiServer
from simulator.venue import VENUE_MODELS, Venue

__all__ = [
    "FAMILIES",
    "MODELS",
    "VENUE_MODELS",
    "ControlServer",
    "ModelSpec",
    "SimChannel",
    "SimReceiver",
    "SlpAnnouncer",
    "SystemApiServer",
    "Venue",
    "build_slp_attr_reply",
    "create_receiver",
]
