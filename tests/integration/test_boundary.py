"""The Home Assistant side depends on the neutral device interface only."""

from __future__ import annotations

from pathlib import Path
import re

PACKAGE = Path(__file__).resolve().parents[2] / "custom_components" / "micboard"
VENDOR_IMPORT = re.compile(r"\bdevices\.(shure|sennheiser)\b|^from \.(shure|sennheiser)\b", re.M)


def test_no_vendor_package_is_imported_outside_devices() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "devices"
        and VENDOR_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_sees_a_vendor_import() -> None:
    assert VENDOR_IMPORT.search("from .devices.shure import ShureReceiver")
    assert VENDOR_IMPORT.search("from custom_components.micboard.devices.sennheiser import x")
    assert not VENDOR_IMPORT.search("from .devices import registry")
