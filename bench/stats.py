"""The venue benchmark's arithmetic: no I/O but reading the files it is given.

Percentiles, the probe's file cut into phases, CPU and memory from ``/proc``,
the plan of changes the bench drives and their matching with the states Home
Assistant wrote, and the tables printed and written into the README.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
import json
import math
from pathlib import Path
import platform
import sqlite3
from typing import Any

#: Targets of issue 13 (shown beside the figures).
TARGETS = {
    "latency_p99_ms": 10.0,
    "lag_max_steady_ms": 20.0,
    "lag_max_startup_ms": 50.0,
    "cpu_pct": 5.0,
    "kib_per_channel": 64.0,
    "restart_available_s": 10.0,
}


# ---------------------------------------------------------------- percentiles
def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0…1) by linear interpolation; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float], points: Iterable[int] = (50, 95, 99)) -> dict[str, Any]:
    """``count``, ``pNN`` for each point and ``max``, rounded to 0.01."""
    result: dict[str, Any] = {"count": len(values)}
    for point in points:
        result[f"p{point}"] = _round(percentile(values, point / 100))
    result["max"] = _round(max(values)) if values else None
    return result


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


# ---------------------------------------------------------------- the probe's file
@dataclass
class ProbeLog:
    """The lines the probe wrote (one per second), all Home Assistant runs in a row."""

    records: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> ProbeLog:
        """Parse the probe's JSON lines; an unfinished last line is left out."""
        records = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "t" in record:
                records.append(record)
        return cls(records)

    @classmethod
    def read(cls, path: Path) -> ProbeLog:
        """Read the probe's file (empty when it does not exist yet)."""
        return cls.parse(path.read_text(encoding="utf-8")) if path.exists() else cls()

    def boots(self) -> list[float]:
        """When each Home Assistant run set the probe up, in order."""
        seen: list[float] = []
        for record in self.records:
            if not seen or seen[-1] != record["boot"]:
                seen.append(record["boot"])
        return seen

    def _samples(self, start: float, end: float) -> Iterator[list[float]]:
        for record in self.records:
            for sample in record["lag"]:
                if start <= sample[0] <= end:
                    yield sample

    def lags(self, start: float, end: float) -> list[float]:
        """Lag samples (ms) taken between ``start`` and ``end`` (wall clock)."""
        return [sample[1] for sample in self._samples(start, end)]

    def on_cpu_lags(self, start: float, end: float) -> list[float]:
        """The part of each lag sample the loop's thread spent running (ms).

        A sample's lag is at most the CPU time the event loop's thread used
        since the sample before: lag beyond that was the thread waiting, on a
        busy machine mostly for a core (or in a blocking call).  Samples
        without the CPU figure are left out.
        """
        return [
            min(sample[1], sample[2]) for sample in self._samples(start, end) if len(sample) > 2
        ]

    def stalls(self, start: float, end: float, top: int = 5) -> list[list[float]]:
        """The ``top`` largest lag samples: ``[seconds after start, ms]``, largest first."""
        samples = [(sample[1], sample[0]) for sample in self._samples(start, end)]
        samples.sort(reverse=True)
        return [[round(at - start, 2), round(lag, 1)] for lag, at in samples[:top]]

    def first_sample(self, boot: float) -> float | None:
        """When the run started at ``boot`` took its first lag sample."""
        for record in self.records:
            if record["boot"] == boot and record["lag"]:
                return float(record["lag"][0][0])
        return None

    def counters_at(self, when: float) -> dict[str, Any] | None:
        """The last line written at or before ``when``."""
        last = None
        for record in self.records:
            if record["t"] <= when:
                last = record
        return last

    def writes(self, start: float, end: float) -> tuple[int, int]:
        """``state_changed`` and ``state_reported`` counts between two lines of one run."""
        first, last = self.counters_at(start), self.counters_at(end)
        if first is None or last is None or first["boot"] != last["boot"]:
            raise ValueError("the window does not lie within one Home Assistant run")
        return last["changed"] - first["changed"], last["reported"] - first["reported"]

    def on_now(self) -> int:
        """Connectivity sensors ``on`` in the last line (0 before any)."""
        return int(self.records[-1]["on_now"]) if self.records else 0

    def started(self, boot: float) -> float | None:
        """When the run started at ``boot`` reported Home Assistant started."""
        for record in self.records:
            if record["boot"] == boot and record.get("started"):
                return float(record["started"])
        return None

    def all_on(self, count: int, after: float) -> float | None:
        """When ``count`` different connectivity sensors had turned ``on`` since ``after``."""
        seen: set[str] = set()
        for record in self.records:
            for at, entity_id in record["on"]:
                if at >= after:
                    seen.add(entity_id)
                    if len(seen) >= count:
                        return float(at)
        return None


