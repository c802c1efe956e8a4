"""A simulated Shure System API server (HTTPS REST + WebSocket) fronting Shure devices.

See ``/work/shared/protocols/shure-system-api.md`` for the protocol notes this follows.
"""

from __future__ import annotations

from simulator.systemapi.models import API_MODELS, ApiModelSpec, channel_id, resolve_api_model
from simulator.systemapi.server import INVENTORY_SHAPES, Problem, SystemApiServer, Transport
from simulator.systemapi.state import (
    AUDIO_LEVELS,
    DEVICE_STATES,
    ApiBattery,
    ApiChannel,
    ApiDevice,
    create_api_device,
    device_id_for_mac,
    iso_minutes,
)

__all__ = [
    "API_MODELS",
    "AUDIO_LEVELS",
    "DEVICE_STATES",
    "INVENTORY_SHAPES",
    "ApiBattery",
    "ApiChannel",
    "ApiDevice",
    "ApiModelSpec",
    "Problem",
    "SystemApiServer",
    "Transport",
    "channel_id",
    "create_api_device",
    "device_id_for_mac",
    "iso_minutes",
    "resolve_api_model",
]
