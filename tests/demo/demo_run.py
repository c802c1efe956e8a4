"""One real run of the demo, as a user starts it, shared by the stack-level tests.

``python -m scripts.demo`` (what ``./scripts/demo`` runs once set up) is
started on a fresh temporary config folder, with free ports on 127.0.0.1, and
read until it prints the address; the tests then look at what the user gets:
that address in a browser (``tests/e2e``), the entities, the logs
(``tests/demo``).  The run is shared within a test process (reference
counted: the last user stops it) and stopped with Ctrl-C, as a user would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import aiohttp

from scripts import demo
from scripts.stack import (
    HOST,
    ROOT,
    VENUE_SIZE,
    Stack,
    free_port,
    free_port_block,
    free_udp_port,
    login,
    ws_command,
)

__all__ = ["DemoRun", "acquire", "release"]

#: How long the demo may take from start to printing its address (a first
#: Home Assistant start on a fresh folder, on a 2-core CI machine).
START_TIMEOUT = 240.0
STOP_TIMEOUT = 60.0
_ADDRESS = re.compile(rf"^\s*{re.escape(demo.ADDRESS_LABEL)}\s+(?P<url>http://\S+)")
_CONTROL = re.compile(r"^\s*Simulator API:\s+(?P<url>http://\S+)")


@dataclass
class DemoRun:
    """A running demo and what it printed."""

    config: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    address: str = ""  # exactly what the demo printed
    control: str = ""
    printed_at: float = 0.0  # time.time() when the address line arrived
    started_at: float = field(default_factory=time.time)
    _printed: threading.Event = field(default_factory=threading.Event)
    _reader: threading.Thread | None = None

    @property
    def base(self) -> str:
        """Home Assistant's origin (the printed address without its path)."""
        match = re.match(r"^(http://[^/]+)", self.address)
        assert match, self.address
        return match.group(1)

    def text(self) -> str:
        """Everything the demo printed so far."""
        return "\n".join(self.output)

    def log(self) -> str:
        """Home Assistant's log file."""
        path = self.config / "home-assistant.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> dict[str, str]:
        """Every log of the run: the demo's own output, Home Assistant's, the simulator's."""
        found = {"demo output": self.text(), "home-assistant.log": self.log()}
        for path in sorted((self.config / "logs").glob("*")):
            found[f"logs/{path.name}"] = path.read_text(errors="replace")
        return found

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            self.output.append(line)
            if match := _CONTROL.match(line):
                self.control = match.group("url")
            if not self.address and (match := _ADDRESS.match(line)):
                self.address = match.group("url")
                self.printed_at = time.time()
        self._printed.set()  # end of output: the demo has stopped

    def wait_printed(self, timeout: float) -> None:
        """Wait until the demo prints its whole banner (or fail)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.address and self.control:
                return
            if self._printed.wait(0.2):
                break
        tail = "\n".join(self.log().splitlines()[-40:])
        raise RuntimeError(
            f"the demo printed no address within {timeout:.0f} s "
            f"(exit code {self.process.poll()}):\n{self.text()}\n"
            f"--- home-assistant.log ---\n{tail}"
        )

    def stack(self, token: str) -> Stack:
        """The run as ``scripts.stack`` sees it, with an access token."""
        return Stack(config=self.config, base=self.base, control=self.control, token=token)

    async def ws(self, *messages: dict[str, Any]) -> list[Any]:
        """Log in as the demo user and send websocket commands; their results."""
        async with aiohttp.ClientSession() as session:
            token = await login(session, self.base)
        stack = self.stack(token)
        return [await ws_command(stack, message) for message in messages]

    def stop(self) -> int | None:
        """Ctrl-C, as a user stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._reader is not None:
            self._reader.join(10)
        return self.process.returncode


def free_ports() -> list[str]:
    """The demo's port options, free on 127.0.0.1 now."""
    return [
        *("--port", str(free_port())),
        *("--base-port", str(free_port_block(VENUE_SIZE))),
        *("--control-port", str(free_port())),
        *("--slp-port", str(free_udp_port())),
    ]


def _free_ports_elsewhere() -> list[str]:
    # Picked in a child process: the test process's sockets are blocked
    # outside the tests themselves (pytest-socket).
    picked = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-c", "from tests.demo.demo_run import free_ports; print(*free_ports())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return picked.stdout.split()


def start() -> DemoRun:
    """Start the demo on a fresh folder and free ports; return once it printed the address."""
    ports = _free_ports_elsewhere()
    config = Path(tempfile.mkdtemp(prefix="micboard-demo-")) / "config"
    command = [*(sys.executable, "-m", "scripts.demo"), *("--config", str(config)), *ports]
    process = subprocess.Popen(  # noqa: S603 - the repository's own demo
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    run = DemoRun(config=config, process=process)
    run._reader = threading.Thread(target=run._read, name="demo-output", daemon=True)
    run._reader.start()
    try:
        run.wait_printed(START_TIMEOUT)
    except BaseException:
        run.stop()
        shutil.rmtree(config.parent, ignore_errors=True)
        raise
    if not run.address.startswith(f"http://{HOST}:"):
        run.stop()
        raise RuntimeError(f"the demo printed an address off loopback: {run.address}")
    return run


_lock = threading.Lock()
_run: DemoRun | None = None
_users = 0


def acquire() -> DemoRun:
    """The shared run, started on first use."""
    global _run, _users  # noqa: PLW0603 - one run per test process
    with _lock:
        if _run is None:
            _run = start()
        _users += 1
        return _run


def release() -> None:
    """Stop the shared run after its last user."""
    global _run, _users  # noqa: PLW0603
    with _lock:
        _users -= 1
        if _users == 0 and _run is not None:
            run, _run = _run, None
            run.stop()
            shutil.rmtree(run.config.parent, ignore_errors=True)


def entity_ids(run: DemoRun) -> list[str]:
    """Every entity id registered in the run."""
    (entities,) = asyncio.run(run.ws({"type": "config/entity_registry/list"}))
    return sorted(entry["entity_id"] for entry in entities)


def dump(value: Any) -> str:
    """Readable JSON for failure messages."""
    return json.dumps(value, indent=1, sort_keys=True)