# ---------------------------------------------------------------- /proc
def cpu_ticks(stat: str) -> int:
    """User plus system time (clock ticks) from a ``/proc/<pid>/stat`` line."""
    # The command name (field 2) is in parentheses and may hold spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def rss_kib(status: str) -> int:
    """Resident memory (KiB) from ``/proc/<pid>/status``."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError("no VmRSS line")


def cpu_percent(ticks: int, seconds: float, hertz: int = 100) -> float:
    """CPU time over a wall-clock span, in % of one core."""
    return 100.0 * ticks / hertz / seconds if seconds > 0 else math.nan


def machine(cpuinfo: str, meminfo: str, loadavg: str) -> dict[str, Any]:
    """CPU model, core count, RAM and load from the ``/proc`` files given."""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    cores = sum(1 for line in cpuinfo.splitlines() if line.startswith("processor"))
    total = next(
        (int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")),
        0,
    )
    return {
        "cpu": model,
        "cores": cores,
        "ram_gib": round(total / 1024 / 1024, 1),
        "load": [float(value) for value in loadavg.split()[:3]],
    }


# ---------------------------------------------------------------- the recorder
def recorder_latest(database: Path) -> float | None:
    """``last_updated`` of the newest ``states`` row: how far the recorder has written."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        (latest,) = connection.execute("SELECT MAX(last_updated_ts) FROM states").fetchone()
    return None if latest is None else float(latest)


def recorder_rows(database: Path, entity_ids: Iterable[str], start: float, end: float) -> int:
    """Rows of ``states`` written for ``entity_ids`` with ``last_updated`` in the window."""
    wanted = set(entity_ids)
    uri = f"file:{database}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=30) as connection:
        rows = connection.execute(
            "SELECT m.entity_id, COUNT(*) FROM states s "
            "JOIN states_meta m ON s.metadata_id = m.metadata_id "
            "WHERE s.last_updated_ts BETWEEN ? AND ? GROUP BY m.entity_id",
            (start, end),
        ).fetchall()
    return sum(count for entity_id, count in rows if entity_id in wanted)


# ---------------------------------------------------------------- the changes
@dataclass(frozen=True)
class Change:
    """One change the bench makes on a simulated receiver's channel."""

    kind: str  # battery, tx_off, tx_on, rename
    receiver: str  # the simulator's name for it
    channel: int
    value: int | str  # battery %, or the new channel name


@dataclass(frozen=True)
class ChannelRef:
    """A channel of the venue, as the simulator and the bench name it."""

    receiver: str
    channel: int
    name: str  # its name on the receiver (and its device's name)


