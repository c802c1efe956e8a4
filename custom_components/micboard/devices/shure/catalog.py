"""Known Shure models: family and channel count."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Family


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A receiver model."""

    model: str
    family: Family
    channels: int


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("ULXD4Q", Family.ULXD, 4),
    ModelSpec("ULXD4D", Family.ULXD, 2),
    ModelSpec("ULXD4", Family.ULXD, 1),
    ModelSpec("QLXD4", Family.QLXD, 1),
    ModelSpec("SLXD4Q", Family.SLXD, 4),
    ModelSpec("SLXD4D", Family.SLXD, 2),
    ModelSpec("SLXD4", Family.SLXD, 1),
    ModelSpec("AD4Q", Family.AXIENT_DIGITAL, 4),
    ModelSpec("AD4D", Family.AXIENT_DIGITAL, 2),
    ModelSpec("ANX4", Family.AXIENT_DIGITAL, 4),
    ModelSpec("UR4D", Family.UHFR, 2),
    ModelSpec("UR4S", Family.UHFR, 1),
    ModelSpec("P10T", Family.PSM1000, 2),
)

#: Model names per family by channel count, for families that may not say
#: their model (ULX-D's answer to ``GET MODEL`` is disputed).
BY_CHANNELS: dict[Family, dict[int, str]] = {
    Family.ULXD: {1: "ULXD4", 2: "ULXD4D", 4: "ULXD4Q"},
    Family.QLXD: {1: "QLXD4"},
    Family.SLXD: {1: "SLXD4", 2: "SLXD4D", 4: "SLXD4Q"},
    Family.AXIENT_DIGITAL: {2: "AD4D", 4: "AD4Q"},
    Family.UHFR: {1: "UR4S", 2: "UR4D"},
    Family.PSM1000: {2: "P10T"},
}


def lookup(model: str) -> ModelSpec | None:
    """Find a model by the name a device reports (``AD4Q-A``, ``SLXD4DE_RX``)."""
    name = model.strip().upper().replace(" ", "")
    for spec in MODELS:
        if name.startswith(spec.model):
            return spec
    return None
