"""Shure devices the simulated System API server can front, by capability.

Capability strings follow the protocol notes (§2.1): what real hardware
showed (``identify``, ``name``, ``reboot``, ``uptime``, ``audio-channels`` …)
and what is expected but unobserved (``audio-mute``, ``battery-level``,
``battery-health``).  Clients are meant to be driven by capabilities, not by
model names, so the set differs per model on purpose.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import json

__all__ = ["API_MODELS", "ApiModelSpec", "channel_id", "resolve_api_model"]

#: What every networked Shure device reported on the hardware capture.
_NETWORKED = (
    "available-firmware",
    "control-network",
    "factory-reset",
    "firmware-update-requests",
    "identify",
    "name",
    "reboot",
    "uptime",
)
#: What the Dante-equipped audio devices (ANX4, ADTQ) added.
_AUDIO = (
    "audio-channels",
    "audio-channels-v2",
    "audio-network",
    "authentication",
    "dante-audio-network",
    "hosted-firmware",
)
#: A transmitter seen through its charger: no network of its own.
_TRANSMITTER = ("battery-health", "battery-level", "identify", "name")


@dataclass(frozen=True, slots=True)
class ApiModelSpec:
    """One device model as the server presents it."""

    model: str
    description: str
    capabilities: tuple[str, ...]
    channels: int = 0
    #: Capabilities of each audio channel (``activity``, ``gain``, ``mute``, ``name``).
    channel_capabilities: tuple[str, ...] = ()
    #: Gain range in dB: minimum, maximum, step.
    gain_range: tuple[int, int, int] = (-20, 16, 1)
    #: Channel ids in the longer descriptor form (with an ``index`` key).
    long_channel_ids: bool = False
    firmware: str = "1.0.0.0"

    @property
    def battery(self) -> bool:
        """Whether the device reports a battery."""
        return "battery-level" in self.capabilities


def _sorted(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({cap for group in groups for cap in group}))


API_MODELS: dict[str, ApiModelSpec] = {
    spec.model: spec
    for spec in (
        ApiModelSpec(
            "AD4Q",
            "Axient Digital quad receiver",
            _sorted(_NETWORKED, _AUDIO),
            channels=4,
            channel_capabilities=("activity", "gain", "name"),
            gain_range=(-18, 42, 1),
            firmware="1.4.2.0",
        ),
        ApiModelSpec(
            "ADTQ",
            "Axient Digital PSM quad transmitter",
            _sorted(_NETWORKED, _AUDIO),
            channels=4,
            channel_capabilities=("activity", "gain", "name"),
            gain_range=(-20, 16, 1),
            firmware="1.2.10.0",
        ),
        ApiModelSpec(
            "ANX4",
            "Microflex network audio interface",
            _sorted(_NETWORKED, _AUDIO),
            channels=4,
            channel_capabilities=("activity", "gain", "mute", "name"),
            gain_range=(-30, 30, 1),
            long_channel_ids=True,
            firmware="4.7.14.0",
        ),
        ApiModelSpec(
            "MXWAPT4",
            "Microflex Wireless access point (4 channels)",
            _sorted(_NETWORKED, _AUDIO, ("audio-mute",)),
            channels=4,
            channel_capabilities=("activity", "gain", "mute", "name"),
            gain_range=(-25, 20, 1),
            long_channel_ids=True,
            firmware="5.3.13.0",
        ),
        ApiModelSpec(
            "AD8C",
            "Axient Digital antenna distribution",
            _sorted(_NETWORKED, ("authentication",)),
            firmware="1.0.5.0",
        ),
        ApiModelSpec("SBRC", "Networked battery charger", _NETWORKED, firmware="2.4.1.0"),
        ApiModelSpec("ULXD6", "ULX-D bodypack transmitter", _TRANSMITTER, firmware="2.3.24.0"),
        ApiModelSpec("ULXD8", "ULX-D handheld transmitter", _TRANSMITTER, firmware="2.3.24.0"),
        ApiModelSpec(
            "MXW2",
            "Microflex Wireless handheld transmitter",
            _sorted(_TRANSMITTER, ("audio-mute",)),
            firmware="5.3.13.0",
        ),
    )
}


def resolve_api_model(model: str) -> ApiModelSpec:
    """Look a model up case-insensitively (``ValueError`` if unknown)."""
    for name, spec in API_MODELS.items():
        if name.upper() == model.strip().upper():
            return spec
    raise ValueError(f"unknown System API model {model!r}; known: {', '.join(API_MODELS)}")


def channel_id(spec: ApiModelSpec, index: int) -> str:
    """The opaque channel id: standard base64 of a compact JSON descriptor (``index`` is 0-based).

    ADTQ-style models use the short form of the notes, the others a longer
    form with an ``index`` key.  Standard base64 keeps ``+``, ``/`` and ``=``,
    so clients must URL-encode the id in paths.
    """
    if spec.long_channel_ids:
        descriptor: dict[str, object] = {
            "type": "AudioChannel",
            "model": spec.model,
            "version": 131088,
            "scope": "CH",
            "index": index,
        }
    else:
        descriptor = {"t": "AudioChannel", "c": spec.model, "v": 131088, "s": "CH", "i": index}
    text = json.dumps(descriptor, separators=(",", ":"))
    return base64.b64encode(text.encode()).decode("ascii")
