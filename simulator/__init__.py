"""Simulated Shure wireless receivers speaking the ASCII control protocols over 127.0.0.1.

See ``/work/shared/protocols/shure-ascii.md`` for the protocol notes this follows.
Sennheiser devices live in ``simulator.sennheiser`` (SSC v1) and
``simulator.sennheiser_v2`` (SSCv2, HTTPS).
"""

from __future__ import annotations

from simulator.control import ControlServer
from simulator.models import FAMILIES, MODELS, ModelSpec
from simulator.receiver import SimReceiver, create_receiver
from simulator.sennheiser_v2 import SSC2_MODELS, Ssc2Device, create_ssc2_device
from simulator.slp import SlpAnnouncer, build_slp_attr_reply
from simulator.state import SimChannel
from simulator.venue import VENUE_MODELS, Venue

__all__ = [
    "FAMILIES",
    "MODELS",
    "SSC2_MODELS",
    "VENUE_MODELS",
    "ControlServer",
    "ModelSpec",
    "SimChannel",
    "SimReceiver",
    "SlpAnnouncer",
    "Ssc2Device",
    "Venue",
    "build_slp_attr_reply",
    "create_receiver",
    "create_ssc2_device",
]
