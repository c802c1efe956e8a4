"""Simulated Sennheiser devices speaking SSCv2 (HTTPS REST + Server-Sent Events) on 127.0.0.1.

See ``/work/shared/protocols/sennheiser-ssc.md`` (§3, §7) for the notes this follows.
"""

from __future__ import annotations

from simulator.sennheiser_v2.device import (
    DEFAULT_API_PASSWORD,
    DEFAULT_CONTROL_PASSWORD,
    SUBSCRIPTIONS,
    Ssc2Device,
    create_ssc2_device,
)
from simulator.sennheiser_v2.models import SSC2_MODELS, Ssc2ModelSpec
from simulator.sennheiser_v2.state import Ssc2Channel

__all__ = [
    "DEFAULT_API_PASSWORD",
    "DEFAULT_CONTROL_PASSWORD",
    "SSC2_MODELS",
    "SUBSCRIPTIONS",
    "Ssc2Channel",
    "Ssc2Device",
    "Ssc2ModelSpec",
    "create_ssc2_device",
]
