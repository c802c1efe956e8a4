"""Checks hassfest and HACS would make on the integration's metadata files."""

from __future__ import annotations

import json
from pathlib import Path
import re

import yaml

from custom_components.micboard import binary_sensor, sensor, switch, text
from custom_components.micboard.const import ALERT_TYPES
from custom_components.micboard.device_trigger import (
    BAY_TRIGGERS,
    CHANNEL_TRIGGERS,
    RECEIVER_TRIGGERS,
)

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components/micboard"


def _json(name: str) -> dict:
    return json.loads((INTEGRATION / name).read_text())


def test_manifest_keys_are_ordered_and_complete() -> None:
    manifest = _json("manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("version", "documentation", "issue_tracker", "codeowners", "iot_class"):
        assert manifest[key]
    assert manifest["domain"] == INTEGRATION.name
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= {
        "name",
        "homeassistant",
        "hacs",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "persistent_directory",
    }
    assert (INTEGRATION / "brand/icon.png").is_file()


def test_translations_are_shipped_as_written() -> None:
    assert _json("strings.json") == _json("translations/en.json")


def test_every_translation_key_in_code_exists() -> None:
    strings = _json("strings.json")
    entity = strings["entity"]
    for platform, descriptions in (
        ("sensor", sensor.SENSORS + sensor.SUMMARY_SENSORS + sensor.RECEIVER_SENSORS),
        ("binary_sensor", binary_sensor.BINARY_SENSORS),
    ):
        for description in descriptions:
            if description.translation_key:
                assert description.translation_key in entity[platform], description.key
    assert text.PERFORMER.translation_key in entity["text"]
    assert switch.ALERTS.translation_key in entity["switch"]
    triggers = strings["device_automation"]["trigger_type"]
    assert set(triggers) == set(CHANNEL_TRIGGERS + BAY_TRIGGERS + RECEIVER_TRIGGERS)
    assert {t for t in triggers if not t.endswith("_cleared")} == set(ALERT_TYPES)
    source = "\n".join(p.read_text() for p in INTEGRATION.glob("*.py"))
    for key in set(re.findall(r'translation_key="([a-z_]+)"', source)):
        found = (
            key in strings["exceptions"]
            or key in strings["issues"]
            or any(key in entity[p] for p in entity)
        )
        assert found, key
    for key in re.findall(r'_invalid\("([a-z_]+)"', source):
        assert key in strings["exceptions"], key


def test_services_are_described_translated_and_have_icons() -> None:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    strings = _json("strings.json")["services"]
    icons = _json("icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, spec in services.items():
        assert set(spec["fields"]) == set(strings[name]["fields"]), name


def test_icons_cover_translated_entities() -> None:
    icons = _json("icons.json")["entity"]
    entity = _json("strings.json")["entity"]
    for platform, keys in entity.items():
        for key in keys:
            if key not in {"battery_temperature"}:  # device class icon
                assert key in icons.get(platform, {}), f"{platform}.{key}"


def test_issues_are_either_fixable_or_descriptive() -> None:
    """hassfest: an issue has a description or a fix flow, never both."""
    for name, issue in _json("strings.json")["issues"].items():
        assert ("description" in issue) != ("fix_flow" in issue), name


#: Rules per tier (cumulative), as the Integration Quality Scale lists them.
TIERS = {
    "bronze": {
        "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
        "config-flow-test-coverage", "dependency-transparency", "docs-actions",
        "docs-conditions", "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "docs-triggers", "entity-event-setup",
        "entity-unique-id", "has-entity-name", "runtime-data", "test-before-configure",
        "test-before-setup", "unique-config-entry",
    },
    "silver": {
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    },
    "gold": {
        "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases",
        "dynamic-devices", "entity-category", "entity-device-class",
        "entity-disabled-by-default", "entity-translations", "exception-translations",
        "icon-translations", "reconfiguration-flow", "repair-issues", "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}  # fmt: skip


def test_manifest_claims_no_tier_the_checklist_does_not_support() -> None:
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == set().union(*TIERS.values())
    status = {
        rule: value if isinstance(value, str) else value["status"] for rule, value in rules.items()
    }
    for rule, value in rules.items():
        if not isinstance(value, str) and value["status"] in {"exempt", "todo"}:
            assert value.get("comment"), f"{rule} needs a reason"
    reached = None
    for tier in ("bronze", "silver", "gold", "platinum"):
        if any(status[rule] == "todo" for rule in TIERS[tier]):
            break
        reached = tier
    claimed = _json("manifest.json").get("quality_scale")
    order = [None, "bronze", "silver", "gold", "platinum"]
    assert order.index(claimed) <= order.index(reached)
    # The device library ships inside the integration: not yet a released dependency.
    assert status["dependency-transparency"] == "todo"
    assert status["stale-devices"] == "done"
    assert status["test-before-setup"] == "done"
