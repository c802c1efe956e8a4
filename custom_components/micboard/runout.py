"""When a transmitter's pack runs out: the "will it last the show?" estimate.

From the runtime the transmitter reports (minutes left, at the moment the
figure arrived), or, for transmitters that report only bars, from the
discharge rate observed here: the time between level drops.  Unknown until
there is enough to go on (a bars-only pack needs two drops seen here).

State is kept per channel state object in this module; the sensor and the
card's websocket stream read the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from homeassistant.util import dt as dt_util

from .devices import ChannelState

#: Records of channels not looked at for this long are dropped (receivers gone).
FORGET_AFTER = timedelta(hours=24)


@dataclass(slots=True)
class _Track:
    channel: ChannelState
    seen: datetime
    runtime: int | None = None
    runtime_at: datetime | None = None
    level: float | None = None
    #: (when, level) each time the level was seen to drop; the first entry is
    #: the first level seen (its start time is not known: not used for rates).
    drops: list[tuple[datetime, float]] = field(default_factory=list)


_tracks: dict[int, _Track] = {}
#: When stale records were last looked for (they are, at most once a minute).
_swept: list[datetime] = []
SWEEP_EVERY = timedelta(minutes=1)

#: The clock (tests move it).
clock = dt_util.utcnow


def _level(channel: ChannelState) -> float | None:
    if channel.battery_percent is not None:
        return float(channel.battery_percent)
    if channel.battery_bars is not None:
        return float(channel.battery_bars) * 20.0
    return None


def _forget_stale(now: datetime) -> None:
    # A venue adding hundreds of channels at once must not scan every record
    # for each of them: look at most once a minute.
    if _swept and abs(now - _swept[0]) < SWEEP_EVERY:
        return
    _swept[:] = [now]
    for key in [key for key, track in _tracks.items() if now - track.seen > FORGET_AFTER]:
        del _tracks[key]


def runs_out_at(channel: ChannelState, now: datetime | None = None) -> datetime | None:
    """Observe ``channel`` and return when its pack runs out (``None``: unknown)."""
    now = now or clock()
    track = _tracks.get(id(channel))
    if track is None or track.channel is not channel:
        _forget_stale(now)
        track = _tracks[id(channel)] = _Track(channel, now)
    track.seen = now
    if channel.tx_on is not True:
        # Off, or a new pack to come: start over.
        track.runtime = track.runtime_at = track.level = None
        track.drops.clear()
        return None
    if (runtime := channel.battery_runtime_min) is not None and runtime >= 0:
        if runtime != track.runtime or track.runtime_at is None:
            track.runtime, track.runtime_at = runtime, now
        return track.runtime_at + timedelta(minutes=runtime)
    track.runtime = track.runtime_at = None
    level = _level(channel)
    if level is None:
        return None
    if track.level is None or level > track.level:
        # First reading, or a fresh (or recharged) pack.
        track.drops = [(now, level)]
    elif level < track.level:
        track.drops.append((now, level))
    track.level = level
    changes = track.drops[1:]
    if len(changes) < 2:
        return None
    (first_at, first_level), (last_at, last_level) = changes[0], changes[-1]
    seconds = (last_at - first_at).total_seconds()
    if seconds <= 0 or first_level <= last_level:
        return None
    per_second = (first_level - last_level) / seconds
    return last_at + timedelta(seconds=last_level / per_second)
