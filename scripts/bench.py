"""The project's benchmarks (figures, never pass/fail). Run with ``./scripts/bench``.

Two sections:

1. the wire path: the cost of parsing and applying one ``REP``/``SAMPLE``
   line, fed one per segment (as unsolicited reports arrive) and many per
   segment (as a ``GET x ALL`` dump arrives), and the memory one receiver's
   state takes;
2. the venue (``bench/venue.py``): a real Home Assistant with N simulated
   ULXD4Q receivers — latency, event-loop lag, CPU, memory, state writes,
   recorder rows, restart and reload — beside a 5-second polling baseline.

``--quick`` runs both small (a smoke run, under three minutes).  The JSON goes
to ``bench/results/`` (``venue.json`` for a full run, ``quick.json``
otherwise); a full run also rewrites the README's performance table.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from datetime import UTC, datetime
import gc
import json
from pathlib import Path
import subprocess
import sys
import time
import tracemalloc
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.micboard.devices.models import Family, ReceiverInfo, ReceiverState
from custom_components.micboard.devices.shure.decoder import Decoder
from custom_components.micboard.devices.shure.framing import BracketParser

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README_BEGIN = "<!-- bench:begin -->"
README_END = "<!-- bench:end -->"

LINES: dict[str, list[bytes]] = {
    "ULX-D REP": [
        b"< REP 1 BATT_BARS 004 >",
        b"< REP 1 BATT_RUN_TIME 00607 >",
        b"< REP 1 CHAN_NAME {Lead Vox} >",
        b"< REP 1 TX_TYPE ULXD2 >",
        b"< REP 1 BATT_BARS 003 >",
        b"< REP 1 BATT_RUN_TIME 00606 >",
    ],
    "ULX-D SAMPLE": [b"< SAMPLE 1 ALL AX 079 034 >", b"< SAMPLE 1 ALL XB 081 030 >"],
    "AD SAMPLE": [
        b"< SAMPLE 1 ALL 005 031 102 102 BB 31 086 31 065 >",
        b"< SAMPLE 1 ALL 005 031 100 099 BX 31 084 15 060 >",
    ],
    "AD REP (31-wide text)": [
        b"< REP 1 CHAN_NAME {Lead Vox                       } >",
        b"< REP 1 TX_BATT_MINS 00420 >",
    ],
}
FAMILY = {
    "ULX-D REP": Family.ULXD,
    "ULX-D SAMPLE": Family.ULXD,
    "AD SAMPLE": Family.AXIENT_DIGITAL,
    "AD REP (31-wide text)": Family.AXIENT_DIGITAL,
}


def _decoder(family: Family) -> Decoder:
    state = ReceiverState(ReceiverInfo(family, "bench", 4, "127.0.0.1", 2202))
    for number in range(1, 5):
        state.channel(number)
    return Decoder(state)


def bench_one_per_segment(lines: list[bytes], family: Family, rounds: int) -> float:
    parser = BracketParser()
    decoder = _decoder(family)
    feed, apply = parser.feed, decoder.apply
    segments = lines * (rounds // len(lines))
    gc.disable()
    start = time.perf_counter_ns()
    for segment in segments:
        for message in feed(segment):
            apply(message)
    elapsed = time.perf_counter_ns() - start
    gc.enable()
    return elapsed / len(segments) / 1000


def bench_dump(lines: list[bytes], family: Family, rounds: int) -> float:
    parser = BracketParser()
    decoder = _decoder(family)
    blob = b"".join(lines * 50)
    count = len(lines) * 50
    repeats = max(1, rounds // count)
    gc.disable()
    start = time.perf_counter_ns()
    for _ in range(repeats):
        for message in parser.feed(blob):
            decoder.apply(message)
    elapsed = time.perf_counter_ns() - start
    gc.enable()
    return elapsed / (repeats * count) / 1000


def state_memory() -> int:
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    decoders = [_decoder(Family.AXIENT_DIGITAL) for _ in range(100)]
    parser = BracketParser()
    for decoder in decoders:
        for line in LINES["AD SAMPLE"] + LINES["AD REP (31-wide text)"]:
            for message in parser.feed(line):
                decoder.apply(message)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return size // len(decoders)


def wire_section(rounds: int) -> dict[str, Any]:
    """Section 1: µs per line, printed as a table and returned."""
    print(
        f"== wire path: Python {sys.version.split()[0]}, {rounds} lines per case, best of 5",
        flush=True,
    )
    print(f"{'case':<24}{'one line/segment':>20}{'batched (dump)':>18}")
    cases = {}
    for name, lines in LINES.items():
        family = FAMILY[name]
        single = min(bench_one_per_segment(lines, family, rounds) for _ in range(5))
        batched = min(bench_dump(lines, family, rounds) for _ in range(5))
        print(f"{name:<24}{single:>16.2f} µs{batched:>14.2f} µs", flush=True)
        cases[name] = {"one_per_segment_us": round(single, 3), "batched_us": round(batched, 3)}
    memory = state_memory() / 1024
    print(f"state of one 4-channel receiver: {memory:.1f} KiB")
    return {"rounds": rounds, "cases": cases, "receiver_state_kib": round(memory, 1)}


def describe_machine() -> dict[str, Any]:
    """Where the figures come from."""
    from homeassistant.const import __version__ as ha_version

    from bench.stats import machine

    proc = Path("/proc")
    described = machine(
        (proc / "cpuinfo").read_text(encoding="utf-8"),
        (proc / "meminfo").read_text(encoding="utf-8"),
        (proc / "loadavg").read_text(encoding="utf-8"),
    )
    return {**described, "python": sys.version.split()[0], "homeassistant": ha_version}


def commit() -> str:
    """The checked-out commit (``-dirty`` with uncommitted changes)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run(  # noqa: S603 - git, fixed arguments
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(  # noqa: S603 - git, fixed arguments
        [*git, "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{head}-dirty" if head and dirty else head or "unknown"


def update_readme(readme: Path, results: dict[str, Any]) -> bool:
    """Replace the README's table between the bench markers; whether it was found."""
    from bench.stats import machine_line, markdown_tables

    text = readme.read_text(encoding="utf-8")
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        return False
    table = f"Measured on {machine_line(results)}:\n\n{markdown_tables(results)}\n"
    readme.write_text(f"{text[: begin + len(README_BEGIN)]}\n{table}{text[end:]}", encoding="utf-8")
    return True


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small venue, short windows"
    )
    parser.add_argument(
        "--sizes", help="venue sizes in receivers, comma separated (default 10,100,250)"
    )
    parser.add_argument("--rounds", type=int, help="wire-path lines per case (default 100000)")
    parser.add_argument("--no-wire", action="store_true", help="skip the wire-path section")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile Home Assistant's event loop (steady state, reload of every entry)",
    )
    parser.add_argument("--no-venue", action="store_true", help="skip the venue section")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/…)")
    parser.add_argument(
        "--work", type=Path, help="keep Home Assistant's folders here (default: temporary)"
    )
    parser.add_argument(
        "--no-readme", action="store_true", help="do not rewrite the README table (full runs)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the sections asked for; print the tables; write the JSON."""
    from bench.stats import markdown_tables
    from bench.venue import Settings, run

    args = build_parser().parse_args(argv)
    settings = Settings.quick() if args.quick else Settings()
    if args.sizes:
        settings = dataclasses.replace(
            settings, sizes=tuple(int(size) for size in args.sizes.split(","))
        )
    if args.profile:
        settings = dataclasses.replace(settings, profile=True)
    started = time.time()
    results: dict[str, Any] = {
        "mode": settings.mode,
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "machine": describe_machine(),
        "settings": dataclasses.asdict(settings),
    }
    if not args.no_wire:
        results["wire"] = wire_section(args.rounds or (20_000 if args.quick else 100_000))
    if not args.no_venue:
        print(f"== venue: {', '.join(map(str, settings.sizes))} receivers", flush=True)
        results["sizes"] = asyncio.run(run(settings, args.work))
        print(markdown_tables(results))
    results["duration_s"] = round(time.time() - started, 1)
    results["machine"]["load_end"] = [
        float(value) for value in Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3]
    ]
    out = args.out or RESULTS / ("quick.json" if args.quick else "venue.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out} ({results['duration_s']:.0f} s)")
    if "sizes" in results and not args.quick and not args.no_readme:
        readme = ROOT / "README.md"
        if update_readme(readme, results):
            print(f"table written into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