def plan_changes(
    channels: Sequence[ChannelRef],
    count: int,
    *,
    kinds: Sequence[str] = ("battery", "tx_off", "rename"),
    batteries: dict[tuple[str, int], int] | None = None,
    on_after: int = 10,
) -> list[Change]:
    """``count`` changes, round robin over ``channels``.

    Kinds take turns; a transmitter switched off is switched on again
    ``on_after`` changes later (and nothing else touches it meanwhile), so
    every change changes something; transmitters still off at the end are
    switched on by extra changes.  Battery levels are new each time (22–85 %,
    away from the simulator's defaults) and recorded in ``batteries``;
    renames alternate between two suffixes.
    """
    batteries = {} if batteries is None else batteries
    renamed: dict[tuple[str, int], int] = {}
    pending: deque[tuple[int, ChannelRef]] = deque()
    off: set[tuple[str, int]] = set()
    plan: list[Change] = []
    turn = 0
    cursor = 0
    for index in range(count):
        free = next(
            (
                channels[(cursor + step) % len(channels)]
                for step in range(len(channels))
                if (
                    channels[(cursor + step) % len(channels)].receiver,
                    channels[(cursor + step) % len(channels)].channel,
                )
                not in off
            ),
            None,
        )
        # Due (or, when every channel is off, the oldest early): switch back on.
        if pending and (pending[0][0] <= index or free is None):
            back = pending.popleft()[1]
            off.discard((back.receiver, back.channel))
            plan.append(Change("tx_on", back.receiver, back.channel, 1))
            continue
        if free is None:
            raise ValueError("no channel to change")
        ref = free
        cursor = channels.index(ref) + 1
        kind = kinds[turn % len(kinds)]
        turn += 1
        key = (ref.receiver, ref.channel)
        if kind == "battery":
            level = 22 + (7 * index) % 70
            if batteries.get(key) == level:
                level += 1
            batteries[key] = level
            plan.append(Change("battery", ref.receiver, ref.channel, level))
        elif kind == "tx_off":
            off.add(key)
            pending.append((index + on_after, ref))
            plan.append(Change("tx_off", ref.receiver, ref.channel, 0))
        else:
            renamed[key] = renamed.get(key, 0) + 1
            suffix = "ab"[renamed[key] % 2]
            plan.append(Change("rename", ref.receiver, ref.channel, f"{ref.name[:7]}{suffix}"))
    plan.extend(Change("tx_on", ref.receiver, ref.channel, 1) for _, ref in pending)
    return plan


def expected_state(change: Change) -> str:
    """The state (or, for a rename, the friendly-name start) Home Assistant should show."""
    if change.kind == "battery":
        return str(change.value)
    if change.kind == "tx_off":
        return "off"
    if change.kind == "tx_on":
        return "on"
    return str(change.value)


@dataclass(frozen=True)
class Seen:
    """A ``state_changed`` event as the bench received it."""

    entity_id: str
    state: str | None
    friendly_name: str
    fired: float  # time_fired, wall clock


def fired_at(event: dict[str, Any]) -> float:
    """``time_fired`` of a websocket event as a wall-clock timestamp."""
    return datetime.fromisoformat(event["time_fired"]).timestamp()


def seen_from_event(event: dict[str, Any]) -> Seen | None:
    """The parts of a ``state_changed`` event the matching needs."""
    data = event.get("data") or {}
    new = data.get("new_state")
    if not new:
        return None
    return Seen(
        data["entity_id"],
        new.get("state"),
        str((new.get("attributes") or {}).get("friendly_name", "")),
        fired_at(event),
    )


def latencies(
    sent: Sequence[tuple[Change, str, float]], seen: Sequence[Seen]
) -> tuple[list[float], int]:
    """Milliseconds from each change to the first matching state; and how many never showed.

    ``sent`` holds the change, the entity that shows it and when the bench
    sent it.  A rename matches a state whose friendly name starts with the
    new name; everything else matches the state itself.
    """
    by_entity: dict[str, list[Seen]] = {}
    for item in seen:
        by_entity.setdefault(item.entity_id, []).append(item)
    found: list[float] = []
    missed = 0
    for change, entity_id, at in sent:
        want = expected_state(change)
        match = next(
            (
                item
                for item in by_entity.get(entity_id, [])
                if item.fired >= at
                and (
                    item.friendly_name.startswith(f"{want} ")
                    if change.kind == "rename"
                    else item.state == want
                )
            ),
            None,
        )
        if match is None:
            missed += 1
        else:
            found.append((match.fired - at) * 1000)
    return found, missed


# ---------------------------------------------------------------- tables
def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _lag(phase: dict[str, Any] | None) -> str:
    if not phase:
        return "–"
    text = " / ".join(_fmt(phase.get(key)) for key in ("p50", "p99", "max"))
    on_cpu = (phase.get("on_cpu") or {}).get("max")
    return f"{text} ({_fmt(on_cpu)} on CPU)" if on_cpu is not None else text


