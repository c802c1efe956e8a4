"""What ./scripts/setup --demo installs: everything a real Home Assistant asks for.

Home Assistant installs the requirements of the discovery integrations named
by an integration's manifest (``dhcp``, ``zeroconf`` …) when it loads that
integration; a demo venv without them logs a run-time pip install.
"""

from __future__ import annotations

import json

from scripts.ha_requirements import MICBOARD, micboard_domains, requirements


def test_discovery_integrations_of_the_manifest_are_covered() -> None:
    manifest = json.loads(MICBOARD.read_text())
    domains = micboard_domains()
    assert set(manifest["dependencies"]) <= set(domains)
    if "dhcp" in manifest:
        assert "dhcp" in domains
    if "zeroconf" in manifest:
        assert {"zeroconf", "homekit"} <= set(domains)
    names = {line.split("==")[0].lower() for line in requirements(domains)}
    assert "aiodhcpwatcher" in names
    assert "hap-python" in names
