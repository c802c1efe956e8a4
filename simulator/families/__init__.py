"""Protocol engines, one per receiver family."""

from __future__ import annotations

from simulator.families.axient import AxientEngine
from simulator.families.base import Engine, Outcome, Ref, Unsupported
from simulator.families.psm1000 import Psm1000Engine
from simulator.families.slxd import SlxdEngine
from simulator.families.uhfr import UhfrEngine
from simulator.families.ulxd import QlxdEngine, UlxdEngine

__all__ = ["ENGINES", "Engine", "Outcome", "Ref", "Unsupported"]

ENGINES: dict[str, type[Engine]] = {
    "ulxd": UlxdEngine,
    "qlxd": QlxdEngine,
    "slxd": SlxdEngine,
    "axient_digital": AxientEngine,
    "uhfr": UhfrEngine,
    "psm1000": Psm1000Engine,
}
