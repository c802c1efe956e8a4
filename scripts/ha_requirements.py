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

COMPONENTS = Path(homeassistant.components.__path__[0])


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
    print("\n".join(requirements([*sorted(DEFAULT_INTEGRATIONS), *sys.argv[1:]])))
