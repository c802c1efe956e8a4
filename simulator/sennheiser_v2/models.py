"""Simulated Sennheiser SSCv2 products (HTTPS REST + Server-Sent Events)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSC2_MODELS", "Ssc2ModelSpec", "resolve_ssc2_model"]


@dataclass(frozen=True, slots=True)
class Ssc2ModelSpec:
    """One simulated product."""

    model: str
    #: ``/api/device/identity`` ``product``.
    product: str
    #: Human description for listings.
    description: str
    #: Resource set: ``ewdx`` (receiver channels) or ``spectera`` (mobile devices).
    kind: str
    #: Receiver channels (EW-DX) or paired mobile devices (Spectera, default).
    channels: int
    #: ``/api/ssc/version`` ``schema``.
    schema: str
    firmware: str
    frequency_code: str
    #: Lowest and highest tunable frequency in kHz (25 kHz raster).
    band_khz: tuple[int, int]
    #: Transmitter type of every channel at start.
    default_tx: str


SSC2_MODELS: dict[str, Ssc2ModelSpec] = {
    spec.model: spec
    for spec in (
        Ssc2ModelSpec(
            "EWDX-EM2-SECURE",
            "EWDX2CHS",
            "EW-DX EM 2, secure third-party mode",
            "ewdx",
            2,
            "1.7",
            "4.1.0",
            "Q1-9",
            (470_200, 550_000),
            "EW_DX_SKM",
        ),
        Ssc2ModelSpec(
            "EWDX-EM2-DANTE-SECURE",
            "EWDX2CHDS",
            "EW-DX EM 2 Dante, secure third-party mode",
            "ewdx",
            2,
            "1.7",
            "4.1.0",
            "R1-9",
            (520_000, 607_800),
            "EW_DX_SK",
        ),
        Ssc2ModelSpec(
            "EWDX-EM4-SECURE",
            "EWDX4CHDS",
            "EW-DX EM 4 Dante, secure third-party mode",
            "ewdx",
            4,
            "1.7",
            "4.1.0",
            "S1-10",
            (606_200, 693_800),
            "EW_DX_SK",
        ),
        Ssc2ModelSpec(
            "SPECTERA-BASE",
            "SPECTERA-BASE",
            "Spectera base station, SEK / SKM",
            "spectera",
            4,
            "18.1",
            "1.4.1",
            "",
            (470_000, 608_000),
            "SKM",
        ),
    )
}


def resolve_ssc2_model(model: str) -> Ssc2ModelSpec:
    """Look a model up case-insensitively."""
    for name, spec in SSC2_MODELS.items():
        if name.upper() == model.strip().upper():
            return spec
    raise ValueError(f"unknown SSCv2 model {model!r}; known: {', '.join(SSC2_MODELS)}")
