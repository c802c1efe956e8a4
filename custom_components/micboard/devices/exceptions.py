"""Exceptions raised by the device library."""


class DeviceError(Exception):
    """Base class for every error the library raises."""


class DeviceConnectionError(DeviceError):
    """The device cannot be reached (refused, timed out, link lost)."""


class DeviceNotRespondingError(DeviceError):
    """The connection opened but the device answered nothing.

    SLX-D receivers behave like this until "Controller Access" is allowed in
    their network settings.
    """


class NotAShureDeviceError(DeviceError):
    """Something answered, but not in a protocol this library speaks."""


class UnsupportedDeviceError(DeviceError):
    """A device of a model or family this library does not support."""

    def __init__(self, model: str) -> None:
        """Remember the model that was reported."""
        super().__init__(f"unsupported model {model!r}")
        self.model = model


class ProtocolError(DeviceError):
    """A message that cannot be understood, or a ``< REP ERR >`` to a command."""
