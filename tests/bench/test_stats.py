"""The bench's arithmetic: percentiles, the probe's file, /proc, the plan, the matching, tables."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import math
from pathlib import Path
import sqlite3

import pytest

from bench.stats import (
    Change,
    ChannelRef,
    ProbeLog,
    Seen,
    cpu_percent,
    cpu_ticks,
    expected_state,
    latencies,
    machine,
    markdown_tables,
    percentile,
    plan_changes,
    recorder_latest,
    recorder_rows,
    rss_kib,
    seen_from_event,
    summary,
    with_marginal,
)


def test_percentile_interpolates_and_summary_rounds() -> None:
    values = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.25) == 2.0
    assert percentile(values, 0.9) == pytest.approx(4.6)
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))
    assert summary(list(map(float, range(1, 101)))) == {
        "count": 100,
        "p50": 50.5,
        "p95": 95.05,
        "p99": 99.01,
        "max": 100.0,
    }
    assert summary([]) == {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}


def _line(boot: float, t: float, **fields: object) -> str:
    record = {
        "boot": boot,
        "t": t,
        "lag": [],
        "changed": 0,
        "reported": 0,
        "on_now": 0,
        "on": [],
        "started": None,
    }
    record.update(fields)
    return json.dumps(record)


def _probe_text() -> str:
    return "\n".join(
        [
            _line(
                100.0, 101.0, lag=[[100.5, 1.0, 2.5], [100.9, 30.0, 2.0]], changed=5, reported=10
            ),
            "not json",
            _line(
                100.0,
                102.0,
                lag=[[101.5, 2.0, 3.0]],
                changed=9,
                reported=30,
                on=[[101.2, "binary_sensor.a"]],
                on_now=1,
            ),
            _line(100.0, 103.0, changed=20, reported=50, started=102.5),
            _line(200.0, 201.0, lag=[[200.2, 500.0, 12.0]], on=[[200.5, "binary_sensor.a"]]),
            _line(200.0, 202.0, on=[[201.5, "binary_sensor.b"]], on_now=2, started=201.8),
            '{"boot": 200.0, "t": 203',  # written while the bench read it
        ]
    )


def test_probe_log_cuts_runs_and_windows() -> None:
    probe = ProbeLog.parse(_probe_text())
    assert len(probe.records) == 5
    assert probe.boots() == [100.0, 200.0]
    assert probe.lags(100.0, 101.0) == [1.0, 30.0]
    assert probe.lags(100.6, 300.0) == [30.0, 2.0, 500.0]
    assert probe.stalls(100.0, 102.0, top=2) == [[0.9, 30.0], [1.5, 2.0]]
    # The part of each lag the loop's thread was running (third figure, where written).
    assert probe.on_cpu_lags(100.0, 300.0) == [1.0, 2.0, 2.0, 12.0]
    assert probe.first_sample(200.0) == 200.2
    assert probe.first_sample(300.0) is None
    # Counters between the lines at or before each end of the window.
    assert probe.writes(101.5, 103.2) == (20 - 5, 50 - 10)
    with pytest.raises(ValueError, match="one Home Assistant run"):
        probe.writes(101.5, 201.5)
    assert probe.started(100.0) == 102.5
    assert probe.started(200.0) == 201.8
    assert probe.on_now() == 2
    assert probe.all_on(1, 100.0) == 101.2
    # The second run: both sensors on again only at 201.5.
    assert probe.all_on(2, 200.0) == 201.5
    assert probe.all_on(3, 200.0) is None
    assert ProbeLog().on_now() == 0


def test_probe_log_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "probe.jsonl"
    assert ProbeLog.read(path).records == []
    path.write_text(_probe_text(), encoding="utf-8")
    assert len(ProbeLog.read(path).records) == 5


def test_proc_parsing() -> None:
    # The command name may hold spaces and parentheses.
    stat = "1234 (python3 (ha) x) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 9 0"
    assert cpu_ticks(stat) == 325
    assert rss_kib("Name:\tpython3\nVmPeak:\t 900 kB\nVmRSS:\t  245760 kB\n") == 245760
    with pytest.raises(ValueError, match="VmRSS"):
        rss_kib("Name:\tpython3\n")
    assert cpu_percent(150, 30.0) == pytest.approx(5.0)
    assert cpu_percent(150, 30.0, hertz=250) == pytest.approx(2.0)
    assert math.isnan(cpu_percent(1, 0.0))


def test_machine_description() -> None:
    cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n\nprocessor\t: 1\n"
    cpuinfo += "model name\t: Example CPU @ 2.0GHz\n"
    meminfo = "MemTotal:       24683520 kB\nMemFree: 1 kB\n"
    assert machine(cpuinfo, meminfo, "0.50 1.25 2.00 3/104 11604\n") == {
        "cpu": "Example CPU @ 2.0GHz",
        "cores": 2,
        "ram_gib": 23.5,
        "load": [0.5, 1.25, 2.0],
    }


def test_recorder_rows_counts_the_window_and_the_entities(tmp_path: Path) -> None:
    database = tmp_path / "home-assistant_v2.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE states_meta (metadata_id INTEGER, entity_id TEXT)")
        connection.execute("CREATE TABLE states (metadata_id INTEGER, last_updated_ts REAL)")
    assert recorder_latest(database) is None  # nothing written yet
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO states_meta VALUES (?, ?)",
            [(1, "sensor.a_battery"), (2, "sensor.b_battery"), (3, "sun.sun")],
        )
        connection.executemany(
            "INSERT INTO states VALUES (?, ?)",
            [(1, 10.0), (1, 11.0), (1, 30.0), (2, 12.0), (3, 12.0), (3, 13.0)],
        )
    assert recorder_latest(database) == 30.0
    wanted = ["sensor.a_battery", "sensor.b_battery"]
    assert recorder_rows(database, wanted, 10.0, 20.0) == 3
    assert recorder_rows(database, wanted, 0.0, 100.0) == 4
    assert recorder_rows(database, ["sun.sun"], 0.0, 100.0) == 2


REFS = [ChannelRef(f"ULXD4Q-{port}", ch, f"R{port:03d}C{ch}") for port in (1, 2) for ch in (1, 2)]


def test_plan_changes_keeps_every_change_a_change() -> None:
    batteries: dict[tuple[str, int], int] = {("ULXD4Q-1", 1): 22}
    plan = plan_changes(REFS, 60, batteries=batteries, on_after=5)
    assert len(plan) >= 60
    off: dict[tuple[str, int], int] = {}
    level: dict[tuple[str, int], int] = {("ULXD4Q-1", 1): 22}
    name: dict[tuple[str, int], str] = {(r.receiver, r.channel): r.name for r in REFS}
    for index, change in enumerate(plan):
        key = (change.receiver, change.channel)
        if change.kind == "tx_on":
            assert key in off
            assert index - off.pop(key) >= 4 or index >= 60  # on again a while later
            continue
        # Nothing but "on again" touches a channel whose transmitter is off.
        assert key not in off
        if change.kind == "tx_off":
            off[key] = index
        elif change.kind == "battery":
            assert 22 <= int(change.value) <= 92
            assert level.get(key) != change.value
            level[key] = int(change.value)
        else:
            assert change.kind == "rename"
            assert len(str(change.value)) <= 8
            assert change.value != name[key]
            name[key] = str(change.value)
    assert not off  # every transmitter is on again at the end
    assert {change.kind for change in plan} == {"battery", "tx_off", "tx_on", "rename"}
    assert batteries == level


def test_plan_changes_battery_only_round_robin() -> None:
    plan = plan_changes(REFS, 8, kinds=("battery",))
    assert [c.kind for c in plan] == ["battery"] * 8
    assert [(c.receiver, c.channel) for c in plan[:4]] == [(r.receiver, r.channel) for r in REFS]


def test_plan_changes_on_a_single_channel_switches_on_early() -> None:
    plan = plan_changes(REFS[:1], 6, kinds=("tx_off",), on_after=100)
    assert [c.kind for c in plan] == ["tx_off", "tx_on"] * 3


def test_expected_states() -> None:
    assert expected_state(Change("battery", "r", 1, 57)) == "57"
    assert expected_state(Change("tx_off", "r", 1, 0)) == "off"
    assert expected_state(Change("tx_on", "r", 1, 1)) == "on"
    assert expected_state(Change("rename", "r", 1, "R001C1a")) == "R001C1a"


def test_seen_from_websocket_event() -> None:
    event = {
        "event_type": "state_changed",
        "time_fired": "2026-11-30T14:00:00.250000+00:00",
        "data": {
            "entity_id": "sensor.r001c1_battery",
            "new_state": {"state": "57", "attributes": {"friendly_name": "R001C1 Battery"}},
        },
    }
    seen = seen_from_event(event)
    fired = datetime(2026, 11, 30, 14, 0, 0, 250000, tzinfo=UTC).timestamp()
    assert seen == Seen("sensor.r001c1_battery", "57", "R001C1 Battery", fired)
    event["data"]["new_state"] = None
    assert seen_from_event(event) is None


def test_latencies_match_the_first_state_after_the_change() -> None:
    battery = Change("battery", "r", 1, 57)
    rename = Change("rename", "r", 1, "R001C1a")
    lost = Change("tx_off", "r", 2, 0)
    sent = [
        (battery, "sensor.b", 100.0),
        (rename, "binary_sensor.t", 101.0),
        (lost, "binary_sensor.u", 102.0),
    ]
    seen = [
        Seen("sensor.b", "57", "R001C1 Battery", 99.0),  # before the change: not it
        Seen("sensor.b", "56", "R001C1 Battery", 100.001),
        Seen("sensor.b", "57", "R001C1 Battery", 100.003),
        Seen("sensor.b", "57", "R001C1 Battery", 100.5),
        Seen("binary_sensor.t", "on", "R001C1 Transmitter", 101.001),
        Seen("binary_sensor.t", "on", "R001C1a Transmitter", 101.002),
        Seen("binary_sensor.u", "on", "R001C2 Transmitter", 102.5),
    ]
    found, missed = latencies(sent, seen)
    assert found == pytest.approx([3.0, 2.0], abs=1e-3)
    assert missed == 1


def _size(receivers: int, p50: float) -> dict[str, object]:
    return {
        "rss_after_minute_mib": receivers / 4,
        "receivers": receivers,
        "channels": receivers * 4,
        "latency": {"count": 200, "p50": p50, "p95": 3.0, "p99": 4.0, "max": 9.0, "missed": 0},
        "lag": {
            "steady": {"p50": 0.2, "p99": 1.5, "max": 12.0, "on_cpu": {"max": 4.0}},
            "setup": {"p50": 1.0, "p99": 2.0, "max": 3.0},
        },
        "cpu_pct": 1.25,
        "side_by_side": {
            "micboard": {"p50": p50, "p95": 3.0, "p99": 4.0, "max": 9.0},
            "polling": {"p50": 2500.0, "p95": 4800.0, "p99": 5000.0, "max": 5100.0},
            "ratio_p50": 2500.0 / p50,
        },
    }


def test_marginal_memory_between_sizes() -> None:
    sizes = [
        {"channels": 40, "rss_after_minute_mib": 260.0},
        {"channels": 400, "rss_after_minute_mib": 296.0},
        {"channels": 1000, "rss_after_minute_mib": 350.0},
    ]
    marginal = with_marginal(sizes)
    assert "kib_marginal" not in marginal[0]
    assert marginal[1]["kib_marginal"] == 102.4  # 36 MiB over 360 channels
    assert marginal[2]["kib_marginal"] == 92.2  # 54 MiB over 600 channels
    assert "kib_marginal" not in sizes[1]  # the results themselves stay as they are


def test_markdown_tables() -> None:
    text = markdown_tables({"sizes": [_size(10, 2.0), _size(100, 2.5)]})
    lines = text.splitlines()
    assert lines[0] == "| | N = 10 (40 ch) | N = 100 (400 ch) | Target |"
    assert "| Change → state latency p50 / p95 / p99 / max (ms) | 2.00 / 3.00 / 4.00 / 9.00" in text
    assert "| Changes measured (missed) | 200 (0) | 200 (0) |" in text
    assert "| Event-loop lag p50 / p99 / max, steady (ms) | 0.2 / 1.5 / 12.0 (4.0 on CPU) |" in text
    assert (
        "| Event-loop lag p50 / p99 / max, setup (ms) | 1.0 / 2.0 / 3.0 | 1.0 / 2.0 / 3.0 |" in text
    )
    assert "| Event-loop lag p50 / p99 / max, restart (ms) | – | – |" in text
    assert "| CPU, Home Assistant process (% of one core) | 1.2 | 1.2 |" in text
    assert (
        "| 10 | 2.00 / 3.00 / 4.00 / 9.00 | 2500.00 / 4800.00 / 5000.00 / 5100.00 | 1250× |" in text
    )
    assert "| 100 | 2.50 / 3.00 / 4.00 / 9.00 |" in text
    # 22.5 MiB over 360 channels.
    assert "| RSS per channel added since the next smaller venue (KiB) | – | 64.0 |" in text
    assert text.endswith("| 1000× |")
