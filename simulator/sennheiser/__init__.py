"""Simulated Sennheiser devices speaking SSC v1 (JSON over UDP) on 127.0.0.1.

See ``/work/shared/protocols/sennheiser-ssc.md`` (§2, §7) for the notes this follows.
"""

from __future__ import annotations

from simulator.sennheiser.device import SscDevice, create_ssc_device
from simulator.sennheiser.models import SSC_MODELS, SscModelSpec
from simulator.sennheiser.state import SscChannel

__all__ = ["SSC_MODELS", "SscChannel", "SscDevice", "SscModelSpec", "create_ssc_device"]
