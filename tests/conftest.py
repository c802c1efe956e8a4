"""Shared test setup.

The repository's ``custom_components`` package must be imported before Home
Assistant imports its own test copy, or setup fails with "Integration not
found".  Every test may use loopback sockets (only 127.0.0.1 is allowed).
"""

import pytest

import custom_components  # noqa: F401


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let tests talk to simulated receivers on 127.0.0.1."""
