"""Benchmark probe: event-loop lag, Micboard state writes and receiver availability.

Loaded only by the venue benchmark (``scripts/bench``), from the YAML of its
own Home Assistant configuration::

    micboard_bench_probe:
      path: /tmp/…/probe.jsonl

Every :data:`FLUSH_INTERVAL` it appends one JSON line to ``path`` (written in
the executor, never in the event loop) with

- ``boot``: when this Home Assistant process set the probe up (wall clock),
- ``t``: when the line was made,
- ``lag``: ``[wall time, ms, CPU ms]`` samples: how late a timer due every
  :data:`SAMPLE_INTERVAL` ran (the event loop's lag), and how much CPU time
  the event loop's thread used since the sample before (lag beyond that was
  the thread waiting: for a core on a busy machine, or in a blocking call),
- ``changed`` / ``reported``: running counts of ``state_changed`` and
  ``state_reported`` events of Micboard entities since ``boot``,
- ``on_now``: how many Micboard connectivity sensors are ``on``,
- ``on``: ``[wall time, entity id]`` for each one that turned ``on``,
- ``started``: when Home Assistant reported itself started (once).

The bench cuts these into its phases by wall-clock time.

The action ``micboard_bench_probe.profile`` (``seconds``, ``path``) runs
cProfile for that long and writes the functions with the most own time to
``path`` as JSON: what a stall or the CPU figure is made of.
"""

from __future__ import annotations

import asyncio
import cProfile
from dataclasses import dataclass, field
import json
from pathlib import Path
import pstats
import time
from typing import Any

from homeassistant.const import (
    EVENT_HOMEASSISTANT_STARTED,
    EVENT_HOMEASSISTANT_STOP,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
)
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.typing import ConfigType

DOMAIN = "micboard_bench_probe"
WATCHED_PLATFORM = "micboard"
SAMPLE_INTERVAL = 0.01  # seconds between two lag samples
FLUSH_INTERVAL = 1.0  # seconds between two lines of the file
PROFILE_TOP = 25  # functions listed by a profile


