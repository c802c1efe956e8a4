"""Model table: every simulated receiver model and the family it speaks."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["FAMILIES", "MODELS", "FamilyName", "ModelSpec"]

type FamilyName = Literal["ulxd", "qlxd", "slxd", "axient_digital", "uhfr", "psm1000"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Static facts about one receiver model."""

    model: str
    family: FamilyName
    channels: int
    description: str
    transport: Literal["tcp", "udp"] = "tcp"
    tx_models: tuple[str, ...] = ()
    plus: bool = False  # SLX-D+ behaviour
    rf_band: str = "G50"
    band_khz: tuple[int, int] = (470_125, 534_875)
    fw_version: str = "2.4.3.0"
    model_string: str = ""  # GET MODEL answer; defaults to ``model``

    @property
    def wire_model(self) -> str:
        """Model string as the receiver reports it."""
        return self.model_string or self.model


_ULX_TX = ("ULXD2", "ULXD1", "ULXD6", "ULXD8")
_QLX_TX = ("QLXD2", "QLXD1")
_SLX_TX = ("SLXD2", "SLXD1")
_SLXP_TX = ("SLXD2+", "SLXD1+", "SLXD3+")
_AD_TX = ("AD2", "AD1", "ADX1", "ADX1M", "ADX2", "ADX2FD")
_UR_TX = ("UR2", "UR1", "UR1M")
_G50 = (470_125, 534_875)
_G58 = (470_100, 513_900)
_G57 = (470_150, 615_825)
_H4 = (518_000, 578_000)
_G10 = (470_000, 542_000)


def _ulx(model: str, ch: int, desc: str) -> ModelSpec:
    return ModelSpec(model, "ulxd", ch, desc, tx_models=_ULX_TX, fw_version="2.7.6.0")


def _slx(model: str, ch: int, desc: str, *, plus: bool = False) -> ModelSpec:
    return ModelSpec(
        model,
        "slxd",
        ch,
        desc,
        tx_models=_SLXP_TX if plus else _SLX_TX,
        plus=plus,
        rf_band="G58",
        band_khz=_G58,
        fw_version="2.0.38.9" if plus else "1.2.14.0",
    )


def _ad(model: str, ch: int, desc: str) -> ModelSpec:
    return ModelSpec(
        model,
        "axient_digital",
        ch,
        desc,
        tx_models=_AD_TX,
        rf_band="G57",
        band_khz=_G57,
        fw_version="1.7.10.0",
        model_string=f"{model}-A",
    )


_ALL = (
    _ulx("ULXD4", 1, "ULX-D single receiver"),
    _ulx("ULXD4D", 2, "ULX-D dual receiver"),
    _ulx("ULXD4Q", 4, "ULX-D quad receiver"),
    ModelSpec("QLXD4", "qlxd", 1, "QLX-D receiver", tx_models=_QLX_TX, fw_version="2.1.5.0"),
    _slx("SLXD4", 1, "SLX-D single receiver"),
    _slx("SLXD4D", 2, "SLX-D dual receiver"),
    _slx("SLXD4D+", 2, "SLX-D+ dual receiver (fw 2.0.38.9 behaviour)", plus=True),
    _slx("SLXD4Q+", 4, "SLX-D+ quad receiver (fw 2.0.38.9 behaviour)", plus=True),
    _ad("AD4D", 2, "Axient Digital dual receiver"),
    _ad("AD4Q", 4, "Axient Digital quad receiver"),
    ModelSpec(
        "UR4S",
        "uhfr",
        1,
        "UHF-R single receiver (UDP)",
        transport="udp",
        tx_models=_UR_TX,
        rf_band="H4",
        band_khz=_H4,
        fw_version="1.169",
    ),
    ModelSpec(
        "UR4D",
        "uhfr",
        2,
        "UHF-R dual receiver (UDP)",
        transport="udp",
        tx_models=_UR_TX,
        rf_band="H4",
        band_khz=_H4,
        fw_version="1.169",
    ),
    ModelSpec(
        "P10T",
        "psm1000",
        2,
        "PSM1000 dual IEM transmitter (REPORT + CRLF dialect)",
        rf_band="G10",
        band_khz=_G10,
        fw_version="1.6.0",
    ),
)

MODELS: MappingProxyType[str, ModelSpec] = MappingProxyType({m.model: m for m in _ALL})
"""Every simulated model by name."""

FAMILIES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        fam: tuple(m.model for m in _ALL if m.family == fam)
        for fam in ("ulxd", "qlxd", "slxd", "axient_digital", "uhfr", "psm1000")
    }
)
"""Family name → models of that family."""
