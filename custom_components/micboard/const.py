"""Constants for the micboard integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "micboard"
LOGGER = logging.getLogger(__package__)

#: Port of entries stored without one (Shure's control port; such entries are Shure).
DEFAULT_PORT: Final = 2202

#: Manufacturer key (see ``devices.registry``) in ``entry.data``.
CONF_MANUFACTURER: Final = "manufacturer"
#: Manufacturer of entries created before the key was stored.
DEFAULT_MANUFACTURER: Final = "shure"
#: Serial number of the device in ``entry.data`` (where it reports one).
CONF_SERIAL: Final = "serial"
#: Pinned SHA-256 fingerprint of an HTTPS device's certificate (``AB:CD:…``).
#: Passwords and API keys use Home Assistant's ``CONF_PASSWORD``/``CONF_API_KEY``.
CONF_FINGERPRINT: Final = "certificate_fingerprint"
#: Config flow choice: find out what answers at the address.
MANUFACTURER_AUTO: Final = "auto"

CONF_FAMILY: Final = "family"
CONF_MODEL: Final = "model"
CONF_METERING: Final = "metering"
CONF_METER_RATE: Final = "meter_rate"
CONF_AUDIO_LEVELS: Final = "audio_levels"
#: Stable identity of a receiver entry, set when the entry is created and never
#: changed: device identifiers, entity unique ids and assignment keys use it.
CONF_DEVICE_KEY: Final = "device_key"
#: Channel count the receiver had when the entry was last set up.
CONF_CHANNELS: Final = "channels"

#: Unique id of the venue entry that owns the summary sensors.
VENUE_UNIQUE_ID: Final = "micboard_venue"
VENUE_TITLE: Final = "Micboard venue"
#: Device identifier of the venue device.
VENUE_DEVICE_KEY: Final = "venue"

DEFAULT_METER_RATE_MS: Final = 1000
MAX_METER_RATE_MS: Final = 65535

#: Meter-driven entity states (RF and audio level) are written at most this
#: often per receiver, however fast the receiver meters.
METER_STATE_INTERVAL: Final = timedelta(seconds=10)

#: A channel's entity states are written at most once per this many seconds;
#: a change arriving sooner is written (once) when the interval has passed.
#: The first change after a quiet spell is written at once.
STATE_WRITE_INTERVAL: Final = 0.2

#: Samples seen within this many seconds mean the receiver is metering.
METER_LIVE_WINDOW: Final = 15.0

#: Battery at or below this level counts as low (binary sensor).
LOW_BATTERY_PERCENT: Final = 20

#: Port of the receiver's web page per family, where the protocol notes
#: document one.  None of the supported families documents one, so receiver
#: devices carry no "Visit" link (guessing port 80 would send users nowhere).
WEB_UI_PORTS: Final[dict[str, int]] = {}

#: Repair issues about a receiver entry (suffix: the entry id).
ISSUE_WRONG_DEVICE: Final = "wrong_device"
ISSUE_CHANNELS_VANISHED: Final = "channels_vanished"

#: Dispatcher signal: a receiver entry was set up or unloaded.
SIGNAL_RECEIVERS_CHANGED: Final = f"{DOMAIN}_receivers_changed"

#: Dispatcher signal: assignments changed.
SIGNAL_ASSIGNMENTS_CHANGED: Final = f"{DOMAIN}_assignments_changed"

EVENT_ALERT: Final = f"{DOMAIN}_alert"
ALERT_TYPES: Final = (
    "battery_low",
    "battery_critical",
    "transmitter_off",
    "rf_lost",
    "interference",
    "receiver_offline",
    "charged",
)

CONF_BATTERY_LOW: Final = "battery_low"
CONF_BATTERY_CRITICAL: Final = "battery_critical"
CONF_RUNTIME_LOW: Final = "runtime_low"
CONF_RUNTIME_CRITICAL: Final = "runtime_critical"
CONF_REPEAT_MINUTES: Final = "repeat_minutes"

DEFAULT_BATTERY_CRITICAL: Final = 10
DEFAULT_RUNTIME_LOW: Final = 60
DEFAULT_RUNTIME_CRITICAL: Final = 30
DEFAULT_REPEAT_MINUTES: Final = 5

#: A low-battery alert clears only once the level is this much above its threshold.
BATTERY_HYSTERESIS_PERCENT: Final = 5
RUNTIME_HYSTERESIS_MINUTES: Final = 10
#: RF at or below this (with a transmitter on) counts as lost.
RF_LOST_DBM: Final = -95.0
#: RF must stay lost this long before the alert fires (the transmitter may be switching off).
RF_LOST_DELAY: Final = timedelta(seconds=2)
