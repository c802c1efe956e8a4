"""What a receiver (or charger) reports or can do.

Every client declares a frozenset of these; the Home Assistant side creates
an entity or offers an action only when the device declares the capability.
"""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """A value a device reports, or a command it accepts."""

    # Transmitter battery
    BATTERY_PERCENT = "battery_percent"
    BATTERY_RUNTIME = "battery_runtime"
    BATTERY_BARS = "battery_bars"
    BATTERY_HEALTH = "battery_health"
    BATTERY_CYCLES = "battery_cycles"
    BATTERY_TYPE = "battery_type"
    BATTERY_TEMPERATURE = "battery_temperature"

    # Transmitter
    TX_PRESENCE = "tx_presence"
    TX_MODEL = "tx_model"
    TX_NAME = "tx_name"
    TX_MUTE = "tx_mute"
    TX_POWER = "tx_power"

    # Receiver channel
    FREQUENCY = "frequency"
    GAIN = "gain"
    #: Mutes a channel's audio output on command.
    MUTE = "mute"
    #: Reports whether a channel's audio output is muted.
    MUTE_STATE = "mute_state"
    INTERFERENCE = "interference"
    LOW_SIGNAL = "low_signal"
    ENCRYPTION_WARNING = "encryption_warning"

    # Receiver-wide values
    RF_BAND = "rf_band"
    ENCRYPTION = "encryption"

    # Meters
    RF_LEVEL = "rf_level"
    RF_PER_ANTENNA = "rf_per_antenna"
    ANTENNA = "antenna"
    LINK_QUALITY = "link_quality"
    AUDIO_LEVEL = "audio_level"
    AUDIO_PEAK = "audio_peak"
    #: Coarse audio class (low / good / clipping) instead of a meter.
    AUDIO_ACTIVITY = "audio_activity"

    # Commands
    IDENTIFY = "identify"
    CHANNEL_IDENTIFY = "channel_identify"
    RENAME = "rename"
    METERING = "metering"

    # Chargers: "channels" are bays holding battery packs or transmitters
    CHARGER_BAYS = "charger_bays"
    CHARGE_TIME = "charge_time"
    BAY_STATE = "bay_state"
    WARNINGS = "warnings"
