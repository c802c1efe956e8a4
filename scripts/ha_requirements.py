"""Print the pip requirements of Home Assistant integrations and their dependencies.

Used by ``./scripts/setup --demo``: a real Home Assistant process needs the
packages of the integrations it loads (the frontend, the recorder …), pinned
exactly as the installed Home Assistant release's manifests pin them.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from homeassistant.bootstrap import DEFAULT_INTEGRATIONS
import homeassistant.components
from homeassistant.requirements import DISCOVERY_INTEGRATIONS

COMPONENTS = Path(homeassistant.components.__path__[0])
MICBOARD = Path(__file__).resolve().parents[1] / "custom_components/micboard/manifest.json"


def micboard_domains(manifest: Path = MICBOARD) -> list[str]:
    """What Home Assistant processes requirements for when it loads Micboard.

    Its dependencies, and for each discovery matcher in its manifest (``dhcp``,
    ``zeroconf`` …) the integrations Home Assistant installs the requirements
    of, even though it does not load them.
    """
    data = json.loads(manifest.read_text())
    domains = [*data.get("dependencies", []), *data.get("after_dependencies", [])]
    for key, integrations in DISCOVERY_INTEGRATIONS.items():
        if key in data:
            domains.extend(integrations)
    return domains


def requirements(domains: list[str]) -> list[str]:
    """Requirements of ``domains`` and everything they depend on."""
    seen: set[str] = set()
    found: list[str] = []
    pending = list(domains)
    while pending:
        domain = pending.pop()
        if domain in seen or not (manifest := COMPONENTS / domain / "manifest.json").exists():
            continue
        seen.add(domain)
        data = json.loads(manifest.read_text())
        found.extend(data.get("requirements", []))
        pending.extend(data.get("dependencies", []))
        pending.extend(data.get("after_dependencies", []))
    return sorted(set(found))


if __name__ == "__main__":
    # Home Assistant always sets up its default integrations too.
    print(
        "\n".join(requirements([*sorted(DEFAULT_INTEGRATIONS), *micboard_domains(), *sys.argv[1:]]))
    )
