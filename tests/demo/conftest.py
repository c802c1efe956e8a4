"""Fixtures for the demo's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import demo_run


@pytest.fixture(scope="session")
def demo() -> Iterator[demo_run.DemoRun]:
    """The demo as ``./scripts/demo`` starts it, on a fresh folder (shared with tests/e2e)."""
    run = demo_run.acquire()
    try:
        yield run
    finally:
        demo_run.release()


@pytest.fixture(autouse=True)
def loopback_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process Home Assistant tests: announcements on loopback only, no multicast."""
    monkeypatch.setenv("MICBOARD_SLP_BIND", "127.0.0.1:0")
    monkeypatch.setenv("MICBOARD_SLP_MULTICAST", "0")
