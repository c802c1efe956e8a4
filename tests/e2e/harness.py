"""The demo on free ports in a temporary folder, to work on the card by hand.

It never touches ``demo/config`` nor a running demo, listens on 127.0.0.1
only and announces nothing to the outside::

    .venv/bin/python -m tests.e2e.harness      # prints the address; Ctrl-C stops
"""

from __future__ import annotations

import sys
import tempfile

from scripts import demo
from scripts.stack import VENUE_SIZE, free_port, free_port_block, free_udp_port


def main() -> int:
    """Run the demo exactly as the tests do: fresh folder, free ports."""
    with tempfile.TemporaryDirectory(prefix="micboard-e2e-") as tmp:
        return demo.main(
            [
                *("--config", f"{tmp}/config"),
                *("--port", str(free_port())),
                *("--base-port", str(free_port_block(VENUE_SIZE))),
                *("--control-port", str(free_port())),
                *("--slp-port", str(free_udp_port())),
            ]
        )


if __name__ == "__main__":
    sys.exit(main())
