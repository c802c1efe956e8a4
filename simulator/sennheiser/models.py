"""Simulated Sennheiser SSC v1 products."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSC_MODELS", "SscModelSpec", "resolve_ssc_model"]


@dataclass(frozen=True, slots=True)
class SscModelSpec:
    """One simulated product."""

    model: str
    #: ``device/identity/product``.
    product: str
    #: Address tree: ``ewdx``, ``d6000``, ``speechline`` or ``charger``.
    tree: str
    channels: int
    firmware: str
    frequency_code: str
    #: Lowest and highest tunable frequency in kHz (25 kHz raster).
    band_khz: tuple[int, int]
    default_tx: str


SSC_MODELS: dict[str, SscModelSpec] = {
    spec.model: spec
    for spec in (
        SscModelSpec(
            "EWDX-EM2", "EW-DX EM 2", "ewdx", 2, "3.2.0", "Q1-9", (470_200, 550_000), "SKM"
        ),
        SscModelSpec(
            "EWDX-EM2-DANTE",
            "EW-DX EM 2 Dante",
            "ewdx",
            2,
            "3.2.0",
            "R1-9",
            (520_000, 607_800),
            "SK",
        ),
        SscModelSpec(
            "EWDX-EM4", "EW-DX EM 4 Dante", "ewdx", 4, "3.2.0", "S1-10", (606_200, 693_800), "SK"
        ),
        SscModelSpec(
            "EM6000", "EM 6000", "d6000", 2, "4.1.0", "A1-A4", (470_200, 714_000), "SK 6000"
        ),
        SscModelSpec(
            "SL-RACK-DW",
            "SL Rack Receiver DW",
            "speechline",
            1,
            "2.0.4",
            "US",
            (1_920_000, 1_930_000),
            "SL BP DW",
        ),
        SscModelSpec("CHG70N", "EW-DX CHG 70N", "charger", 2, "1.4.2", "", (0, 0), "EW-DX SK"),
    )
}


def resolve_ssc_model(model: str) -> SscModelSpec:
    """Look a model up case-insensitively."""
    for name, spec in SSC_MODELS.items():
        if name.upper() == model.strip().upper():
            return spec
    raise ValueError(f"unknown SSC model {model!r}; known: {', '.join(SSC_MODELS)}")