def _lat(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "–"
    return " / ".join(_fmt(figures.get(key), 2) for key in ("p50", "p95", "p99", "max"))


ROWS: tuple[tuple[str, str, str], ...] = (
    ("Change → state latency p50 / p95 / p99 / max (ms)", "latency", "p99 ≤ 10 ms at N = 250"),
    ("Changes measured (missed)", "latency_count", "≥ 200"),
    ("Event-loop lag p50 / p99 / max, steady (ms)", "lag_steady", "max ≤ 20 ms"),
    ("Event-loop lag p50 / p99 / max, setup (ms)", "lag_setup", "max ≤ 50 ms"),
    ("Event-loop lag p50 / p99 / max, restart (ms)", "lag_restart", "max ≤ 50 ms"),
    ("Event-loop lag p50 / p99 / max, reload of all entries (ms)", "lag_reload", "max ≤ 50 ms"),
    ("CPU, Home Assistant process (% of one core)", "cpu_pct", "≤ 5 % at N = 250"),
    ("RSS per channel after setup (KiB)", "kib_setup", "≤ 64 KiB"),
    ("RSS per channel after a minute of metering (KiB)", "kib_minute", "≤ 64 KiB"),
    ("RSS per channel added since the next smaller venue (KiB)", "kib_marginal", "≤ 64 KiB"),
    ("`state_changed` per channel-minute", "changed_per_channel_minute", ""),
    ("`state_reported` per channel-minute", "reported_per_channel_minute", "none unchanged"),
    ("Recorder rows per channel-hour", "rows_per_channel_hour", "bounded"),
    ("Setup: all receivers added, metering on (s)", "setup_s", ""),
    ("Restart: start → all available (s)", "restart_from_start_s", ""),
    ("Restart: started → all available (s)", "restart_from_started_s", "≤ 10 s at N = 100"),
    ("Reload of all entries → all available (s)", "reload_s", ""),
)


def cell(result: dict[str, Any], key: str) -> str:
    """One cell of the main table."""
    if key == "latency":
        return _lat(result.get("latency"))
    if key == "latency_count":
        latency = result.get("latency") or {}
        return f"{latency.get('count', '–')} ({latency.get('missed', '–')})"
    if key.startswith("lag_"):
        return _lag((result.get("lag") or {}).get(key[4:]))
    return _fmt(result.get(key))


def with_marginal(sizes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each size with ``kib_marginal``: RSS growth per channel over the size before it.

    Each size runs in its own Home Assistant, so the difference of two sizes
    leaves out what any venue costs once (the integration's code, its
    platforms), which the per-channel figure of a small venue is made of.
    """
    result = []
    before: dict[str, Any] | None = None
    key = "rss_after_minute_mib"
    for original in sizes:
        size = dict(original)
        if before is not None and key in size and key in before:
            added = size["channels"] - before["channels"]
            grown = size[key] - before[key]
            size["kib_marginal"] = round(grown * 1024 / added, 1) if added else None
        result.append(size)
        before = size
    return result


def markdown_tables(results: dict[str, Any]) -> str:
    """The README's tables: figures per venue size, then the polling comparison."""
    sizes = with_marginal(results["sizes"])
    header = "| | " + " | ".join(f"N = {s['receivers']} ({s['channels']} ch)" for s in sizes)
    lines = [
        header + " | Target |",
        "|---|" + "---|" * len(sizes) + "---|",
    ]
    for label, key, target in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(s, key) for s in sizes) + f" | {target} |")
    lines += [
        "",
        "| Receivers | Micboard (push) p50 / p95 / p99 / max (ms) "
        "| 5 s polling p50 / p95 / p99 / max (ms) | Polling ÷ Micboard (p50) |",
        "|---|---|---|---|",
    ]
    for s in sizes:
        side = s.get("side_by_side") or {}
        lines.append(
            f"| {s['receivers']} | {_lat(side.get('micboard'))} | {_lat(side.get('polling'))} "
            f"| {_fmt(side.get('ratio_p50'), 0)}× |"
        )
    return "\n".join(lines)


def machine_line(results: dict[str, Any]) -> str:
    """One line describing where the figures come from."""
    m = results["machine"]
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}, "
        f"Home Assistant {m['homeassistant']}; load average {m['load'][0]:.2f} at the start; "
        f"{results['mode']} run of {results['started']} (commit {results.get('commit', '?')})"
    )


def chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
