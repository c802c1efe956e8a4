"""Micro-benchmarks of the wire path: framing + decoding one line.

Run with ``./scripts/bench``.  Prints the cost of parsing and applying one
``REP``/``SAMPLE`` line, fed one per segment (as unsolicited reports arrive)
and many per segment (as a ``GET x ALL`` dump arrives), and the memory one
receiver's state takes.
"""

from __future__ import annotations

import gc
from pathlib import Path
import sys
import time
import tracemalloc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.micboard.devices.models import Family, ReceiverInfo, ReceiverState
from custom_components.micboard.devices.shure.decoder import Decoder
from custom_components.micboard.devices.shure.framing import BracketParser

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


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    print(f"Python {sys.version.split()[0]}, {rounds} lines per case, best of 5")
    print(f"{'case':<24}{'one line/segment':>20}{'batched (dump)':>18}")
    for name, lines in LINES.items():
        family = FAMILY[name]
        single = min(bench_one_per_segment(lines, family, rounds) for _ in range(5))
        batched = min(bench_dump(lines, family, rounds) for _ in range(5))
        print(f"{name:<24}{single:>16.2f} µs{batched:>14.2f} µs")
    print(f"state of one 4-channel receiver: {state_memory() / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
