"""Constants for the micboard integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "micboard"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Shure"
DEFAULT_PORT: Final = 2202

CONF_FAMILY: Final = "family"
CONF_MODEL: Final = "model"
CONF_METERING: Final = "metering"
CONF_METER_RATE: Final = "meter_rate"
CONF_AUDIO_LEVELS: Final = "audio_levels"

DEFAULT_METER_RATE_MS: Final = 1000
MAX_METER_RATE_MS: Final = 65535

#: Meter-driven entity states (RF and audio level) are written at most this
#: often per receiver, however fast the receiver meters.
METER_STATE_INTERVAL: Final = timedelta(seconds=10)

#: Battery at or below this level counts as low (binary sensor).
LOW_BATTERY_PERCENT: Final = 20

#: Dispatcher signal: a receiver entry was set up or unloaded.
SIGNAL_RECEIVERS_CHANGED: Final = f"{DOMAIN}_receivers_changed"
