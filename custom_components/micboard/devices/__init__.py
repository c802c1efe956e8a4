"""Device library for wireless microphone receivers.

Pure asyncio, no Home Assistant imports: written as if it were a library of
its own.  Values are converted to human units (%, dBm, dBFS, MHz, minutes) in
typed models; anything the device reports as unknown becomes ``None``.
"""

from .exceptions import (
    AccessDisabledError,
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    NotAShureDeviceError,
    ProtocolError,
    ReceiverChangedError,
    UnsupportedDeviceError,
    WrongProtocolError,
)
from .models import ChannelState, Family, ReceiverInfo, ReceiverState, Update

__all__ = [
    "AccessDisabledError",
    "ChannelState",
    "DeviceConnectionError",
    "DeviceError",
    "DeviceNotRespondingError",
    "Family",
    "NotAShureDeviceError",
    "ProtocolError",
    "ReceiverChangedError",
    "ReceiverInfo",
    "ReceiverState",
    "UnsupportedDeviceError",
    "Update",
    "WrongProtocolError",
]

# Manufacturer-neutral interface (see receiver.py, capabilities.py, registry.py).
from . import registry
from .capabilities import Capability
from .receiver import ProbeResult, Receiver

__all__ += ["Capability", "ProbeResult", "Receiver", "registry"]
