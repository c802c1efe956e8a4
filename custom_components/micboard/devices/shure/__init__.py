"""Shure receivers over their command-string port (TCP/UDP 2202)."""

from ..capabilities import Capability
from .catalog import MODELS, ModelSpec
from .client import (
    CAPABILITIES,
    DEFAULT_PORT,
    MIN_METER_RATE_MS,
    ShureReceiver,
    Timing,
)
from .discovery import Announcement, DiscoveryListener, parse_announcement
from .framing import BracketParser, Message, parse_body, parse_star_datagram

__all__ = [
    "CAPABILITIES",
    "DEFAULT_PORT",
    "MIN_METER_RATE_MS",
    "MODELS",
    "Announcement",
    "BracketParser",
    "Capability",
    "DiscoveryListener",
    "Message",
    "ModelSpec",
    "ShureReceiver",
    "Timing",
    "parse_announcement",
    "parse_body",
    "parse_star_datagram",
]
