"""Fixtures for the browser test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.demo import demo_run


@pytest.fixture(scope="session")
def demo() -> Iterator[demo_run.DemoRun]:
    """The demo as ``./scripts/demo`` starts it, on a fresh folder (shared with tests/demo)."""
    run = demo_run.acquire()
    try:
        yield run
    finally:
        demo_run.release()