@dataclass
class Probe:
    """What the probe has gathered since its last line."""

    hass: HomeAssistant
    path: Path
    boot: float = field(default_factory=time.time)
    lag: list[list[float]] = field(default_factory=list)
    changed: int = 0
    reported: int = 0
    on: list[list[Any]] = field(default_factory=list)
    on_now: set[str] = field(default_factory=set)
    started: float | None = None
    #: Whether an entity id is Micboard's (``None``: a connectivity sensor of Micboard).
    _kinds: dict[str, str] = field(default_factory=dict)
    _due: float = 0.0
    _cpu: float = field(default_factory=time.thread_time)
    _stopped: bool = False
    _timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)

    def kind(self, entity_id: str) -> str:
        """``connectivity``, ``micboard`` or ``other`` (remembered per entity id)."""
        known = self._kinds.get(entity_id)
        if known is not None:
            return known
        entry = er.async_get(self.hass).async_get(entity_id)
        if entry is None or entry.platform != WATCHED_PLATFORM:
            kind = "other"
        elif entry.original_device_class == "connectivity":
            kind = "connectivity"
        else:
            kind = "micboard"
        if entry is not None:
            # Entities not registered yet are looked up again next time.
            self._kinds[entity_id] = kind
        return kind

    @callback
    def count_changed(self, data: Any) -> bool:
        """Event filter of ``state_changed``: count, never run a listener."""
        entity_id = data["entity_id"]
        kind = self.kind(entity_id)
        if kind == "other":
            return False
        self.changed += 1
        if kind == "connectivity":
            new = data.get("new_state")
            is_on = new is not None and new.state == "on"
            if is_on and entity_id not in self.on_now:
                self.on_now.add(entity_id)
                self.on.append([time.time(), entity_id])
            elif not is_on:
                self.on_now.discard(entity_id)
        return False

    @callback
    def count_reported(self, data: Any) -> bool:
        """Event filter of ``state_reported``: count, never run a listener."""
        if self.kind(data["entity_id"]) != "other":
            self.reported += 1
        return False

    def start(self) -> None:
        """Begin sampling and flushing."""
        loop = self.hass.loop
        self._due = loop.time() + SAMPLE_INTERVAL
        self._cpu = time.thread_time()
        self._timers["sample"] = loop.call_at(self._due, self._sample)
        self._timers["flush"] = loop.call_later(FLUSH_INTERVAL, self._flush)

    def _sample(self) -> None:
        if self._stopped:
            return
        loop = self.hass.loop
        now = loop.time()
        cpu = time.thread_time()
        self.lag.append([time.time(), max(0.0, (now - self._due) * 1000), (cpu - self._cpu) * 1000])
        self._cpu = cpu
        self._due = now + SAMPLE_INTERVAL
        self._timers["sample"] = loop.call_at(self._due, self._sample)

    def line(self) -> str:
        """The next line of the file; resets what it reports once."""
        record = {
            "boot": self.boot,
            "t": time.time(),
            "lag": self.lag,
            "changed": self.changed,
            "reported": self.reported,
            "on_now": len(self.on_now),
            "on": self.on,
            "started": self.started,
        }
        self.lag, self.on = [], []
        return json.dumps(record, separators=(",", ":")) + "\n"

    def _flush(self) -> None:
        if self._stopped:
            return
        self.hass.async_add_executor_job(self._append, self.line())
        self._timers["flush"] = self.hass.loop.call_later(FLUSH_INTERVAL, self._flush)

    def _append(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(text)

    async def async_stop(self, _event: Event | None = None) -> None:
        """Write what is left and stop."""
        self._stopped = True
        for timer in self._timers.values():
            timer.cancel()
        await self.hass.async_add_executor_job(self._append, self.line())


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the probe."""
    probe = Probe(hass, Path(config[DOMAIN]["path"]))
    hass.data[DOMAIN] = probe

    @callback
    def started(_event: Event) -> None:
        probe.started = time.time()

    hass.bus.async_listen(EVENT_STATE_CHANGED, _never, event_filter=probe.count_changed)
    hass.bus.async_listen(EVENT_STATE_REPORTED, _never, event_filter=probe.count_reported)
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, started)
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, probe.async_stop)

    async def profile(call: ServiceCall) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            await asyncio.sleep(float(call.data["seconds"]))
        finally:
            profiler.disable()
        await hass.async_add_executor_job(write_profile, profiler, Path(call.data["path"]))

    hass.services.async_register(DOMAIN, "profile", profile)
    probe.start()
    return True


def top_functions(stats: pstats.Stats, top: int = PROFILE_TOP) -> list[dict[str, Any]]:
    """The functions with the most own time: where, calls, own and cumulative ms."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:top]
    result = []
    for (filename, line, name), (_calls, total_calls, own, cumulative, _callers) in rows:
        where = str(filename)
        for marker in ("site-packages/", "custom_components/", "lib/python3"):
            if marker in where:
                where = where[where.index(marker) :]
                break
        result.append(
            {
                "function": f"{where}:{line}({name})",
                "calls": total_calls,
                "own_ms": round(own * 1000, 1),
                "cumulative_ms": round(cumulative * 1000, 1),
            }
        )
    return result


def write_profile(profiler: cProfile.Profile, path: Path) -> None:
    """Write the profile's top functions to ``path`` (JSON)."""
    stats = pstats.Stats(profiler)
    summary = {
        "total_ms": round(stats.total_tt * 1000, 1),  # type: ignore[attr-defined]
        "top": top_functions(stats),
    }
    path.write_text(json.dumps(summary, indent=1), encoding="utf-8")


@callback
def _never(_event: Event[Any]) -> None:
    """The listener behind the counting filters (they never let an event through)."""
